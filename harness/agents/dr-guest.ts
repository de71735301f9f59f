// The fake telecom VNF of the disaster-recovery scenarios, one process per
// server, run by the compute service as the server's guest:
//
//   node /opt/msh/dist/agents/dr-guest.js --server ID --boot PATH [--user-data B64]
//        --control SOCK --events FILE --dir DIR
//
// Its data must be restorable in another site, so every transaction touches
// every member's data volume in a fixed order: member 0 writes txn n, asks
// member 1 (on <dir>/<vnf>-1.sock) to apply it, which writes and forwards
// to member 2, ...; the last answers back up the chain. A cut of the
// volumes is consistent when seq0 >= seq1 >= ... >= seq0 - 1
// (dr-format.ts consistentCut).
//
// The control socket is the guest agent: attach/detach of the data volume
// (sent by compute), freeze/thaw (what fsfreeze is to a real guest: finish
// the write in flight, fdatasync, hold every further write), state, and
// corrupt (from the next txn on this member's headers say corrupt: a
// software fault that the chain propagates). Newline-delimited JSON on both
// sockets. Events: JSONL appended to --events, one write per line.
// Node built-ins only.
import { closeSync, fdatasyncSync, fstatSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  BLOCK,
  consistentCut,
  decodeBootConfig,
  decodeHeader,
  decodeUserData,
  encodeBlock,
  encodeHeader,
  encodeRecord,
  recordOffset,
  slotCount,
  type DrConfig,
} from './dr-format.js';

const APPLY_TIMEOUT_MS = 2000;
const STATE_TIMEOUT_MS = 1000;
/** How long member 0 waits for every member's state after its attach. */
const RESTORE_WAIT_MS = 60_000;

type Msg = Record<string, unknown>;

const { values: args } = parseArgs({
  options: {
    server: { type: 'string' },
    boot: { type: 'string' },
    'user-data': { type: 'string' },
    control: { type: 'string' },
    events: { type: 'string' },
    dir: { type: 'string' },
  },
  strict: true,
});
for (const k of ['server', 'boot', 'control', 'events', 'dir'] as const) {
  if (!args[k]) {
    process.stderr.write(`--${k} is required\n`);
    process.exit(2);
  }
}
const serverId = args.server!;
const eventsFd = openSync(args.events!, 'a');
const emit = (type: string, fields: Msg = {}) => void writeSync(eventsFd, `${JSON.stringify({ t: Date.now(), type, ...fields })}\n`);

// ------------------------------------------------------------------ config

function bootConfig(): { config: DrConfig; from: 'user-data' | 'boot-volume' } {
  const fd = openSync(args.boot!, 'r+');
  try {
    if (args['user-data'] !== undefined) {
      const c = decodeUserData(args['user-data']);
      if ('error' in c) {
        process.stderr.write(`${c.error}\n`);
        process.exit(2);
      }
      // As cloud-init would: the config lands on the boot volume, so a restored copy boots without user-data.
      writeSync(fd, encodeBlock(c), 0, BLOCK, 0);
      fdatasyncSync(fd);
      return { config: c, from: 'user-data' };
    }
    const block = Buffer.alloc(BLOCK);
    readSync(fd, block, 0, BLOCK, 0);
    const c = decodeBootConfig(block);
    if (c === null) {
      process.stderr.write('no config: no --user-data and none on the boot volume\n');
      process.exit(2);
    }
    return { config: c, from: 'boot-volume' };
  } finally {
    closeSync(fd);
  }
}

const { config, from } = bootConfig();
emit('start', { server: serverId, vnf: config.vnf, index: config.index, config, from });

// ------------------------------------------------------------- data volume

interface Data {
  readonly fd: number;
  readonly path: string;
  readonly slots: number;
}

let data: Data | null = null;
let seq = 0;
let headerCorrupt = false;
/** Set by the corrupt op: every later write says corrupt. */
let faulty = false;
let frozen = false;
let thawed: Promise<void> = Promise.resolve();
let release: () => void = () => undefined;

