// The replica target's staging of replication passes, pure: a pass's
// requests are held until its last one, then handed over whole; a request
// of a new pass drops what an unfinished one left (the source gave up on it
// and ships everything since its last complete pass again).
export interface StagedExtent {
  readonly offset: number;
  readonly data: Buffer;
}

export interface CompletePass {
  readonly reset: boolean;
  readonly extents: readonly StagedExtent[];
}

export class PassStager {
  private readonly staged = new Map<string, { pass: string; reset: boolean; extents: StagedExtent[] }>();

  /** Adds one request; returns the whole pass when this was its last request, else null. */
  add(volumeId: string, pass: string, reset: boolean, extents: readonly StagedExtent[], last: boolean): CompletePass | null {
    let stage = this.staged.get(volumeId);
    if (!stage || stage.pass !== pass) {
      stage = { pass, reset, extents: [] };
      this.staged.set(volumeId, stage);
    }
    stage.extents.push(...extents);
    if (!last) return null;
    this.staged.delete(volumeId);
    return { reset: stage.reset, extents: stage.extents };
  }

  /** Forgets an unfinished pass (failover: it never lands). */
  drop(volumeId: string): void {
    this.staged.delete(volumeId);
  }

  /** Bytes held for unfinished passes. */
  bytes(): number {
    let n = 0;
    for (const s of this.staged.values()) for (const e of s.extents) n += e.data.length;
    return n;
  }
}
