import type { HistoryEvent } from '../observe/history.js';
import type { CheckSpec, Scenario } from '../scenario/schema.js';
import type { Plan } from '../topology/plan.js';
import type { CheckOutcome } from './verdict.js';

/** Everything a checker may read: all pure data, no I/O. */
export interface CheckContext {
  readonly scenario: Scenario;
  readonly plan: Plan;
  readonly spec: CheckSpec;
}

export type Checker = (history: readonly HistoryEvent[], ctx: CheckContext) => CheckOutcome;
