import type { HistoryEvent } from '../observe/history.js';
import type { CheckSpec, Scenario } from '../scenario/schema.js';
import type { Plan } from '../topology/plan.js';
import type { CheckOutcome } from './verdict.js';

/** Everything a checker may read: all pure data, no I/O. `spec` is its check (of its kind, once the kind is known). */
export interface CheckContext<S = CheckSpec> {
  readonly scenario: Scenario;
  readonly plan: Plan;
  readonly spec: S;
}

export type Checker<S = CheckSpec> = (history: readonly HistoryEvent[], ctx: CheckContext<S>) => CheckOutcome;
