// DR-OPT1-FAST-SNAPSHOT: the VNF is held only briefly. Per protection cycle,
// the window runs from the first guest's freeze to the last guest's thaw, as
// the guests themselves recorded it (what the VNF lived through), and must
// be within the limit in every cycle.
import { z } from 'zod';
import type { Checker } from '../context.js';
import { cycles, drOf, guestEvents, needsDr, num, primaryLossOf } from '../dr-history.js';
import type { CheckKind, SpecOf } from '../kind.js';
import { checkFields, limit } from '../options.js';
import { round } from '../series.js';

const DEFAULT_LIMIT_MS = 1000;

const options = z.strictObject({
  ...checkFields('dr-quiesce-window'),
  limit: limit(`The longest the VNF may be held, first freeze to last thaw (default ${DEFAULT_LIMIT_MS}ms)`),
});

const check: Checker<SpecOf<typeof options>> = (h, ctx) => {
  const d = drOf(ctx);
  const limitMs = ctx.spec.limit ?? DEFAULT_LIMIT_MS;
  if (d.option !== 'quiesce-group-snapshot') return { status: 'skip', summary: `option ${d.option} does not quiesce the VMs as a group`, evidence: {} };
  if (!d.quiesce) return { status: 'fail', summary: 'the runner took its snapshots without quiescing the VMs (dr.quiesce: false)', evidence: { limitMs } };
  // Guests lost with their site record nothing more: a cycle the loss overtook is not judged by what it left unrecorded.
  const lossAt = primaryLossOf(h, d)?.start ?? Infinity;
  const freezes = guestEvents(h, 'freeze', d.primary);
  const thaws = guestEvents(h, 'thaw', d.primary);
  const windows: { cycle: number; ms: number; frozen: number; thawed: number; apiMs: number }[] = [];
  // Cycles whose API calls all completed but whose guests did not all record a freeze, or a thaw within 1 s of the last unquiesce:
  // a guest still frozen then was held at least that long.
  const unmeasured: { cycle: number; frozen: number; thawed: number; atLeastMs: number | null }[] = [];
  for (const [cycle, steps] of cycles(h)) {
    const q = steps.filter((e) => e.f === 'quiesce' && e.type === 'ok');
    const u = steps.filter((e) => e.f === 'unquiesce' && e.type === 'ok');
    if (q.length < d.members || u.length < d.members) continue; // cut short: judged by the order check
    const from = num(q[0]!.value?.['started']) ?? q[0]!.t;
    const to = u.at(-1)!.t;
    const frozen = freezes.filter((e) => e.t >= from && e.t <= to);
    const thawed = thaws.filter((e) => e.t >= from && e.t <= to + 1000);
    if (frozen.length < d.members || thawed.length < d.members) {
      if (lossAt <= to + 1000) continue;
      unmeasured.push({ cycle, frozen: frozen.length, thawed: thawed.length, atLeastMs: frozen.length > 0 && thawed.length < d.members ? round(to + 1000 - frozen[0]!.t, 1) : null });
      continue;
    }
    windows.push({ cycle, ms: round(thawed.at(-1)!.t - frozen[0]!.t, 1), frozen: frozen.length, thawed: thawed.length, apiMs: round(to - from, 1) });
  }
  const worst = windows.reduce((m, w) => Math.max(m, w.ms), 0);
  const evidence = { limitMs, windows, worstMs: worst, unmeasured };
  const over = windows.filter((w) => w.ms > limitMs);
  if (over.length > 0) return { status: 'fail', summary: `${over.length} of ${windows.length} cycles held the VNF longer than ${limitMs} ms (worst ${worst} ms)`, evidence };
  const heldOver = unmeasured.filter((u) => u.atLeastMs !== null && u.atLeastMs > limitMs);
  if (heldOver.length > 0) return { status: 'fail', summary: `${heldOver.length} cycles left a VM frozen over 1 s after the last unquiesce: the VNF held at least ${Math.max(...heldOver.map((u) => u.atLeastMs!))} ms (limit ${limitMs} ms)`, evidence };
  if (windows.length === 0) return { status: 'unknown', summary: 'no cycle with every VM frozen and thawed by its guest: no window measured', evidence };
  if (unmeasured.length > 0) return { status: 'unknown', summary: `cycle(s) ${unmeasured.map((u) => u.cycle).join(', ')} completed without every guest recording its freeze and thaw: their hold is not measured`, evidence };
  return { status: 'pass', summary: `${windows.length} cycles, VNF held at most ${worst} ms (limit ${limitMs} ms), measured by the guests`, evidence };
};

export const drQuiesceWindow: CheckKind<typeof options> = {
  options,
  requirements: ['DR-OPT1-FAST-SNAPSHOT'],
  // The primary's loss excuses the cycles it cut short: only a loss proven to have happened may.
  needs: { faults: true },
  validate: (c, s) => needsDr(c.name, s),
  check,
};
