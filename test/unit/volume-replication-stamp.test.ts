// When the replicator may skip a volume without reading it: only when the
// file's mtime and size are what they were at the last shipped read, and
// that mtime is older than the read by more than a timestamp tick (a write
// landing just after the read, in the same tick, leaves mtime and size as
// they were: such a file is read again).
import { describe, expect, it } from 'vitest';
import { unchangedSince, type Shipped } from '../../harness/services/volume/replication.js';

const READ_AT = 1_700_000_000_000;
const shipped = (mtimeMs: number, size: number): Shipped => ({ hashes: [], stamp: `${mtimeMs}:${size}`, readAtMs: READ_AT });

describe('unchangedSince', () => {
  it('never shipped: read it', () => {
    expect(unchangedSince(undefined, READ_AT - 5000, 4096)).toBe(false);
  });

  it('same mtime and size, written well before the read: skip', () => {
    expect(unchangedSince(shipped(READ_AT - 5000, 4096), READ_AT - 5000, 4096)).toBe(true);
    expect(unchangedSince(shipped(READ_AT - 21, 4096), READ_AT - 21, 4096)).toBe(true);
  });

  it('same mtime and size but written within a tick of the read: read again', () => {
    expect(unchangedSince(shipped(READ_AT - 20, 4096), READ_AT - 20, 4096)).toBe(false);
    expect(unchangedSince(shipped(READ_AT - 3, 4096), READ_AT - 3, 4096)).toBe(false);
    expect(unchangedSince(shipped(READ_AT, 4096), READ_AT, 4096)).toBe(false);
  });

  it('mtime or size changed: read again', () => {
    expect(unchangedSince(shipped(READ_AT - 5000, 4096), READ_AT - 4000, 4096)).toBe(false);
    expect(unchangedSince(shipped(READ_AT - 5000, 4096), READ_AT - 5000, 8192)).toBe(false);
  });
});
