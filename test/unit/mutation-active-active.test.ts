// active-active on small literal histories, at the edges the behaviour tests
// (checks-ha-variants.test.ts) do not reach: each assertion failed on a
// changed checker (mutation testing, docs/mutation.md).
import { describe, expect, it } from 'vitest';
import { activeActive, crossed } from '../../harness/checks/kinds/active-active.js';
import type { HistoryEvent } from '../../harness/observe/history.js';
import { parseScenario } from '../../harness/scenario/load.js';
import { planTopology } from '../../harness/topology/plan.js';
import { fault } from '../support/faults.js';
import { haSites } from '../support/topologies.js';

const yaml = (o: { calls2?: boolean; vnf2?: string } = {}) => `
name: aa
duration: 20s
${haSites(true, ['vnf-c'])}
vnfs:
  - { name: vnf1, members: [east/vnf-a, west/vnf-b], backup: { network: backup }, external: { network: ext, vip: 198.18.201.100 }, witness: users/witness }
  - { name: vnf2, members: ${o.vnf2 ?? '[west/vnf-b, east/vnf-a]'}, backup: { network: backup }, external: { network: ext, vip: 198.18.201.101 }, witness: users/witness, backupPort: 7101, port: 5061 }
  - { name: vnf3, members: [west/vnf-b, users/vnf-c], backup: { network: backup }, external: { network: ext, vip: 198.18.201.102 }, backupPort: 7102, port: 5062 }
workload:
  - { kind: calls, name: calls1, from: users/client, vnf: vnf1 }
${o.calls2 === false ? '' : '  - { kind: calls, name: calls2, from: users/client, vnf: vnf2 }'}
checks:
  - { name: both, kind: active-active, requirements: [HA-ACTIVE-ACTIVE] }
  - { name: both2s, kind: active-active, vnf: vnf2, limit: 2s, requirements: [HA-ACTIVE-ACTIVE] }
`;
const load = (o: Parameters<typeof yaml>[0] = {}) => parseScenario('aa.yaml', yaml(o)).scenario;
const ctx = (name: string, o: Parameters<typeof yaml>[0] = {}) => {
  const scenario = load(o);
  return { scenario, plan: planTopology(scenario, 'abcdef'), spec: scenario.checks.find((c) => c.name === name)! };
};
const op = (t: number, process: string, type: 'invoke' | 'ok' | 'fail' | 'info', f: string, value: Record<string, unknown>): HistoryEvent => ({ t, kind: 'op', process, type, f, value });
const sorted = (...xs: HistoryEvent[][]) => xs.flat().sort((a, b) => a.t - b.t);
type Rows = Record<string, unknown>[];

/** Calls to each VIP every 200 ms for 20 s; `answer(vnf, t)` gives who answered the setup sent at t, or null for a failure. */
const calls = (answer: (vnf: string, t: number) => string | null, vnfs = ['vnf1', 'vnf2']): HistoryEvent[] =>
  vnfs.flatMap((vnf) =>
    Array.from({ length: 100 }, (_, i) => i * 200).flatMap((t) => {
      const p = `calls${vnf.slice(-1)}@users/client`;
      const call = `${vnf}-${t}`;
      const by = answer(vnf, t);
      return [op(t, p, 'invoke', 'call-setup', { call }), by === null ? op(t + 200, p, 'fail', 'call-setup', { call, reason: 'timeout' }) : op(t + 5, p, 'ok', 'call-setup', { call, by })];
    }),
  );
/** East lost at 8 s: vnf1 out until `until`, then served by west; vnf2 served by west throughout. */
const afterLoss = (until = 8400) => calls((vnf, t) => (vnf === 'vnf2' ? 'west-vnf-b' : t < 8000 ? 'east-vnf-a' : t < until ? null : 'west-vnf-b'));
const replication = (t: number, process: string, from: string, changes?: number) => op(t, process, 'info', 'replication', { from, ...(changes === undefined ? {} : { changes }) });
const both = [replication(3000, 'vnf1@west/vnf-b', 'east-vnf-a', 40), replication(3000, 'vnf2@east/vnf-a', 'west-vnf-b', 35)];
const lose = (t = 8000, site = 'east', name = 'lose') => fault({ kind: 'site-loss', site }, t, undefined, { name });

