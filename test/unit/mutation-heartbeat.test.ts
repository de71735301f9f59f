// The heartbeat checkers (continuity, round trips, partition gap) and what
// they read of a heartbeat workload, on literal send/recv/ack events, at the
// edges the behaviour tests (checks-heartbeat.test.ts) do not reach: each
// assertion failed on a changed checker (mutation testing, docs/mutation.md).
import { describe, expect, it } from 'vitest';
import { ends, proc } from '../../harness/checks/heartbeat-history.js';
import { heartbeatContinuity, unexcused } from '../../harness/checks/kinds/heartbeat-continuity.js';
import { heartbeatRtt } from '../../harness/checks/kinds/heartbeat-rtt.js';
import { partitionGap } from '../../harness/checks/kinds/partition-gap.js';
import type { HistoryEvent } from '../../harness/observe/history.js';
import { parseScenario } from '../../harness/scenario/load.js';
import { planTopology } from '../../harness/topology/plan.js';
import { wanCapture, wireFlow } from '../support/capture.js';
import { fault } from '../support/faults.js';
import { imp } from '../support/histories.js';

const scenario = parseScenario(
  'hbm.yaml',
  `
name: hbm
duration: 30s
sites:
  - { name: east, subnet: 198.18.1.0/24, nodes: [{ name: hb }, { name: x }] }
  - { name: west, subnet: 198.18.2.0/24, nodes: [{ name: hb }] }
  - { name: north, subnet: 198.18.3.0/24, nodes: [{ name: x }] }
links:
  - { name: wan1, between: [east, west], latency: 10ms }
  - { name: en, between: [east, north], latency: 20ms }
workload:
  - { kind: heartbeat, name: hb, from: east/hb, to: west/hb, interval: 50ms }
  - { kind: heartbeat, name: hb2, from: west/hb, to: east/hb, interval: 100ms }
  - { kind: heartbeat, name: hb3, from: west/hb, to: north/x, interval: 50ms }
checks:
  - { name: cont3, kind: heartbeat-continuity, workload: hb3, requirements: [WAN-HEARTBEAT-CONTINUITY] }
  - { name: rtt3, kind: heartbeat-rtt, workload: hb3, requirements: [WAN-FIDELITY] }
  - { name: gap3, kind: partition-gap, workload: hb3, requirements: [WAN-PARTITION-GAP] }
  - { name: cont, kind: heartbeat-continuity, requirements: [WAN-HEARTBEAT-CONTINUITY] }
  - { name: cont2, kind: heartbeat-continuity, workload: hb2, intervals: 2, requirements: [WAN-HEARTBEAT-CONTINUITY] }
  - { name: rtt, kind: heartbeat-rtt, requirements: [WAN-FIDELITY] }
  - { name: rtt50, kind: heartbeat-rtt, tolerance: 50%, requirements: [WAN-FIDELITY] }
  - { name: gap, kind: partition-gap, requirements: [WAN-PARTITION-GAP] }
  - { name: gap20, kind: partition-gap, workload: hb2, tolerance: 20ms, requirements: [WAN-PARTITION-GAP] }
`,
).scenario;
const plan = planTopology(scenario, 'abcdef');
const ctx = (name: string) => ({ scenario, plan, spec: scenario.checks.find((c) => c.name === name)! });
type Rows = Record<string, unknown>[];
const rows = (o: { evidence: Record<string, unknown> }) => o.evidence.rows as Rows;
const byT = (h: HistoryEvent[]) => h.sort((a, b) => a.t - b.t);

/** Heartbeats of `w` from `from` to `to` sent at `sends`; each received `delay(t)` ms later (null: lost) and acknowledged after the round trip `rtt(t)` (null: none). */
function beats(w: string, from: string, to: string, sends: readonly number[], delay: (t: number) => number | null = () => 10, rtt: (t: number) => number | null = () => null): HistoryEvent[] {
  return sends.flatMap((t, i): HistoryEvent[] => {
    const d = delay(t);
    const r = rtt(t);
    return [
      { t, kind: 'op', process: `${w}@${from}`, type: 'invoke', f: 'send', value: { seq: i } },
      ...(d === null ? [] : [{ t: t + d, kind: 'op', process: `${w}@${to}`, type: 'info', f: 'recv', value: { seq: i, delayMs: d } } as HistoryEvent]),
      ...(r === null ? [] : [{ t: t + r, kind: 'op', process: `${w}@${from}`, type: 'ok', f: 'ack', value: { seq: i, rttMs: r } } as HistoryEvent]),
    ];
  });
}
const every = (from: number, to: number, step: number) => Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => from + i * step);
/** Workload hb both ways, sends every 50 ms from 0 to `until`. */
const hb = (ab: (t: number) => number | null = () => 10, ba: (t: number) => number | null = () => 10, until = 950) => [
  ...beats('hb', 'east/hb', 'west/hb', every(0, until, 50), ab),
  ...beats('hb', 'west/hb', 'east/hb', every(0, until, 50), ba),
];

