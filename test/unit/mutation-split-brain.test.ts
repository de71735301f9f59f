// split-brain and what it reads of a VNF (vnf-history) on small literal
// histories, at the edges the behaviour tests (checks-ha.test.ts) do not
// reach: each assertion failed on a changed checker (mutation testing,
// docs/mutation.md).
import { describe, expect, it } from 'vitest';
import { splitBrain, wireWindows } from '../../harness/checks/kinds/split-brain.js';
import { activeIntervals, callsOf, summarize, vnfOf } from '../../harness/checks/vnf-history.js';
import type { HistoryEvent } from '../../harness/observe/history.js';
import { parseScenario } from '../../harness/scenario/load.js';
import { planTopology } from '../../harness/topology/plan.js';
import { fault } from '../support/faults.js';
import { haSites } from '../support/topologies.js';

const yaml = (witness: boolean) => `
name: sb
duration: 20s
${haSites()}
vnfs:
  - { name: vnf0, members: [west/vnf-b, east/vnf-a], backup: { network: backup }, external: { network: ext, vip: 198.18.201.99 }, heartbeat: { interval: 100ms, misses: 5 }, backupPort: 7101, port: 5061 }
  - name: vnf1
    members: [east/vnf-a, west/vnf-b]
    backup: { network: backup }
    external: { network: ext, vip: 198.18.201.100 }
    heartbeat: { interval: 50ms, misses: 3 }
${witness ? '    witness: users/witness' : ''}
workload:
  - { kind: calls, name: calls0, from: users/client, vnf: vnf0 }
  - { kind: calls, name: calls1, from: users/client, vnf: vnf1 }
  - { kind: calls, name: calls1b, from: users/client, vnf: vnf1 }
checks:
  - { name: brain, kind: split-brain, vnf: vnf1, requirements: [HA-NO-SPLIT-BRAIN] }
  - { name: brain500, kind: split-brain, vnf: vnf1, limit: 500ms, requirements: [HA-NO-SPLIT-BRAIN] }
  - { name: first, kind: split-brain, requirements: [HA-NO-SPLIT-BRAIN] }
`;
const load = (witness: boolean) => parseScenario('sb.yaml', yaml(witness)).scenario;
const ctx = (name: string, witness = true) => {
  const scenario = load(witness);
  return { scenario, plan: planTopology(scenario, 'abcdef'), spec: scenario.checks.find((c) => c.name === name)! };
};
const op = (t: number, process: string, type: 'invoke' | 'ok' | 'fail' | 'info', f: string, value: Record<string, unknown>): HistoryEvent => ({ t, kind: 'op', process, type, f, value });
const role = (t: number, m: string, to: string, vnf = 'vnf1') => op(t, `${vnf}@${m}`, 'info', 'role', { from: '?', to, reason: 'test' });
const sorted = (...xs: HistoryEvent[][]) => xs.flat().sort((a, b) => a.t - b.t);
const A = 'fa:16:3e:00:00:0a';
const B = 'fa:16:3e:00:00:0b';
const members = op(0, 'vip-arp@vnf1', 'info', 'members', { macs: { [A]: 'east/vnf-a', [B]: 'west/vnf-b' } });
/** ARP probes every 250 ms from 0 to 10 s; `answer(t)` gives the MACs that replied. */
const wire = (answer: (t: number) => string[]) => [members, ...Array.from({ length: 41 }, (_, i) => op(i * 250 + 5, 'vip-arp@vnf1', 'info', 'probe', { sent: i * 250, macs: answer(i * 250) }))];
const one = () => [A];

describe('wireWindows', () => {
  it('groups consecutive probes two MACs answered, in the order sent, naming members (unknown MACs as they are)', () => {
    const C = 'fa:16:3e:00:00:0c';
    const probes = [
      { sent: 500, macs: [A, B] },
      { sent: 0, macs: [A] },
      { sent: 250, macs: [B, A] },
      { sent: 750, macs: [] },
      { sent: 1000, macs: [A, C, A] },
    ];
    expect(wireWindows(probes, { [A]: 'east/vnf-a', [B]: 'west/vnf-b' }, 100)).toEqual([
      { from: 250, to: 500, minMs: 250, maxMs: 450, probes: 2, members: ['east/vnf-a', 'west/vnf-b'] },
      { from: 1000, to: 1000, minMs: 0, maxMs: 200, probes: 1, members: ['east/vnf-a', C] },
    ]);
    expect(wireWindows([{ sent: 0, macs: [A, B] }], {})[0]).toMatchObject({ minMs: 0, maxMs: 500, members: [A, B] });
    expect(wireWindows([], {})).toEqual([]);
  });
});

