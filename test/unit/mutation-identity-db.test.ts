// galera-quorum and write-availability on small literal histories, at the
// edges the behaviour tests (checks-identity-faults.test.ts) do not reach:
// each assertion failed on a changed checker (mutation testing,
// docs/mutation.md).
import { describe, expect, it } from 'vitest';
import { galeraQuorum } from '../../harness/checks/kinds/galera-quorum.js';
import { cleanRefusal, writeAvailability } from '../../harness/checks/kinds/write-availability.js';
import type { HistoryEvent, OpEvent } from '../../harness/observe/history.js';
import { parseScenario } from '../../harness/scenario/load.js';
import { planTopology } from '../../harness/topology/plan.js';
import { fault } from '../support/faults.js';
import { THREE_REGIONS } from '../support/topologies.js';

const yaml = (database: string) => `
name: idq
duration: 30s
${THREE_REGIONS}
identity: { provider: fernet, placement: distributed, site: east, database: ${database} }
workload:
  - { kind: writes, name: writes, rate: 4 }
  - { kind: writes, name: w2, rate: 4, regions: [west] }
checks:
  - { name: quorum, kind: galera-quorum, requirements: [ID-GALERA-MINORITY] }
  - { name: quorum5, kind: galera-quorum, limit: 5s, requirements: [ID-GALERA-MINORITY] }
  - { name: writes, kind: write-availability, requirements: [ID-WRITES-CLEAN] }
  - { name: writes2, kind: write-availability, workload: w2, limit: 2s, requirements: [ID-WRITES-CLEAN] }
`;
const scenario = parseScenario('idq.yaml', yaml('galera')).scenario;
const plan = planTopology(scenario, 'abcdef');
const ctx = (name: string) => ({ scenario, plan, spec: scenario.checks.find((c) => c.name === name)! });
type Rows = Record<string, unknown>[];
const rows = (o: { evidence: Record<string, unknown> }) => o.evidence.rows as Rows;
const byT = (h: HistoryEvent[]) => h.sort((a, b) => a.t - b.t);
const REGIONS = ['east', 'west', 'north'];

/** East cut off from both others from 4 s to 16 s. */
const partition = (start = 4000, end = 16000) => ['ew', 'en'].flatMap((link) => fault({ kind: 'partition', link }, start, end, { name: `cut-${link}` }));
const wsrep = (site: string, t: number, status: string, ready = status === 'Primary'): HistoryEvent => ({ t, kind: 'op', process: `wsrep@${site}`, type: 'info', f: 'wsrep', value: { status, ready } });
/** Writes of `process` sent at each time, answered 10 ms later with `status` (or an error) for each. */
function writes(process: string, sent: readonly number[], answer: (t: number) => number | string = () => 201): HistoryEvent[] {
  return sent.flatMap((t, n): HistoryEvent[] => {
    const a = answer(t);
    return [
      { t, kind: 'op', process, type: 'invoke', f: 'write', value: { n } },
      { t: t + 10, kind: 'op', process, type: a === 201 ? 'ok' : 'fail', f: 'write', value: { n, ...(typeof a === 'number' ? { status: a } : { error: a }) } },
    ];
  });
}
/** A probe that could not reach its node: no readiness reported. */
const unreachable = (site: string, t: number): HistoryEvent => ({ t, kind: 'op', process: `wsrep@${site}`, type: 'info', f: 'wsrep', value: { status: 'unreachable' } });
const every = (from: number, to: number, step: number) => Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => from + i * step);