describe('active-active, edges', () => {
  it('records the group, the replication, each VIP\'s recovery and the limit (1 s by default)', () => {
    const o = activeActive.check(sorted(lose(), both, afterLoss()), ctx('both'));
    expect(o.status, o.summary).toBe('pass');
    expect(o.evidence).toEqual({
      group: ['vnf1', 'vnf2'],
      replication: [
        { vnf: 'vnf1', from: 'east/vnf-a', to: 'west/vnf-b', changes: 40 },
        { vnf: 'vnf2', from: 'west/vnf-b', to: 'east/vnf-a', changes: 35 },
      ],
      rows: [
        { fault: 'lose', vnf: 'vnf1', outageMs: 405, lastOfferedMs: 11800, servedBy: 'west-vnf-b', failedSetups: 2, failedAfterFirstServed: 0, resolutionMs: 200, status: 'pass', why: '' },
        { fault: 'lose', vnf: 'vnf2', outageMs: 5, lastOfferedMs: 11800, servedBy: 'west-vnf-b', failedSetups: 0, failedAfterFirstServed: 0, resolutionMs: 200, status: 'pass', why: '' },
      ],
      limitMs: 1000,
    });
    expect(o.summary).toBe('lose: vnf1 served new calls again after 405 ms (limit 1000 ms); lose: vnf2 served new calls again after 5 ms (limit 1000 ms); replicated both ways before the loss (vnf1 east/vnf-a -> west/vnf-b: 40 changes, vnf2 west/vnf-b -> east/vnf-a: 35 changes)');
  });
  it('takes the check\'s limit, and allows an outage of exactly it', () => {
    const o = activeActive.check(sorted(lose(), both, afterLoss(9800)), ctx('both2s'));
    expect(o.status, o.summary).toBe('pass');
    expect(o.summary).toMatch(/^lose: vnf1 served new calls again after 1805 ms \(limit 2000 ms\)/);
    expect(activeActive.check(sorted(lose(7805), both, afterLoss(8800)), ctx('both')).status).toBe('pass');
    expect(activeActive.check(sorted(lose(7804), both, afterLoss(8800)), ctx('both')).status).toBe('fail');
  });
  it('counts only changes each standby heard from its VIP\'s preferred active before the first loss, summed', () => {
    const h = (extra: HistoryEvent[]) => activeActive.check(sorted(lose(), extra, afterLoss()), ctx('both'));
    const summed = h([replication(1000, 'vnf1@west/vnf-b', 'east-vnf-a', 10), replication(2000, 'vnf1@west/vnf-b', 'east-vnf-a', 5), replication(2500, 'vnf1@west/vnf-b', 'east-vnf-a'), replication(3000, 'vnf2@east/vnf-a', 'west-vnf-b', 1)]);
    expect((summed.evidence.replication as Rows).map((r) => r.changes)).toEqual([15, 1]);
    const late = h([both[0]!, replication(8000, 'vnf2@east/vnf-a', 'west-vnf-b', 35)]);
    expect(late.summary).toBe('state not replicated both ways before the loss: vnf2 west/vnf-b -> east/vnf-a: no change');
    const stranger = h([both[0]!, replication(3000, 'vnf2@east/vnf-a', 'users-client', 35)]);
    expect(stranger.status).toBe('fail');
  });
  it('does not take calls answered by a member of the lost site for a recovery', () => {
    const stale = calls((vnf, t) => (vnf === 'vnf2' ? (t >= 8000 && t < 8600 ? 'east-vnf-a' : 'west-vnf-b') : t < 8000 ? 'east-vnf-a' : t < 8400 ? null : 'west-vnf-b'));
    const o = activeActive.check(sorted(lose(), both, stale), ctx('both'));
    expect((o.evidence.rows as Rows).map((r) => [r.vnf, r.outageMs])).toEqual([['vnf1', 405], ['vnf2', 605]]);
  });
  it('judges each loss up to the next one', () => {
    const answer = (vnf: string, t: number) => (t >= 8000 && t < 8400 && vnf === 'vnf1' ? null : t >= 12000 && t < 12600 ? null : vnf === 'vnf1' && t < 8000 ? 'east-vnf-a' : t >= 12000 ? 'east-vnf-a' : 'west-vnf-b');
    const o = activeActive.check(sorted(lose(), lose(12000, 'west', 'lose2'), both, calls(answer)), ctx('both'));
    expect((o.evidence.rows as Rows).map((r) => [r.fault, r.vnf, r.outageMs])).toEqual([['lose', 'vnf1', 405], ['lose', 'vnf2', 5], ['lose2', 'vnf1', 605], ['lose2', 'vnf2', 605]]);
  });
  it('fails a VIP that never served again, saying never; reads site losses only', () => {
    const h = sorted(lose(), fault({ kind: 'partition', link: 'ew' }, 3000, 4000, { name: 'cut' }), both, calls((vnf, t) => (vnf === 'vnf2' ? 'west-vnf-b' : t < 8000 ? 'east-vnf-a' : null)));
    const o = activeActive.check(h, ctx('both'));
    expect(o.status).toBe('fail');
    expect(o.summary).toMatch(/^lose: vnf1 served new calls again after never \(limit 1000 ms\); replicated both ways/);
    expect((o.evidence.rows as Rows).map((r) => [r.fault, r.vnf])).toEqual([['lose', 'vnf1'], ['lose', 'vnf2']]);
  });
  it('is unknown when a VIP of the pair has no call workload, saying which', () => {
    const o = activeActive.check(sorted(lose(), both, calls((_v, t) => (t < 8000 ? 'east-vnf-a' : 'west-vnf-b'), ['vnf1'])), ctx('both', { calls2: false }));
    expect(o.status).toBe('unknown');
    expect(o.summary).toBe('a VIP had no call workload; lose: vnf1 served new calls again after 5 ms (limit 1000 ms); vnf2: no call workload against vnf2; replicated both ways before the loss (vnf1 east/vnf-a -> west/vnf-b: 40 changes, vnf2 west/vnf-b -> east/vnf-a: 35 changes)');
  });
  it('is skipped without a site loss, keeping the evidence', () => {
    const o = activeActive.check(sorted(both, afterLoss()), ctx('both'));
    expect(o).toMatchObject({ status: 'skip', summary: 'no site loss in this run', evidence: { group: ['vnf1', 'vnf2'], rows: [], limitMs: 1000 } });
  });
  it('groups VNFs on exactly the same members, and validates that the pair is crossed', () => {
    const s = load();
    expect(crossed(s, s.vnfs[0]!).map((v) => v.name)).toEqual(['vnf1', 'vnf2']);
    expect(crossed(s, s.vnfs[2]!).map((v) => v.name)).toEqual(['vnf3']);
    const spec = ctx('both').spec;
    expect(activeActive.validate!(spec as never, s)).toEqual([]);
    expect(activeActive.validate!({ ...spec, vnf: 'vnf3' } as never, s)).toHaveLength(1);
    expect(activeActive.validate!({ ...spec, vnf: 'nope' } as never, s)).toEqual([]);
    const same = { ...s, vnfs: s.vnfs.map((v) => (v.name === 'vnf2' ? { ...v, members: ['east/vnf-a', 'west/vnf-b'] } : v)) };
    expect(activeActive.validate!(spec as never, same as never)).toEqual([[
      'vnf',
      'check "both" (active-active) needs VNFs on the same members with a different first (preferred active) member each, e.g. vnf1 [east/a, west/b] and vnf2 [west/b, east/a]',
    ]]);
    const longer = { ...s, vnfs: s.vnfs.map((v) => (v.name === 'vnf2' ? { ...v, members: ['west/vnf-b', 'east/vnf-a', 'users/client'] } : v)) };
    expect(crossed(longer as never, s.vnfs[0]!).map((v) => v.name)).toEqual(['vnf1']);
    expect(crossed(longer as never, longer.vnfs[1]!).map((v) => v.name)).toEqual(['vnf2']);
  });
});
