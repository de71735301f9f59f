// The checkers' shared helpers (WAN capture evidence, fault windows, small
// statistics, running checks and folding them into verdicts) on literal
// inputs, at the edges the checker tests do not reach: each assertion failed
// on a changed helper (mutation testing) that the checker tests let through.
import { describe, expect, it } from 'vitest';
import { wanEvidence } from '../../harness/checks/capture.js';
import { runChecks, verdicts } from '../../harness/checks/run-checks.js';
import { answered, faultWindows, gaps, ops, quantile } from '../../harness/checks/series.js';
import type { HistoryEvent } from '../../harness/observe/history.js';
import { parseScenario } from '../../harness/scenario/load.js';
import { planTopology } from '../../harness/topology/plan.js';
import { wanCapture } from '../support/capture.js';
import { fault } from '../support/faults.js';
import { wanPair } from '../support/topologies.js';

describe('wanEvidence', () => {
  it('is none without a capture', () => {
    expect(wanEvidence([])).toEqual({ ok: false, why: 'no capture of the WAN was taken' });
  });
  it('counts the packets of every flow of every capture', () => {
    const a = wanCapture([{ port: 4789, packets: 3 }, { port: 5000, packets: 4 }]);
    const b = wanCapture([{ port: 4789, packets: 5 }]);
    const e = wanEvidence([a, b]);
    expect(e.ok).toBe(true);
    expect(e.ok && e.packets).toBe(12);
    expect(e.ok && e.flows.map((f) => f.packets)).toEqual([3, 4, 5]);
  });
  it('cannot back a claim when tcpdump gave no counters, or the kernel dropped packets', () => {
    const noStats = { ...wanCapture([{ port: 4789, packets: 3 }]), stats: undefined } as unknown as HistoryEvent;
    expect(wanEvidence([noStats])).toEqual({ ok: false, why: 'tcpdump did not report its counters: kernel drops unknown' });
    const dropped = wanCapture([{ port: 4789, packets: 3 }], { stats: { captured: 3, receivedByFilter: 5, droppedByKernel: 2 } });
    expect(wanEvidence([wanCapture([{ port: 4789, packets: 1 }]), dropped])).toEqual({ ok: false, why: 'the kernel dropped 2 packets from the WAN capture: what it missed may be what the check looks for' });
  });
});

describe('quantile', () => {
  const xs = [10, 20, 30, 40];
  it('is NaN of nothing, and the nearest-rank value otherwise', () => {
    expect(quantile([], 0.5)).toBeNaN();
    expect([0, 0.25, 0.5, 0.51, 0.75, 0.99, 1].map((q) => quantile(xs, q))).toEqual([10, 10, 20, 30, 30, 40, 40]);
  });
  it('clamps a rank outside the list to its ends', () => {
    expect(quantile(xs, 2)).toBe(40);
    expect(quantile(xs, -1)).toBe(10);
  });
});

describe('answered', () => {
  it('pairs each answer with its invoke by value.n, an answer without a number with an invoke without one', () => {
    const h: HistoryEvent[] = [
      { t: 1, kind: 'op', process: 'p', type: 'invoke', f: 'x', value: { n: 1 } },
      { t: 2, kind: 'op', process: 'p', type: 'invoke', f: 'x' },
      { t: 5, kind: 'op', process: 'p', type: 'ok', f: 'x', value: { n: 1 } },
      { t: 7, kind: 'op', process: 'p', type: 'fail', f: 'x' },
      { t: 9, kind: 'op', process: 'q', type: 'ok', f: 'x', value: { n: 1 } },
    ];
    expect(answered(h, 'p', 'x').map((a) => [a.sent, a.e.t])).toEqual([
      [1, 5],
      [2, 7],
    ]);
    expect(ops(h, 'q', 'x').map((e) => e.t)).toEqual([9]);
  });
});

