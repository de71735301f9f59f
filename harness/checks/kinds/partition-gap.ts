// WAN-PARTITION-GAP: per partition and per cut direction of the workload's
// path, the longest gap between received heartbeats overlapping the recorded
// window equals what the window's length predicts, within the tolerance. A
// heartbeat stream of period I through a cut of length L shows a gap between
// L and L + 2I (the last heartbeat before the cut was sent up to I before it,
// the first after it up to I after the heal): on average L + I, the expected
// gap. Comparing with L instead put a correct run at the edge of a 100 ms
// tolerance with 50 ms heartbeats (a CI run measured 2100 ms for 2000).
import { z } from 'zod';
import { parseDuration } from '../../scenario/units.js';
import type { Impairment } from '../../wan/impairment.js';
import type { Checker } from '../context.js';
import { ends, proc } from '../heartbeat-history.js';
import type { CheckKind, SpecOf } from '../kind.js';
import { checkFields, tolerance, workload } from '../options.js';
import { faultWindows, gaps, ops, round } from '../series.js';
import type { Status } from '../verdict.js';

const options = z.strictObject({
  ...checkFields('partition-gap'),
  workload: workload('heartbeat'),
  tolerance: tolerance("How far the longest heartbeat gap may be from the partition's length: a duration (default 100ms)"),
});

const check: Checker<SpecOf<typeof options>> = (history, ctx) => {
  const { w, dirs } = ends(ctx);
  const tol = parseDuration(ctx.spec.tolerance ?? '100ms');
  if (tol === null) throw new Error(`tolerance "${ctx.spec.tolerance}" is not a duration`);
  const partitions = faultWindows(history).filter((f) => f.faultKind === 'partition');
  const rows: { fault: string; direction: string; injectedMs: number; expectedMs: number; gapMs: number; errorMs: number; toleranceMs: number; status: Status }[] = [];
  for (const p of partitions) {
    for (const d of dirs) {
      const cut = d.hops.some((h) => p.target.link === h.link.name && (p.measured[h.dir] as Impairment).down);
      if (!cut) continue;
      const recv = ops(history, proc(w, d.to), 'recv').map((e) => e.t);
      const overlapping = gaps(recv).filter((g) => g.to > p.start && g.from < p.end);
      const injected = p.end - p.start;
      const expected = injected + w.interval;
      const longest = overlapping.reduce((m, g) => Math.max(m, g.ms), 0);
      const status: Status = !Number.isFinite(injected) || overlapping.length === 0 ? 'unknown' : Math.abs(longest - expected) <= tol ? 'pass' : 'fail';
      rows.push({ fault: p.fault, direction: `${d.from} -> ${d.to}`, injectedMs: round(injected), expectedMs: round(expected), gapMs: round(longest), errorMs: round(longest - expected), toleranceMs: tol, status });
    }
  }
  if (rows.length === 0) return { status: 'skip', summary: 'no partition cut this workload\'s path', evidence: { rows } };
  const describe = (r: (typeof rows)[number]) => `${r.fault} ${r.direction}: gap ${r.gapMs} ms for ${r.injectedMs} ms injected (expected ${r.expectedMs} ms, one heartbeat interval more)`;
  const bad = rows.filter((r) => r.status === 'fail');
  if (bad.length > 0) return { status: 'fail', summary: bad.map(describe).join('; '), evidence: { rows } };
  if (rows.some((r) => r.status === 'unknown')) return { status: 'unknown', summary: 'a partition never healed or no heartbeat was received around it', evidence: { rows } };
  return { status: 'pass', summary: rows.map(describe).join('; '), evidence: { rows } };
};

export const partitionGap: CheckKind<typeof options> = {
  options,
  requirements: ['WAN-PARTITION-GAP'],
  needs: { faults: true, workloads: ['heartbeat'] },
  validate: (c) =>
    c.tolerance !== undefined && parseDuration(c.tolerance) === null
      ? [['tolerance', `check "${c.name}" (partition-gap) takes a duration tolerance such as 100ms, not "${String(c.tolerance)}"`]]
      : [],
  check,
};
