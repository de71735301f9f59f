// The DR guest's on-disk formats and its config, pure (no I/O), shared by
// the guest (agents/dr-guest.ts) and by whoever reads its volumes from the
// host (tests, the DR checks). Node built-ins only: agents run with no
// node_modules.
//
// Boot volume: block 0 (4 KiB) holds the config as cloud-init would have
// left it: one JSON line padded with spaces and ending in "\n", so a
// restored boot volume alone is enough to boot the VNF again.
// Data volume: block 0 is the header {seq, corrupt, vnf, index}; the
// record of transaction n sits at DATA_START + (n % slots) * BLOCK.

import { judgeCut } from '../dr/cut.js';

export const BLOCK = 4096;
export const DATA_START = 32_768;

export interface DrConfig {
  readonly vnf: string;
  readonly index: number;
  readonly members: number;
  /** Transactions per second driven by member 0. */
  readonly rate: number;
}

export interface DataHeader {
  readonly seq: number;
  readonly corrupt: boolean;
  readonly vnf: string;
  readonly index: number;
}

export interface TxnRecord {
  readonly seq: number;
  readonly index: number;
  /** Epoch ms of the write. */
  readonly t: number;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNat = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** The config's problems, or the config. */
export function parseConfig(v: unknown): DrConfig | { error: string } {
  if (!isObj(v)) return { error: 'config is not a JSON object' };
  const { vnf, index, members, rate } = v;
  if (typeof vnf !== 'string' || !/^[a-z0-9][a-z0-9-]{0,30}$/.test(vnf)) return { error: 'vnf must be a short lowercase name' };
  if (!isNat(members) || members < 1 || members > 16) return { error: 'members must be an integer in 1..16' };
  if (!isNat(index) || index >= members) return { error: 'index must be an integer in 0..members-1' };
  if (typeof rate !== 'number' || !(rate > 0) || rate > 1000) return { error: 'rate must be a number in (0, 1000]' };
  return { vnf, index, members, rate };
}

/** --user-data: base64 of the config's JSON. */
export function decodeUserData(b64: string): DrConfig | { error: string } {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(b64, 'base64').toString('utf8'));
  } catch {
    return { error: 'user-data is not base64 JSON' };
  }
  return parseConfig(v);
}

/** One JSON line in a block: the JSON, spaces, "\n". */
export function encodeBlock(value: unknown): Buffer {
  const json = JSON.stringify(value);
  if (Buffer.byteLength(json) > BLOCK - 1) throw new Error(`block content over ${BLOCK - 1} bytes`);
  const b = Buffer.alloc(BLOCK, 0x20);
  b.write(json, 0, 'utf8');
  b[BLOCK - 1] = 0x0a;
  return b;
}

/** The JSON a block holds, or null (blank, zeros, garbage). */
export function decodeBlock(buf: Buffer): unknown {
  const text = buf.subarray(0, BLOCK).toString('utf8').replace(/\0+$/, '').trim();
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

export function decodeBootConfig(block: Buffer): DrConfig | null {
  const c = parseConfig(decodeBlock(block));
  return 'error' in c ? null : c;
}

export function encodeHeader(h: DataHeader): Buffer {
  return encodeBlock({ seq: h.seq, corrupt: h.corrupt, vnf: h.vnf, index: h.index });
}

export function decodeHeader(block: Buffer): DataHeader | null {
  const v = decodeBlock(block);
  if (!isObj(v) || !isNat(v['seq']) || typeof v['corrupt'] !== 'boolean' || typeof v['vnf'] !== 'string' || !isNat(v['index'])) return null;
  return { seq: v['seq'], corrupt: v['corrupt'], vnf: v['vnf'], index: v['index'] };
}

export function encodeRecord(r: TxnRecord): Buffer {
  return encodeBlock({ seq: r.seq, index: r.index, t: r.t });
}

export function decodeRecord(block: Buffer): TxnRecord | null {
  const v = decodeBlock(block);
  if (!isObj(v) || !isNat(v['seq']) || !isNat(v['index']) || typeof v['t'] !== 'number') return null;
  return { seq: v['seq'], index: v['index'], t: v['t'] };
}

/** Record slots of a data volume of `size` bytes (0 if it is too small to hold one). */
export function slotCount(size: number): number {
  return Math.max(0, Math.floor((size - DATA_START) / BLOCK));
}

export function recordOffset(seq: number, slots: number): number {
  if (slots < 1) throw new Error('data volume too small for a record');
  return DATA_START + (seq % slots) * BLOCK;
}

/** A consistent cut of the chain (harness/dr/cut.ts holds the one definition, with the reason when it is not). */
export function consistentCut(seqs: readonly number[]): boolean {
  return judgeCut(seqs).consistent;
}
