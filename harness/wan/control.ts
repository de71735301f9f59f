/**
 * Control protocol of the WAN relay (relay.ts) and a typed client for it.
 *
 * Transport: a unix stream socket; newline-delimited JSON, one request per
 * line, exactly one response line per request, in request order.
 *
 *   {"op":"set","link":LinkConfig}  -> {"ok":true,"created":bool}
 *   {"op":"delete","id":"wan1"}     -> {"ok":true,"deleted":bool}
 *   {"op":"stats"}                  -> {"ok":true,"links":{id:LinkStats}}
 *   {"op":"get"}                    -> {"ok":true,"seed":n,"links":{id:LinkConfig}}
 *   {"op":"ping"}                   -> {"ok":true}
 *   any failure                     -> {"ok":false,"error":"..."}
 *
 * The schemas below are the single definition of the protocol: the relay
 * validates requests with them and the client validates responses, so a
 * version skew shows up as a clear error instead of undefined fields.
 */
import net from 'node:net';
import { z } from 'zod';
import type { Impairment } from './impairment.js';

/**
 * The harness may only use 198.18.0.0/15 (RFC 2544), so the relay refuses to
 * bind or send anywhere else: a mis-built config cannot leak traffic.
 */
export function isBenchmarkIPv4(addr: string): boolean {
  if (!net.isIPv4(addr)) return false;
  const [a, b] = addr.split('.').map(Number);
  return a === 198 && (b === 18 || b === 19);
}

const benchIPv4 = z.string().refine(isBenchmarkIPv4, { message: 'must be an IPv4 address in 198.18.0.0/15' });
const port = z.number().int().min(1).max(65535);

export const ImpairmentSchema: z.ZodType<Impairment> = z.strictObject({
  latencyMs: z.number().min(0),
  jitterMs: z.number().min(0),
  lossPct: z.number().min(0).max(100),
  bandwidthKbit: z.number().positive().nullable(),
  down: z.boolean(),
});

/** One side of a link: the relay's socket for that side and the VTEP behind it. */
export interface LinkSide {
  /** Relay's UDP port for this side; the site's vxlan device sends here (its dstport). */
  port: number;
  /** The site's VTEP address; the only source accepted and the only destination used. */
  peer: string;
  /** Port the site's vxlan device listens on; defaults to `port` (both ends use one dstport). */
  peerPort?: number;
}

export interface LinkConfig {
  /** Link name, unique per relay (e.g. `wan1`). */
  id: string;
  /** Relay address both sides' sockets bind to. */
  listen: string;
  a: LinkSide;
  b: LinkSide;
  /** Impairment of datagrams received from a and sent to b. */
  aToB: Impairment;
  /** Impairment of datagrams received from b and sent to a. */
  bToA: Impairment;
}

const LinkSideSchema: z.ZodType<LinkSide> = z.strictObject({
  port,
  peer: benchIPv4,
  peerPort: port.optional(),
});

export const LinkConfigSchema: z.ZodType<LinkConfig> = z
  .strictObject({
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'must be 1-64 of [A-Za-z0-9_.-]'),
    listen: benchIPv4,
    a: LinkSideSchema,
    b: LinkSideSchema,
    aToB: ImpairmentSchema,
    bToA: ImpairmentSchema,
  })
  .refine((l) => l.a.port !== l.b.port, { message: 'a.port and b.port must differ', path: ['b', 'port'] });

/** Counters of one direction since the link was created. */
export interface DirectionStats {
  /** Datagrams received from this direction's source peer. */
  received: number;
  /** Datagrams handed to the kernel towards the other peer (those that then failed are also in sendErrors). */
  forwarded: number;
  droppedLoss: number;
  droppedDown: number;
  /** Tail drops of the rate limiter's backlog (see DEFAULT_QUEUE_LIMIT_MS). */
  droppedQueue: number;
  /** Datagrams arriving on this direction's socket from an address other than its peer; never forwarded. */
  droppedForeign: number;
  /** Forwarded datagrams whose send the kernel then failed (e.g. no route to the peer). */
  sendErrors: number;
  /** UDP payload bytes received (the VXLAN frames the source site put on the WAN). */
  bytes: number;
  /** UDP payload bytes forwarded. */
  bytesForwarded: number;
  /** Mean measured delay from receipt to send of forwarded datagrams, ms; null before the first one. */
  meanDelayMs: number | null;
  /**
   * Sum of those delays, ms: the mean over an interval is
   * (delayTotalMs' - delayTotalMs) / (forwarded' - forwarded) between two snapshots.
   */
  delayTotalMs: number;
  /** Worst lateness of a send against its scheduled time, ms (timer accuracy). */
  maxLatenessMs: number;
}

export interface LinkStats {
  aToB: DirectionStats;
  bToA: DirectionStats;
}

const count = z.number().int().min(0);
export const DirectionStatsSchema: z.ZodType<DirectionStats> = z.object({
  received: count,
  forwarded: count,
  droppedLoss: count,
  droppedDown: count,
  droppedQueue: count,
  droppedForeign: count,
  sendErrors: count,
  bytes: count,
  bytesForwarded: count,
  meanDelayMs: z.number().nullable(),
  delayTotalMs: z.number().min(0),
  maxLatenessMs: z.number(),
});
export const LinkStatsSchema: z.ZodType<LinkStats> = z.object({
  aToB: DirectionStatsSchema,
  bToA: DirectionStatsSchema,
});

