// History views of the DR runner and the fake VNF's guests (harness/dr/):
// the runner's steps are ops of process dr@<site>, each guest's own events
// ops of process guest@<site>/<vnf>-<index>.
import type { DrSpec } from '../dr/spec.js';
import type { HistoryEvent, OpEvent } from '../observe/history.js';
import type { CheckContext } from './context.js';
import { faultWindows, type FaultWindow } from './series.js';

const isOp = (e: HistoryEvent): e is OpEvent => e.kind === 'op';

/** The runner's steps named f (any site), in time order. */
export function drSteps(h: readonly HistoryEvent[], f: string, site?: string): OpEvent[] {
  return h.filter((e): e is OpEvent => isOp(e) && e.process.startsWith('dr@') && e.f === f && (site === undefined || e.process === `dr@${site}`)).sort((a, b) => a.t - b.t);
}

/** Guests' events of type f, optionally in one site only. */
export function guestEvents(h: readonly HistoryEvent[], f: string, site?: string): OpEvent[] {
  const prefix = site === undefined ? 'guest@' : `guest@${site}/`;
  return h.filter((e): e is OpEvent => isOp(e) && e.process.startsWith(prefix) && e.f === f).sort((a, b) => a.t - b.t);
}

/** The member index a guest process speaks for (guest@site/vnf-2 -> 2), or null. */
export function memberOf(process: string): number | null {
  const m = /-(\d+)$/.exec(process);
  return m ? Number(m[1]) : null;
}

// Number.isFinite is false for anything not a number (it does not coerce).
export const num = (v: unknown): number | null => (Number.isFinite(v) ? (v as number) : null);

/** The scenario's dr block; validation guarantees a DR check has one. */
export function drOf(ctx: CheckContext<unknown>): DrSpec {
  if (!ctx.scenario.dr) throw new Error('a DR check needs the scenario\'s dr block');
  return ctx.scenario.dr;
}

/** The failover trigger: the dr-failover fault's window, if it was injected. */
export function failoverOf(h: readonly HistoryEvent[]): FaultWindow | undefined {
  return faultWindows(h).find((f) => f.faultKind === 'dr-failover');
}

/** The primary's loss: a site-loss of the dr.primary site. */
export function primaryLossOf(h: readonly HistoryEvent[], d: DrSpec): FaultWindow | undefined {
  return faultWindows(h).find((f) => f.faultKind === 'site-loss' && f.target.sites.includes(d.primary));
}

/** The cycles the runner started (options 1 and 2), by number, with their steps. */
export function cycles(h: readonly HistoryEvent[]): Map<number, OpEvent[]> {
  const out = new Map<number, OpEvent[]>();
  for (const e of h) {
    if (!isOp(e) || !e.process.startsWith('dr@')) continue;
    const c = num(e.value?.['cycle']);
    if (c === null) continue;
    out.set(c, [...(out.get(c) ?? []), e]);
  }
  for (const list of out.values()) list.sort((a, b) => a.t - b.t);
  return out;
}

/** Validation shared by the DR check kinds: the scenario must have a dr block. */
export function needsDr(name: string, s: { dr?: unknown }): (readonly [string | null, string])[] {
  return s.dr ? [] : [[null, `check "${name}" judges disaster recovery, but the scenario has no dr block: add one (vnf, primary, backup, option), or remove this check`]];
}

/** What the restore lost and how long it took, from the history: the base of DR-RPO and DR-RTO. */
export interface Recovery {
  /** The primary's loss (first node seen dead), or the trigger when the primary was never lost. */
  readonly lostAt: number;
  readonly lost: boolean;
  /** The last transaction the VNF committed in the primary before lostAt. */
  readonly lastCommitted: { readonly seq: number; readonly t: number } | null;
  /** Each restored VM's transaction, as the restored VNF reported it. */
  readonly restoredSeqs: readonly number[] | null;
  /** The first transaction committed in the backup site after the restore. */
  readonly serving: { readonly seq: number | null; readonly t: number } | null;
  readonly triggerAt: number | null;
}

export function recoveryOf(h: readonly HistoryEvent[], d: DrSpec): Recovery | null {
  const trigger = failoverOf(h);
  const loss = primaryLossOf(h, d);
  if (!trigger && !loss) return null;
  const lostAt = loss?.start ?? trigger!.injectedAt;
  const commits = guestEvents(h, 'commit', d.primary).filter((e) => e.t <= lostAt && num(e.value?.['seq']) !== null);
  const last = commits.reduce<OpEvent | undefined>((m, e) => (!m || num(e.value?.['seq'])! > num(m.value?.['seq'])! ? e : m), undefined);
  const to = trigger?.target.sites[0];
  const restored = to ? guestEvents(h, 'restored', to)[0] : undefined;
  const seqs = restored?.value?.['seqs'];
  const serving = to ? guestEvents(h, 'serving', to)[0] : undefined;
  return {
    lostAt,
    lost: loss !== undefined,
    lastCommitted: last ? { seq: num(last.value?.['seq'])!, t: last.t } : null,
    restoredSeqs: Array.isArray(seqs) && seqs.every((x) => typeof x === 'number') ? (seqs as number[]) : null,
    serving: serving ? { seq: num(serving.value?.['seq']), t: serving.t } : null,
    triggerAt: trigger?.injectedAt ?? null,
  };
}