describe('faultWindows', () => {
  it('orders windows by their start, counts a never-healed proven fault as proven, and joins both proofs of a healed one', () => {
    const h = [
      ...fault({ kind: 'site-loss', site: 'east' }, 300, undefined, { name: 'lose' }),
      ...fault({ kind: 'partition', link: 'ew' }, 100, 200, { name: 'cut' }),
      ...fault({ kind: 'impair', link: 'ew' }, 250, 280, { name: 'slow' }),
    ].sort((a, b) => a.t - b.t);
    const w = faultWindows(h);
    expect(w.map((x) => [x.fault, x.start, x.end, x.proven, x.proof])).toEqual([
      ['cut', 100, 200, true, 'proven (test); healed (test)'],
      ['slow', 250, 280, true, 'proven (test); healed (test)'],
      ['lose', 300, Infinity, true, 'proven (test)'],
    ]);
  });
  it('sorts by the measured start, not the injection, and ignores a heal without its start', () => {
    const h = [
      ...fault({ kind: 'partition', link: 'ew' }, 100, 400, { name: 'cut' }),
      ...fault({ kind: 'site-loss', site: 'east' }, 150, undefined, { name: 'lose', from: 90, stopped: { 'east/ctl': 90 } }),
    ];
    const orphan = fault({ kind: 'impair', link: 'ew' }, 10, 20, { name: 'orphan' })[1]!;
    const w = faultWindows([orphan, ...h].sort((a, b) => a.t - b.t));
    expect(w.map((x) => [x.fault, x.injectedAt, x.start, x.stopped])).toEqual([
      ['lose', 150, 90, { 'east/ctl': 90 }],
      ['cut', 100, 100, {}],
    ]);
  });
  it('keeps a start that a second start of the same name overtook before any heal, as a window never healed', () => {
    // A by-hand injection that failed (unproven), then the same name injected again and healed.
    const failed = fault({ kind: 'pause-node', node: 'east/ctl' }, 100, undefined, { name: 'p', ok: false });
    const retried = fault({ kind: 'pause-node', node: 'east/ctl' }, 500, 900, { name: 'p' });
    const w = faultWindows([...failed, ...retried]);
    expect(w.map((x) => [x.injectedAt, x.end, x.proven])).toEqual([
      [100, Infinity, false],
      [500, 900, true],
    ]);
  });
  it('is unproven when the heal was not proven', () => {
    const w = faultWindows(fault({ kind: 'partition', link: 'ew' }, 100, 200, { name: 'cut', healOk: false }));
    expect(w.map((x) => [x.proven, x.proof])).toEqual([[false, 'proven (test); heal not proven (test)']]);
  });
  it("adds the capture's proof to the window it names (fault and injection time), and is unproven when that one is not", () => {
    const seen = (ok: boolean, injectedAt: number): HistoryEvent => ({ t: 900, kind: 'fault-capture', fault: 'slow', faultKind: 'impair', injectedAt, proof: { ok, summary: `capture ${ok ? 'agrees' : 'disagrees'}`, measured: {} } });
    const h = [...fault({ kind: 'impair', link: 'ew' }, 100, 200, { name: 'slow' }), ...fault({ kind: 'impair', link: 'ew' }, 300, 400, { name: 'slow' })];
    expect(faultWindows([...h, seen(false, 300)]).map((x) => [x.injectedAt, x.proven, x.proof])).toEqual([
      [100, true, 'proven (test); healed (test)'],
      [300, false, 'proven (test); healed (test); capture disagrees'],
    ]);
    expect(faultWindows([...h, seen(true, 100)]).map((x) => [x.proven, x.proof])).toEqual([
      [true, 'proven (test); healed (test); capture agrees'],
      [true, 'proven (test); healed (test)'],
    ]);
    expect(faultWindows([...h, seen(false, 150)]).every((x) => x.proven)).toBe(true);
    // The capture's proof of a window never healed comes after its start: it is no heal.
    const open = fault({ kind: 'impair', link: 'ew' }, 300, undefined, { name: 'slow' });
    expect(faultWindows([...open, seen(true, 300)]).map((x) => [x.end, x.proof])).toEqual([[Infinity, 'proven (test); capture agrees']]);
  });
});

describe('gaps', () => {
  it('is one gap between each two consecutive times, none for fewer than two', () => {
    expect(gaps([])).toEqual([]);
    expect(gaps([5])).toEqual([]);
    expect(gaps([1, 3, 6])).toEqual([
      { from: 1, to: 3, ms: 2 },
      { from: 3, to: 6, ms: 3 },
    ]);
  });
});

const scenario = parseScenario(
  'test.yaml',
  `
name: t
duration: 30s
${wanPair('10ms')}
workload:
  - { kind: heartbeat, name: hb, from: east/hb, to: west/hb, interval: 50ms }
checks:
  - { name: gap, kind: partition-gap, workload: hb, tolerance: 100ms, requirements: [WAN-PARTITION-GAP] }
`,
).scenario;

describe('runChecks and verdicts', () => {
  it('names every unproven fault, and its proof, in the evidence of a check that reads fault windows', () => {
    const h = [...fault({ kind: 'partition', link: 'wan1' }, 100, 200, { name: 'cut', ok: false }), ...fault({ kind: 'impair', link: 'wan1' }, 300, 400, { name: 'slow' })];
    const [r] = runChecks(h, scenario, planTopology(scenario, 'abcdef'));
    expect(r).toMatchObject({ check: 'gap', kind: 'partition-gap', status: 'unknown' });
    expect(r!.evidence).toEqual({ unprovenFaults: [{ fault: 'cut', proof: 'not proven (test); healed (test)' }] });
  });
  it('lets a result of a check the scenario does not have decide nothing', () => {
    const v = verdicts(scenario, [
      { check: 'ghost', kind: 'partition-gap', status: 'fail', summary: '', evidence: {} },
      { check: 'gap', kind: 'partition-gap', status: 'pass', summary: '', evidence: {} },
    ]);
    const gap = v.find((x) => x.id === 'WAN-PARTITION-GAP')!;
    expect(gap.status).toBe('pass');
    expect(gap.checks.map((c) => c.check)).toEqual(['gap']);
    expect(v.filter((x) => x.checks.length > 0).map((x) => x.id)).toEqual(['WAN-PARTITION-GAP']);
  });
});