describe('heartbeat-history', () => {
  it('reads the workload a check names (else the first), its two directions and their hops', () => {
    const e = ends(ctx('cont2'));
    expect(e.w.name).toBe('hb2');
    expect(e.dirs.map((d) => [d.from, d.to, d.hops.map((h) => `${h.link.name} ${h.dir}`)])).toEqual([
      ['west/hb', 'east/hb', ['wan1 bToA']],
      ['east/hb', 'west/hb', ['wan1 aToB']],
    ]);
    expect(ends(ctx('cont')).w.name).toBe('hb');
    expect(proc(e.w, 'east/hb')).toBe('hb2@east/hb');
    expect(() => ends({ ...ctx('cont'), spec: { name: 'c', workload: 'none' } })).toThrow('check c has no heartbeat workload to read');
    // The first heartbeat workload, not the first workload.
    const other = { kind: 'bad-tokens', name: 'bad' } as unknown as (typeof scenario.workload)[number];
    expect(ends({ ...ctx('cont'), scenario: { ...scenario, workload: [other, ...scenario.workload] } }).w.name).toBe('hb');
    expect(ends(ctx('cont3')).dirs[0]!.hops.map((h) => h.link.name)).toEqual(['wan1', 'en']);
  });
});

describe('heartbeat-continuity, edges', () => {
  it('passes with the worst gap of each direction against 3 intervals by default', () => {
    const o = heartbeatContinuity.check(byT(hb()), ctx('cont'));
    expect(o.status).toBe('pass');
    expect(o.summary).toBe('east/hb -> west/hb: worst gap 50 ms (limit 150), 0 over; west/hb -> east/hb: worst gap 50 ms (limit 150), 0 over');
    expect(o.evidence.settleMs).toBe(1000);
    expect(rows(o)[0]).toMatchObject({ sent: 20, received: 20, worstGapMs: 50, limitMs: 150, gapsOverLimit: 0 });
  });
  it('allows a gap of exactly the limit, fails one over it, and names only the failing direction', () => {
    const lost = (ts: number[], extra = 0) => (t: number) => (ts.includes(t) ? null : t === 400 ? 10 + extra : 10);
    expect(heartbeatContinuity.check(byT(hb(lost([300, 350]))), ctx('cont')).status).toBe('pass');
    const o = heartbeatContinuity.check(byT(hb(lost([300, 350], 1))), ctx('cont'));
    expect(o.status).toBe('fail');
    expect(o.summary).toBe('east/hb -> west/hb: worst gap 151 ms (limit 150), 1 over');
  });
  it('takes the intervals a check gives', () => {
    const h = byT([...beats('hb2', 'west/hb', 'east/hb', every(0, 2000, 100), (t) => (t === 500 ? null : 10)), ...beats('hb2', 'east/hb', 'west/hb', every(0, 2000, 100), (t) => (t === 500 || t === 600 ? null : 10))]);
    const o = heartbeatContinuity.check(h, ctx('cont2'));
    expect(o.status).toBe('fail');
    expect(o.summary).toBe('east/hb -> west/hb: worst gap 300 ms (limit 200), 1 over');
  });
  it('decides from 5 heartbeats received each way, and needs some sent', () => {
    const few = (n: number) => byT([...beats('hb', 'east/hb', 'west/hb', every(0, 950, 50), (t) => (t < n * 50 ? 10 : null)), ...beats('hb', 'west/hb', 'east/hb', every(0, 100, 50).concat([120, 140]))]);
    expect(heartbeatContinuity.check(few(5), ctx('cont')).status).toBe('fail'); // the silence after the fifth counts
    const o = heartbeatContinuity.check(few(4), ctx('cont'));
    expect(o).toMatchObject({ status: 'unknown', summary: 'too few heartbeats sent or received' });
    const unsent = hb().filter((e) => !(e.kind === 'op' && e.f === 'send' && e.process === 'hb@east/hb'));
    expect(heartbeatContinuity.check(byT(unsent), ctx('cont')).status).toBe('unknown');
  });
  it('excuses a fault on any hop of a path of several', () => {
    const h = byT([...beats('hb3', 'west/hb', 'north/x', every(0, 2950, 50), (t) => (t >= 300 && t <= 400 ? null : 10)), ...beats('hb3', 'north/x', 'west/hb', every(0, 2950, 50)), ...fault({ kind: 'partition', link: 'en' }, 300, 400, { name: 'cut' })]);
    expect(heartbeatContinuity.check(h, ctx('cont3')).status).toBe('pass');
  });
  describe('fault windows on the path excuse gaps while they last and for 1 s after healing', () => {
    // East to west loses the heartbeats sent at 300-400: a 200 ms gap from 260 to 460.
    const h = hb((t) => (t >= 300 && t <= 400 ? null : 10), undefined, 2950);
    const judge = (...f: HistoryEvent[][]) => heartbeatContinuity.check(byT([...h, ...f.flat()]), ctx('cont'));
    it('excuses a gap overlapping a partition of the path', () => {
      expect(judge(fault({ kind: 'partition', link: 'wan1' }, 300, 400, { name: 'cut' })).status).toBe('pass');
    });
    it('not one that ends as the window starts, nor one that starts as the settling ends', () => {
      expect(judge(fault({ kind: 'partition', link: 'wan1' }, 460, 470, { name: 'cut' })).status).toBe('fail');
      expect(judge(fault({ kind: 'partition', link: 'wan1' }, -800, -740, { name: 'cut' })).status).toBe('fail');
      // Settling until 350: only 350-460 (110 ms) is judged.
      expect(judge(fault({ kind: 'partition', link: 'wan1' }, -800, -650, { name: 'cut' })).status).toBe('pass');
      // Settling until 261: the 199 ms left of the gap are silence outside any window.
      const o = judge(fault({ kind: 'partition', link: 'wan1' }, -800, -739, { name: 'cut' }));
      expect(o.status).toBe('fail');
      expect(o.summary).toMatch(/east\/hb -> west\/hb: worst gap 199 ms \(limit 150\), 1 over/);
    });
    it('judges the silence that goes on after a window\'s settling time, however the gap began', () => {
      // Nothing arrives east -> west from 260 to the end (2950): a fault at 300-400 excuses only 300-1400.
      const silent = hb((t) => (t >= 300 ? null : 10), undefined, 2950);
      const o = heartbeatContinuity.check(byT([...silent, ...fault({ kind: 'partition', link: 'wan1' }, 300, 400, { name: 'cut' })]), ctx('cont'));
      expect(o.status).toBe('fail');
      expect(o.evidence.rows).toMatchObject([{ direction: 'east/hb -> west/hb', worstGapMs: 1550, gapsOverLimit: 1 }, { gapsOverLimit: 0 }]);
    });
    it('splits a gap around every window it overlaps', () => {
      expect(unexcused({ from: 0, to: 100 }, [])).toEqual([{ from: 0, to: 100, ms: 100 }]);
      expect(unexcused({ from: 0, to: 100 }, [{ from: 20, to: 30 }, { from: 50, to: 60 }])).toEqual([{ from: 0, to: 20, ms: 20 }, { from: 30, to: 50, ms: 20 }, { from: 60, to: 100, ms: 40 }]);
      expect(unexcused({ from: 0, to: 100 }, [{ from: -10, to: 100 }])).toEqual([]);
      expect(unexcused({ from: 0, to: 100 }, [{ from: 100, to: 200 }, { from: -50, to: 0 }])).toEqual([{ from: 0, to: 100, ms: 100 }]);
      expect(unexcused({ from: 0, to: 100 }, [{ from: 40, to: Infinity }])).toEqual([{ from: 0, to: 40, ms: 40 }]);
    });
    it('excuses a pause of either end, or the loss of either end\'s site', () => {
      expect(judge(fault({ kind: 'pause-node', node: 'west/hb' }, 300, 400)).status).toBe('pass');
      expect(judge(fault({ kind: 'pause-node', node: 'east/hb' }, 300, 400)).status).toBe('pass');
      expect(judge(fault({ kind: 'site-loss', site: 'west' }, 300, 400)).status).toBe('pass');
      expect(judge(fault({ kind: 'site-loss', site: 'east' }, 300, 400)).status).toBe('pass');
    });
    it('not faults off the path: another link, another node of an end\'s site, another site', () => {
      expect(judge(fault({ kind: 'partition', link: 'en' }, 300, 400, { name: 'cut' })).status).toBe('fail');
      expect(judge(fault({ kind: 'pause-node', node: 'east/x' }, 300, 400)).status).toBe('fail');
      expect(judge(fault({ kind: 'site-loss', site: 'north' }, 300, 400)).status).toBe('fail');
    });
  });
});