export const RequestSchema = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('set'), link: LinkConfigSchema }),
  z.strictObject({ op: z.literal('delete'), id: z.string() }),
  z.strictObject({ op: z.literal('stats') }),
  z.strictObject({ op: z.literal('get') }),
  z.strictObject({ op: z.literal('ping') }),
]);
export type RelayRequest = z.infer<typeof RequestSchema>;

const ErrorResponseSchema = z.object({ ok: z.literal(false), error: z.string() });
const PingResponseSchema = z.object({ ok: z.literal(true) });
const SetResponseSchema = z.object({ ok: z.literal(true), created: z.boolean() });
const DeleteResponseSchema = z.object({ ok: z.literal(true), deleted: z.boolean() });
const StatsResponseSchema = z.object({ ok: z.literal(true), links: z.record(z.string(), LinkStatsSchema) });
const GetResponseSchema = z.object({
  ok: z.literal(true),
  seed: z.number(),
  links: z.record(z.string(), LinkConfigSchema),
});

export type SetResponse = z.infer<typeof SetResponseSchema>;
export type DeleteResponse = z.infer<typeof DeleteResponseSchema>;
export type StatsResponse = z.infer<typeof StatsResponseSchema>;
export type GetResponse = z.infer<typeof GetResponseSchema>;
export type ErrorResponse = z.infer<typeof ErrorResponseSchema>;
export type RelayResponse = SetResponse | DeleteResponse | StatsResponse | GetResponse | ErrorResponse | { ok: true };

/** The relay answered `{"ok":false}` or the connection failed. */
export class RelayError extends Error {
  override name = 'RelayError';
}

export interface RelayClient {
  /** Creates the link (binding its sockets) or updates its impairments in place. Returns true if created. */
  set(link: LinkConfig): Promise<boolean>;
  /** Removes a link and closes its sockets; datagrams still in flight are dropped. Returns true if it existed. */
  delete(id: string): Promise<boolean>;
  stats(): Promise<Record<string, LinkStats>>;
  /** The current config of every link, as last set. */
  get(): Promise<Record<string, LinkConfig>>;
  /** The seed the relay was started with. */
  seed(): Promise<number>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** Per-request timeout, ms. */
  timeoutMs?: number;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

class Connection implements RelayClient {
  private readonly pending: Pending[] = [];
  private buffer = '';
  private failure: Error | null = null;

  private readonly socket: net.Socket;
  private readonly socketPath: string;
  private readonly timeoutMs: number;

  constructor(socket: net.Socket, socketPath: string, timeoutMs: number) {
    this.socket = socket;
    this.socketPath = socketPath;
    this.timeoutMs = timeoutMs;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', (err) => this.fail(new RelayError(`relay ${socketPath}: ${err.message}`)));
    socket.on('close', () => this.fail(new RelayError(`relay ${socketPath}: connection closed`)));
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      if (line.trim() === '') continue;
      const p = this.pending.shift();
      if (!p) {
        this.fail(new RelayError(`relay ${this.socketPath}: unsolicited response ${line.slice(0, 200)}`));
        return;
      }
      clearTimeout(p.timer);
      try {
        p.resolve(JSON.parse(line));
      } catch {
        p.reject(new RelayError(`relay ${this.socketPath}: response is not JSON: ${line.slice(0, 200)}`));
      }
    }
  }

  private fail(err: Error): void {
    if (this.failure === null) this.failure = err;
    for (const p of this.pending.splice(0)) {
      clearTimeout(p.timer);
      p.reject(err);
    }
  }

  private async request<T>(req: RelayRequest, schema: z.ZodType<T>): Promise<T> {
    if (this.failure) throw this.failure;
    const raw = await new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        // Responses are matched by order, so after a timeout the stream is unusable.
        const err = new RelayError(`relay ${this.socketPath}: no response to ${req.op} within ${this.timeoutMs} ms`);
        this.fail(err);
        this.socket.destroy();
      }, this.timeoutMs);
      this.pending.push({ resolve, reject, timer });
      this.socket.write(`${JSON.stringify(req)}\n`);
    });
    const err = ErrorResponseSchema.safeParse(raw);
    if (err.success) throw new RelayError(`relay ${req.op}: ${err.data.error}`);
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      throw new RelayError(`relay ${req.op}: unexpected response: ${z.prettifyError(parsed.error)}`);
    }
    return parsed.data;
  }

  async set(link: LinkConfig): Promise<boolean> {
    return (await this.request({ op: 'set', link }, SetResponseSchema)).created;
  }

  async delete(id: string): Promise<boolean> {
    return (await this.request({ op: 'delete', id }, DeleteResponseSchema)).deleted;
  }

  async stats(): Promise<Record<string, LinkStats>> {
    return (await this.request({ op: 'stats' }, StatsResponseSchema)).links;
  }

  async get(): Promise<Record<string, LinkConfig>> {
    return (await this.request({ op: 'get' }, GetResponseSchema)).links;
  }

  async seed(): Promise<number> {
    return (await this.request({ op: 'get' }, GetResponseSchema)).seed;
  }

  async ping(): Promise<void> {
    await this.request({ op: 'ping' }, PingResponseSchema);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.once('close', () => resolve());
      this.socket.end();
    });
  }
}

/** Connects to a relay's control socket. */
export function connectRelay(socketPath: string, opts: ConnectOptions = {}): Promise<RelayClient> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  return new Promise((resolve, reject) => {
    const socket = net.createConnection(socketPath);
    const onError = (err: Error): void => reject(new RelayError(`relay ${socketPath}: ${err.message}`));
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.off('error', onError);
      resolve(new Connection(socket, socketPath, timeoutMs));
    });
  });
}
