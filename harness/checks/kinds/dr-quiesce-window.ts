// DR-OPT1-FAST-SNAPSHOT: the VNF is held only briefly. Per protection cycle,
// the window runs from the first guest's freeze to the last guest's thaw, as
// the guests themselves recorded it (what the VNF lived through), and must
// be within the limit in every cycle.
import { z } from 'zod';
import type { Checker } from '../context.js';
import { cycles, drOf, guestEvents, needsDr, num } from '../dr-history.js';
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
  const freezes = guestEvents(h, 'freeze', d.primary);
  const thaws = guestEvents(h, 'thaw', d.primary);
  const windows: { cycle: number; ms: number; frozen: number; thawed: number; apiMs: number }[] = [];
  for (const [cycle, steps] of cycles(h)) {
    const q = steps.filter((e) => e.f === 'quiesce' && e.type === 'ok');
    const u = steps.filter((e) => e.f === 'unquiesce' && e.type === 'ok');
    if (q.length < d.members || u.length < d.members) continue; // cut short: judged by the order check
    const from = num(q[0]!.value?.['started']) ?? q[0]!.t;
    const to = u.at(-1)!.t;
    const frozen = freezes.filter((e) => e.t >= from && e.t <= to);
    const thawed = thaws.filter((e) => e.t >= from && e.t <= to + 1000);
    if (frozen.length < d.members || thawed.length < d.members) continue;
    windows.push({ cycle, ms: round(thawed.at(-1)!.t - frozen[0]!.t, 1), frozen: frozen.length, thawed: thawed.length, apiMs: round(to - from, 1) });
  }
  const worst = windows.reduce((m, w) => Math.max(m, w.ms), 0);
  const evidence = { limitMs, windows, worstMs: worst };
  if (windows.length === 0) return { status: 'unknown', summary: 'no cycle with every VM frozen and thawed by its guest: no window measured', evidence };
  const over = windows.filter((w) => w.ms > limitMs);
  if (over.length > 0) return { status: 'fail', summary: `${over.length} of ${windows.length} cycles held the VNF longer than ${limitMs} ms (worst ${worst} ms)`, evidence };
  return { status: 'pass', summary: `${windows.length} cycles, VNF held at most ${worst} ms (limit ${limitMs} ms), measured by the guests`, evidence };
};

export const drQuiesceWindow: CheckKind<typeof options> = {
  options,
  requirements: ['DR-OPT1-FAST-SNAPSHOT'],
  needs: {},
  validate: (c, s) => needsDr(c.name, s),
  check,
};
