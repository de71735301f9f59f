// Fault events for literal histories, built through the real fault kinds'
// targets: a test can only say what the engine would have recorded.
import type { Proof } from '../../harness/faults/kind.js';
import type { FaultSpec } from '../../harness/faults/registry.js';
import type { HistoryEvent } from '../../harness/observe/history.js';
import { faultTarget } from '../../harness/scenario/schedule.js';

type Input =
  | { kind: 'site-loss'; site: string }
  | { kind: 'partition'; link: string; direction?: 'both' | 'a-to-b' | 'b-to-a' }
  | { kind: 'impair'; link: string }
  | { kind: 'pause-node'; node: string }
  | { kind: 'revoke-token'; site: string }
  | { kind: 'rotate-keys'; site: string; distribute?: boolean }
  | { kind: 'dr-failover'; site: string }
  | { kind: 'corrupt-data'; member: number };

export interface FaultOpts {
  readonly name?: string;
  /** The injection's proof (default: proven). */
  readonly ok?: boolean;
  /** The heal's proof (default: proven). */
  readonly healOk?: boolean;
  readonly measured?: Readonly<Record<string, unknown>>;
  readonly from?: number;
  readonly stopped?: Readonly<Record<string, number>>;
}

/** A fault's start event at `t` and, when `end` is given, its heal. */
export function fault(input: Input, t: number, end?: number, o: FaultOpts = {}): HistoryEvent[] {
  const spec = { name: o.name ?? input.kind, duration: end === undefined ? 0 : end - t, ...input } as unknown as FaultSpec;
  const base = { kind: 'fault' as const, fault: spec.name, faultKind: spec.kind, target: faultTarget(spec) };
  const proof: Proof = {
    ok: o.ok ?? true,
    summary: o.ok === false ? 'not proven (test)' : 'proven (test)',
    measured: o.measured ?? {},
    ...(o.from !== undefined ? { from: o.from } : {}),
    ...(o.stopped ? { stopped: o.stopped } : {}),
  };
  const start: HistoryEvent = { t, ...base, type: 'start', proof };
  if (end === undefined) return [start];
  return [start, { t: end, ...base, type: 'heal', proof: { ok: o.healOk ?? true, summary: o.healOk === false ? 'heal not proven (test)' : 'healed (test)', measured: {} } }];
}