function attach(path: string): { seq: number; corrupt: boolean } {
  if (data) detach();
  const fd = openSync(path, 'r+');
  const size = fstatSync(fd).size;
  const slots = slotCount(size);
  if (slots < 1) {
    closeSync(fd);
    throw new Error(`${path}: ${size} bytes is too small for a data volume`);
  }
  const block = Buffer.alloc(BLOCK);
  readSync(fd, block, 0, BLOCK, 0);
  const h = decodeHeader(block);
  seq = h?.seq ?? 0;
  headerCorrupt = h?.corrupt ?? false;
  data = { fd, path, slots };
  if (h === null) {
    writeSync(fd, encodeHeader({ seq, corrupt: false, vnf: config.vnf, index: config.index }), 0, BLOCK, 0);
    fdatasyncSync(fd);
  }
  return { seq, corrupt: headerCorrupt };
}

function detach(): void {
  if (!data) return;
  closeSync(data.fd);
  data = null;
}

/** Waits while frozen; then the write is synchronous, so nothing else runs in between. */
async function write(n: number, corrupt: boolean): Promise<void> {
  while (frozen) await thawed;
  if (!data) throw new Error('no data volume attached');
  if (n < seq) return; // an old retry: already past it
  const bad = corrupt || faulty;
  writeSync(data.fd, encodeRecord({ seq: n, index: config.index, t: Date.now() }), 0, BLOCK, recordOffset(n, data.slots));
  writeSync(data.fd, encodeHeader({ seq: n, corrupt: bad, vnf: config.vnf, index: config.index }), 0, BLOCK, 0);
  fdatasyncSync(data.fd);
  seq = n;
  headerCorrupt = bad;
}

function freeze(): number {
  // Writes are synchronous: none is in flight while this runs; flush what the last left.
  if (!frozen) {
    frozen = true;
    thawed = new Promise((r) => (release = r));
  }
  if (data) fdatasyncSync(data.fd);
  return seq;
}

function thaw(): void {
  if (!frozen) return;
  frozen = false;
  release();
}

// ----------------------------------------------------------------- sockets

function listen(path: string, handle: (m: Msg) => Promise<Msg>): Server {
  rmSync(path, { force: true });
  const srv = createServer((sock) => {
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => {
      buf += chunk;
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        let m: unknown;
        try {
          m = JSON.parse(line);
        } catch {
          sock.write(`${JSON.stringify({ ok: false, error: 'bad JSON' })}\n`);
          continue;
        }
        const msg = typeof m === 'object' && m !== null ? (m as Msg) : {};
        handle(msg).then(
          (r) => sock.writable && sock.write(`${JSON.stringify(r)}\n`),
          (e: unknown) => sock.writable && sock.write(`${JSON.stringify({ ok: false, error: e instanceof Error ? e.message : String(e) })}\n`),
        );
      }
    });
    sock.on('error', () => undefined);
  });
  srv.listen(path);
  return srv;
}

/** One request on a new connection to a member's socket; rejects on error or timeout. */
function ask(member: number, m: Msg, timeoutMs: number): Promise<Msg> {
  return new Promise((resolve, reject) => {
    const sock: Socket = connect(join(args.dir!, `${config.vnf}-${member}.sock`));
    let buf = '';
    const timer = setTimeout(() => done(new Error(`member ${member}: no answer within ${timeoutMs} ms`)), timeoutMs);
    const done = (err: Error | null, r?: Msg) => {
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(r!);
    };
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write(`${JSON.stringify(m)}\n`));
    sock.on('data', (c: string) => {
      buf += c;
      const i = buf.indexOf('\n');
      if (i < 0) return;
      try {
        done(null, JSON.parse(buf.slice(0, i)) as Msg);
      } catch {
        done(new Error(`member ${member}: bad answer`));
      }
    });
    sock.on('error', (e) => done(new Error(`member ${member}: ${e.message}`)));
  });
}

function stateOf(): Msg {
  return { ok: true, seq, corrupt: headerCorrupt, frozen, attached: data !== null, index: config.index };
}

