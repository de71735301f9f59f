// WAN-FIDELITY: the delay the emulated WAN adds against the delay injected.
// The run is cut into phases of constant configured delay at each recorded
// fault start and heal; partitioned phases are skipped. In each phase, for
// every hop of the heartbeat's path both ways, the median time the WAN held
// the heartbeat's datagrams (the capture on the WAN bridge: arrival from one
// site to departure towards the other, observe/wan-delay.ts) must be within
// the tolerance of the hop's configured one-way latency. Why the capture and
// not the heartbeats' round trips: a round trip also holds both agents and
// both kernels (~2 ms on a quiet host, 4+ ms on a busy one), which is not the
// WAN's to fail on and could hide a WAN that delays too little. The round
// trips stay in the evidence, beside the sum of the hops' median delays.
import { z } from 'zod';
import { parsePercent } from '../../scenario/units.js';
import { hopSites, type Hop } from '../../topology/plan.js';
import type { Impairment } from '../../wan/impairment.js';
import type { Checker } from '../context.js';
import { ends, MIN_SAMPLES, proc } from '../heartbeat-history.js';
import type { CheckKind, SpecOf } from '../kind.js';
import { checkFields, tolerance, workload } from '../options.js';
import type { Status } from '../verdict.js';
import type { CaptureEvent, HistoryEvent } from '../../observe/history.js';
import { UDP } from '../../observe/pcap.js';
import { faultWindows, ops, quantile, round, type FaultWindow } from '../series.js';

const options = z.strictObject({
  ...checkFields('heartbeat-rtt'),
  workload: workload('heartbeat'),
  tolerance: tolerance("How far the median delay the WAN adds on each hop may be from the hop's configured latency: a relative bound (default 10%; never below 1 ms)"),
});

/** Delays this close to the expectation pass whatever the relative bound (the relay's timer wakes within ~0.9 ms, relay.test). */
export const DELAY_FLOOR_MS = 1;

/** The impairment of one hop at time t, from the recorded fault windows. */
function impairmentAt(hop: Hop, windows: readonly FaultWindow[], t: number): Impairment {
  for (const f of windows) {
    if (f.target.link === hop.link.name && t >= f.start && t < f.end) return f.measured[hop.dir] as Impairment;
  }
  return hop.link.baseline;
}

/** The relay's hold times of workload port `port` on one hop, from the captures. */
function wireSamples(history: readonly HistoryEvent[], hop: Hop, port: number): readonly (readonly [number, number])[] {
  return history
    .filter((e): e is CaptureEvent => e.kind === 'capture')
    .flatMap((c) => c.wire ?? [])
    .filter((f) => f.linkVni === hop.link.vni && f.dir === hop.dir && f.proto === UDP && f.port === port && f.tenantVni === null)
    .flatMap((f) => f.samples);
}

