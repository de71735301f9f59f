// DR-RTO: from the primary's loss (its first node seen dead, as the site-loss
// proof measured it) to the restored VNF's first committed transaction in the
// backup site. The operator's decision time (loss to trigger) is part of it,
// as the seed expects an administrator to drive the transfer; it is reported
// apart from the restore itself.
import { z } from 'zod';
import type { Checker } from '../context.js';
import { drOf, needsDr, recoveryOf } from '../dr-history.js';
import type { CheckKind, SpecOf } from '../kind.js';
import { checkFields } from '../options.js';
import { duration } from '../../scenario/fields.js';
import { round } from '../series.js';

const options = z.strictObject({
  ...checkFields('dr-rto'),
  limit: duration.meta({ description: 'The longest from the primary\'s loss to the VNF serving in the backup site' }),
});

const check: Checker<SpecOf<typeof options>> = (h, ctx) => {
  const d = drOf(ctx);
  const r = recoveryOf(h, d);
  const limit = ctx.spec.limit;
  if (!r || !r.lost) return { status: 'skip', summary: `the primary site ${d.primary} was never lost: no recovery time to measure`, evidence: { limitMs: limit } };
  if (r.triggerAt === null) return { status: 'fail', summary: `the primary was lost but no failover was triggered: the VNF never came back`, evidence: { limitMs: limit } };
  if (!r.serving) return { status: 'fail', summary: 'the failover was triggered but the VNF never served in the backup site', evidence: { limitMs: limit, triggerAt: r.triggerAt } };
  const rto = round(r.serving.t - r.lostAt, 0);
  const decision = round(r.triggerAt - r.lostAt, 0);
  const evidence = { limitMs: limit, rtoMs: rto, decisionMs: decision, restoreMs: round(r.serving.t - r.triggerAt, 0), lostAt: r.lostAt, servingAt: r.serving.t };
  if (rto > limit) return { status: 'fail', summary: `the VNF served again ${rto} ms after the primary's loss (trigger after ${decision} ms, restore ${evidence.restoreMs} ms), over ${limit} ms`, evidence };
  return { status: 'pass', summary: `the VNF served again ${rto} ms after the primary's loss (trigger after ${decision} ms, restore ${evidence.restoreMs} ms); limit ${limit} ms`, evidence };
};

export const drRto: CheckKind<typeof options> = {
  options,
  requirements: ['DR-RTO'],
  needs: { faults: true },
  validate: (c, s) => needsDr(c.name, s),
  check,
};