describe('galera-quorum, edges', () => {
  const good = (eastLost = 6500, eastBack = 17500) => [...partition(), ...REGIONS.map((s) => wsrep(s, 0, 'Primary')), wsrep('east', 4000 + eastLost, 'non-Primary'), wsrep('east', eastBack, 'Primary')];
  const check = (name: string, ...h: HistoryEvent[][]) => galeraQuorum.check(byT(h.flat()), ctx(name));
  it('judges the minority and the majority of each cut, with every figure, reading only wsrep probes', () => {
    // A node that stayed Primary counts writes from the limit on: those sent at 14 s and after.
    const o = check('quorum', good(), writes('writes@west', [13990, 14000, 15000]));
    expect(o.status, o.summary).toBe('pass');
    expect(rows(o)).toEqual([
      { cut: ['en', 'ew'], durationMs: 12000, members: ['east'], side: 'minority', sites: [{ site: 'east', statusAtEnd: 'non-Primary', nonPrimaryAfterMs: 6500, unreachableAfterMs: null, primaryAgainAfterHealMs: 1500, acceptedWrites: 0 }], problems: [], unknownWhy: null, status: 'pass' },
      {
        cut: ['en', 'ew'],
        durationMs: 12000,
        members: ['north', 'west'],
        side: 'majority',
        sites: [
          { site: 'north', statusAtEnd: 'Primary', nonPrimaryAfterMs: null, unreachableAfterMs: null, primaryAgainAfterHealMs: 0, acceptedWrites: 0 },
          { site: 'west', statusAtEnd: 'Primary', nonPrimaryAfterMs: null, unreachableAfterMs: null, primaryAgainAfterHealMs: 0, acceptedWrites: 2 },
        ],
        problems: [],
        unknownWhy: null,
        status: 'pass',
      },
    ]);
    expect(o.summary).toBe('east (minority) non-Primary after 6500 ms, refused writes, Primary again 1500 ms after healing; north+west (majority) stayed Primary');
  });
  it('allows the minority to leave Primary at the limit, not after; the limit is the check\'s', () => {
    expect(check('quorum', good(10000)).status).toBe('pass');
    const late = check('quorum', good(10001));
    expect(late.status).toBe('fail');
    expect(late.summary).toBe('east (minority) stayed Primary for 10001 ms: split brain');
    const five = check('quorum5', good(5001));
    expect(five.summary).toBe('east (minority) stayed Primary for 5001 ms: split brain');
    expect(check('quorum5', good(5000)).status).toBe('pass');
  });
  it('counts minority writes accepted from when it left Primary (or the limit) to the heal', () => {
    const at = (sent: number[]) => check('quorum', good(), writes('writes@east', sent));
    expect(rows(at([10400, 10500, 15990, 16000]))[0]).toMatchObject({ sites: [expect.objectContaining({ acceptedWrites: 2 })], problems: ['east (minority) accepted 2 write(s) during the partition'] });
    const never = check('quorum', [...partition(), ...REGIONS.map((s) => wsrep(s, 0, 'Primary'))], writes('writes@east', [13999, 14000]));
    expect(never.summary).toBe('east (minority) stayed Primary for the whole partition: split brain; east (minority) accepted 1 write(s) during the partition');
  });
  it('counts a status at the very start of the cut, not one at its very end', () => {
    expect(rows(check('quorum', good(0)))[0]).toMatchObject({ sites: [expect.objectContaining({ nonPrimaryAfterMs: 0 })] });
    const atEnd = check('quorum', good(12000));
    expect(rows(atEnd)[0]).toMatchObject({ sites: [expect.objectContaining({ nonPrimaryAfterMs: null, statusAtEnd: 'non-Primary' })] });
  });
  it('needs Primary and synced after healing, within the limit', () => {
    const notReady = [...partition(), ...REGIONS.map((s) => wsrep(s, 0, 'Primary')), wsrep('east', 10500, 'non-Primary'), wsrep('east', 16000, 'Primary', false)];
    const o = check('quorum', notReady, [wsrep('east', 26000, 'Primary')]);
    expect(rows(o)[0]).toMatchObject({ sites: [expect.objectContaining({ statusAtEnd: 'Primary', primaryAgainAfterHealMs: 10000 })], status: 'pass' });
    const late = check('quorum', notReady, [wsrep('east', 26001, 'Primary')]);
    expect(late.summary).toBe('east not Primary again within 10000 ms of healing');
    expect(check('quorum', notReady).summary).toBe('east not Primary again within 10000 ms of healing');
    expect(rows(check('quorum', notReady, [wsrep('east', 16000, 'Primary')]))[0]).toMatchObject({ sites: [expect.objectContaining({ primaryAgainAfterHealMs: 0 })] });
  });
  it('with two Galera sites split one and one, both are minorities', () => {
    const h = [...partition(), wsrep('east', 0, 'Primary'), wsrep('west', 0, 'Primary'), wsrep('east', 5000, 'non-Primary'), wsrep('west', 5000, 'non-Primary'), wsrep('east', 16500, 'Primary'), wsrep('west', 16500, 'Primary')];
    const o = check('quorum', h);
    expect(o.status, o.summary).toBe('pass');
    expect(rows(o).map((r) => [r.members, r.side])).toEqual([[['east'], 'minority'], [['west'], 'minority']]);
  });
  it('an unreachable minority node is unknown, named in the summary with the others', () => {
    const h = [...partition(), ...REGIONS.map((s) => wsrep(s, 0, 'Primary')), unreachable('east', 5000), wsrep('east', 16500, 'Primary')];
    const o = check('quorum', h);
    expect(o.status).toBe('unknown');
    expect(rows(o)[0]).toMatchObject({ sites: [expect.objectContaining({ unreachableAfterMs: 1000, nonPrimaryAfterMs: null })], problems: [], status: 'unknown' });
    expect(o.summary).toBe('east unreachable by its probe during the partition: its Galera state is not known');
  });
  it('reads a node first probed after the heal, wants Primary and ready, and ignores Primary reports during the cut', () => {
    const h = [...partition(), wsrep('east', 0, 'Primary'), wsrep('north', 0, 'Primary'), wsrep('west', 5000, 'Primary'), wsrep('east', 10500, 'non-Primary'), wsrep('east', 16000, 'non-Primary', true), wsrep('east', 17000, 'Primary')];
    const o = check('quorum', h);
    expect(o.status, o.summary).toBe('pass');
    expect(rows(o)[0]).toMatchObject({ sites: [expect.objectContaining({ primaryAgainAfterHealMs: 1000 })] });
    const late = check('quorum', [...partition(), wsrep('east', 0, 'Primary'), wsrep('north', 0, 'Primary'), wsrep('east', 10500, 'non-Primary'), wsrep('east', 17000, 'Primary'), wsrep('west', 17500, 'Primary')]);
    expect(rows(late)[1]).toMatchObject({ sites: [expect.objectContaining({ site: 'north' }), expect.objectContaining({ site: 'west', statusAtEnd: null, primaryAgainAfterHealMs: 1500 })] });
  });
  it('judges a node that was unreachable and then reported non-Primary; names an unreachable node among problems', () => {
    const seen = check('quorum', [...partition(), ...REGIONS.map((s) => wsrep(s, 0, 'Primary')), unreachable('east', 5000), wsrep('east', 6000, 'non-Primary'), wsrep('east', 16500, 'Primary')]);
    expect(seen.status, seen.summary).toBe('pass');
    const both = check('quorum', [...partition(), ...REGIONS.map((s) => wsrep(s, 0, 'Primary')), unreachable('east', 5000)]);
    expect(both.status).toBe('fail');
    expect(both.summary).toBe('east not Primary again within 10000 ms of healing; east unreachable by its probe during the partition: its Galera state is not known');
  });
  it('counts the writes of the writes workload, not the first workload of another kind', () => {
    const tok = { kind: 'tokens', name: 'tok', rate: 20, via: 'identity' } as unknown as (typeof scenario.workload)[number];
    const first = { ...ctx('quorum'), scenario: { ...scenario, workload: [tok, ...scenario.workload] } };
    const o = galeraQuorum.check(byT([...good(), ...writes('writes@east', [12000]), ...writes('tok@east', [12000, 12500])]), first);
    expect(o.summary).toBe('east (minority) accepted 1 write(s) during the partition');
  });
  it('needs a Galera identity database', () => {
    const local = parseScenario('l.yaml', yaml('galera').replace('  - { name: quorum, kind: galera-quorum, requirements: [ID-GALERA-MINORITY] }\n  - { name: quorum5, kind: galera-quorum, limit: 5s, requirements: [ID-GALERA-MINORITY] }\n', '')).scenario;
    const spec = ctx('quorum').spec;
    expect(galeraQuorum.validate!(spec as never, { ...local, identity: { ...local.identity!, database: 'local' } } as never)).toEqual([[null, 'check "quorum" (galera-quorum) needs a Galera identity database: set identity.database']]);
    expect(galeraQuorum.validate!(spec as never, { ...local, identity: undefined } as never)).toHaveLength(1);
    expect(galeraQuorum.validate!(spec as never, scenario)).toEqual([]);
  });
});

