import { describe, expect, it } from 'vitest';
import { runChecks, verdicts } from '../../harness/checks/run-checks.js';
import { parseScenario } from '../../harness/scenario/load.js';
import { planTopology } from '../../harness/topology/plan.js';
import { heartbeatHistory, imp, type Window } from '../support/histories.js';
import { wanPair } from '../support/topologies.js';

const scenario = (extraChecks = '') =>
  parseScenario(
    'test.yaml',
    `
name: t
duration: 30s
${wanPair('10ms')}
workload:
  - { kind: heartbeat, name: hb, from: east/hb, to: west/hb, interval: 50ms }
checks:
  - { name: rtt, kind: heartbeat-rtt, workload: hb, tolerance: 10%, requirements: [WAN-FIDELITY] }
  - { name: gap, kind: partition-gap, workload: hb, tolerance: 100ms, requirements: [WAN-PARTITION-GAP] }
  - { name: cont, kind: heartbeat-continuity, workload: hb, intervals: 3, requirements: [WAN-HEARTBEAT-CONTINUITY] }
${extraChecks}`,
  ).scenario;

const cut: Window = { fault: 'cut', faultKind: 'partition', link: 'wan1', start: 5000, end: 15000, applied: { aToB: imp(10, true), bToA: imp(10, true) } };
const slow: Window = { fault: 'slow', faultKind: 'impair', link: 'wan1', start: 18000, end: 26000, applied: { aToB: imp(100), bToA: imp(100) } };
const inWindow = (w: Window, t: number) => t >= w.start && t < w.end;

/** A faithful link: 10 ms each way, cut during `cut`, 100 ms during `slow`. */
const faithful = (t: number) => (inWindow(cut, t) ? null : inWindow(slow, t) ? 100 : 10 + 0.2);

function decide(h: ReturnType<typeof heartbeatHistory>) {
  const s = scenario();
  const results = runChecks(h, s, planTopology(s, 'abcdef'));
  return Object.fromEntries(results.map((r) => [r.check, r]));
}