describe('split-brain, edges', () => {
  it('reports the mode, the limit (the heartbeat timeout by default), and the wire counts', () => {
    const h = sorted([role(0, 'east/vnf-a', 'active')], wire((t) => (t === 500 ? [] : [A])), [op(7, 'vip-arp@vnf1', 'info', 'probe', { sent: 10000 })]);
    const o = splitBrain.check(h, ctx('brain'));
    expect(o.status).toBe('pass');
    expect(o.evidence).toEqual({
      mode: 'witness users/witness',
      windows: [],
      worstMs: 0,
      totalMs: 0,
      limitMs: 150,
      heartbeatTimeoutMs: 150,
      wire: { probes: 42, answeredByOne: 40, unanswered: 2, windows: [], note: null },
    });
    const naive = splitBrain.check(h, ctx('brain500', false));
    expect(naive.evidence).toMatchObject({ mode: 'naive (no witness)', limitMs: 500, heartbeatTimeoutMs: 150 });
    expect(naive.summary).toBe('never two actives at once (limit 500 ms, naive (no witness)); on the wire one MAC at most answered each of 42 ARP probes');
  });
  it('does not count a member taking over at the very moment the other stepped down', () => {
    const o = splitBrain.check(sorted([role(0, 'east/vnf-a', 'active'), role(5000, 'east/vnf-a', 'standby'), role(5000, 'west/vnf-b', 'active')], wire(one)), ctx('brain'));
    expect(o.evidence.windows).toEqual([]);
    expect(o.summary).toMatch(/^never two actives at once/);
  });
  it('does not count a member stepping down at the very moment one listed before it takes over', () => {
    const o = splitBrain.check(sorted([role(0, 'west/vnf-b', 'active'), role(5000, 'west/vnf-b', 'standby'), role(5000, 'east/vnf-a', 'active')], wire(one)), ctx('brain'));
    expect(o.evidence.windows).toEqual([]);
  });
  it('measures every window of two actives, the worst and the total, against the check\'s limit', () => {
    const roles = [role(0, 'east/vnf-a', 'active'), role(2000, 'west/vnf-b', 'active'), role(2300, 'west/vnf-b', 'standby'), role(4000, 'west/vnf-b', 'active'), role(4100, 'west/vnf-b', 'standby')];
    const o = splitBrain.check(sorted(roles, wire(one)), ctx('brain500'));
    expect(o.status).toBe('pass');
    expect(o.evidence).toMatchObject({ windows: [{ from: 2000, to: 2300, ms: 300 }, { from: 4000, to: 4100, ms: 100 }], worstMs: 300, totalMs: 400 });
    expect(o.summary).toBe('two actives for at most 300 ms (limit 500 ms, witness users/witness); on the wire one MAC at most answered each of 41 ARP probes');
    const f = splitBrain.check(sorted(roles, wire(one)), ctx('brain'));
    expect(f.status).toBe('fail');
    expect(f.summary).toBe('split brain: two actives at once for 300 ms (2 window(s) reported by the members, 400 ms in all; limit 150 ms, witness users/witness); on the wire one MAC at most answered each of 41 ARP probes');
  });
  it('allows two actives for exactly the limit, by the members and on the wire', () => {
    const members500 = [role(0, 'east/vnf-a', 'active'), role(2000, 'west/vnf-b', 'active'), role(2500, 'west/vnf-b', 'standby')];
    expect(splitBrain.check(sorted(members500, wire(one)), ctx('brain500')).status).toBe('pass');
    expect(splitBrain.check(sorted([role(0, 'east/vnf-a', 'active'), role(2000, 'west/vnf-b', 'active'), role(2501, 'west/vnf-b', 'standby')], wire(one)), ctx('brain500')).status).toBe('fail');
    // Two MACs from 1000 to 1250: at least 250 ms, at most 750 ms.
    const wired = (to: number) => splitBrain.check(sorted([role(0, 'east/vnf-a', 'active')], wire((t) => (t >= 1000 && t <= to ? [A, B] : [A]))), ctx('brain500'));
    const unsure = wired(1250);
    expect(unsure.status).toBe('unknown');
    expect(unsure.summary).toBe('two MACs answered ARP for the VIP for 250 to 750 ms (probes every 250 ms): cannot tell it from the 500 ms limit; on the wire 1 window(s) with two MACs answering ARP for 198.18.201.100 (east/vnf-a + west/vnf-b: 2 probes, 250-750 ms)');
    const single = wired(1000);
    expect(single.status).toBe('pass');
    expect(single.summary).toBe('never two actives at once (limit 500 ms, witness users/witness); on the wire 1 window(s) with two MACs answering ARP for 198.18.201.100 (east/vnf-a + west/vnf-b: 1 probes, 0-500 ms)');
    expect(wired(1500).status).toBe('unknown');
    expect(wired(1750).summary).toMatch(/^split brain: two actives at once for 750 ms \(0 window\(s\) reported by the members, 0 ms in all; limit 500 ms/);
  });
  it('reads the wire when some probe was answered, even if another failed; is unknown on the members alone when none was', () => {
    const failed = op(3, 'vip-arp@vnf1', 'fail', 'probe', { error: 'arping: no reply socket' });
    const o = splitBrain.check(sorted([role(0, 'east/vnf-a', 'active')], wire(one), [failed]), ctx('brain'));
    expect(o.status).toBe('pass');
    expect((o.evidence.wire as { note: unknown }).note).toBeNull();
    const blind = splitBrain.check(sorted([role(0, 'east/vnf-a', 'active'), role(2000, 'west/vnf-b', 'active'), role(2100, 'west/vnf-b', 'standby')], [failed]), ctx('brain'));
    expect(blind.status).toBe('unknown');
    expect(blind.summary).toBe("two actives for at most 100 ms by the members' own account (limit 150 ms, witness users/witness), but the wire was not watched: arping: no reply socket");
    expect((blind.evidence.wire as { note: unknown }).note).toBe('arping: no reply socket');
    const none = splitBrain.check(sorted([role(0, 'east/vnf-a', 'active')]), ctx('brain'));
    expect(none).toMatchObject({ status: 'unknown', summary: 'no ARP probe of the VIP answered: the wire gives no account of who held it' });
    // Probes sent but never answered by any MAC are no account either.
    const deaf = Array.from({ length: 40 }, (_, i) => op(i * 100, 'vip-arp@vnf1', 'info', 'probe', { sent: i * 100, macs: [] }));
    const unheard = splitBrain.check(sorted([role(0, 'east/vnf-a', 'active')], deaf), ctx('brain'));
    expect(unheard).toMatchObject({ status: 'unknown', summary: 'no ARP probe of the VIP answered: the wire gives no account of who held it' });
    expect(unheard.evidence.wire).toMatchObject({ probes: 40, unanswered: 40 });
  });
  it('is unknown when no member ever became active; reads the first VNF by default', () => {
    expect(splitBrain.check(sorted([role(0, 'east/vnf-a', 'standby')], wire(one)), ctx('brain'))).toEqual({ status: 'unknown', summary: 'no member ever became active', evidence: {} });
    const first = splitBrain.check(sorted([role(0, 'east/vnf-a', 'active')], wire(one)), ctx('first'));
    expect(first.status).toBe('unknown');
    expect(splitBrain.check(sorted([role(0, 'east/vnf-a', 'active', 'vnf0')]), ctx('first')).evidence).toMatchObject({ heartbeatTimeoutMs: 500 });
  });
});

describe('vnf-history', () => {
  const scenario = load(true);
  const v1 = scenario.vnfs[1]!;
  const spec = (x: Record<string, string>) => ({ scenario, plan: planTopology(scenario, 'abcdef'), spec: { name: 'c', ...x } });
  it('reads the VNF and the call workload a check names, else the first, and says when there is none', () => {
    expect(vnfOf(spec({})).name).toBe('vnf0');
    expect(vnfOf(spec({ vnf: 'vnf1' })).name).toBe('vnf1');
    expect(() => vnfOf(spec({ vnf: 'nope' }))).toThrow('check c has no VNF to read');
    expect(callsOf(spec({}), v1).name).toBe('calls1');
    expect(callsOf(spec({ workload: 'calls1b' }), v1).name).toBe('calls1b');
    expect(() => callsOf(spec({ workload: 'calls0' }), v1)).toThrow('check c has no call workload against VNF vnf1');
  });
  it('ends an active span at the next role that is not active, or at the member\'s death, counting a role at that very moment', () => {
    const h = sorted(
      fault({ kind: 'site-loss', site: 'west' }, 6000, undefined, { name: 'lose', stopped: { 'west/vnf-b': 6000 } }),
      [role(100, 'east/vnf-a', 'active'), role(200, 'east/vnf-a', 'active'), role(1000, 'east/vnf-a', 'standby'), role(1100, 'east/vnf-a', 'standby'), role(2000, 'east/vnf-a', 'active')],
      [role(3000, 'west/vnf-b', 'active'), role(6000, 'west/vnf-b', 'standby'), role(7000, 'west/vnf-b', 'active')],
    );
    expect([...activeIntervals(h, v1, 9000)]).toEqual([
      ['east/vnf-a', [[100, 1000], [2000, 9000]]],
      ['west/vnf-b', [[3000, 6000]]],
    ]);
  });
  it('folds rows: any failure fails, else an unknown says why and lists every row', () => {
    const text = (r: { n: number }) => `row ${r.n}`;
    expect(summarize([{ n: 1, status: 'pass' as const }, { n: 2, status: 'unknown' as const }], text, 'why')).toEqual({ status: 'unknown', summary: 'why; row 1; row 2', evidence: { rows: [{ n: 1, status: 'pass' }, { n: 2, status: 'unknown' }] } });
    expect(summarize([{ n: 1, status: 'fail' as const }, { n: 2, status: 'unknown' as const }], text, 'why')).toMatchObject({ status: 'fail', summary: 'row 1' });
    expect(summarize([{ n: 1, status: 'pass' as const }], text, 'why')).toEqual({ status: 'pass', summary: 'row 1', evidence: { rows: [{ n: 1, status: 'pass' }] } });
  });
});
