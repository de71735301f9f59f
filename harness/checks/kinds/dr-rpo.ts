// DR-RPO: the transactions the VNF committed in the primary before it was
// lost but that the restored VMs do not hold. A transaction counts as
// restored only if every VM holds it (the smallest restored sequence number);
// the time between the last committed transaction and the newest restored
// one is reported alongside.
import { z } from 'zod';
import type { Checker } from '../context.js';
import { drOf, guestEvents, needsDr, num, recoveryOf } from '../dr-history.js';
import type { CheckKind, SpecOf } from '../kind.js';
import { checkFields } from '../options.js';
import { round } from '../series.js';

const options = z.strictObject({
  ...checkFields('dr-rpo'),
  transactions: z.number().int().min(0, { message: 'transactions is how many committed transactions the restore may lose: 0 or more, e.g. 100' }).meta({ description: 'The most committed transactions the restore may lose' }),
});

const check: Checker<SpecOf<typeof options>> = (h, ctx) => {
  const d = drOf(ctx);
  const r = recoveryOf(h, d);
  const bound = ctx.spec.transactions;
  if (!r || r.triggerAt === null) return { status: 'skip', summary: 'no failover was triggered: no recovery point to measure', evidence: { bound } };
  if (!r.lastCommitted) return { status: 'unknown', summary: `the VNF recorded no committed transaction in ${d.primary} before it was lost`, evidence: { bound } };
  if (!r.restoredSeqs || r.restoredSeqs.length === 0) return { status: 'fail', summary: 'the restored VNF reported no state: everything was lost', evidence: { bound, lastCommitted: r.lastCommitted } };
  const restored = Math.min(...r.restoredSeqs);
  const lost = Math.max(0, r.lastCommitted.seq - restored);
  const restoredCommit = guestEvents(h, 'commit', d.primary).find((e) => num(e.value?.['seq']) === restored);
  const lostMs = restoredCommit ? round(r.lastCommitted.t - restoredCommit.t, 0) : null;
  const evidence = { bound, lastCommitted: r.lastCommitted.seq, restored, restoredSeqs: r.restoredSeqs, lostTransactions: lost, lostMs, primaryLost: r.lost };
  if (lost > bound) return { status: 'fail', summary: `the restore lost ${lost} committed transactions (last committed ${r.lastCommitted.seq}, restored ${restored}${lostMs === null ? '' : `, ${lostMs} ms of writes`}), more than ${bound}`, evidence };
  return { status: 'pass', summary: `the restore lost ${lost} committed transactions (last committed ${r.lastCommitted.seq}, restored ${restored}${lostMs === null ? '' : `, ${lostMs} ms of writes`}); bound ${bound}`, evidence };
};

export const drRpo: CheckKind<typeof options> = {
  options,
  requirements: ['DR-RPO'],
  needs: { faults: true },
  validate: (c, s) => needsDr(c.name, s),
  check,
};
