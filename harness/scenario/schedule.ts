// Fault schedules are plain data: resolving them to absolute times is pure,
// so an impossible schedule is an error at load time, not a surprise mid-run.
import type { FaultTarget } from '../faults/kind.js';
import { faultKind } from '../faults/registry.js';
import type { FaultSpec } from './schema.js';
import { suggest } from './suggest.js';

export interface TimedFault {
  readonly fault: FaultSpec;
  readonly index: number;
  readonly startMs: number;
  readonly endMs: number;
}

export type ScheduleResult =
  | { ok: true; faults: TimedFault[] }
  | { ok: false; index: number; field: 'at' | 'after'; message: string };

export function resolveSchedule(faults: readonly FaultSpec[]): ScheduleResult {
  const byName = new Map(faults.map((f, i) => [f.name, i]));
  const start = new Map<number, number>();
  const resolving = new Set<number>();

  const resolve = (i: number, chain: string[]): ScheduleResult | number => {
    const known = start.get(i);
    if (known !== undefined) return known;
    const f = faults[i]!;
    if (f.at !== undefined && f.after !== undefined) {
      return { ok: false, index: i, field: 'at', message: `fault "${f.name}" has both 'at' and 'after': keep one of them (a fault starts at a time or after another fault)` };
    }
    if (f.at === undefined && f.after === undefined) {
      return { ok: false, index: i, field: 'at', message: `fault "${f.name}" has no start: add 'at' (a time, e.g. at: 5s) or 'after' (another fault)` };
    }
    if (f.at !== undefined) {
      start.set(i, f.at);
      return f.at;
    }
    const a = f.after!;
    const j = byName.get(a.fault);
    if (j === undefined) {
      const others = [...byName.keys()].filter((n) => n !== f.name);
      const fix = others.length > 0 ? suggest(a.fault, others, 'faults') : `: there is no other fault to start after: use 'at' (a time, e.g. at: 5s)`;
      return { ok: false, index: i, field: 'after', message: `fault "${f.name}" starts after "${a.fault}", which is not a fault of this scenario${fix}` };
    }
    if (resolving.has(j)) {
      return { ok: false, index: i, field: 'after', message: `faults start after each other in a cycle: ${[...chain, f.name, a.fault].join(' -> ')}: give one of them an 'at' time instead` };
    }
    resolving.add(i);
    const base = resolve(j, [...chain, f.name]);
    resolving.delete(i);
    if (typeof base !== 'number') return base;
    const t = base + (a.on === 'heal' ? lasts(faults[j]!) : 0) + a.delay;
    start.set(i, t);
    return t;
  };

  const out: TimedFault[] = [];
  for (let i = 0; i < faults.length; i++) {
    resolving.add(i);
    const s = resolve(i, []);
    resolving.delete(i);
    if (typeof s !== 'number') return s;
    out.push({ fault: faults[i]!, index: i, startMs: s, endMs: s + lasts(faults[i]!) });
  }
  out.sort((x, y) => x.startMs - y.startMs || x.index - y.index);
  return { ok: true, faults: out };
}

/** How long a fault lasts: those that do not heal (a lost site, one-shot actions) last the rest of the run. */
export function lasts(f: FaultSpec): number {
  return faultKind(f).heals ? (f.duration ?? 0) : Infinity;
}

/** One-shot actions (no window, nothing to heal): they never overlap anything. */
export function isAction(f: FaultSpec): boolean {
  return faultKind(f).action;
}

/** What a fault acts on, typed, resolved by its kind. */
export function faultTarget(f: FaultSpec): FaultTarget {
  return faultKind(f).target(f);
}
