// Verdicts: what a check concluded, and per requirement what the run decided.

export type Status = 'pass' | 'fail' | 'unknown' | 'skip';

export interface CheckOutcome {
  readonly status: Status;
  readonly summary: string; // one line a human reads in the table
  readonly evidence: Readonly<Record<string, unknown>>;
}

export interface CheckResult extends CheckOutcome {
  readonly check: string;
  readonly kind: string;
}

export interface Verdict {
  readonly id: string;
  readonly title: string;
  readonly status: Status;
  readonly source: string;
  readonly section: string;
  readonly checks: readonly CheckResult[];
}

/** Statuses from strongest to weakest. */
const STRENGTH: readonly Status[] = ['fail', 'unknown', 'pass'];

/** Jepsen's rule: fail beats unknown beats pass; skip only if nothing decided. */
export function merge(statuses: readonly Status[]): Status {
  return STRENGTH.find((s) => statuses.includes(s)) ?? 'skip';
}