const check: Checker<SpecOf<typeof options>> = (history, ctx) => {
  const { w, dirs } = ends(ctx);
  const tol = parsePercent(String(ctx.spec.tolerance ?? '10%'));
  if (tol === null) throw new Error(`tolerance "${ctx.spec.tolerance}" is not a percentage`);
  if (!history.some((e) => e.kind === 'capture' && e.wire !== undefined)) {
    return { status: 'unknown', summary: "no capture of the WAN was taken: the delay it added cannot be measured", evidence: { rows: [] } };
  }
  const windows = faultWindows(history).filter((f) => f.faultKind !== 'pause-node');
  // Segments of constant configured delay, bounded by fault starts and heals.
  const cuts = [-Infinity, ...windows.flatMap((f) => [f.start, f.end]).filter(Number.isFinite).sort((a, b) => a - b), Infinity];
  const segments = [];
  const allHops = dirs.flatMap((d) => d.hops);
  for (let i = 0; i + 1 < cuts.length; i++) {
    const [s, e] = [cuts[i]!, cuts[i + 1]!];
    if (e <= s) continue;
    const mid = Number.isFinite(s) ? (Number.isFinite(e) ? (s + e) / 2 : s + 1) : e - 1;
    const imps = allHops.map((h) => impairmentAt(h, windows, mid));
    if (imps.some((x) => x.down)) continue; // partitioned: nothing crosses to judge
    segments.push({ s, e, mid, expectedRtt: imps.reduce((n, x) => n + x.latencyMs, 0), label: segmentLabel(windows, mid, allHops) });
  }
  // Away from each edge: the largest round trip expected plus 3 intervals.
  const margin = Math.max(...segments.map((x) => x.expectedRtt)) + 3 * w.interval;
  const acks = dirs.flatMap((d) => ops(history, proc(w, d.from), 'ack'));
  const onWire = new Map(allHops.map((h) => [h, wireSamples(history, h, w.port)]));
  const judged = segments.map((seg) => {
    const inside = (t: number) => t >= seg.s + margin && t <= seg.e - margin;
    const hops = dirs.flatMap((d) =>
      d.hops.map((hop) => {
        const delays = onWire
          .get(hop)!
          .filter(([t]) => inside(t))
          .map(([, ms]) => ms)
          .sort((a, b) => a - b);
        const expected = impairmentAt(hop, windows, seg.mid).latencyMs;
        const median = quantile(delays, 0.5);
        const allowed = Math.max((tol / 100) * expected, DELAY_FLOOR_MS);
        const status: Status = delays.length < MIN_SAMPLES ? 'unknown' : Math.abs(median - expected) <= allowed ? 'pass' : 'fail';
        return { phase: seg.label, hop: hopLabel(hop), expectedMs: expected, medianMs: round(median), p99Ms: round(quantile(delays, 0.99)), samples: delays.length, allowedMs: round(allowed), status };
      }),
    );
    const rtts = acks
      .map((e) => ({ sent: e.t - (e.value!.rttMs as number), rtt: e.value!.rttMs as number }))
      .filter((x) => inside(x.sent))
      .map((x) => x.rtt)
      .sort((a, b) => a - b);
    // Beside what the heartbeats saw, what the wire held of it: the rest is both agents and both kernels.
    const wireMs = hops.every((h) => h.samples >= MIN_SAMPLES) ? round(hops.reduce((n, h) => n + h.medianMs, 0)) : null;
    const roundTrip = { phase: seg.label, expectedMs: seg.expectedRtt, medianMs: round(quantile(rtts, 0.5)), samples: rtts.length, wireMs };
    return { hops, roundTrip };
  });
  const rows = judged.flatMap((j) => j.hops);
  const evidence = { rows, roundTrips: judged.map((j) => j.roundTrip) };
  const bad = rows.filter((r) => r.status === 'fail');
  const unknown = rows.filter((r) => r.status === 'unknown');
  const describe = (r: (typeof rows)[number]) => `${r.phase} ${r.hop}: median ${r.medianMs} ms vs ${r.expectedMs} ms configured (±${r.allowedMs})`;
  if (rows.length === 0) return { status: 'unknown', summary: 'no phase with heartbeats crossing to measure', evidence };
  if (bad.length > 0) return { status: 'fail', summary: bad.map(describe).join('; '), evidence };
  if (unknown.length > 0) return { status: 'unknown', summary: `too few heartbeat datagrams on the wire in ${[...new Set(unknown.map((r) => `${r.phase} ${r.hop}`))].join(', ')}`, evidence };
  return { status: 'pass', summary: rows.map(describe).join('; '), evidence };
};

const hopLabel = (h: Hop) => `${h.link.name} ${hopSites(h).join('->')}`;

function segmentLabel(windows: readonly FaultWindow[], t: number, hops: readonly Hop[]): string {
  const active = windows.filter((f) => t >= f.start && t < f.end && hops.some((h) => f.target.link === h.link.name));
  return active.length ? active.map((f) => f.fault).join('+') : 'baseline';
}

export const heartbeatRtt: CheckKind<typeof options> = {
  options,
  requirements: ['WAN-FIDELITY'],
  needs: { wire: true, faults: true, workloads: ['heartbeat'] },
  validate: (c) =>
    c.tolerance !== undefined && parsePercent(String(c.tolerance)) === null
      ? [['tolerance', `check "${c.name}" (heartbeat-rtt) takes a relative tolerance such as 10%, not "${String(c.tolerance)}"`]]
      : [],
  check,
};
