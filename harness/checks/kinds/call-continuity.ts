// HA-ONGOING-CALLS (and HA-NWAY): calls in progress across a site loss or a
// partition that took the active away from the caller survive the failover:
// none dropped or losing its state, and no media gap above the limit.
import { z } from 'zod';
import type { OpEvent } from '../../observe/history.js';
import type { Checker } from '../context.js';
import type { CheckKind, SpecOf } from '../kind.js';
import { checkFields, limit, vnf, workload } from '../options.js';
import { ops, round } from '../series.js';
import { activeIntervals, activesTakenAway, callId, callsOf, DEFAULT_LIMIT_MS, disruptions, summarize, vnfOf } from '../vnf-history.js';

const options = z.strictObject({
  ...checkFields('call-continuity'),
  vnf,
  workload: workload('calls'),
  limit: limit('The longest media gap allowed in a call in progress across the fault (default 1s)'),
});

const check: Checker<SpecOf<typeof options>> = (h, ctx) => {
  const v = vnfOf(ctx);
  const w = callsOf(ctx, v);
  const limit = ctx.spec.limit ?? DEFAULT_LIMIT_MS;
  const proc = `${w.name}@${w.from}`;
  const setupOk = new Map(ops(h, proc, 'call-setup').filter((e) => e.type === 'ok').map((e) => [callId(e), e.t]));
  const ends = new Map(ops(h, proc, 'call-end').map((e) => [callId(e), e]));
  const gaps = ops(h, proc, 'media-gap');
  const spans = activeIntervals(h, v, h.reduce((m, e) => Math.max(m, e.t), 0));
  const rows = disruptions(h).map((f) => {
    // The requirement is about a failover: a fault that left the active with the caller has none to judge.
    const { activeAtFault, lost: taken } = activesTakenAway(ctx.scenario, v, w.from, spans, f);
    if (activeAtFault.length > 0 && taken.length === 0) return { fault: f.fault, status: 'skip', why: `the active (${activeAtFault.join(', ')}) was not taken away by ${f.fault} (${f.target.key}): no failover to judge` } as const;
    const spanning = [...setupOk].filter(([id, t]) => t < f.start && (ends.get(id)?.t ?? Infinity) > f.start).map(([id]) => id);
    const ended = spanning.map((id) => ends.get(id)).filter((e): e is OpEvent => e !== undefined);
    const lost = ended.filter((e) => e.type !== 'ok').map((e) => `${callId(e)} (${String(e.value?.reason ?? 'failed')})`);
    const unfinished = spanning.length - ended.length;
    const ids = new Set(spanning);
    const mine = gaps.filter((g) => ids.has(callId(g)));
    const maxGap = mine.reduce((m, g) => Math.max(m, Number(g.value?.gapMs ?? 0)), 0);
    // A call that hung up inside a gap open since before the fault (the agent marks it open) never had media after it:
    // it ended well, but shows nothing of surviving the fault.
    const silentSince = new Set(mine.filter((g) => g.value?.open === true && Number(g.value?.from) <= f.start).map(callId));
    const shown = spanning.filter((id) => !silentSince.has(id)).length;
    // No call in progress shows nothing either (shown is then 0).
    const status = lost.length > 0 || maxGap > limit ? 'fail' : unfinished > 0 || shown === 0 ? 'unknown' : 'pass';
    return { fault: f.fault, ongoingCalls: spanning.length, dropped: lost, unfinished, endedBeforeMediaCameBack: silentSince.size, maxMediaGapMs: round(maxGap), limitMs: limit, status } as const;
  });
  if (rows.length === 0) return { status: 'skip', summary: 'no site loss or partition in this run', evidence: { rows } };
  const judged = rows.filter((r) => r.status !== 'skip');
  if (judged.length === 0) return { status: 'skip', summary: rows.map((r) => r.why).join('; '), evidence: { rows } };
  const text = (r: (typeof judged)[number]) =>
    `${r.fault}: ${r.ongoingCalls} ongoing calls, ${r.dropped.length} dropped or lost state${r.dropped.length ? ` (${r.dropped.slice(0, 3).join(', ')})` : ''}, longest media gap ${r.maxMediaGapMs} ms (limit ${r.limitMs})`;
  return summarize(judged, text, 'no call was in progress across the fault, a call never ended, or every one ended before its media came back');
};

export const callContinuity: CheckKind<typeof options> = {
  options,
  requirements: ['HA-ONGOING-CALLS', 'HA-NWAY'],
  needs: { faults: true, workloads: ['calls'] },
  check,
};
