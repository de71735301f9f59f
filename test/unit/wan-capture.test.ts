// The capture's second proof of faults (engine/wan-capture.ts captureProofs):
// which faults get one, over which window, and from which capture.
import { describe, expect, it } from 'vitest';
import { faultWindows } from '../../harness/checks/series.js';
import { captureProofs } from '../../harness/engine/wan-capture.js';
import type { HistoryEvent } from '../../harness/observe/history.js';
import { parseScenario } from '../../harness/scenario/load.js';
import { planTopology } from '../../harness/topology/plan.js';
import { wanCapture, wireFlow } from '../support/capture.js';
import { fault } from '../support/faults.js';
import { wanPair } from '../support/topologies.js';

const plan = planTopology(parseScenario('t.yaml', `name: t\nduration: 30s\n${wanPair('20ms')}\n`).scenario, 'abcdef');
const asked = { latencyMs: 100, jitterMs: 0, lossPct: 0, bandwidthKbit: null, down: false };
const slow = (t: number, end: number | undefined, name = 'slow') => fault({ kind: 'impair', link: 'wan1' }, t, end, { name, measured: { link: 'wan1', aToB: asked, bToA: asked, appliedAt: t + 5 } });
const every = (from: number, n: number, ms: number): [number, number][] => Array.from({ length: n }, (_, i) => [from + i * 10, ms]);

describe('captureProofs', () => {
  it('proves each impair window from the datagrams the WAN held in it, and names the window', () => {
    const h: HistoryEvent[] = [...slow(1000, 2000), ...slow(3000, 4000, 'slower'), wanCapture([], { t: 5000, wire: [wireFlow('aToB', [...every(1100, 6, 100.2), ...every(3100, 6, 20)])] })];
    const proofs = captureProofs(h, plan);
    expect(proofs.map((p) => [p.kind, p.fault, p.faultKind, p.injectedAt, p.proof.ok, p.proof.summary])).toEqual([
      ['fault-capture', 'slow', 'impair', 1000, true, 'capture: east->west: the WAN held 6 datagrams a median 100.2 ms'],
      ['fault-capture', 'slower', 'impair', 3000, false, 'capture: east->west: the WAN held 6 datagrams a median 20 ms: median 20 ms < 100 ms asked'],
    ]);
    expect(proofs[0]!.proof.measured).toEqual({ link: 'wan1', from: 1005, to: 2000, aToB: { datagrams: 6, medianMs: 100.2 }, bToA: null });
    // Appended, they decide whether the window is proven.
    expect(faultWindows([...h, ...proofs]).map((w) => [w.fault, w.proven])).toEqual([
      ['slow', true],
      ['slower', false],
    ]);
  });
  it('runs a window never healed to the end of the capture', () => {
    const h = [...slow(1000, undefined), wanCapture([], { t: 9000, wire: [wireFlow('aToB', every(8000, 5, 100))] })];
    expect(captureProofs(h, plan).map((p) => p.proof.measured)).toMatchObject([{ from: 1005, to: null }]); // null: never healed (JSON has no Infinity);
  });
  it('gives nothing without paired datagrams, for kinds with no capture proof, or where the window saw too few', () => {
    expect(captureProofs([...slow(1000, 2000), wanCapture([{ port: 4789, packets: 9 }])], plan)).toEqual([]);
    expect(captureProofs([...slow(1000, 2000)], plan)).toEqual([]);
    const cut = fault({ kind: 'partition', link: 'wan1' }, 1000, 2000, { name: 'cut', measured: { link: 'wan1', aToB: asked, bToA: asked, appliedAt: 1005 } });
    expect(captureProofs([...cut, wanCapture([], { wire: [wireFlow('aToB', every(1100, 9, 5))] })], plan)).toEqual([]);
    expect(captureProofs([...slow(1000, 2000), wanCapture([], { wire: [wireFlow('aToB', every(1100, 4, 5))] })], plan)).toEqual([]);
  });
});
