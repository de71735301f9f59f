// Block hashing and diffing, pure: what incremental replication ships and
// what an incremental backup would send are the 32 KiB blocks whose sha256
// changed (Cinder's backup_swift_block_size, the sha256file's chunk_size).
import { createHash } from 'node:crypto';

export const BLOCK_SIZE = 32 * 1024;

/** One sha256 (hex) per block; the last block may be short. */
export function blockHashes(data: Uint8Array, blockSize = BLOCK_SIZE): string[] {
  const out: string[] = [];
  for (let off = 0; off < data.length; off += blockSize) {
    out.push(createHash('sha256').update(data.subarray(off, Math.min(off + blockSize, data.length))).digest('hex'));
  }
  return out;
}

/** Indexes of blocks that differ from `before` (every block when there is no before; blocks beyond its end count as changed). */
export function changedBlocks(before: readonly string[] | null, after: readonly string[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < after.length; i++) if (before === null || before[i] !== after[i]) out.push(i);
  return out;
}

export interface Extent {
  readonly offset: number;
  readonly length: number;
}

/**
 * Runs of adjacent changed blocks as byte extents, each at most `maxBytes`
 * long (a request or object size limit), clipped to the data's length.
 */
export function extents(changed: readonly number[], dataLength: number, maxBytes: number, blockSize = BLOCK_SIZE): Extent[] {
  if (maxBytes < blockSize) throw new Error(`maxBytes ${maxBytes} is below one block (${blockSize})`);
  const perExtent = Math.floor(maxBytes / blockSize);
  const out: Extent[] = [];
  let start = -1;
  let count = 0;
  const flush = () => {
    if (start < 0) return;
    const offset = start * blockSize;
    out.push({ offset, length: Math.min(count * blockSize, dataLength - offset) });
    start = -1;
    count = 0;
  };
  for (const b of [...changed].sort((x, y) => x - y)) {
    if (start >= 0 && b === start + count && count < perExtent) count++;
    else {
      flush();
      start = b;
      count = 1;
    }
  }
  flush();
  return out;
}