describe('heartbeat checkers on literal histories', () => {
  it('pass on a faithful link', () => {
    const r = decide(heartbeatHistory({ durationMs: 30000, intervalMs: 50, delay: faithful, windows: [cut, slow] }));
    expect(r.rtt!.status).toBe('pass');
    expect(r.gap!.status).toBe('pass');
    expect(r.cont!.status).toBe('pass');
    const rows = r.rtt!.evidence.rows as { phase: string; hop: string; expectedMs: number; medianMs: number; samples: number }[];
    const hops = ['wan1 east->west', 'wan1 west->east'];
    expect(rows.map((x) => [x.phase, x.hop, x.expectedMs, x.medianMs])).toEqual(
      [['baseline', 10, 10.2], ['baseline', 10, 10.2], ['slow', 100, 100], ['baseline', 10, 10.2]].flatMap(([p, e, m]) => hops.map((h) => [p, h, e, m])),
    );
    // 0-5 s, margin 200+150 ms: east's heartbeats arriving at the relay at 0..4650 (94) and west's acks at 10.2..4610.2 (93).
    expect(rows[0]!.samples).toBe(187);
  });

  it('fails when the link delays more than it was told to (a queueing bottleneck)', () => {
    const h = heartbeatHistory({ durationMs: 30000, intervalMs: 50, delay: (t) => (faithful(t) === null ? null : faithful(t)! + 15), windows: [cut, slow] });
    const r = decide(h);
    expect(r.rtt!.status).toBe('fail');
    expect(r.rtt!.summary).toMatch(/^baseline wan1 east->west: median 25\.2 ms vs 10 ms configured \(±1\); baseline wan1 west->east: median 25\.2 ms/);
  });

  it('fails when an impairment never took effect', () => {
    const h = heartbeatHistory({ durationMs: 30000, intervalMs: 50, delay: (t) => (inWindow(cut, t) ? null : 10), windows: [cut, slow] });
    const r = decide(h);
    expect(r.rtt!.status).toBe('fail');
    expect(r.rtt!.summary).toBe('slow wan1 east->west: median 10 ms vs 100 ms configured (±10); slow wan1 west->east: median 10 ms vs 100 ms configured (±10)');
  });

  it("judges the WAN's delay, not the endpoints': their overhead neither fails a faithful WAN nor hides a short one", () => {
    // 6 ms of agents and kernels each way: round trips 32.4 ms for 20 configured, yet the WAN is faithful.
    const busy = decide(heartbeatHistory({ durationMs: 30000, intervalMs: 50, delay: faithful, windows: [cut, slow], endpointMs: 6 })).rtt!;
    expect(busy.status).toBe('pass');
    const trips = busy.evidence.roundTrips as { phase: string; expectedMs: number; medianMs: number; wireMs: number | null }[];
    expect(trips[0]).toEqual({ phase: 'baseline', expectedMs: 20, medianMs: 32.4, samples: 188, wireMs: 20.4 });
    expect(trips[2]).toMatchObject({ phase: 'slow', expectedMs: 200, medianMs: 212, wireMs: 200 });
    // A WAN 20 % short (8 ms for 10), hidden in round trips by 2 ms of endpoints each way (20 ms: "on time").
    const short = decide(heartbeatHistory({ durationMs: 30000, intervalMs: 50, delay: (t) => (inWindow(cut, t) ? null : inWindow(slow, t) ? 100 : 8), windows: [cut, slow], endpointMs: 2 })).rtt!;
    expect(short.status).toBe('fail');
    expect(short.summary).toMatch(/^baseline wan1 east->west: median 8 ms vs 10 ms configured \(±1\)/);
    expect((short.evidence.roundTrips as { medianMs: number }[])[0]!.medianMs).toBe(20);
  });

  it('is unknown without a capture of the WAN', () => {
    const r = decide(heartbeatHistory({ durationMs: 30000, intervalMs: 50, delay: faithful, windows: [cut, slow], noCapture: true })).rtt!;
    expect(r).toMatchObject({ status: 'unknown', summary: 'no capture of the WAN was taken: the delay it added cannot be measured', evidence: { rows: [] } });
  });

  it('partition gap fails when the outage outlasts the injected partition', () => {
    // Heartbeats stop 5 s into the run but only come back 1.5 s after the heal.
    const h = heartbeatHistory({ durationMs: 30000, intervalMs: 50, delay: (t) => (t >= 5000 && t < 16500 ? null : 10), windows: [cut] });
    const r = decide(h);
    expect(r.gap!.status).toBe('fail');
    expect(r.gap!.summary).toMatch(/gap 115\d\d(\.\d+)? ms for 10000 ms injected/);
  });

  it('partition gap expects the cut plus one heartbeat interval, and holds it to the tolerance both ways', () => {
    type Row = { expectedMs: number; gapMs: number; errorMs: number; status: string };
    const rows = (extra: number) => decide(heartbeatHistory({ durationMs: 30000, intervalMs: 50, delay: (t) => (t >= 5000 && t < 15000 + extra ? null : 10), windows: [cut] })).gap!.evidence.rows as Row[];
    // Sends every 50 ms: the last before the cut left at 4950, the first after it at 15000.
    expect(rows(0)[0]).toMatchObject({ expectedMs: 10050, gapMs: 10050, errorMs: 0, status: 'pass' });
    expect(rows(100)[0]).toMatchObject({ gapMs: 10150, errorMs: 100, status: 'pass' });
    expect(rows(150)[0]).toMatchObject({ gapMs: 10200, errorMs: 150, status: 'fail' });
    const early = decide(heartbeatHistory({ durationMs: 30000, intervalMs: 50, delay: (t) => (t >= 5100 && t < 15000 ? null : 10), windows: [cut] })).gap!.evidence.rows as Row[];
    expect(early[0]).toMatchObject({ gapMs: 9950, errorMs: -100, status: 'pass' });
    const shorter = decide(heartbeatHistory({ durationMs: 30000, intervalMs: 50, delay: (t) => (t >= 5150 && t < 15000 ? null : 10), windows: [cut] })).gap!.evidence.rows as Row[];
    expect(shorter[0]).toMatchObject({ gapMs: 9900, errorMs: -150, status: 'fail' });
  });

  it('partition gap fails when a partition was never enforced (no gap at all)', () => {
    const h = heartbeatHistory({ durationMs: 30000, intervalMs: 50, delay: () => 10, windows: [cut] });
    expect(decide(h).gap!.status).toBe('fail');
  });

  it('partition gap is skip when no partition cut the path, and decides only the cut direction', () => {
    expect(decide(heartbeatHistory({ durationMs: 30000, intervalMs: 50, delay: () => 10 })).gap!.status).toBe('skip');
    const oneWay: Window = { ...cut, applied: { aToB: imp(10, true), bToA: imp(10) } };
    const h = heartbeatHistory({ durationMs: 30000, intervalMs: 50, delay: (t, dir) => (dir === 'ab' && inWindow(cut, t) ? null : 10), windows: [oneWay] });
    const rows = decide(h).gap!.evidence.rows as { direction: string }[];
    expect(rows.map((x) => x.direction)).toEqual(['east/hb -> west/hb']);
  });

  it('continuity fails on a lossy link outside fault windows', () => {
    // Every 40th..43rd heartbeat lost: a 250 ms gap, over the 150 ms limit.
    const h = heartbeatHistory({ durationMs: 30000, intervalMs: 50, delay: (t) => (Math.floor(t / 50) % 40 < 4 && t > 1000 ? null : 10) });
    const r = decide(h);
    expect(r.cont!.status).toBe('fail');
    expect(r.cont!.summary).toMatch(/worst gap 250 ms \(limit 150\)/);
  });

  it('continuity counts silence at the start and the end of the run', () => {
    const late = decide(heartbeatHistory({ durationMs: 30000, intervalMs: 50, delay: (t) => (t < 2000 ? null : 10) })).cont!;
    expect(late.status).toBe('fail');
    expect(late.summary).toMatch(/worst gap 20\d\d(\.\d+)? ms \(limit 150\), 1 over/);
    const early = decide(heartbeatHistory({ durationMs: 30000, intervalMs: 50, delay: (t) => (t > 28000 ? null : 10) })).cont!;
    expect(early.status).toBe('fail');
    expect(early.summary).toMatch(/worst gap 19\d\d(\.\d+)? ms \(limit 150\), 1 over/);
  });

  it('an unproven fault leaves every check that reads fault windows unknown, and names it', () => {
    const s = scenario();
    const h = heartbeatHistory({ durationMs: 30000, intervalMs: 50, delay: faithful, windows: [cut, slow] }).map((e) =>
      e.kind === 'fault' && e.fault === 'cut' && e.type === 'heal' ? { ...e, proof: { ok: false, summary: 'wan1: 12 packets forwarded during the cut', measured: {} } } : e,
    );
    const results = runChecks(h, s, planTopology(s, 'abcdef'));
    expect(results.map((r) => r.status)).toEqual(['unknown', 'unknown', 'unknown']);
    expect(results[0]!.summary).toBe('a fault did not prove it took effect, so its window cannot be judged: cut (partition): proven (test); wan1: 12 packets forwarded during the cut');
    expect(verdicts(s, results).filter((v) => v.checks.length > 0).map((v) => v.status)).toEqual(['unknown', 'unknown', 'unknown']);
  });

  it('a checker that throws gives unknown, never pass', () => {
    const s = scenario();
    const broken = { ...s, checks: s.checks.map((c) => ({ ...c, tolerance: 'ten percent' })) };
    const results = runChecks(heartbeatHistory({ durationMs: 30000, intervalMs: 50, delay: faithful, windows: [cut, slow] }), broken, planTopology(s, 'abcdef'));
    expect(results.find((r) => r.check === 'rtt')!.status).toBe('unknown');
    expect(results.find((r) => r.check === 'gap')!.status).toBe('unknown');
  });

  it('an empty history decides nothing as pass', () => {
    const s = scenario();
    const vs = verdicts(s, runChecks([], s, planTopology(s, 'abcdef')));
    for (const v of vs) expect(v.status).not.toBe('pass');
  });
});
