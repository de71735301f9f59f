/**
 * WAN impairment model for one direction of an emulated inter-site link.
 *
 * This host's kernel has no `netem`, so the user-space relay (relay.ts) applies
 * these decisions to each VXLAN datagram it carries. The model follows netem
 * (and tbf for the rate) where that is sensible; where it differs the comment
 * says why. Everything here is pure: time and randomness come in as arguments,
 * so the same seed and the same arrival sequence give the same decisions.
 */

/** Impairment of ONE direction of a link. */
export interface Impairment {
  /** Fixed one-way delay added to every forwarded datagram, ms (>= 0). */
  latencyMs: number;
  /** Uniform jitter: each datagram gets latency + U[-jitter, +jitter], ms (>= 0). */
  jitterMs: number;
  /** Independent (Bernoulli) loss probability, percent in [0, 100]. */
  lossPct: number;
  /** Bottleneck rate in kbit/s (1 kbit = 1000 bit), or null for unlimited. */
  bandwidthKbit: number | null;
  /** Partitioned in this direction: every datagram is dropped. */
  down: boolean;
}

/** Whether two settings of a direction are the same (a read-back against what was set). */
export function sameImpairment(a: Impairment, b: Impairment): boolean {
  return a.latencyMs === b.latencyMs && a.jitterMs === b.jitterMs && a.lossPct === b.lossPct && a.bandwidthKbit === b.bandwidthKbit && a.down === b.down;
}

/** No impairment: the baseline a link must return to after every fault. */
export const CLEAR: Readonly<Impairment> = Object.freeze({
  latencyMs: 0,
  jitterMs: 0,
  lossPct: 0,
  bandwidthKbit: null,
  down: false,
});

/**
 * Longest backlog (ms of queued serialization) a rate-limited direction holds
 * before it tail-drops. netem and tbf both bound their queues (netem: 1000
 * packets by default; tbf: `latency`/`limit`); an unbounded queue would turn
 * overload into ever-growing delay and memory instead of loss, which is not
 * what a real bottleneck does. Expressed in time, like tbf's `latency`, so it
 * means the same at every rate.
 */
export const DEFAULT_QUEUE_LIMIT_MS = 1000;

/**
 * Bytes a datagram occupies on the emulated wire besides its UDP payload:
 * Ethernet header (14) + IPv4 (20) + UDP (8). tbf and netem's rate count the
 * skb length of the outer packet on an Ethernet device, which includes these;
 * the relay only sees the payload, so it adds them back before calling decide().
 */
export const WIRE_OVERHEAD_BYTES = 14 + 20 + 8;

/**
 * mulberry32: a 32-bit-state PRNG (Tommy Ettinger, public domain). Tiny,
 * fast, passes the usual statistical batteries well enough for traffic
 * impairment, and fully determined by its 32-bit seed, which is all that
 * replay needs. Not cryptographic. Returns floats in [0, 1).
 */
export function createRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Derives an independent 32-bit seed from a run seed and a label (for example
 * `wan1/aToB`), so each link direction has its own stream: adding a link or
 * traffic in the other direction never shifts this direction's draws.
 * FNV-1a over the label, mixed with the seed, then a murmur3 finalizer so that
 * neighbouring seeds give unrelated streams.
 */
export function deriveSeed(seed: number, label: string): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  h = Math.imul(h, 0x01000193) >>> 0;
  // Fold in the high part of seeds beyond 32 bits instead of silently ignoring it.
  h ^= Math.floor(Math.abs(seed) / 4294967296) >>> 0;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** Per-direction FIFO state of the rate limiter. */
export interface DirectionState {
  /** Time (same clock as nowMs) at which the bottleneck finishes sending what is queued. */
  nextFreeAt: number;
}

export function initialState(): DirectionState {
  return { nextFreeAt: Number.NEGATIVE_INFINITY };
}

export type DecisionAction = 'drop-down' | 'drop-loss' | 'drop-queue' | 'forward';

export interface Decision {
  action: DecisionAction;
  /** When to send the datagram on (meaningful for 'forward'; equals nowMs for drops). */
  deliverAt: number;
}

export interface DecideOptions {
  /** Tail-drop threshold of the rate limiter's backlog, ms. */
  queueLimitMs?: number;
}

/** Serialization time of `sizeBytes` at `kbit` kbit/s, in ms (kbit/s = bit/ms). */
export function serializationMs(sizeBytes: number, kbit: number): number {
  return (sizeBytes * 8) / kbit;
}

/**
 * Decides the fate of one datagram arriving at `nowMs` in a direction with
 * impairment `imp`. Mutates `state` (the rate limiter's FIFO) when the datagram
 * is forwarded through a rate limit.
 *
 * Order, as in netem: partition, then loss, then rate, then delay.
 * - Lost datagrams never reach the bottleneck, so they use no bandwidth (netem
 *   drops on enqueue too).
 * - Rate: a FIFO at `bandwidthKbit` with no burst allowance, i.e. tbf with a
 *   one-packet bucket, or netem's `rate`. The datagram starts serializing when
 *   the bottleneck is free, and the backlog is bounded (see
 *   DEFAULT_QUEUE_LIMIT_MS).
 * - Delay: after serialization, latency + uniform jitter, clamped at 0.
 *   Unlike netem with `rate`, jitter is applied per datagram after the
 *   bottleneck, so jitter can reorder datagrams even with a rate set; plain
 *   netem with jitter (no rate) reorders the same way. This models
 *   serialize-then-propagate over a path whose delay varies.
 *
 * Replay: exactly two draws are taken from `rng` on every call, whatever the
 * impairment, so the k-th datagram of a direction always sees the same random
 * numbers. Turning loss on, or partitioning for a while, then does not shift
 * the jitter of later datagrams.
 */
export function decide(
  imp: Impairment,
  rng: () => number,
  nowMs: number,
  sizeBytes: number,
  state: DirectionState,
  opts: DecideOptions = {},
): Decision {
  const lossDraw = rng();
  const jitterDraw = rng();

  if (imp.down) return { action: 'drop-down', deliverAt: nowMs };
  if (imp.lossPct > 0 && lossDraw * 100 < imp.lossPct) return { action: 'drop-loss', deliverAt: nowMs };

  let departAt = nowMs;
  if (imp.bandwidthKbit !== null) {
    const limit = opts.queueLimitMs ?? DEFAULT_QUEUE_LIMIT_MS;
    const start = Math.max(nowMs, state.nextFreeAt);
    if (start - nowMs > limit) return { action: 'drop-queue', deliverAt: nowMs };
    departAt = start + serializationMs(sizeBytes, imp.bandwidthKbit);
    state.nextFreeAt = departAt;
  }

  const jitter = imp.jitterMs > 0 ? (jitterDraw * 2 - 1) * imp.jitterMs : 0;
  const delay = Math.max(0, imp.latencyMs + jitter);
  return { action: 'forward', deliverAt: departAt + delay };
}