describe('write-availability, edges', () => {
  const audit = (missing: Record<string, string[]> = {}, regions = REGIONS): HistoryEvent[] =>
    regions.map((region) => ({ t: 30000, kind: 'op', process: 'identity@harness', type: 'info', f: 'audit', value: { region, acked: 10, missing: missing[region] ?? [] } }));
  const all = (answer: (region: string, t: number) => number | string = () => 201, times = every(0, 20000, 500)) => REGIONS.flatMap((r) => writes(`writes@${r}`, times, (t) => answer(r, t)));
  const check = (name: string, ...h: HistoryEvent[][]) => writeAvailability.check(byT(h.flat()), ctx(name));
  it('tells a clean refusal (4xx, 503) from a failure', () => {
    const e = (status: unknown): OpEvent => ({ t: 0, kind: 'op', process: 'p', type: 'fail', f: 'write', value: { status } });
    expect([399, 400, 404, 499, 500, 502, 503, 504, undefined].map((s) => cleanRefusal(e(s)))).toEqual([false, true, true, true, false, false, true, false, false]);
    expect(cleanRefusal({ t: 0, kind: 'op', process: 'p', type: 'fail', f: 'write' })).toBe(false);
  });
  it('skips a run without an outage; reports each region of a run with one', () => {
    expect(check('writes', all(), audit())).toEqual({ status: 'skip', summary: 'no fault took the identity database away in this run (partition, impair, pause-node, site-loss): nothing to judge', evidence: {} });
    const o = check('writes', partition(), all(), audit());
    expect(o.status, o.summary).toBe('pass');
    const each = '41/41 ok, 0 refused cleanly during faults and recovery, resumed 10 ms after healing';
    expect(o.summary).toBe(`east: ${each}; west: ${each}; north: ${each}`);
    expect(rows(o)[0]).toEqual({ region: 'east', writes: 41, ok: 41, duringFaults: 33, refusedCleanly: 0, refusals: [], resumedAfterHealMs: 10, audited: true, missing: 0, problems: [], status: 'pass' });
  });
  it('allows clean refusals until the limit after healing, and reports them and the resumption', () => {
    const o = check('writes', partition(), all((r, t) => (r === 'east' && t >= 4000 && t < 17000 ? (t < 10000 ? 503 : 409) : 201)), audit());
    expect(o.status, o.summary).toBe('pass');
    // During: answered after the cut began and sent before 10 s after its heal (4 s to 20 s here).
    expect(rows(o)[0]).toMatchObject({ duringFaults: 33, refusedCleanly: 26, refusals: ['503', '409'], resumedAfterHealMs: 1010 });
    expect(o.summary).toMatch(/^east: 15\/41 ok, 26 refused cleanly during faults and recovery \(503, 409\), resumed 1010 ms after healing; west: /);
  });
  it('judges a write sent at the limit after healing as outside the faults', () => {
    const fails = (t0: number) => check('writes', partition(), all((r, t) => (r === 'east' && t >= 4000 && t < 16000 ? 503 : r === 'east' && t === t0 ? 503 : 201), every(0, 27000, 500)), audit());
    expect(fails(25500).status).toBe('pass');
    const o = fails(26000);
    expect(o.status).toBe('fail');
    expect(o.summary).toBe('east: 1 write(s) failed outside faults');
  });
  it('names unclean refusals once each, and counts the clean ones apart', () => {
    const o = check('writes', partition(), all((r, t) => (r === 'east' && t >= 4000 && t < 16000 ? (t === 5000 ? 500 : t === 5500 || t === 6000 ? 'timeout' : 503) : 201)), audit());
    expect(o.summary).toBe('east: 3 write(s) not refused cleanly (500, timeout)');
    expect(rows(o)[0]).toMatchObject({ refusedCleanly: 21, refusals: ['503', '500', 'timeout'] });
  });
  it('needs writes to resume within the check\'s limit of the last heal', () => {
    const sent = [...every(0, 17500, 500), 17990, ...every(18500, 20000, 500)];
    const h = (until: number) => check('writes2', partition(), writes('w2@west', sent, (t) => (t >= 4000 && t < until ? 503 : 201)), audit());
    const ok = h(17990);
    expect(ok.status, ok.summary).toBe('pass');
    expect(rows(ok)[0]).toMatchObject({ region: 'west', resumedAfterHealMs: 2000 });
    expect(h(17991).summary).toBe('west: writes did not resume within 2000 ms of healing');
  });
  it('counts a write sent at the very heal as resumed, and reads only outages as faults', () => {
    const o = check('writes', partition(), all((r, t) => (r === 'east' && t >= 4000 && t < 16000 ? 503 : 201)), audit());
    expect(rows(o)[0]).toMatchObject({ resumedAfterHealMs: 10 });
    const revoked = check('writes', fault({ kind: 'revoke-token', site: 'east' }, 5000, undefined, { name: 'revoke' }), all(), audit());
    expect(revoked.status).toBe('skip');
  });
  it('measures resumption from the last heal of several', () => {
    const cuts = [...fault({ kind: 'partition', link: 'ew' }, 4000, 8000, { name: 'cut-ew' }), ...fault({ kind: 'partition', link: 'en' }, 4000, 16000, { name: 'cut-en' })];
    const o = check('writes', cuts, all((r, t) => (r === 'east' && t >= 4000 && t < 16000 ? 503 : 201)), audit());
    expect(o.status, o.summary).toBe('pass');
    expect(rows(o)[0]).toMatchObject({ resumedAfterHealMs: 10 });
  });
  it('names at most three missing writes', () => {
    const o = check('writes', partition(), all(), audit({ west: ['a', 'b', 'c', 'd'] }));
    expect(o.summary).toBe('west: 4 acknowledged write(s) missing afterwards: a, b, c');
  });
  it('is unknown with fewer than 5 writes judged, or without an audit of the region, naming the regions', () => {
    const blip = partition(100, 200);
    const few = check('writes', blip, all(() => 201, [0, 500, 1000, 1500]), audit());
    expect(few.summary).toBe('too few writes, or no read-back audit of the acknowledged writes (east, west, north)');
    expect(check('writes', blip, all(() => 201, [0, 500, 1000, 1500, 2000]), audit()).status).toBe('pass');
    const o = check('writes', blip, all(), audit({}, ['east', 'north']));
    expect(o.summary).toBe('too few writes, or no read-back audit of the acknowledged writes (west)');
  });
  it('is unknown when the audit read nothing back: skipped (controller gone) or its last read failed; missing writes it listed do not count', () => {
    const skipped: HistoryEvent = { t: 30000, kind: 'op', process: 'identity@harness', type: 'info', f: 'audit', value: { region: 'west', skipped: 'its controller is gone' } };
    const s = check('writes', partition(), all(), audit({}, ['east', 'north']), [skipped]);
    expect(s.status).toBe('unknown');
    expect(s.summary).toBe('too few writes, or no read-back audit of the acknowledged writes (west: its controller is gone)');
    expect(rows(s)[1]).toMatchObject({ region: 'west', audited: false, auditFailed: 'its controller is gone', missing: 0, status: 'unknown' });
    expect(rows(s)[0]).not.toHaveProperty('auditFailed');
    const failed: HistoryEvent = { t: 30000, kind: 'op', process: 'identity@harness', type: 'info', f: 'audit', value: { region: 'north', acked: 10, missing: ['a', 'b'], error: 'connect ECONNREFUSED' } };
    const f = check('writes', partition(), all(), audit({}, ['east', 'west']), [failed]);
    expect(f.status).toBe('unknown');
    expect(f.summary).toBe('too few writes, or no read-back audit of the acknowledged writes (north: connect ECONNREFUSED)');
    expect(rows(f)[2]).toMatchObject({ region: 'north', audited: false, missing: 0, problems: [] });
    const bare: HistoryEvent = { t: 30000, kind: 'op', process: 'identity@harness', type: 'info', f: 'audit', value: { region: 'north' } };
    expect(check('writes', partition(), all(), audit({}, ['east', 'west']), [bare]).summary).toBe('too few writes, or no read-back audit of the acknowledged writes (north: no read-back)');
    // Other problems still fail the region.
    const bad = check('writes', partition(), all((r, t) => (r === 'north' && t === 5000 ? 500 : 201)), audit({}, ['east', 'west']), [failed]);
    expect(bad.status).toBe('fail');
  });
  it('takes a paused VM for no outage: it neither makes a run judged nor excuses failed writes', () => {
    const withVm = parseScenario('idq-vm.yaml', yaml('galera').replace('{ name: north, subnet: 198.18.3.0/24, nodes: [{ name: ctl, role: controller }] }', '{ name: north, subnet: 198.18.3.0/24, nodes: [{ name: ctl, role: controller }, { name: app }] }')).scenario;
    const judge = (...h: HistoryEvent[][]) => writeAvailability.check(byT(h.flat()), { scenario: withVm, plan, spec: withVm.checks.find((c) => c.name === 'writes')! });
    const vmPaused = fault({ kind: 'pause-node', node: 'north/app' }, 1000, 3000, { name: 'freeze-vm' });
    const timeouts = all((r, t) => (r === 'north' && t >= 1000 && t < 3000 ? 'timeout' : 201));
    expect(judge(vmPaused, timeouts, audit()).status).toBe('skip');
    const o = judge(vmPaused, partition(), timeouts, audit());
    expect(o.status).toBe('fail');
    expect(o.summary).toBe('north: 4 write(s) failed outside faults');
    const ctlPaused = fault({ kind: 'pause-node', node: 'north/ctl' }, 1000, 3000, { name: 'freeze-ctl' });
    expect(judge(ctlPaused, partition(), timeouts, audit()).status).toBe('pass');
  });
  it('does not judge a region while its own site is lost, and needs no audit from a site lost for good', () => {
    const lost = fault({ kind: 'site-loss', site: 'north' }, 4000);
    const o = check('writes', lost, all((r, t) => (r === 'north' && t >= 4000 ? 'ECONNREFUSED' : 201)), audit({}, ['east', 'west']));
    expect(o.status, o.summary).toBe('pass');
    expect(rows(o)[2]).toMatchObject({ region: 'north', audited: false, duringFaults: 0, status: 'pass' });
    const paused = fault({ kind: 'pause-node', node: 'north/ctl' }, 4000, 8000);
    const p = check('writes', paused, all((r, t) => (r === 'north' && t >= 4000 && t < 8000 ? 'timeout' : 201)), audit());
    expect(p.status, p.summary).toBe('pass');
    expect(rows(p)[2]).toMatchObject({ writes: 41, duringFaults: 20 });
  });
});
