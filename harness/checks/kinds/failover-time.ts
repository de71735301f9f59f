// HA-NEW-CALLS-1S (and the HA variants that share its measure): after a
// fault takes the active member away from the callers, new calls are served
// again within the limit. Judged only when the fault really took the active
// away (it was in the lost site, or on the far side of the cut from the
// caller); counted from the measured start of the fault (a site's first
// death); recovery is the first call answered by a surviving member after
// which no new call failed; the resolution is the measured gap between the
// call setups around it.
import { z } from 'zod';
import type { OpEvent } from '../../observe/history.js';
import type { Checker } from '../context.js';
import type { CheckKind, SpecOf } from '../kind.js';
import { checkFields, limit, vnf, workload } from '../options.js';
import { ops, round } from '../series.js';
import { activeIntervals, activesTakenAway, callsOf, DEFAULT_LIMIT_MS, disruptions, newCallsServed, outageVerdict, summarize, vnfOf } from '../vnf-history.js';

const options = z.strictObject({
  ...checkFields('failover-time'),
  vnf,
  workload: workload('calls'),
  limit: limit('The longest outage allowed: new calls served again within this of the fault (default 1s)'),
});

const check: Checker<SpecOf<typeof options>> = (h, ctx) => {
  const v = vnfOf(ctx);
  const w = callsOf(ctx, v);
  const limit = ctx.spec.limit ?? DEFAULT_LIMIT_MS;
  const setups = ops(h, `${w.name}@${w.from}`, 'call-setup');
  const end = h.reduce((m, e) => Math.max(m, e.t), 0);
  const spans = activeIntervals(h, v, end);
  const faults = disruptions(h);

  const rows = faults.map((f, i) => {
    const { activeAtFault, lost } = activesTakenAway(ctx.scenario, v, w.from, spans, f);
    // Up to the next disruption (or the end): what happens after belongs to it.
    const horizon = faults[i + 1]?.start ?? Infinity;
    const base = { fault: f.fault, limitMs: limit, activeAtFault, lostActives: lost };
    if (activeAtFault.length === 0) return { ...base, outageMs: null, status: 'unknown', why: `no member of ${v.name} was active when ${f.fault} began` } as const;
    if (lost.length === 0) {
      return { ...base, outageMs: null, status: 'skip', why: `the active (${activeAtFault.join(', ')}) was not taken away by ${f.fault} (${f.target.key}): no failover to judge` } as const;
    }
    const okBefore = setups.some((e) => e.type === 'ok' && e.t < f.start);
    const served = newCallsServed(setups, f.start, horizon, v.members.filter((m) => !lost.includes(m)));
    const becameActive = h.find((e): e is OpEvent => e.kind === 'op' && e.f === 'role' && e.t >= f.start && e.value?.to === 'active' && e.process.startsWith(`${v.name}@`));
    return {
      ...base,
      ...served,
      takeoverMs: becameActive ? round(becameActive.t - f.start) : null,
      newActive: becameActive?.process ?? null,
      ...(okBefore ? outageVerdict(served, limit) : ({ status: 'unknown', why: 'no call succeeded before the fault: nothing to fail over from' } as const)),
    } as const;
  });
  const judged = rows.filter((r) => r.status !== 'skip');
  if (faults.length === 0) return { status: 'skip', summary: 'no site loss or partition in this run', evidence: { rows } };
  if (judged.length === 0) return { status: 'skip', summary: rows.map((r) => r.why).join('; '), evidence: { rows } };
  const text = (r: (typeof judged)[number]) =>
    r.status === 'unknown'
      ? `${r.fault}: ${r.why}`
      : `${r.fault}: new calls served again after ${r.outageMs === null ? 'never' : `${r.outageMs} ms`} (limit ${r.limitMs} ms${'resolutionMs' in r && r.resolutionMs !== null ? `, resolution ${r.resolutionMs} ms` : ''}), ${'failedSetups' in r ? r.failedSetups : 0} failed setups${'servedBy' in r && r.servedBy ? `, by ${r.servedBy}` : ''}`;
  return summarize(judged, text, 'undecided');
};

export const failoverTime: CheckKind<typeof options> = {
  options,
  requirements: ['HA-NEW-CALLS-1S', 'HA-L3-BACKUP', 'HA-NWAY'],
  needs: { faults: true, workloads: ['calls'] },
  check,
};
