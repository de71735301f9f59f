// What the HA checks read of a VNF and its calls: the VNF and call workload a
// check names, when each member considered itself active, when new calls
// were served again after a fault, and per-fault rows folded into one outcome.
import type { HistoryEvent, OpEvent } from '../observe/history.js';
import type { CallsSpec, Scenario, VnfSpec } from '../scenario/schema.js';
import type { CheckContext } from './context.js';
import { faultWindows, ops, round, type FaultWindow } from './series.js';
import { components } from './site-faults.js';
import type { CheckOutcome } from './verdict.js';

export const DEFAULT_LIMIT_MS = 1000;

export const siteOf = (ref: string) => ref.split('/')[0]!;
/** The agents name themselves site-node in their replies. */
export const agentId = (ref: string) => ref.replace('/', '-');
export const callId = (e: OpEvent) => String(e.value?.call);

export function vnfOf(ctx: CheckContext<{ readonly name: string; readonly vnf?: string }>): VnfSpec {
  const v = ctx.spec.vnf ? ctx.scenario.vnfs.find((x) => x.name === ctx.spec.vnf) : ctx.scenario.vnfs[0];
  if (!v) throw new Error(`check ${ctx.spec.name} has no VNF to read`);
  return v;
}

export function callsOf(ctx: CheckContext<{ readonly name: string; readonly workload?: string }>, v: VnfSpec): CallsSpec {
  const all = ctx.scenario.workload.filter((w): w is CallsSpec => w.kind === 'calls' && w.vnf === v.name);
  const w = ctx.spec.workload ? all.find((x) => x.name === ctx.spec.workload) : all[0];
  if (!w) throw new Error(`check ${ctx.spec.name} has no call workload against VNF ${v.name}`);
  return w;
}

/** Intervals during which each member considered itself active. */
export function activeIntervals(h: readonly HistoryEvent[], v: VnfSpec, end: number): Map<string, [number, number][]> {
  const lostAt = new Map<string, number>();
  for (const f of faultWindows(h)) for (const [ref, t] of Object.entries(f.stopped)) lostAt.set(ref, t);
  const out = new Map<string, [number, number][]>();
  for (const m of v.members) {
    const stop = lostAt.get(m) ?? end;
    const spans: [number, number][] = [];
    let since: number | null = null;
    for (const e of ops(h, `${v.name}@${m}`, 'role')) {
      if (e.t > stop) break;
      if (e.value?.to === 'active' && since === null) since = e.t;
      else if (e.value?.to !== 'active' && since !== null) {
        spans.push([since, e.t]);
        since = null;
      }
    }
    if (since !== null) spans.push([since, stop]);
    out.set(m, spans);
  }
  return out;
}

/** Faults that can take the active away from the caller: a lost site or a cut link. */
export function disruptions(h: readonly HistoryEvent[]): FaultWindow[] {
  return faultWindows(h).filter((f) => f.faultKind === 'site-loss' || f.faultKind === 'partition');
}

/**
 * The members of `v` active when fault `f` was injected, and those of them it
 * took away from the caller `from` (their site lost, or on the far side of
 * the cut). `spans` from activeIntervals.
 */
export function activesTakenAway(scenario: Scenario, v: VnfSpec, from: string, spans: ReadonlyMap<string, readonly (readonly [number, number])[]>, f: FaultWindow): { activeAtFault: string[]; lost: string[] } {
  // The components partition every site, the caller's included.
  const callerSide =
    f.faultKind === 'site-loss' ? null : components(scenario, new Set([f.target.link!]), scenario.sites.map((s) => s.name)).find((c) => c.includes(siteOf(from)))!;
  const takesAway = (m: string) => (callerSide === null ? f.target.sites.includes(siteOf(m)) : !callerSide.includes(siteOf(m)));
  // activeIntervals has an entry for every member.
  const activeAtFault = v.members.filter((m) => spans.get(m)!.some(([a, b]) => a <= f.injectedAt && f.injectedAt < b));
  return { activeAtFault, lost: activeAtFault.filter(takesAway) };
}

/**
 * New calls after `from`: the first call sent after it that a member of
 * `servers` answered and after which no new call failed (until `horizon`),
 * when it was answered, and the failures on the way.
 */
export function newCallsServed(setups: readonly OpEvent[], from: number, horizon: number, servers: readonly string[]) {
  const invokes = setups.filter((e) => e.type === 'invoke');
  const invokedAt = new Map(invokes.map((e) => [callId(e), e.t]));
  const sent = (e: OpEvent) => invokedAt.get(callId(e)) ?? -Infinity;
  const inWindow = setups.filter((e) => e.type !== 'invoke' && sent(e) >= from && sent(e) < horizon);
  const failures = inWindow.filter((e) => e.type === 'fail');
  const lastFailSent = Math.max(...failures.map(sent), -Infinity);
  const ids = new Set(servers.map(agentId));
  const recovery = inWindow.find((e) => e.type === 'ok' && ids.has(String(e.value?.by)) && sent(e) > lastFailSent);
  const firstOk = inWindow.find((e) => e.type === 'ok' && ids.has(String(e.value?.by)));
  const previousInvoke = recovery ? invokes.filter((e) => e.t < sent(recovery)).at(-1) : undefined;
  const lastOffered = invokes.filter((e) => e.t >= from && e.t < horizon).at(-1);
  return {
    outageMs: recovery ? round(recovery.t - from) : null,
    /** When the last new call of the window was offered, from the fault: none later, nothing more to learn. */
    lastOfferedMs: lastOffered ? round(lastOffered.t - from) : null,
    servedBy: recovery ? String(recovery.value?.by) : null,
    failedSetups: failures.length,
    failedAfterFirstServed: firstOk ? failures.filter((e) => sent(e) > sent(firstOk)).length : 0,
    // The outage ended somewhere between the previous setup sent and this one: that gap is its resolution, measured.
    resolutionMs: recovery && previousInvoke ? round(sent(recovery) - previousInvoke.t) : null,
  };
}

/**
 * An outage against its limit. With no recovery seen, it is a failure only
 * if new calls were still offered once the limit had passed (one offered
 * then and not served is the evidence); if the workload stopped offering
 * before that (a session by hand whose fault came late, a run that ends),
 * service may have come back unseen: unknown, not a failure.
 */
export function outageVerdict(served: ReturnType<typeof newCallsServed>, limit: number): { status: 'pass' | 'fail' | 'unknown'; why: string } {
  if (served.outageMs !== null) return { status: served.outageMs <= limit ? 'pass' : 'fail', why: '' };
  if (served.lastOfferedMs !== null && served.lastOfferedMs >= limit) return { status: 'fail', why: '' };
  const last = served.lastOfferedMs === null ? 'no new call was offered after the fault' : `the last new call was offered ${served.lastOfferedMs} ms after the fault`;
  return { status: 'unknown', why: `none served again, but ${last}, before the ${limit} ms limit: the calls stopped before the outage could be judged` };
}

export function summarize<R extends { status: 'pass' | 'fail' | 'unknown' }>(rows: readonly R[], text: (r: R) => string, unknownWhy: string): CheckOutcome {
  const bad = rows.filter((r) => r.status === 'fail');
  if (bad.length > 0) return { status: 'fail', summary: bad.map(text).join('; '), evidence: { rows } };
  if (rows.some((r) => r.status === 'unknown')) return { status: 'unknown', summary: `${unknownWhy}; ${rows.map(text).join('; ')}`, evidence: { rows } };
  return { status: 'pass', summary: rows.map(text).join('; '), evidence: { rows } };
}
