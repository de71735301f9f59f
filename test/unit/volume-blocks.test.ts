import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BLOCK_SIZE, blockHashes, changedBlocks, extents } from '../../harness/services/volume/blocks.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('volume block hashing and diffing', () => {
  it('hashes each 32 KiB block, the last one short', () => {
    const data = Buffer.alloc(2 * BLOCK_SIZE + 100, 7);
    const h = blockHashes(data);
    expect(h).toHaveLength(3);
    expect(h[0]).toBe(sha(data.subarray(0, BLOCK_SIZE)));
    expect(h[2]).toBe(sha(data.subarray(2 * BLOCK_SIZE)));
    expect(h[0]).toBe(h[1]);
    expect(h[2]).not.toBe(h[1]);
  });

  it('finds exactly the blocks whose content changed', () => {
    const a = Buffer.alloc(8 * BLOCK_SIZE);
    const b = Buffer.from(a);
    b[3 * BLOCK_SIZE + 5] = 1;
    b[7 * BLOCK_SIZE] = 1;
    expect(changedBlocks(blockHashes(a), blockHashes(b))).toEqual([3, 7]);
    expect(changedBlocks(blockHashes(a), blockHashes(a))).toEqual([]);
  });

  it('treats every block as changed without a previous state, and blocks past its end as changed', () => {
    expect(changedBlocks(null, ['a', 'b', 'c'])).toEqual([0, 1, 2]);
    expect(changedBlocks(['a'], ['a', 'b'])).toEqual([1]);
  });

  it('merges adjacent changed blocks into extents, split at the size limit and clipped to the data', () => {
    expect(extents([1, 2, 3, 6], 10 * BLOCK_SIZE, 1 << 20)).toEqual([
      { offset: BLOCK_SIZE, length: 3 * BLOCK_SIZE },
      { offset: 6 * BLOCK_SIZE, length: BLOCK_SIZE },
    ]);
    expect(extents([0, 1, 2, 3, 4], 5 * BLOCK_SIZE, 2 * BLOCK_SIZE).map((e) => e.length)).toEqual([2 * BLOCK_SIZE, 2 * BLOCK_SIZE, BLOCK_SIZE]);
    expect(extents([2], 2 * BLOCK_SIZE + 10, 1 << 20)).toEqual([{ offset: 2 * BLOCK_SIZE, length: 10 }]);
    expect(extents([], 100, 1 << 20)).toEqual([]);
  });

  it('refuses a limit below one block', () => {
    expect(() => extents([0], BLOCK_SIZE, BLOCK_SIZE - 1)).toThrow(/below one block/);
  });
});
