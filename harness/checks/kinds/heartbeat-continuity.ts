// WAN-HEARTBEAT-CONTINUITY: outside fault windows on the workload's path
// (plus a settling time after each heal), no gap between heartbeats above N
// intervals, counting silence before the first and after the last.
import { z } from 'zod';
import type { Hop } from '../../topology/plan.js';
import type { Checker } from '../context.js';
import { ends, MIN_SAMPLES, proc } from '../heartbeat-history.js';
import type { CheckKind, SpecOf } from '../kind.js';
import { checkFields, workload } from '../options.js';
import { faultWindows, gaps, ops, round, type FaultWindow } from '../series.js';

const options = z.strictObject({
  ...checkFields('heartbeat-continuity'),
  workload: workload('heartbeat'),
  intervals: z
    .number()
    .positive({ message: 'intervals is the largest gap allowed, counted in heartbeat intervals: write a number above 0, e.g. 3' })
    .optional()
    .meta({ description: 'The largest gap allowed, in heartbeat intervals (default 3)' }),
});

/** Time after a heal during which late or queued heartbeats are still expected. */
const SETTLE_MS = 1000;

type Span = { readonly from: number; readonly to: number };

/**
 * The parts of a gap outside every excused window (pure, exported for
 * tests). A gap that began in a fault is excused only as far as the window
 * reaches: silence that goes on after the settling time is judged.
 */
export function unexcused(gap: Span, windows: readonly Span[]): { from: number; to: number; ms: number }[] {
  let parts: Span[] = [gap];
  for (const w of windows) parts = parts.flatMap((p) => (p.to <= w.from || p.from >= w.to ? [p] : [{ from: p.from, to: w.from }, { from: w.to, to: p.to }].filter((x) => x.to > x.from)));
  return parts.map((p) => ({ ...p, ms: p.to - p.from }));
}

const check: Checker<SpecOf<typeof options>> = (history, ctx) => {
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
    const windows = excluded.map((f) => ({ from: f.start, to: f.end + SETTLE_MS }));
    const free = gaps(edges).flatMap((g) => unexcused(g, windows));
    const worstMs = free.reduce((m, g) => Math.max(m, g.ms), 0);
    const over = free.filter((g) => g.ms > limit).length;
    return { direction: `${d.from} -> ${d.to}`, sent: sent.length, received: recv.length, worstGapMs: round(worstMs), limitMs: limit, gapsOverLimit: over };
  });
  const evidence = { rows, settleMs: SETTLE_MS };
  if (rows.some((r) => r.received < MIN_SAMPLES || r.sent === 0)) return { status: 'unknown', summary: 'too few heartbeats sent or received', evidence };
  const bad = rows.filter((r) => r.gapsOverLimit > 0);
  const text = (r: (typeof rows)[number]) => `${r.direction}: worst gap ${r.worstGapMs} ms (limit ${r.limitMs}), ${r.gapsOverLimit} over`;
  return { status: bad.length ? 'fail' : 'pass', summary: (bad.length ? bad : rows).map(text).join('; '), evidence };
};

export const heartbeatContinuity: CheckKind<typeof options> = {
  options,
  requirements: ['WAN-HEARTBEAT-CONTINUITY'],
  needs: { faults: true, workloads: ['heartbeat'] },
  check,
};
