// Small statistics and history views shared by the checkers.
import type { FaultEvent, HistoryEvent, OpEvent } from '../observe/history.js';

export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

export function ops(h: readonly HistoryEvent[], process: string, f: string): OpEvent[] {
  return h.filter((e): e is OpEvent => e.kind === 'op' && e.process === process && e.f === f);
}

/** An answered operation of a process, with the time its invoke was sent (matched by `value.n`). */
export interface Answered {
  readonly sent: number;
  readonly e: OpEvent;
}

export function answered(h: readonly HistoryEvent[], process: string, f: string): Answered[] {
  const sent = new Map<unknown, number>();
  const out: Answered[] = [];
  for (const e of ops(h, process, f)) {
    if (e.type === 'invoke') sent.set(e.value?.n, e.t);
    else out.push({ sent: sent.get(e.value?.n) ?? e.t, e });
  }
  return out;
}

export interface FaultWindow {
  readonly fault: string;
  readonly faultKind: string;
  readonly target: string;
  readonly start: number;
  readonly end: number; // Infinity if it never healed
  readonly did: Readonly<Record<string, unknown>>;
}

/** Fault windows as they really happened (recorded start and heal times). */
export function faultWindows(h: readonly HistoryEvent[]): FaultWindow[] {
  const open = new Map<string, FaultEvent>();
  const out: FaultWindow[] = [];
  for (const e of h) {
    if (e.kind !== 'fault') continue;
    if (e.type === 'start') open.set(e.fault, e);
    else {
      const s = open.get(e.fault);
      if (s) out.push({ fault: e.fault, faultKind: s.faultKind, target: s.target, start: s.t, end: e.t, did: s.did });
      open.delete(e.fault);
    }
  }
  for (const s of open.values()) out.push({ fault: s.fault, faultKind: s.faultKind, target: s.target, start: s.t, end: Infinity, did: s.did });
  return out.sort((a, b) => a.start - b.start);
}

/** Gaps between consecutive timestamps: [from, to). */
export function gaps(times: readonly number[]): { from: number; to: number; ms: number }[] {
  const out = [];
  for (let i = 1; i < times.length; i++) out.push({ from: times[i - 1]!, to: times[i]!, ms: times[i]! - times[i - 1]! });
  return out;
}

export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
