// What `msh soak` reports: every requirement whose verdict was not the same
// in every run of a scenario, with which runs gave which status.
import type { Status } from '../checks/verdict.js';

export interface SoakRun {
  readonly run: number; // 1-based
  readonly outDir: string;
  readonly error?: string;
  readonly verdicts: readonly { readonly id: string; readonly status: Status; readonly summary: string }[];
  readonly faults: readonly { readonly fault: string; readonly proven: boolean }[];
}

export interface Flip {
  /** A requirement ID, or `fault <name> proven` for a fault proved in some runs only, or `run error`. */
  readonly subject: string;
  /** Status -> the runs that gave it, and one run's summary for each status. */
  readonly outcomes: readonly { readonly status: string; readonly runs: readonly number[]; readonly example: string }[];
}

export interface SoakReport {
  readonly runs: number;
  /** Requirements decided (not skip) in at least one run. */
  readonly decided: readonly string[];
  readonly flips: readonly Flip[];
}

export function soakReport(runs: readonly SoakRun[]): SoakReport {
  const outcomes = new Map<string, Map<string, { runs: number[]; example: string }>>();
  const see = (subject: string, status: string, run: number, example: string) => {
    const bySubject = outcomes.get(subject) ?? new Map<string, { runs: number[]; example: string }>();
    outcomes.set(subject, bySubject);
    const o = bySubject.get(status) ?? { runs: [], example };
    bySubject.set(status, o);
    o.runs.push(run);
  };
  for (const r of runs) {
    for (const v of r.verdicts) see(v.id, v.status, r.run, v.summary);
    for (const f of r.faults) see(`fault ${f.fault} proven`, String(f.proven), r.run, '');
    see('run error', r.error === undefined ? 'none' : 'error', r.run, r.error ?? '');
  }
  const decided = [...outcomes].filter(([s, by]) => !s.startsWith('fault ') && s !== 'run error' && [...by.keys()].some((k) => k !== 'skip')).map(([s]) => s);
  const flips = [...outcomes]
    .filter(([, by]) => by.size > 1)
    .map(([subject, by]) => ({ subject, outcomes: [...by].map(([status, o]) => ({ status, runs: o.runs, example: o.example })).sort((a, b) => b.runs.length - a.runs.length) }));
  return { runs: runs.length, decided, flips };
}