describe('heartbeat-rtt, edges', () => {
  type Dir = 'aToB' | 'bToA';
  /** What the capture records of workload hb's datagrams on `link`'s directions: one every 25 ms from 0 to `until`, each held `hold(t, dir)` ms (null: none). */
  const onWire = (hold: (t: number, dir: Dir) => number | null, o: { until?: number; linkVni?: number; port?: number; proto?: number; tenantVni?: number } = {}) =>
    (['aToB', 'bToA'] as const).map((dir) => ({
      ...wireFlow(dir, every(0, o.until ?? 6000, 25).flatMap((t): [number, number][] => { const h = hold(t, dir); return h === null ? [] : [[t, h]]; }), o),
      ...(o.tenantVni ? { tenantVni: o.tenantVni } : {}),
    }));
  const cap = (...flows: ReturnType<typeof onWire>[]) => [wanCapture([], { wire: flows.flat(), t: 7000 })];
  const wan1 = (hold: (t: number, dir: Dir) => number | null) => cap(onWire(hold));
  const slow = (name: string, link: string, start: number, end: number, latencyMs = 50) =>
    fault({ kind: 'impair', link }, start, end, { name, measured: { aToB: imp(latencyMs), bToA: imp(latencyMs) } });
  const judge = (name: string, ...h: HistoryEvent[][]) => heartbeatRtt.check(byT(h.flat()), ctx(name));
  const spread = (m: number) => (t: number) => [m - 3, m + 4, m, m - 1, m + 1][(t / 25) % 5]!;
  const during = (a: number, b: number, x: number | null, y: number | null) => (t: number) => (t >= a && t < b ? x : y);
  const rowsOf = (o: { evidence: Record<string, unknown> }, ...keys: string[]) => rows(o).map((r) => keys.map((k) => r[k]));

  it("holds each hop's median delay to 10 % of its configured latency by default, from sorted delays", () => {
    const ok = judge('rtt', wan1(spread(11)));
    expect(ok.status).toBe('pass');
    expect(ok.summary).toBe('baseline wan1 east->west: median 11 ms vs 10 ms configured (±1); baseline wan1 west->east: median 11 ms vs 10 ms configured (±1)');
    expect(rows(ok)[0]).toEqual({ phase: 'baseline', hop: 'wan1 east->west', expectedMs: 10, medianMs: 11, p99Ms: 15, samples: 241, allowedMs: 1, status: 'pass' });
    expect(judge('rtt', wan1(() => 9)).status).toBe('pass');
    const over = judge('rtt', wan1((t, d) => (d === 'bToA' ? spread(11.5)(t) : 10)));
    expect(over.status).toBe('fail');
    expect(over.summary).toBe('baseline wan1 west->east: median 11.5 ms vs 10 ms configured (±1)');
    expect(judge('rtt', wan1(() => 8.9)).status).toBe('fail');
  });
  it('takes the tolerance a check gives, and never allows less than 1 ms', () => {
    expect(judge('rtt50', wan1(() => 15)).status).toBe('pass');
    expect(judge('rtt50', wan1(() => 15.5)).status).toBe('fail');
    // 5 ms configured: 10 % is 0.5 ms, the floor 1 ms.
    const five = (held: number) => judge('rtt', slow('s', 'wan1', 2000, 4000, 5), wan1(during(2000, 4000, held, 10)));
    expect(rowsOf(five(5.9), 'phase', 'expectedMs', 'allowedMs', 'status')[2]).toEqual(['s', 5, 1, 'pass']);
    expect(five(6.1).status).toBe('fail');
  });
  it('cuts the run into phases at each fault start and heal, judging each away from its edges', () => {
    const o = judge('rtt', slow('slow', 'wan1', 2000, 4000), wan1(during(2000, 4000, 50, 10)));
    expect(o.status, o.summary).toBe('pass');
    // Margin: the largest round trip expected (100 ms) plus 3 intervals (150 ms) from each edge.
    expect(rowsOf(o, 'phase', 'hop', 'expectedMs', 'samples')).toEqual([
      ['baseline', 'wan1 east->west', 10, 71],
      ['baseline', 'wan1 west->east', 10, 71],
      ['slow', 'wan1 east->west', 50, 61],
      ['slow', 'wan1 west->east', 50, 61],
      ['baseline', 'wan1 east->west', 10, 71],
      ['baseline', 'wan1 west->east', 10, 71],
    ]);
    // Delays near the edges are not judged: the phases hold whatever crossed within 250 ms of a change.
    const edges = (t: number) => ((t >= 1750 && t < 2250) || (t >= 3750 && t < 4250) ? 500 : t >= 2000 && t < 4000 ? 50 : 10);
    expect(judge('rtt', slow('slow', 'wan1', 2000, 4000), wan1(edges)).status).toBe('pass');
    const inside = (t: number) => (t >= 1700 && t < 1750 ? 500 : edges(t));
    expect(rowsOf(judge('rtt', slow('slow', 'wan1', 2000, 4000), wan1(inside)), 'p99Ms')[0]).toEqual([500]);
  });
  it('skips a phase cut in either direction, and does not cut phases at a pause', () => {
    const oneWay = fault({ kind: 'partition', link: 'wan1' }, 2000, 4000, { name: 'cut', measured: { aToB: imp(10, true), bToA: imp(10) } });
    const held = wan1((t, d) => (d === 'aToB' && t >= 2000 && t < 4000 ? null : 10));
    expect(rowsOf(judge('rtt', oneWay, held), 'phase')).toEqual([['baseline'], ['baseline'], ['baseline'], ['baseline']]);
    expect(rowsOf(judge('rtt', fault({ kind: 'pause-node', node: 'east/x' }, 2000, 4000), wan1(() => 10)), 'phase')).toEqual([['baseline'], ['baseline']]);
    const back = fault({ kind: 'partition', link: 'wan1' }, 2000, 4000, { name: 'cut', measured: { aToB: imp(10), bToA: imp(10, true) } });
    expect(rowsOf(judge('rtt', back, held), 'phase')).toEqual([['baseline'], ['baseline'], ['baseline'], ['baseline']]);
  });
  it('judges every hop of a path of several, each against its own latency, both ways', () => {
    // hb3 runs west -> east (wan1, VNI 1000, b to a) -> north (en, VNI 1001, a to b).
    const far = judge('rtt3', slow('far', 'en', 2000, 4000), cap(onWire(() => 10), onWire(during(2000, 4000, 50, 20), { linkVni: 1001 })));
    expect(far.status, far.summary).toBe('pass');
    expect(rowsOf(far, 'phase', 'hop', 'expectedMs', 'medianMs')).toEqual([
      ['baseline', 'wan1 west->east', 10, 10],
      ['baseline', 'en east->north', 20, 20],
      ['baseline', 'en north->east', 20, 20],
      ['baseline', 'wan1 east->west', 10, 10],
      ['far', 'wan1 west->east', 10, 10],
      ['far', 'en east->north', 50, 50],
      ['far', 'en north->east', 50, 50],
      ['far', 'wan1 east->west', 10, 10],
      ['baseline', 'wan1 west->east', 10, 10],
      ['baseline', 'en east->north', 20, 20],
      ['baseline', 'en north->east', 20, 20],
      ['baseline', 'wan1 east->west', 10, 10],
    ]);
    const late = judge('rtt3', cap(onWire(() => 10), onWire((_t, d) => (d === 'bToA' ? 23 : 20), { linkVni: 1001 })));
    expect(late.summary).toBe('baseline en north->east: median 23 ms vs 20 ms configured (±2)');
  });
  it("reads only the workload's own datagrams: UDP on its port, routed (no tenant VNI), on the hop's link", () => {
    const others = [onWire(() => 10), onWire(() => 99, { port: 7001 }), onWire(() => 99, { tenantVni: 5001 }), onWire(() => 99, { linkVni: 1001 }), onWire(() => 99, { proto: 6 })];
    const o = judge('rtt', cap(...others));
    expect(o.status, o.summary).toBe('pass');
    expect(rowsOf(o, 'samples', 'medianMs')).toEqual([[241, 10], [241, 10]]);
    // Beside a capture with flows only (no wire measured): the one that measured it decides.
    expect(rowsOf(judge('rtt', [wanCapture([{ port: 7000, packets: 9 }])], cap(...others)), 'samples', 'medianMs')).toEqual([[241, 10], [241, 10]]);
    expect(judge('rtt', cap(onWire(() => 99, { port: 7001 }))).status).toBe('unknown');
  });
  it('names a phase by the faults on the path only, joined with +, and skips empty phases', () => {
    const h = [slow('a', 'wan1', 2000, 4000), slow('b', 'wan1', 2000, 4000), slow('other', 'en', 2000, 4000, 300), wan1(during(2000, 4000, 50, 10))];
    const o = judge('rtt', ...h);
    expect(o.status, o.summary).toBe('pass');
    expect(rowsOf(o, 'phase', 'expectedMs')).toEqual([['baseline', 10], ['baseline', 10], ['a+b', 50], ['a+b', 50], ['baseline', 10], ['baseline', 10]]);
    const off = judge('rtt', slow('other', 'en', 2000, 4000), wan1(() => 10));
    expect(rowsOf(off, 'phase')).toEqual([['baseline'], ['baseline'], ['baseline'], ['baseline'], ['baseline'], ['baseline']]);
  });
  it('is unknown when a hop has fewer than 5 datagrams in a phase, naming it; a failing hop decides first', () => {
    // Phase slow (2000-2700 ms, margin 250): datagrams from 2250 to 2450 count; east->west holds them only up to `last`.
    const h = (last: number, after = 10) => [
      slow('slow', 'wan1', 2000, 2700),
      wan1((t, d) => (t >= 2000 && t < 2700 ? (d === 'aToB' && t <= last ? 50 : d === 'bToA' ? 50 : null) : t >= 2700 ? after : 10)),
    ];
    const five = judge('rtt', ...h(2350));
    expect(rowsOf(five, 'phase', 'hop', 'samples', 'status').slice(2, 4)).toEqual([['slow', 'wan1 east->west', 5, 'pass'], ['slow', 'wan1 west->east', 9, 'pass']]);
    const four = judge('rtt', ...h(2325));
    expect(rowsOf(four, 'samples', 'status')[2]).toEqual([4, 'unknown']);
    expect(four).toMatchObject({ status: 'unknown', summary: 'too few heartbeat datagrams on the wire in slow wan1 east->west' });
    const fails = judge('rtt', ...h(2325, 20));
    expect(fails.status).toBe('fail');
    expect(fails.summary).toBe('baseline wan1 east->west: median 20 ms vs 10 ms configured (±1); baseline wan1 west->east: median 20 ms vs 10 ms configured (±1)');
    expect(Object.keys(fails.evidence)).toEqual(['rows', 'roundTrips']);
    expect(rows(fails)).toHaveLength(6);
  });
  it("reports the round trips of each phase beside the sum of the hops' median delays", () => {
    const acks = (rtt: (t: number) => number | null) => [
      ...beats('hb', 'east/hb', 'west/hb', every(0, 6000, 50), () => 10, rtt),
      ...beats('hb', 'west/hb', 'east/hb', every(0, 6000, 50), () => 10, rtt),
    ];
    const o = judge('rtt', slow('slow', 'wan1', 2000, 4000), wan1(during(2000, 4000, 50, 10.5)), acks(during(2000, 4000, 104, 23)));
    expect(o.status, o.summary).toBe('pass');
    expect(o.evidence.roundTrips).toEqual([
      { phase: 'baseline', expectedMs: 20, medianMs: 23, samples: 72, wireMs: 21 },
      { phase: 'slow', expectedMs: 100, medianMs: 104, samples: 62, wireMs: 100 },
      { phase: 'baseline', expectedMs: 20, medianMs: 23, samples: 72, wireMs: 21 },
    ]);
    // The median of the sorted round trips (9, 10, 20, 100 ms in turn: unsorted, or sorted as text, it is another).
    const mixed = judge('rtt', wan1(() => 10), acks((t) => [9, 10, 20, 100][(t / 50) % 4]!));
    expect(mixed.evidence.roundTrips).toEqual([{ phase: 'baseline', expectedMs: 20, medianMs: 10, samples: 242, wireMs: 20 }]);
    // A hop with fewer than 5 datagrams: no sum.
    const few = (n: number) => judge('rtt', wan1((t, d) => (d === 'aToB' || t < n * 25 ? 10 : null)), acks(() => 21)).evidence.roundTrips;
    expect(few(4)).toEqual([{ phase: 'baseline', expectedMs: 20, medianMs: 21, samples: 242, wireMs: null }]);
    expect(few(5)).toEqual([{ phase: 'baseline', expectedMs: 20, medianMs: 21, samples: 242, wireMs: 20 }]);
  });
  it('is unknown without a capture that measured the wire', () => {
    const none = judge('rtt', slow('slow', 'wan1', 2000, 4000));
    expect(none).toEqual({ status: 'unknown', summary: 'no capture of the WAN was taken: the delay it added cannot be measured', evidence: { rows: [] } });
    // A capture from before the wire was measured (flows only) cannot tell either.
    expect(judge('rtt', [wanCapture([{ port: 7000, packets: 100 }])])).toMatchObject({ status: 'unknown', summary: 'no capture of the WAN was taken: the delay it added cannot be measured' });
    expect(heartbeatRtt.needs).toEqual({ wire: true, faults: true, workloads: ['heartbeat'] });
    expect(judge('rtt', cap()).summary).toBe('too few heartbeat datagrams on the wire in baseline wan1 east->west, baseline wan1 west->east');
  });
  it('rejects a tolerance that is not a percentage, in validation and in the check', () => {
    const spec = { ...ctx('rtt').spec, tolerance: '5ms' };
    expect(heartbeatRtt.validate!(spec as never, scenario)).toEqual([['tolerance', 'check "rtt" (heartbeat-rtt) takes a relative tolerance such as 10%, not "5ms"']]);
    expect(heartbeatRtt.validate!(ctx('rtt50').spec as never, scenario)).toEqual([]);
    expect(heartbeatRtt.validate!(ctx('rtt').spec as never, scenario)).toEqual([]);
    expect(() => heartbeatRtt.check(wan1(() => 10), { ...ctx('rtt'), spec })).toThrow('tolerance "5ms" is not a percentage');
  });
});

