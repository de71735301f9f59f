// What the relay did to a link's traffic between two counter snapshots: the
// measurement behind the partition and impair proofs.
import type { DirectionStats, LinkStats } from '../../wan/control.js';
import { DEFAULT_QUEUE_LIMIT_MS, type Impairment } from '../../wan/impairment.js';

export interface DirectionEffect {
  readonly received: number;
  readonly forwarded: number;
  readonly droppedDown: number;
  readonly droppedLoss: number;
  readonly droppedQueue: number;
  readonly bytesForwarded: number;
  readonly meanDelayMs: number | null;
}

export function directionEffect(b: DirectionStats, a: DirectionStats): DirectionEffect {
  const forwarded = a.forwarded - b.forwarded;
  const delaySum = (a.meanDelayMs ?? 0) * a.forwarded - (b.meanDelayMs ?? 0) * b.forwarded;
  return {
    received: a.received - b.received,
    forwarded,
    droppedDown: a.droppedDown - b.droppedDown,
    droppedLoss: a.droppedLoss - b.droppedLoss,
    droppedQueue: a.droppedQueue - b.droppedQueue,
    bytesForwarded: a.bytesForwarded - b.bytesForwarded,
    meanDelayMs: forwarded > 0 ? Math.round((delaySum / forwarded) * 100) / 100 : null,
  };
}

export function windowEffect(before: LinkStats, after: LinkStats): { aToB: DirectionEffect; bToA: DirectionEffect } {
  return { aToB: directionEffect(before.aToB, after.aToB), bToA: directionEffect(before.bToA, after.bToA) };
}

/**
 * Packets already in the relay when a change lands still leave on the old
 * terms: delayed ones after latency + jitter, and behind a bandwidth limit up
 * to the rate limiter's whole backlog. Wait them out before measuring.
 */
export const inFlightMs = (i: Impairment) => i.latencyMs + i.jitterMs + (i.bandwidthKbit === null ? 0 : DEFAULT_QUEUE_LIMIT_MS) + 50;