/** apply from the previous member: write, then forward down the chain and answer what it answers. */
async function apply(n: number, corrupt: boolean): Promise<Msg> {
  await write(n, corrupt);
  const next = config.index + 1;
  if (next >= config.members) return { ok: true, seq: n };
  const r = await ask(next, { op: 'apply', seq: n, corrupt: corrupt || faulty }, APPLY_TIMEOUT_MS);
  return r['ok'] === true ? { ok: true, seq: n } : { ok: false, error: String(r['error'] ?? 'refused') };
}

const peer = listen(join(args.dir!, `${config.vnf}-${config.index}.sock`), async (m) => {
  if (m['op'] === 'state') return stateOf();
  if (m['op'] === 'apply' && typeof m['seq'] === 'number') return apply(m['seq'], m['corrupt'] === true);
  return { ok: false, error: `unknown op ${String(m['op'])}` };
});

const control = listen(args.control!, async (m) => {
  switch (m['op']) {
    case 'state':
      return stateOf();
    case 'attach': {
      if (typeof m['path'] !== 'string') return { ok: false, error: 'attach needs a path' };
      const r = attach(m['path']);
      emit('attach', { path: m['path'], seq: r.seq, corrupt: r.corrupt });
      if (config.index === 0) void restore();
      return { ok: true, ...r };
    }
    case 'detach':
      detach();
      emit('detach', { seq });
      return { ok: true };
    case 'freeze': {
      const n = freeze();
      emit('freeze', { seq: n });
      return { ok: true, seq: n };
    }
    case 'thaw':
      thaw();
      emit('thaw', { seq });
      return { ok: true, seq };
    case 'corrupt':
      faulty = true;
      emit('corrupt', { seq });
      return { ok: true, seq };
    default:
      return { ok: false, error: `unknown op ${String(m['op'])}` };
  }
});

// ---------------------------------------------------------- member 0 drives

let restored = false;
let serving = false;
let busy = false;
/** The txn being retried after a failure (the same n again: writes are idempotent). */
let pending: number | null = null;

/** After an attach: every member's state, then go on from the furthest seq. */
async function restore(): Promise<void> {
  restored = false;
  const deadline = Date.now() + RESTORE_WAIT_MS;
  for (;;) {
    const answers = await Promise.all(
      Array.from({ length: config.members }, (_, i) => (i === 0 ? Promise.resolve(stateOf()) : ask(i, { op: 'state' }, STATE_TIMEOUT_MS).catch(() => null))),
    );
    if (answers.every((a) => a !== null && a['attached'] === true)) {
      const seqs = answers.map((a) => Number(a!['seq']));
      const corrupt = answers.map((a) => a!['corrupt'] === true);
      emit('restored', { seqs, corrupt, consistent: consistentCut(seqs) });
      seq = Math.max(...seqs);
      pending = null;
      restored = true;
      return;
    }
    if (Date.now() > deadline) {
      emit('restore-fail', { error: `not every member answered with a data volume within ${RESTORE_WAIT_MS} ms`, answered: answers.map((a) => a !== null) });
      return;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function tick(): Promise<void> {
  if (!restored || busy || !data) return;
  busy = true;
  const n = pending ?? seq + 1;
  try {
    await write(n, false);
    if (config.members > 1) {
      const r = await ask(1, { op: 'apply', seq: n, corrupt: faulty }, APPLY_TIMEOUT_MS);
      if (r['ok'] !== true) throw new Error(String(r['error'] ?? 'refused'));
    }
    pending = null;
    emit('commit', { seq: n });
    if (!serving) {
      serving = true;
      emit('serving', { seq: n });
    }
  } catch (e) {
    pending = n;
    emit('txn-fail', { seq: n, error: e instanceof Error ? e.message : String(e) });
  } finally {
    busy = false;
  }
}

const timer = config.index === 0 ? setInterval(() => void tick(), 1000 / config.rate) : null;

const stop = () => {
  if (timer) clearInterval(timer);
  peer.close();
  control.close();
  rmSync(join(args.dir!, `${config.vnf}-${config.index}.sock`), { force: true });
  rmSync(args.control!, { force: true });
  detach();
  emit('stop', { seq });
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