describe('partition-gap, edges', () => {
  const cut = (start: number, end: number | undefined, both = true, link = 'wan1') =>
    fault({ kind: 'partition', link }, start, end, { name: 'cut', measured: { aToB: imp(10, true), bToA: imp(10, !both ? false : true) } });
  /** hb both ways every 50 ms to 3 s; east to west loses what is sent in [from, to), west to east in [from, toBack). */
  const lose = (from: number, to: number, toBack = to) => hb((t) => (t >= from && t < to ? null : 10), (t) => (t >= from && t < toBack ? null : 10), 3000);
  const judge = (name: string, ...h: HistoryEvent[][]) => partitionGap.check(byT(h.flat()), ctx(name));
  it('expects the cut plus one interval, within 100 ms by default, per cut direction', () => {
    const o = judge('gap', cut(1000, 2000), lose(1000, 2000, 2100));
    expect(o.status, o.summary).toBe('pass');
    expect(rows(o)).toEqual([
      { fault: 'cut', direction: 'east/hb -> west/hb', injectedMs: 1000, expectedMs: 1050, gapMs: 1050, errorMs: 0, toleranceMs: 100, status: 'pass' },
      { fault: 'cut', direction: 'west/hb -> east/hb', injectedMs: 1000, expectedMs: 1050, gapMs: 1150, errorMs: 100, toleranceMs: 100, status: 'pass' },
    ]);
    expect(o.summary).toBe('cut east/hb -> west/hb: gap 1050 ms for 1000 ms injected (expected 1050 ms, one heartbeat interval more); cut west/hb -> east/hb: gap 1150 ms for 1000 ms injected (expected 1050 ms, one heartbeat interval more)');
    const late = judge('gap', cut(1000, 2000), lose(1000, 2000, 2150));
    expect(late.status).toBe('fail');
    expect(late.summary).toBe('cut west/hb -> east/hb: gap 1200 ms for 1000 ms injected (expected 1050 ms, one heartbeat interval more)');
  });
  it('reads only gaps overlapping the window, the longest of them', () => {
    // A 200 ms gap before the cut does not count; a gap ending as the window starts, or starting as it ends, neither.
    const h = hb((t) => ((t >= 1000 && t < 2000) || (t >= 300 && t < 450) ? null : 10), () => 10, 3000);
    const o = judge('gap', cut(1060, 2000, false), h);
    expect(rows(o).map((r) => [r.direction, r.gapMs])).toEqual([['east/hb -> west/hb', 1050]]);
    const edge = judge('gap', cut(2010, 2100, false), hb((t) => (t >= 1000 && t < 2000 ? null : 10), () => 10, 3000));
    expect(rows(edge)[0]).toMatchObject({ gapMs: 50, errorMs: -90 });
    const after = judge('gap', cut(900, 960, false), hb((t) => (t >= 1000 && t < 2000 ? null : 10), () => 10, 3000));
    expect(rows(after)[0]).toMatchObject({ gapMs: 50 });
  });
  it('decides a direction cut on any hop of a path of several', () => {
    const h = [...beats('hb3', 'west/hb', 'north/x', every(0, 3000, 50), (t) => (t >= 1000 && t < 2000 ? null : 10)), ...beats('hb3', 'north/x', 'west/hb', every(0, 3000, 50))];
    const o = judge('gap3', fault({ kind: 'partition', link: 'en' }, 1000, 2000, { name: 'cut', measured: { aToB: imp(20, true), bToA: imp(20) } }), h);
    expect(rows(o).map((r) => [r.direction, r.gapMs, r.status])).toEqual([['west/hb -> north/x', 1050, 'pass']]);
  });
  it('takes the interval and tolerance of the check\'s workload', () => {
    const h = [...beats('hb2', 'west/hb', 'east/hb', every(0, 3000, 100), (t) => (t >= 1000 && t < 2000 ? null : 10)), ...beats('hb2', 'east/hb', 'west/hb', every(0, 3000, 100))];
    const o = judge('gap20', fault({ kind: 'partition', link: 'wan1' }, 1000, 2000, { name: 'cut', measured: { aToB: imp(10), bToA: imp(10, true) } }), h);
    expect(rows(o)).toEqual([{ fault: 'cut', direction: 'west/hb -> east/hb', injectedMs: 1000, expectedMs: 1100, gapMs: 1100, errorMs: 0, toleranceMs: 20, status: 'pass' }]);
  });
  it('is unknown for a partition never healed or with no heartbeat around it; skipped when no partition cut the path', () => {
    const open = judge('gap', cut(1000, undefined), lose(1000, 1e9));
    expect(open).toMatchObject({ status: 'unknown', summary: 'a partition never healed or no heartbeat was received around it' });
    expect(rows(open)[0]).toMatchObject({ injectedMs: Infinity, status: 'unknown' });
    const silent = judge('gap', cut(1000, 2000), []);
    expect(rows(silent).map((r) => r.status)).toEqual(['unknown', 'unknown']);
    expect(silent.status).toBe('unknown');
    const mixed = judge('gap', cut(1000, 2000), lose(1000, 2000).filter((e) => !(e.kind === 'op' && e.process === 'hb@east/hb')));
    expect(mixed.status).toBe('unknown');
    expect(rows(mixed).map((r) => r.status)).toEqual(['pass', 'unknown']);
    expect(judge('gap', cut(1000, 2000, true, 'en'), lose(1000, 2000))).toEqual({ status: 'skip', summary: "no partition cut this workload's path", evidence: { rows: [] } });
    expect(judge('gap', fault({ kind: 'impair', link: 'wan1' }, 1000, 2000, { measured: { aToB: imp(10, true), bToA: imp(10, true) } }), lose(1000, 2000)).status).toBe('skip');
  });
  it('rejects a tolerance that is not a duration', () => {
    const spec = { ...ctx('gap').spec, tolerance: '10%' };
    expect(partitionGap.validate!(spec as never, scenario)).toEqual([['tolerance', 'check "gap" (partition-gap) takes a duration tolerance such as 100ms, not "10%"']]);
    expect(partitionGap.validate!(ctx('gap20').spec as never, scenario)).toEqual([]);
    expect(partitionGap.validate!(ctx('gap').spec as never, scenario)).toEqual([]);
    expect(() => partitionGap.check([], { ...ctx('gap'), spec })).toThrow('tolerance "10%" is not a duration');
  });
});
