// The fake VNF's cross-VM invariant. A transaction n is written to VM 0,
// then VM 1, ... (harness/agents/dr-guest.ts), one at a time. A cut of the
// VMs' volumes taken at one instant (or while every VM is quiesced) sees a
// prefix of that order: seq0 >= seq1 >= ... >= seq0 - 1. A cut whose VMs were
// captured at different times can show a later VM ahead of an earlier one, or
// an earlier one more than one transaction ahead: the data would restore a
// state that never existed.

export interface CutVerdict {
  readonly consistent: boolean;
  /** Why not, in words (the first broken pair); empty when consistent. */
  readonly why: string;
}

export function judgeCut(seqs: readonly number[]): CutVerdict {
  if (seqs.length === 0) return { consistent: false, why: 'no VM in the cut' };
  for (let i = 1; i < seqs.length; i++) {
    if (seqs[i]! > seqs[i - 1]!) return { consistent: false, why: `VM ${i} holds transaction ${seqs[i]} but VM ${i - 1}, written before it, only ${seqs[i - 1]}` };
  }
  const spread = seqs[0]! - seqs[seqs.length - 1]!;
  if (spread > 1) return { consistent: false, why: `VM 0 is ${spread} transactions ahead of VM ${seqs.length - 1} (at most one can be in flight)` };
  return { consistent: true, why: '' };
}
