// remote-port-fdb on literal histories, at the edges the behaviour tests
// (checks-ha.test.ts) do not reach: each assertion failed on a changed
// checker (mutation testing, docs/mutation.md).
import { describe, expect, it } from 'vitest';
import { remotePortFdb } from '../../harness/checks/kinds/remote-port-fdb.js';
import type { HistoryEvent } from '../../harness/observe/history.js';
import { parseScenario } from '../../harness/scenario/load.js';
import { planTopology } from '../../harness/topology/plan.js';

const scenario = parseScenario(
  'rp.yaml',
  `
name: rp
duration: 20s
sites:
  - { name: east, subnet: 198.18.1.0/24, nodes: [{ name: ctl, role: controller }, { name: hb }] }
  - { name: west, subnet: 198.18.2.0/24, nodes: [{ name: ctl, role: controller }, { name: hb }] }
links:
  - { name: ew, between: [east, west], latency: 5ms }
networks:
  - { name: backup, vni: 5001, cidr: 198.18.200.0/24, sites: [east, west] }
workload:
  - { kind: heartbeat, name: hb, from: east/hb, to: west/hb, interval: 50ms }
  - { kind: remote-port-crud, name: crud, network: backup, site: west, tunnelIps: [198.18.1.2, 198.18.1.9] }
  - { kind: remote-port-crud, name: crud2, network: backup, site: east, tunnelIps: [198.18.2.2, 198.18.2.9] }
checks:
  - { name: fdb, kind: remote-port-fdb, requirements: [HA-REMOTE-PORT-L2POP] }
  - { name: fdb2, kind: remote-port-fdb, workload: crud2, requirements: [HA-REMOTE-PORT-L2POP] }
`,
).scenario;
const ctx = (name: string) => ({ scenario, plan: planTopology(scenario, 'abcdef'), spec: scenario.checks.find((c) => c.name === name)! });
const op = (process: string, type: 'invoke' | 'ok' | 'fail' | 'info', f: string, value: Record<string, unknown> = {}): HistoryEvent => ({ t: 1, kind: 'op', process, type, f, value });
const STEPS = ['create', 'show', 'vtep-query', 'update', 'delete'];
const steps = (w = 'crud') => STEPS.map((f) => op(`${w}@harness`, 'ok', f));
const obs = (step: string, portExists: boolean, mac: boolean, flood = mac, neigh = mac, w = 'crud') => op(`${w}@harness`, 'info', 'fdb', { step, portExists, mac, flood, neigh });
const good = (w = 'crud') => [obs('create', true, true, true, true, w), obs('delete', false, false, false, false, w)];

describe('remote-port-fdb, edges', () => {
  it('reads the workload a check names, else the first remote-port-crud one, and only its own events', () => {
    expect(remotePortFdb.check([...steps(), ...good()], ctx('fdb')).status).toBe('pass');
    expect(remotePortFdb.check([...steps('crud2'), ...good('crud2')], ctx('fdb2')).summary).toBe(
      'every API step answered (create, show, vtep-query, update, delete); FDB, flood and ARP-proxy entries followed the remote port through 2 observations',
    );
    expect(remotePortFdb.check([...steps(), ...good()], ctx('fdb2')).status).toBe('unknown');
    const others = [op('crud2@harness', 'fail', 'create', { error: 'HTTP 500' }), obs('create', true, false, false, false, 'crud2'), { t: 1, kind: 'phase', name: 'x' } as unknown as HistoryEvent];
    expect(remotePortFdb.check([...steps(), ...good(), ...others], ctx('fdb')).status).toBe('pass');
    const none = { ...ctx('fdb'), scenario: { ...scenario, workload: scenario.workload.filter((w) => w.kind !== 'remote-port-crud') } };
    expect(() => remotePortFdb.check([], none)).toThrow('check fdb has no remote-port-crud workload to read');
  });
  it('records each step\'s answer (null when never answered) and every observation', () => {
    const h = [op('crud@harness', 'invoke', 'create'), op('crud@harness', 'info', 'show'), ...steps().slice(0, 3), ...good()];
    const o = remotePortFdb.check(h, ctx('fdb'));
    expect(o.status).toBe('unknown');
    expect(o.evidence).toEqual({
      steps: [{ step: 'create', answer: 'ok' }, { step: 'show', answer: 'ok' }, { step: 'vtep-query', answer: 'ok' }, { step: 'update', answer: null }, { step: 'delete', answer: null }],
      observations: good().map((e) => (e as { value: unknown }).value),
    });
  });
  it('wants every entry while the port exists and none after, naming at most two disagreements', () => {
    const judge = (...o: HistoryEvent[]) => remotePortFdb.check([...steps(), ...o], ctx('fdb'));
    expect(judge(obs('create', true, true, false, true)).status).toBe('fail');
    expect(judge(obs('create', true, true, true, false)).status).toBe('fail');
    expect(judge(obs('create', true, false, true, true)).status).toBe('fail');
    expect(judge(obs('delete', false, false, true, false)).status).toBe('fail');
    expect(judge(obs('delete', false, false, false, true)).status).toBe('fail');
    expect(judge(obs('create', true, true), obs('delete', false, false)).status).toBe('pass');
    const three = judge(obs('create', true, false), obs('update', true, false), obs('delete', false, true));
    expect(three.summary).toBe('3 of 3 observations disagree: after create: port exists, fdb absent, flood absent, neigh absent; after update: port exists, fdb absent, flood absent, neigh absent');
  });
  it('says why each failed step failed: its error, a wrong VTEP read back, or just failed', () => {
    const h = [op('crud@harness', 'fail', 'create'), op('crud@harness', 'fail', 'vtep-query', { expected: '198.18.1.2', got: '198.18.9.9' }), op('crud@harness', 'fail', 'delete', { error: 'HTTP 409' }), op('crud@harness', 'fail', 'fdb', { error: 'not a step' }), ...good()];
    expect(remotePortFdb.check(h, ctx('fdb')).summary).toBe('3 API step(s) failed: create: failed; vtep-query: binding:vtep_ip read back 198.18.9.9, expected 198.18.1.2; delete: HTTP 409');
  });
  it('is unknown when every step answered but nothing was observed', () => {
    expect(remotePortFdb.check(steps(), ctx('fdb')).summary).toBe('the workload never completed any FDB observation: 0 FDB observations');
  });
});
