// Checkers over heartbeat histories: measured RTT against the injected
// delay, partition length against the longest gap, and continuity outside
// faults. Pure functions of the history and the plan.
import type { HeartbeatSpec as WorkloadSpec } from '../scenario/schema.js';
import { parseDuration, parsePercent } from '../scenario/units.js';
import { path, type Hop } from '../topology/plan.js';
import type { Impairment } from '../wan/impairment.js';
import type { CheckContext, Checker } from './context.js';
import { faultWindows, gaps, ops, quantile, round, type FaultWindow } from './series.js';
import type { Status } from './verdict.js';

/** RTTs this close to the expectation pass whatever the relative bound (relay and stack overhead). */
export const RTT_FLOOR_MS = 1;
const MIN_SAMPLES = 5;

function workloadOf(ctx: CheckContext): WorkloadSpec {
  const hb = ctx.scenario.workload.filter((x): x is WorkloadSpec => x.kind === 'heartbeat');
  const w = ctx.spec.workload ? hb.find((x) => x.name === ctx.spec.workload) : hb[0];
  if (!w) throw new Error(`check ${ctx.spec.name} has no heartbeat workload to read`);
  return w;
}

const siteOf = (ref: string) => ref.split('/')[0]!;

interface Ends {
  readonly w: WorkloadSpec;
  /** Each direction of the workload: who sends, who receives, the hops between. */
  readonly dirs: readonly { from: string; to: string; hops: readonly Hop[] }[];
}

function ends(ctx: CheckContext): Ends {
  const w = workloadOf(ctx);
  const hops = (a: string, b: string) => path(ctx.plan, siteOf(a), siteOf(b));
  return { w, dirs: [ { from: w.from, to: w.to, hops: hops(w.from, w.to) }, { from: w.to, to: w.from, hops: hops(w.to, w.from) } ] };
}

const proc = (w: WorkloadSpec, node: string) => `${w.name}@${node}`;

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

export const heartbeatRtt: Checker = (history, ctx) => {
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

export const partitionGap: Checker = (history, ctx) => {
  const { w, dirs } = ends(ctx);
  const tol = parseDuration(ctx.spec.tolerance ?? '100ms');
  if (tol === null) throw new Error(`tolerance "${ctx.spec.tolerance}" is not a duration`);
  const partitions = faultWindows(history).filter((f) => f.faultKind === 'partition');
  const rows: { fault: string; direction: string; injectedMs: number; gapMs: number; errorMs: number; toleranceMs: number; status: Status }[] = [];
  for (const p of partitions) {
    for (const d of dirs) {
      const cut = d.hops.some((h) => p.target.link === h.link.name && (p.measured[h.dir] as Impairment).down);
      if (!cut) continue;
      const recv = ops(history, proc(w, d.to), 'recv').map((e) => e.t);
      const overlapping = gaps(recv).filter((g) => g.to > p.start && g.from < p.end);
      const injected = p.end - p.start;
      const longest = overlapping.reduce((m, g) => Math.max(m, g.ms), 0);
      const status: Status = !Number.isFinite(injected) || overlapping.length === 0 ? 'unknown' : Math.abs(longest - injected) <= tol ? 'pass' : 'fail';
      rows.push({ fault: p.fault, direction: `${d.from} -> ${d.to}`, injectedMs: round(injected), gapMs: round(longest), errorMs: round(longest - injected), toleranceMs: tol, status });
    }
  }
  if (rows.length === 0) return { status: 'skip', summary: 'no partition cut this workload\'s path', evidence: { rows } };
  const describe = (r: (typeof rows)[number]) => `${r.fault} ${r.direction}: gap ${r.gapMs} ms for ${r.injectedMs} ms injected`;
  const bad = rows.filter((r) => r.status === 'fail');
  if (bad.length > 0) return { status: 'fail', summary: bad.map(describe).join('; '), evidence: { rows } };
  if (rows.some((r) => r.status === 'unknown')) return { status: 'unknown', summary: 'a partition never healed or no heartbeat was received around it', evidence: { rows } };
  return { status: 'pass', summary: rows.map(describe).join('; '), evidence: { rows } };
};

/** Time after a heal during which late or queued heartbeats are still expected. */
const SETTLE_MS = 1000;

export const heartbeatContinuity: Checker = (history, ctx) => {
  const { w, dirs } = ends(ctx);
  const limit = (ctx.spec.intervals ?? 3) * w.interval;
  const involved = (f: FaultWindow, hops: readonly Hop[]) =>
    hops.some((h) => f.target.link === h.link.name) || f.target.node === w.from || f.target.node === w.to || [w.from, w.to].some((n) => f.faultKind === 'site-loss' && f.target.sites.includes(n.split('/')[0]!));
  const rows = dirs.map((d) => {
    const excluded = faultWindows(history).filter((f) => involved(f, d.hops));
    const recv = ops(history, proc(w, d.to), 'recv').map((e) => e.t);
    const sent = ops(history, proc(w, d.from), 'send').map((e) => e.t);
    // Silence before the first heartbeat arrived and after the last one is silence too: count from the first send to the last.
    const edges = recv.length && sent.length ? [sent[0]!, ...recv, Math.max(sent.at(-1)!, recv.at(-1)!)] : recv;
    const free = gaps(edges).filter((g) => !excluded.some((f) => g.to > f.start && g.from < f.end + SETTLE_MS));
    const worst = free.reduce((m, g) => (g.ms > m.ms ? g : m), { from: 0, to: 0, ms: 0 });
    const over = free.filter((g) => g.ms > limit).length;
    return { direction: `${d.from} -> ${d.to}`, sent: sent.length, received: recv.length, worstGapMs: round(worst.ms), limitMs: limit, gapsOverLimit: over };
  });
  const evidence = { rows, settleMs: SETTLE_MS };
  if (rows.some((r) => r.received < MIN_SAMPLES || r.sent === 0)) return { status: 'unknown', summary: 'too few heartbeats sent or received', evidence };
  const bad = rows.filter((r) => r.gapsOverLimit > 0);
  const text = (r: (typeof rows)[number]) => `${r.direction}: worst gap ${r.worstGapMs} ms (limit ${r.limitMs}), ${r.gapsOverLimit} over`;
  return { status: bad.length ? 'fail' : 'pass', summary: (bad.length ? bad : rows).map(text).join('; '), evidence };
};


