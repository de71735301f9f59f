// WAN-FIDELITY: heartbeat round trips against the injected delay. The run is
// cut into phases of constant configured delay at each recorded fault start
// and heal; partitioned phases are skipped; in each, the median RTT must be
// within the tolerance of the configured round trip.
import { z } from 'zod';
import { parsePercent } from '../../scenario/units.js';
import type { Hop } from '../../topology/plan.js';
import type { Impairment } from '../../wan/impairment.js';
import type { Checker } from '../context.js';
import { ends, MIN_SAMPLES, proc } from '../heartbeat-history.js';
import type { CheckKind, SpecOf } from '../kind.js';
import { checkFields, tolerance, workload } from '../options.js';
import { faultWindows, ops, quantile, round, type FaultWindow } from '../series.js';

const options = z.strictObject({
  ...checkFields('heartbeat-rtt'),
  workload: workload('heartbeat'),
  tolerance: tolerance('How far the median RTT may be from the configured round trip: a relative bound (default 10%; never below 1 ms)'),
});

/** RTTs this close to the expectation pass whatever the relative bound (relay and stack overhead). */
export const RTT_FLOOR_MS = 1;

/** The impairment of one hop at time t, from the recorded fault windows. */
function impairmentAt(hop: Hop, windows: readonly FaultWindow[], t: number): Impairment {
  for (const f of windows) {
    if (f.target.link === hop.link.name && t >= f.start && t < f.end) return f.measured[hop.dir] as Impairment;
  }
  return hop.link.baseline;
}

function oneWayMs(hops: readonly Hop[], windows: readonly FaultWindow[], t: number): number | null {
  let sum = 0;
  for (const h of hops) {
    const imp = impairmentAt(h, windows, t);
    if (imp.down) return null;
    sum += imp.latencyMs;
  }
  return sum;
}

const check: Checker<SpecOf<typeof options>> = (history, ctx) => {
  const { w, dirs } = ends(ctx);
  const tol = parsePercent(String(ctx.spec.tolerance ?? '10%'));
  if (tol === null) throw new Error(`tolerance "${ctx.spec.tolerance}" is not a percentage`);
  const windows = faultWindows(history).filter((f) => f.faultKind !== 'pause-node');
  // Segments of constant configured delay, bounded by fault starts and heals.
  const cuts = [-Infinity, ...windows.flatMap((f) => [f.start, f.end]).filter(Number.isFinite).sort((a, b) => a - b), Infinity];
  const segments = [];
  const allHops = dirs.flatMap((d) => d.hops);
  for (let i = 0; i + 1 < cuts.length; i++) {
    const [s, e] = [cuts[i]!, cuts[i + 1]!];
    if (e <= s) continue;
    const mid = Number.isFinite(s) ? (Number.isFinite(e) ? (s + e) / 2 : s + 1) : e - 1;
    const fwd = oneWayMs(dirs[0]!.hops, windows, mid);
    const back = oneWayMs(dirs[1]!.hops, windows, mid);
    if (fwd === null || back === null) continue; // partitioned: no round trips to judge
    segments.push({ s, e, expected: fwd + back, label: segmentLabel(windows, mid, allHops) });
  }
  const margin = Math.max(...segments.map((x) => x.expected)) + 3 * w.interval;
  const rows = segments.map((seg) => {
    const rtts = dirs
      .flatMap((d) => ops(history, proc(w, d.from), 'ack'))
      .filter((e) => {
        const sent = e.t - (e.value!.rttMs as number);
        return sent >= seg.s + margin && sent <= seg.e - margin;
      })
      .map((e) => e.value!.rttMs as number)
      .sort((a, b) => a - b);
    const median = quantile(rtts, 0.5);
    const allowed = Math.max((tol / 100) * seg.expected, RTT_FLOOR_MS);
    const status = rtts.length < MIN_SAMPLES ? 'unknown' : Math.abs(median - seg.expected) <= allowed ? 'pass' : 'fail';
    return { phase: seg.label, expectedMs: seg.expected, medianMs: round(median), p99Ms: round(quantile(rtts, 0.99)), samples: rtts.length, allowedMs: round(allowed), status };
  });
  const bad = rows.filter((r) => r.status === 'fail');
  const unknown = rows.filter((r) => r.status === 'unknown');
  const describe = (r: (typeof rows)[number]) => `${r.phase}: median ${r.medianMs} ms vs ${r.expectedMs} ms expected (±${r.allowedMs})`;
  if (rows.length === 0) return { status: 'unknown', summary: 'no phase with round trips to measure', evidence: { rows } };
  if (bad.length > 0) return { status: 'fail', summary: bad.map(describe).join('; '), evidence: { rows } };
  if (unknown.length > 0) return { status: 'unknown', summary: `too few samples in ${unknown.map((r) => r.phase).join(', ')}`, evidence: { rows } };
  return { status: 'pass', summary: rows.map(describe).join('; '), evidence: { rows } };
};

function segmentLabel(windows: readonly FaultWindow[], t: number, hops: readonly Hop[]): string {
  const active = windows.filter((f) => t >= f.start && t < f.end && hops.some((h) => f.target.link === h.link.name));
  return active.length ? active.map((f) => f.fault).join('+') : 'baseline';
}

export const heartbeatRtt: CheckKind<typeof options> = {
  options,
  requirements: ['WAN-FIDELITY'],
  needs: { faults: true, workloads: ['heartbeat'] },
  validate: (c) =>
    c.tolerance !== undefined && parsePercent(String(c.tolerance)) === null
      ? [['tolerance', `check "${c.name}" (heartbeat-rtt) takes a relative tolerance such as 10%, not "${String(c.tolerance)}"`]]
      : [],
  check,
};
