// The DR guest's on-disk formats and config, pure: what a host reading a
// restored volume relies on.
import { describe, expect, it } from 'vitest';
import {
  BLOCK,
  DATA_START,
  consistentCut,
  decodeBlock,
  decodeBootConfig,
  decodeHeader,
  decodeRecord,
  decodeUserData,
  encodeBlock,
  encodeHeader,
  encodeRecord,
  parseConfig,
  recordOffset,
  slotCount,
} from '../../harness/agents/dr-format.js';

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64');

describe('blocks', () => {
  it('are one JSON line padded with spaces to 4 KiB, ending in a newline', () => {
    const b = encodeBlock({ a: 1 });
    expect(b.length).toBe(BLOCK);
    expect(b.subarray(0, 7).toString()).toBe('{"a":1}');
    expect(b[7]).toBe(0x20);
    expect(b[BLOCK - 2]).toBe(0x20);
    expect(b[BLOCK - 1]).toBe(0x0a);
    expect(decodeBlock(b)).toEqual({ a: 1 });
  });
  it('refuse content that does not fit', () => {
    expect(() => encodeBlock({ s: 'x'.repeat(BLOCK) })).toThrow(/over 4095 bytes/);
  });
  it('read a zeroed or garbage block as nothing', () => {
    expect(decodeBlock(Buffer.alloc(BLOCK))).toBeNull();
    expect(decodeBlock(Buffer.from('{"seq": 3'.padEnd(BLOCK, ' ')))).toBeNull();
  });
});

describe('config', () => {
  const good = { vnf: 'app', index: 1, members: 3, rate: 20 };
  it('accepts the user-data of the brief and round-trips through the boot volume', () => {
    const c = decodeUserData(b64(good));
    expect(c).toEqual(good);
    expect(decodeBootConfig(encodeBlock(c))).toEqual(good);
  });
  it.each([
    [{ ...good, index: 3 }, /index/],
    [{ ...good, members: 0 }, /members/],
    [{ ...good, rate: 0 }, /rate/],
    [{ ...good, vnf: 'App!' }, /vnf/],
    [[1, 2], /not a JSON object/],
  ])('rejects %j', (v, msg) => {
    const c = parseConfig(v);
    expect('error' in c && c.error).toMatch(msg);
  });
  it('rejects user-data that is not base64 JSON, and a boot volume without a config', () => {
    expect(decodeUserData('not json')).toEqual({ error: 'user-data is not base64 JSON' });
    expect(decodeBootConfig(Buffer.alloc(BLOCK))).toBeNull();
    expect(decodeBootConfig(encodeHeader({ seq: 1, corrupt: false, vnf: 'app', index: 0 }))).toBeNull();
  });
});

describe('data volume', () => {
  it('header and record round-trip; a header without its fields is none', () => {
    const h = { seq: 42, corrupt: true, vnf: 'app', index: 2 };
    expect(decodeHeader(encodeHeader(h))).toEqual(h);
    expect(decodeRecord(encodeRecord({ seq: 7, index: 1, t: 1.5e12 }))).toEqual({ seq: 7, index: 1, t: 1.5e12 });
    expect(decodeHeader(encodeBlock({ seq: -1, corrupt: false, vnf: 'app', index: 0 }))).toBeNull();
    expect(decodeHeader(encodeBlock({ seq: 1, vnf: 'app', index: 0 }))).toBeNull();
  });
  it('slots fill the volume after the first 32 KiB, records wrap around them', () => {
    expect(slotCount(1 << 20)).toBe((1048576 - 32768) / 4096);
    expect(slotCount(DATA_START)).toBe(0);
    expect(slotCount(DATA_START + BLOCK + 100)).toBe(1);
    expect(recordOffset(0, 10)).toBe(DATA_START);
    expect(recordOffset(13, 10)).toBe(DATA_START + 3 * BLOCK);
    expect(() => recordOffset(1, 0)).toThrow(/too small/);
  });
});

describe('consistent cut: seq0 >= seq1 >= seq2 >= seq0 - 1', () => {
  it.each([
    [[5, 5, 5], true],
    [[6, 5, 5], true],
    [[6, 6, 5], true],
    [[6, 5, 4], false],
    [[5, 6, 5], false],
    [[5, 5, 6], false],
    [[7, 5, 5], false],
    [[3], true],
    [[], false],
  ])('%j -> %s', (seqs, ok) => {
    expect(consistentCut(seqs)).toBe(ok);
  });
});
