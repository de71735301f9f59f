// DR-NO-PROPAGATED-FAULT: a VM of the VNF started writing corrupt data (the
// corrupt-data fault, proven by reading its volume back); the state restored
// in the backup site must not hold it. Replication carries the corruption
// over; a backup taken before it does not.
import { z } from 'zod';
import type { Checker } from '../context.js';
import { drOf, failoverOf, guestEvents, needsDr } from '../dr-history.js';
import type { CheckKind, SpecOf } from '../kind.js';
import { checkFields } from '../options.js';
import { faultWindows } from '../series.js';

const options = z.strictObject({
  ...checkFields('dr-clean-restore'),
});

const check: Checker<SpecOf<typeof options>> = (h, ctx) => {
  const d = drOf(ctx);
  const corruption = faultWindows(h).find((f) => f.faultKind === 'corrupt-data');
  if (!corruption) return { status: 'skip', summary: 'no corrupt data was written: no propagating fault to keep out', evidence: {} };
  const trigger = failoverOf(h);
  if (!trigger) return { status: 'skip', summary: 'no failover was triggered: nothing was restored', evidence: {} };
  // Corruption written after the restore began could not have been carried over: the restore proves nothing about it.
  if (corruption.start >= trigger.injectedAt) return { status: 'skip', summary: `the corrupt data was written ${Math.round(corruption.start - trigger.injectedAt)} ms after the failover was triggered: no propagating fault to keep out of the restore`, evidence: { corruptedAt: corruption.start, triggerAt: trigger.injectedAt } };
  const restored = guestEvents(h, 'restored', trigger.target.sites[0]!)[0];
  const flags = restored?.value?.['corrupt'];
  const evidence = { option: d.option, corruptedAt: corruption.start, corruptedVm: corruption.measured['member'] ?? null, restoredCorrupt: flags ?? null, restoredSeqs: restored?.value?.['seqs'] ?? null };
  if (!Array.isArray(flags) || flags.length !== d.members) return { status: 'unknown', summary: 'the restored VNF did not report whether its data is corrupt', evidence };
  const bad = flags.flatMap((f, i) => (f === true ? [i] : []));
  if (bad.length > 0) return { status: 'fail', summary: `the corrupt data written at the primary was restored in ${trigger.target.sites[0]} (VM ${bad.join(', ')}): the ${d.option === 'replication' ? 'replica' : 'backup'} carried the fault over`, evidence };
  return { status: 'pass', summary: `the state restored in ${trigger.target.sites[0]} is free of the corrupt data written at the primary`, evidence };
};

export const drCleanRestore: CheckKind<typeof options> = {
  options,
  requirements: ['DR-NO-PROPAGATED-FAULT'],
  needs: { faults: true },
  validate: (c, s) => needsDr(c.name, s),
  check,
};
