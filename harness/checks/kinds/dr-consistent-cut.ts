// DR-CONSISTENT-CUT (and DR-OPT1-GROUP-SNAPSHOT's point): every cut the runner
// took of the VNF's volumes, read back from the volumes made from the
// snapshots, and the state the restored VMs came back with, satisfy the
// fake VNF's cross-VM invariant (harness/dr/cut.ts). Option 2 breaks it under
// concurrent writes, as the seed says: this check reports that, per cycle.
import { z } from 'zod';
import { judgeCut } from '../../dr/cut.js';
import type { Checker } from '../context.js';
import { drOf, drSteps, failoverOf, guestEvents, needsDr } from '../dr-history.js';
import type { CheckKind, SpecOf } from '../kind.js';
import { checkFields } from '../options.js';

const options = z.strictObject({
  ...checkFields('dr-consistent-cut'),
});

const seqsOf = (v: unknown): number[] | null => (Array.isArray(v) && v.every((x) => typeof x === 'number') ? (v as number[]) : null);

const check: Checker<SpecOf<typeof options>> = (h, ctx) => {
  const d = drOf(ctx);
  const cuts = drSteps(h, 'cut').map((e) => {
    const seqs = seqsOf(e.value?.['seqs']) ?? [];
    // Judged again here from the numbers read back: the runner's own verdict is not evidence.
    return { cycle: e.value?.['cycle'], seqs, ...(seqs.length === d.members ? judgeCut(seqs) : { consistent: false, why: `${seqs.length} of ${d.members} VMs read back` }) };
  });
  const trigger = failoverOf(h);
  const restoredEv = trigger ? guestEvents(h, 'restored', trigger.target.sites[0]!)[0] : undefined;
  const restoredSeqs = seqsOf(restoredEv?.value?.['seqs']);
  const restored = restoredSeqs && restoredSeqs.length === d.members ? { seqs: restoredSeqs, ...judgeCut(restoredSeqs) } : null;
  const evidence = { cuts, restored };
  if (cuts.length === 0 && !restored) return { status: 'unknown', summary: 'no cut of the VNF\'s volumes was read back and nothing was restored: no evidence', evidence };
  const broken = cuts.filter((c) => !c.consistent);
  if (broken.length > 0) {
    const b = broken[0]!;
    return { status: 'fail', summary: `${broken.length} of ${cuts.length} cuts broke the cross-VM invariant; cycle ${String(b.cycle)}: ${b.seqs.join('/')} (${b.why})`, evidence };
  }
  if (trigger && !restored) return { status: 'unknown', summary: 'the VNF was failed over but its restored state was never reported', evidence };
  if (restored && !restored.consistent) return { status: 'fail', summary: `the restored VMs hold ${restored.seqs.join('/')}: ${restored.why}`, evidence };
  const parts = [cuts.length > 0 ? `${cuts.length} cuts consistent (last ${cuts.at(-1)!.seqs.join('/')})` : '', restored ? `restored state ${restored.seqs.join('/')} consistent` : ''].filter(Boolean);
  return { status: 'pass', summary: parts.join('; '), evidence };
};

export const drConsistentCut: CheckKind<typeof options> = {
  options,
  requirements: ['DR-CONSISTENT-CUT'],
  needs: {},
  validate: (c, s) => needsDr(c.name, s),
  check,
};
