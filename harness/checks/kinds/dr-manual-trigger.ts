// DR-MANUAL-TRIGGER: nothing moves to the backup site by itself. Before the
// trigger, the runner made no restore, promote, boot or attach there and no
// guest started there; after it, the restore began.
import { z } from 'zod';
import type { Checker } from '../context.js';
import { drSteps, failoverOf, guestEvents, needsDr, primaryLossOf, drOf } from '../dr-history.js';
import type { CheckKind, SpecOf } from '../kind.js';
import { checkFields } from '../options.js';
import { round } from '../series.js';

const options = z.strictObject({
  ...checkFields('dr-manual-trigger'),
});

const STEPS = ['restore', 'promote', 'boot', 'attach'];

const check: Checker<SpecOf<typeof options>> = (h, ctx) => {
  const d = drOf(ctx);
  const trigger = failoverOf(h);
  if (!trigger) {
    // Nobody triggered a failover: any restore action in the backup site happened by itself.
    const unasked = STEPS.flatMap((f) => drSteps(h, f, d.backup));
    if (unasked.length > 0) return { status: 'fail', summary: `${unasked.length} restore actions in ${d.backup} though no failover was triggered (first: ${unasked[0]!.f}, ${unasked[0]!.type})`, evidence: { triggerAt: null, before: unasked.map((e) => ({ process: e.process, f: e.f, t: e.t })) } };
    return { status: 'skip', summary: 'no failover was triggered, and nothing was restored', evidence: {} };
  }
  const to = trigger.target.sites[0]!;
  const at = trigger.injectedAt;
  const steps = STEPS.flatMap((f) => drSteps(h, f, to));
  const early = [...steps.filter((e) => (typeof e.value?.['started'] === 'number' ? (e.value['started'] as number) : e.t) < at), ...guestEvents(h, 'start', to).filter((e) => e.t < at)];
  const loss = primaryLossOf(h, d);
  const evidence = { triggerAt: at, lossAt: loss?.start ?? null, decisionMs: loss ? round(at - loss.start, 0) : null, before: early.map((e) => ({ process: e.process, f: e.f, t: e.t })), stepsAfter: steps.length };
  if (early.length > 0) return { status: 'fail', summary: `${early.length} restore actions in ${to} before the trigger (first: ${early[0]!.f} by ${early[0]!.process})`, evidence };
  if (steps.length === 0) return { status: 'fail', summary: `the trigger started no restore in ${to}`, evidence };
  return { status: 'pass', summary: `nothing was restored in ${to} until the trigger${loss ? ` (${evidence.decisionMs} ms after the primary's loss)` : ''}; ${steps.length} restore steps after it`, evidence };
};

export const drManualTrigger: CheckKind<typeof options> = {
  options,
  requirements: ['DR-MANUAL-TRIGGER'],
  needs: { faults: true },
  validate: (c, s) => needsDr(c.name, s),
  check,
};
