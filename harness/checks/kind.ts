// What every check kind is: the requirements it may decide, what evidence it
// needs from the run (a WAN capture, proven fault windows), its scenario
// validation and its checker (pure: history -> outcome).
import type { Scenario, CheckSpec } from '../scenario/schema.js';
import type { Checker } from './context.js';

export interface CheckKind {
  /** Requirement IDs a check of this kind may decide (validation rejects others). */
  readonly requirements: readonly string[];
  readonly needs: {
    /** The run must capture the WAN bridge (observe/capture.ts). */
    readonly capture?: boolean;
    /** It reads fault windows: an unproven fault makes it unknown. */
    readonly faults?: boolean;
  };
  /** Problems with the scenario for this check: [its field, or null; message]. */
  readonly validate?: (c: CheckSpec, s: Scenario) => (readonly [string | null, string])[];
  readonly check: Checker;
}
