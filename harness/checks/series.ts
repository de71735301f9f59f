// Small statistics and history views shared by the checkers.
import type { FaultTarget } from '../faults/kind.js';
import type { FaultCaptureEvent, FaultEvent, HistoryEvent, OpEvent } from '../observe/history.js';

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
  readonly target: FaultTarget;
  /** When injecting began. */
  readonly injectedAt: number;
  /** When the effect began: measured where the kind measures it (a site loss: the first of its links' cut and its nodes' deaths), else the injection. */
  readonly start: number;
  readonly end: number; // when healing began; Infinity if it never healed
  /** Both the injection's and the heal's proofs say the fault took effect as intended. */
  readonly proven: boolean;
  readonly proof: string;
  /** What the injection measured (e.g. the impairment applied per direction). */
  readonly measured: Readonly<Record<string, unknown>>;
  /** Per node, when it stopped (site loss). */
  readonly stopped: Readonly<Record<string, number>>;
}

function windowOf(s: FaultEvent, heal: FaultEvent | undefined, byCapture: FaultCaptureEvent | undefined): FaultWindow {
  const proofs = [s.proof, ...(heal ? [heal.proof] : []), ...(byCapture ? [byCapture.proof] : [])];
  return {
    fault: s.fault,
    faultKind: s.faultKind,
    target: s.target,
    injectedAt: s.t,
    start: s.proof.from ?? s.t,
    end: heal?.t ?? Infinity,
    proven: proofs.every((p) => p.ok),
    proof: proofs.map((p) => p.summary).join('; '),
    measured: s.proof.measured,
    stopped: s.proof.stopped ?? {},
  };
}

/** Fault windows as they really happened (recorded start and heal times, with their proofs, the capture's included). */
export function faultWindows(h: readonly HistoryEvent[]): FaultWindow[] {
  const key = (fault: string, injectedAt: number) => `${injectedAt} ${fault}`;
  const byCapture = new Map(h.flatMap((e) => (e.kind === 'fault-capture' ? [[key(e.fault, e.injectedAt), e] as const] : [])));
  const open = new Map<string, FaultEvent>();
  const out: FaultWindow[] = [];
  const close = (s: FaultEvent, heal: FaultEvent | undefined) => out.push(windowOf(s, heal, byCapture.get(key(s.fault, s.t))));
  for (const e of h) {
    if (e.kind !== 'fault') continue;
    if (e.type === 'start') {
      // A name started again before it healed (a by-hand injection that failed, then retried): the first stays a window, never healed.
      const prev = open.get(e.fault);
      if (prev) close(prev, undefined);
      open.set(e.fault, e);
    } else {
      const s = open.get(e.fault);
      if (s) close(s, e);
      open.delete(e.fault);
    }
  }
  for (const s of open.values()) close(s, undefined);
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
