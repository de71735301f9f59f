/**
 * User-space WAN link emulator: the stand-in for netem on hosts without it.
 *
 *   node dist/wan/relay.js --control <unix socket path> [--seed <n>] [--exit-with-stdin]
 *
 * Runs in a WAN namespace. Each link is a point-to-point VXLAN tunnel between
 * two sites whose vxlan devices both have this relay as `remote`: side a's
 * datagrams arrive on listen:a.port and leave from listen:b.port towards
 * b.peer:(b.peerPort ?? b.port), after the aToB impairment; and vice versa.
 * Nothing is ever sent anywhere but a link's two configured peers, and
 * datagrams from any other source are counted and discarded.
 *
 * Control protocol: see control.ts. Prints `ready` on stdout once the control
 * socket listens; logs go to stderr. SIGTERM/SIGINT close everything and
 * unlink the control socket.
 *
 * Replay: one PRNG per link direction, seeded from (--seed, link id,
 * direction). Given the same datagram arrival order per direction, loss and
 * jitter decisions repeat exactly; arrival times themselves come from the
 * kernel and are not replayable.
 */
import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { z } from 'zod';
import {
  RequestSchema,
  type DirectionStats,
  type LinkConfig,
  type LinkSide,
  type LinkStats,
  type RelayRequest,
  type RelayResponse,
} from './control.js';
import {
  WIRE_OVERHEAD_BYTES,
  createRng,
  decide,
  deriveSeed,
  initialState,
  type DirectionState,
  type Impairment,
} from './impairment.js';

/**
 * Why a timer thread: Node timers fire on a millisecond clock cached per loop
 * turn; measured on this host they land 0.7 ms early to 1.3 ms late, too
 * coarse for a 20 ms delay that must be right to a few percent. A first
 * version slept on setTimeout to 2 ms before each deadline and then polled
 * with setImmediate: accurate, but the polling cost 27 % of a core at 100
 * pings/s, which a 2-core host running a dozen containers cannot spare.
 *
 * So a worker thread blocks in Atomics.wait (a futex with a sub-millisecond
 * timeout, no event loop involved) until WAKE_EARLY_MS before the earliest
 * deadline and then posts a message that wakes the main loop. Measured here,
 * that message arrives 0.12-0.43 ms after the wait ends; the main thread
 * polls with setImmediate for whatever is left, which costs at most a few
 * tenths of a millisecond per deadline instead of 2 ms.
 */
const WAKE_EARLY_MS = 0.3;

/**
 * A datagram whose deadline is this close is sent now rather than after a
 * poll. The poll (a setImmediate loop turn, an epoll with zero timeout each)
 * was most of the relay's CPU: ~160 us per forwarded datagram, 2.9 CPU-s in
 * a 30 s HA run. With the wake 0.3 ms early and the message 0.12-0.43 ms on
 * its way, a wake lands between 0.18 ms early and 0.13 ms late, so most
 * datagrams go out at once; none leaves more than 0.1 ms early (the impair
 * fault's proof allows 1 ms), and the mean stays on the deadline.
 */
const SEND_EARLY_MS = 0.1;

/**
 * The relay is the emulated network, not the system under test: a wire does
 * not wait for a CPU. Niced, its deadlines were still 2-4 ms late per
 * direction with four busy loops on the two cores (CFS wakes a nice -10 task
 * soon, not at once), and 1.3 ms late in a CI run on a loaded moment; with
 * SCHED_FIFO its threads preempt any ordinary task when a deadline comes. It
 * only waits or forwards, and the kernel keeps 5 % of each second for
 * ordinary tasks whatever happens (sched_rt_runtime_us). Every thread (-a),
 * before the timer thread starts: threads inherit their creator's policy.
 */
const RELAY_RT_PRIORITY = 10;

