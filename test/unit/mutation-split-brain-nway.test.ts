// split-brain's sweep with three members (an nway VNF): two or more actives
// at once is one window however many are active inside it, from the moment a
// second member goes active until fewer than two are. Kills the sweep's
// boundary mutants (`before < 2` / `active >= 2` and their pair), which only
// differ when a third member joins or leaves inside a window (docs/mutation.md).
import { describe, expect, it } from 'vitest';
import { splitBrain } from '../../harness/checks/kinds/split-brain.js';
import type { HistoryEvent } from '../../harness/observe/history.js';
import { parseScenario } from '../../harness/scenario/load.js';
import { planTopology } from '../../harness/topology/plan.js';

const scenario = parseScenario(
  'nway.yaml',
  `
name: nway
duration: 20s
sites:
  - { name: s1, subnet: 198.18.1.0/24, nodes: [{ name: ctl, role: controller }, { name: m, role: vm }] }
  - { name: s2, subnet: 198.18.2.0/24, nodes: [{ name: ctl, role: controller }, { name: m, role: vm }] }
  - { name: s3, subnet: 198.18.3.0/24, nodes: [{ name: ctl, role: controller }, { name: m, role: vm }] }
  - { name: users, subnet: 198.18.4.0/24, nodes: [{ name: ctl, role: controller }, { name: client, role: vm }] }
links:
  - { name: l12, between: [s1, s2], latency: 5ms }
  - { name: l23, between: [s2, s3], latency: 5ms }
  - { name: l13, between: [s1, s3], latency: 5ms }
  - { name: l1u, between: [s1, users], latency: 5ms }
networks:
  - { name: backup, vni: 5001, cidr: 198.18.200.0/24, sites: [s1, s2, s3] }
  - { name: ext, vni: 5002, cidr: 198.18.201.0/24, sites: [s1, s2, s3, users] }
vnfs:
  - { name: vnf1, members: [s1/m, s2/m, s3/m], backup: { network: backup }, external: { network: ext, vip: 198.18.201.100 }, heartbeat: { interval: 50ms, misses: 3 } }
workload:
  - { kind: calls, name: calls, from: users/client, vnf: vnf1 }
checks:
  - { name: brain, kind: split-brain, vnf: vnf1, requirements: [HA-NO-SPLIT-BRAIN] }
`,
).scenario;
const ctx = { scenario, plan: planTopology(scenario, 'abcdef'), spec: scenario.checks[0]! };
const role = (t: number, m: string, to: string): HistoryEvent => ({ t, kind: 'op', process: `vnf1@${m}`, type: 'info', f: 'role', value: { from: '?', to, reason: 'test' } });
const end = (t: number): HistoryEvent => ({ t, kind: 'phase', phase: 'done' });

describe('split-brain with three members', () => {
  it('one window from the second active to fewer than two, a third active inside it changing nothing', () => {
    // s1 active throughout; s2 active 1000-1900; s3 active 1200-1800.
    const h = [role(0, 's1/m', 'active'), role(1000, 's2/m', 'active'), role(1200, 's3/m', 'active'), role(1800, 's3/m', 'standby'), role(1900, 's2/m', 'standby'), end(5000)];
    const o = splitBrain.check(h, ctx);
    expect(o.status).toBe('fail');
    expect(o.evidence.windows).toEqual([{ from: 1000, to: 1900, ms: 900 }]);
    expect(o.evidence).toMatchObject({ worstMs: 900, totalMs: 900, limitMs: 150 });
  });

  it('three at once ending together: the window closes once, when fewer than two are left', () => {
    const h = [role(0, 's1/m', 'active'), role(100, 's2/m', 'active'), role(300, 's3/m', 'active'), role(400, 's3/m', 'standby'), role(400, 's2/m', 'standby'), end(5000)];
    const o = splitBrain.check(h, ctx);
    expect(o.evidence.windows).toEqual([{ from: 100, to: 400, ms: 300 }]);
    expect(o.evidence).toMatchObject({ worstMs: 300, totalMs: 300 });
  });
});