function takeRealtime(): void {
  try {
    execFileSync('chrt', ['-a', '-f', '-p', String(RELAY_RT_PRIORITY), String(process.pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    process.stderr.write(`relay: no real-time scheduling, deadlines may be late under load: ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}\n`);
  }
}

// Runs as a classic script in the worker. Only the main thread writes the
// target; it bumps the generation and notifies on every change, so the wait
// below can never miss an update (it returns at once if the generation moved).
const TIMER_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const gen = new Int32Array(workerData, 0, 1);
const target = new Float64Array(workerData, 8, 1);
const now = () => Number(process.hrtime.bigint()) / 1e6;
for (;;) {
  const g = Atomics.load(gen, 0);
  const t = target[0];
  if (Number.isNaN(t)) break;
  if (t === Infinity) { Atomics.wait(gen, 0, g); continue; }
  const remaining = t - now();
  if (remaining > 0) { Atomics.wait(gen, 0, g, remaining); continue; }
  parentPort.postMessage(0);
  Atomics.wait(gen, 0, g);
}
`;

interface Scheduled {
  at: number;
  seq: number;
  run: (now: number) => void;
}

/**
 * Runs callbacks at deadlines on the performance.now() clock, to within a few
 * tenths of a millisecond; FIFO among equal deadlines.
 */
export class PreciseScheduler {
  private readonly heap: Scheduled[] = [];
  private seq = 0;
  private readonly gen: Int32Array;
  private readonly target: Float64Array;
  private readonly worker: Worker;
  /** hrtime (ms) minus performance.now(): both read the same monotonic clock. */
  private readonly hrOffset: number;
  private immediate: NodeJS.Immediate | null = null;
  /** Deadline the worker or the poll is currently armed for. */
  private armedFor = Number.POSITIVE_INFINITY;
  private closed = false;

  constructor() {
    const shared = new SharedArrayBuffer(16);
    this.gen = new Int32Array(shared, 0, 1);
    this.target = new Float64Array(shared, 8, 1);
    this.target[0] = Number.POSITIVE_INFINITY;
    this.hrOffset = Number(process.hrtime.bigint()) / 1e6 - performance.now();
    this.worker = new Worker(TIMER_WORKER, { eval: true, workerData: shared });
    this.worker.on('message', this.onWake);
    this.worker.on('error', (err) => {
      process.stderr.write(`relay: timer thread failed: ${err.stack ?? String(err)}\n`);
      process.exit(1);
    });
  }

  /** Resolves once the timer thread runs, so the first deadlines are not late. */
  ready(): Promise<void> {
    return new Promise((resolve) => this.worker.once('online', () => resolve()));
  }

  get size(): number {
    return this.heap.length;
  }

  schedule(at: number, run: (now: number) => void): void {
    if (this.closed) return;
    this.push({ at, seq: this.seq++, run });
    if (at < this.armedFor) this.arm();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.heap.length = 0;
    if (this.immediate) clearImmediate(this.immediate);
    this.setWorkerTarget(Number.NaN);
    await this.worker.terminate();
  }

  // Always bump and notify, even for the same target: once the worker has
  // fired for a target it waits for a new generation, so skipping an
  // unchanged target loses the wake-up. That happened whenever the wake
  // landed more than WAKE_EARLY_MS before the deadline (the two clocks'
  // offset is read a few microseconds apart): the relay then stopped
  // forwarding for good, seen mid-run as a link that never healed.
  private setWorkerTarget(t: number): void {
    // Parking an already parked worker needs no wake-up: it waits for a new
    // generation whatever it last saw, and each futex wake costs a syscall on
    // both threads. Any finite target is always notified (see above).
    if (t === Number.POSITIVE_INFINITY && this.target[0] === t) return;
    this.target[0] = t;
    Atomics.add(this.gen, 0, 1);
    Atomics.notify(this.gen, 0);
  }

  private arm(): void {
    if (this.immediate) clearImmediate(this.immediate);
    this.immediate = null;
    const next = this.heap[0];
    if (!next || this.closed) {
      this.armedFor = Number.POSITIVE_INFINITY;
      this.setWorkerTarget(Number.POSITIVE_INFINITY);
      return;
    }
    this.armedFor = next.at;
    const remaining = next.at - performance.now();
    if (remaining > WAKE_EARLY_MS) {
      this.setWorkerTarget(next.at - WAKE_EARLY_MS + this.hrOffset);
    } else {
      // Close enough: poll, still serving socket I/O between polls.
      this.setWorkerTarget(Number.POSITIVE_INFINITY);
      this.immediate = setImmediate(this.onWake);
    }
  }

  // A wake-up may be stale (the deadline moved since); runDue copes with that.
  private readonly onWake = (): void => {
    this.immediate = null;
    this.runDue();
  };

  private runDue(): void {
    let now = performance.now();
    for (let top = this.heap[0]; top && top.at <= now + SEND_EARLY_MS; top = this.heap[0]) {
      this.pop();
      try {
        top.run(now);
      } catch (err) {
        process.stderr.write(`relay: scheduled send failed: ${String(err)}\n`);
      }
      now = performance.now();
    }
    this.arm();
  }

  private less(i: number, j: number): boolean {
    const a = this.heap[i]!;
    const b = this.heap[j]!;
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private swap(i: number, j: number): void {
    const t = this.heap[i]!;
    this.heap[i] = this.heap[j]!;
    this.heap[j] = t;
  }

  private push(item: Scheduled): void {
    this.heap.push(item);
    let i = this.heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  private pop(): void {
    const last = this.heap.pop();
    if (last === undefined || this.heap.length === 0) return;
    this.heap[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < this.heap.length && this.less(l, m)) m = l;
      if (r < this.heap.length && this.less(r, m)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
}

class Direction {
  imp: Impairment;
  readonly rng: () => number;
  readonly state: DirectionState = initialState();
  received = 0;
  forwarded = 0;
  droppedLoss = 0;
  droppedDown = 0;
  droppedQueue = 0;
  droppedForeign = 0;
  sendErrors = 0;
  bytes = 0;
  bytesForwarded = 0;
  private delaySum = 0;
  private maxLateness = 0;

  constructor(imp: Impairment, seed: number) {
    this.imp = { ...imp };
    this.rng = createRng(seed);
  }

  recordSend(bytes: number, delayMs: number, latenessMs: number): void {
    this.forwarded++;
    this.bytesForwarded += bytes;
    this.delaySum += delayMs;
    if (latenessMs > this.maxLateness) this.maxLateness = latenessMs;
  }

  stats(): DirectionStats {
    return {
      received: this.received,
      forwarded: this.forwarded,
      droppedLoss: this.droppedLoss,
      droppedDown: this.droppedDown,
      droppedQueue: this.droppedQueue,
      droppedForeign: this.droppedForeign,
      sendErrors: this.sendErrors,
      bytes: this.bytes,
      bytesForwarded: this.bytesForwarded,
      meanDelayMs: this.forwarded === 0 ? null : round3(this.delaySum / this.forwarded),
      delayTotalMs: round3(this.delaySum),
      maxLatenessMs: round3(this.maxLateness),
    };
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function sameEndpoints(x: LinkConfig, y: LinkConfig): boolean {
  const side = (s: LinkSide, t: LinkSide): boolean =>
    s.port === t.port && s.peer === t.peer && (s.peerPort ?? s.port) === (t.peerPort ?? t.port);
  return x.listen === y.listen && side(x.a, y.a) && side(x.b, y.b);
}

function bindUdp(address: string, port: number): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket({ type: 'udp4' });
    const onError = (err: Error): void => {
      sock.close();
      reject(new Error(`bind ${address}:${port}: ${err.message}`));
    };
    sock.once('error', onError);
    sock.bind({ address, port, exclusive: true }, () => {
      sock.off('error', onError);
      // Bursts (a TCP window arriving at once) must queue in the relay, not
      // overflow the default ~200 KiB socket buffer; capped by rmem_max.
      try {
        sock.setRecvBufferSize(4 << 20);
        sock.setSendBufferSize(4 << 20);
      } catch {
        /* keep the kernel default */
      }
      sock.on('error', (e) => process.stderr.write(`relay: socket ${address}:${port}: ${e.message}\n`));
      resolve(sock);
    });
  });
}

class Link {
  config: LinkConfig;
  readonly aToB: Direction;
  readonly bToA: Direction;
  private closed = false;

  private readonly sockA: dgram.Socket;
  private readonly sockB: dgram.Socket;
  private readonly scheduler: PreciseScheduler;

  private constructor(
    config: LinkConfig,
    seed: number,
    sockA: dgram.Socket,
    sockB: dgram.Socket,
    scheduler: PreciseScheduler,
  ) {
    this.sockA = sockA;
    this.sockB = sockB;
    this.scheduler = scheduler;
    this.config = structuredClone(config);
    this.aToB = new Direction(config.aToB, deriveSeed(seed, `${config.id}/aToB`));
    this.bToA = new Direction(config.bToA, deriveSeed(seed, `${config.id}/bToA`));
    sockA.on('message', (msg, rinfo) => this.onMessage(msg, rinfo, this.config.a, this.aToB, sockB, this.config.b));
    sockB.on('message', (msg, rinfo) => this.onMessage(msg, rinfo, this.config.b, this.bToA, sockA, this.config.a));
  }

  static async open(config: LinkConfig, seed: number, scheduler: PreciseScheduler): Promise<Link> {
    const sockA = await bindUdp(config.listen, config.a.port);
    let sockB: dgram.Socket;
    try {
      sockB = await bindUdp(config.listen, config.b.port);
    } catch (err) {
      sockA.close();
      throw err;
    }
    return new Link(config, seed, sockA, sockB, scheduler);
  }

  update(config: LinkConfig): void {
    this.config = structuredClone(config);
    // Datagrams already scheduled keep their fate; only later arrivals see the change
    // (like `tc qdisc change`, which does not flush the queue).
    this.aToB.imp = { ...config.aToB };
    this.bToA.imp = { ...config.bToA };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sockA.close();
    this.sockB.close();
  }

  stats(): LinkStats {
    return { aToB: this.aToB.stats(), bToA: this.bToA.stats() };
  }

  private onMessage(
    msg: Buffer,
    rinfo: dgram.RemoteInfo,
    from: LinkSide,
    dir: Direction,
    out: dgram.Socket,
    to: LinkSide,
  ): void {
    const now = performance.now();
    // The vxlan device picks a per-flow source port, so only the address is checked.
    if (rinfo.address !== from.peer) {
      dir.droppedForeign++;
      return;
    }
    dir.received++;
    dir.bytes += msg.length;
    const d = decide(dir.imp, dir.rng, now, msg.length + WIRE_OVERHEAD_BYTES, dir.state);
    switch (d.action) {
      case 'drop-down':
        dir.droppedDown++;
        return;
      case 'drop-loss':
        dir.droppedLoss++;
        return;
      case 'drop-queue':
        dir.droppedQueue++;
        return;
      case 'forward':
        break;
    }
    const peer = to.peer;
    const peerPort = to.peerPort ?? to.port;
    this.scheduler.schedule(d.deliverAt, (sendNow) => {
      if (this.closed) return;
      dir.recordSend(msg.length, sendNow - now, sendNow - d.deliverAt);
      out.send(msg, peerPort, peer, (err) => {
        if (err) dir.sendErrors++;
      });
    });
  }
}

/** The relay's state and request handling, independent of the process around it. */
export class Relay {
  private readonly links = new Map<string, Link>();
  private readonly scheduler = new PreciseScheduler();
  // Requests from all control connections run one at a time, so a `set` that
  // is still binding sockets cannot race another `set` of the same link.
  private chain: Promise<unknown> = Promise.resolve();

  readonly seed: number;

  constructor(seed: number) {
    this.seed = seed;
  }

  handleLine(line: string): Promise<RelayResponse> {
    const next = this.chain.then(() => this.handle(line));
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async handle(line: string): Promise<RelayResponse> {
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      return { ok: false, error: 'request is not valid JSON' };
    }
    const parsed = RequestSchema.safeParse(raw);
    if (!parsed.success) return { ok: false, error: `invalid request: ${z.prettifyError(parsed.error)}` };
    try {
      return await this.execute(parsed.data);
    } catch (err) {
      return { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
  }

  private async execute(req: RelayRequest): Promise<RelayResponse> {
    switch (req.op) {
      case 'ping':
        return { ok: true };
      case 'set': {
        const link = req.link;
        const existing = this.links.get(link.id);
        if (existing) {
          if (!sameEndpoints(existing.config, link)) {
            throw new Error(`link ${link.id}: listen address, ports and peers cannot change; delete it first`);
          }
          existing.update(link);
          log(`link ${link.id} updated ${describe(link)}`);
          return { ok: true, created: false };
        }
        this.links.set(link.id, await Link.open(link, this.seed, this.scheduler).catch((err: unknown) => {
          throw new Error(`link ${link.id}: ${err instanceof Error ? err.message : String(err)}`);
        }));
        log(`link ${link.id} created ${link.listen}:${link.a.port}<->${link.a.peer} ${link.listen}:${link.b.port}<->${link.b.peer} ${describe(link)}`);
        return { ok: true, created: true };
      }
      case 'delete': {
        const link = this.links.get(req.id);
        if (!link) return { ok: true, deleted: false };
        link.close();
        this.links.delete(req.id);
        log(`link ${req.id} deleted`);
        return { ok: true, deleted: true };
      }
      case 'stats': {
        const links: Record<string, LinkStats> = {};
        for (const [id, link] of this.links) links[id] = link.stats();
        return { ok: true, links };
      }
      case 'get': {
        const links: Record<string, LinkConfig> = {};
        for (const [id, link] of this.links) links[id] = structuredClone(link.config);
        return { ok: true, seed: this.seed, links };
      }
    }
  }

  /** Resolves once the relay can keep deadlines (its timer thread runs). */
  ready(): Promise<void> {
    return this.scheduler.ready();
  }

  /** Closes every link's sockets and stops the timer thread; datagrams in flight are dropped. */
  async close(): Promise<void> {
    for (const link of this.links.values()) link.close();
    this.links.clear();
    await this.scheduler.close();
  }
}

function describe(l: LinkConfig): string {
  const one = (i: Impairment): string =>
    i.down
      ? 'down'
      : `${i.latencyMs}±${i.jitterMs}ms loss=${i.lossPct}% rate=${i.bandwidthKbit === null ? '-' : `${i.bandwidthKbit}kbit`}`;
  return `aToB[${one(l.aToB)}] bToA[${one(l.bToA)}]`;
}

function log(msg: string): void {
  process.stderr.write(`relay: ${msg}\n`);
}

/** Removes a stale socket file left by a dead relay; refuses if a live one answers. */
async function claimSocketPath(path: string): Promise<void> {
  if (!fs.existsSync(path)) return;
  const alive = await new Promise<boolean>((resolve) => {
    const probe = net.createConnection(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (alive) throw new Error(`control socket ${path} is in use by a running relay`);
  fs.unlinkSync(path);
}

const MAX_LINE = 1 << 20;

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      control: { type: 'string' },
      seed: { type: 'string', default: '1' },
      'exit-with-stdin': { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const controlPath = values.control;
  if (!controlPath) throw new Error('usage: relay --control <unix socket path> [--seed <n>] [--exit-with-stdin]');
  if (!/^\d+$/.test(values.seed) || !Number.isSafeInteger(Number(values.seed))) {
    throw new Error(`--seed must be a non-negative integer, got ${values.seed}`);
  }
  takeRealtime();
  const relay = new Relay(Number(values.seed));
  await relay.ready();

  await claimSocketPath(controlPath);
  const connections = new Set<net.Socket>();
  const server = net.createServer((conn) => {
    connections.add(conn);
    conn.setEncoding('utf8');
    let buffer = '';
    conn.on('data', (chunk: string) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.trim() === '') continue;
        void relay.handleLine(line).then((resp) => {
          if (!conn.destroyed) conn.write(`${JSON.stringify(resp)}\n`);
        });
      }
      if (buffer.length > MAX_LINE) {
        conn.end(`${JSON.stringify({ ok: false, error: 'request line too long' })}\n`);
        buffer = '';
      }
    });
    conn.on('error', () => undefined);
    conn.on('close', () => connections.delete(conn));
  });

  let stopping = false;
  const shutdown = (code: number): void => {
    if (stopping) return;
    stopping = true;
    server.close();
    for (const c of connections) c.destroy();
    try {
      fs.unlinkSync(controlPath);
    } catch {
      /* already gone */
    }
    const exit = (): never => process.exit(code);
    setTimeout(exit, 1000).unref();
    relay.close().then(exit, exit);
  };
  process.on('SIGTERM', () => shutdown(0));
  process.on('SIGINT', () => shutdown(0));
  process.on('uncaughtException', (err) => {
    process.stderr.write(`relay: fatal: ${err.stack ?? String(err)}\n`);
    shutdown(1);
  });
  if (values['exit-with-stdin']) {
    // Ties the relay's life to its parent's: when the harness dies, the pipe closes.
    process.stdin.on('end', () => shutdown(0));
    process.stdin.on('error', () => shutdown(0));
    process.stdin.resume();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(controlPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  fs.chmodSync(controlPath, 0o600);
  log(`seed ${relay.seed}, control ${controlPath}`);
  process.stdout.write('ready\n');
}

function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return import.meta.url === pathToFileURL(fs.realpathSync(entry)).href;
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`relay: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  });
}
