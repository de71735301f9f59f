import { describe, expect, it } from 'vitest';
import {
  CLEAR,
  DEFAULT_QUEUE_LIMIT_MS,
  createRng,
  decide,
  deriveSeed,
  initialState,
  serializationMs,
  type Decision,
  type DirectionState,
  type Impairment,
} from '../../harness/wan/impairment.js';

const imp = (over: Partial<Impairment>): Impairment => ({ ...CLEAR, ...over });

/** Runs n decisions, one every `gapMs`, all `size` bytes. */
function run(i: Impairment, seed: number, n: number, gapMs = 1, size = 100, state: DirectionState = initialState()): Decision[] {
  const rng = createRng(seed);
  const out: Decision[] = [];
  for (let k = 0; k < n; k++) out.push(decide(i, rng, k * gapMs, size, state));
  return out;
}

describe('createRng', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const sa = Array.from({ length: 100 }, () => a());
    const sb = Array.from({ length: 100 }, () => b());
    const sc = Array.from({ length: 100 }, () => c());
    expect(sa).toEqual(sb);
    expect(sa).not.toEqual(sc);
  });

  it('yields values in [0, 1) with a roughly uniform mean', () => {
    const r = createRng(7);
    let sum = 0;
    let min = 1;
    let max = 0;
    const n = 100_000;
    for (let k = 0; k < n; k++) {
      const x = r();
      sum += x;
      min = Math.min(min, x);
      max = Math.max(max, x);
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect(sum / n).toBeCloseTo(0.5, 2);
  });
});

describe('decide', () => {
  it('forwards immediately with CLEAR', () => {
    const d = decide(CLEAR, createRng(1), 123.5, 1500, initialState());
    expect(d).toEqual({ action: 'forward', deliverAt: 123.5 });
  });

  it('gives the same decisions for the same seed', () => {
    const i = imp({ latencyMs: 20, jitterMs: 5, lossPct: 30, bandwidthKbit: 10_000 });
    expect(run(i, 99, 2000)).toEqual(run(i, 99, 2000));
    expect(run(i, 99, 2000)).not.toEqual(run(i, 100, 2000));
  });

  it('drops close to the target loss rate over many samples', () => {
    for (const pct of [1, 10, 50]) {
      const n = 200_000;
      const lost = run(imp({ lossPct: pct }), 5, n).filter((d) => d.action === 'drop-loss').length;
      // 4 sigma of a binomial: never flaky, still tight.
      const sigma = Math.sqrt(n * (pct / 100) * (1 - pct / 100));
      expect(Math.abs(lost - (n * pct) / 100)).toBeLessThan(4 * sigma);
    }
    expect(run(imp({ lossPct: 0 }), 5, 10_000).every((d) => d.action === 'forward')).toBe(true);
    expect(run(imp({ lossPct: 100 }), 5, 10_000).every((d) => d.action === 'drop-loss')).toBe(true);
  });

  it('keeps jitter within [-jitter, +jitter] around the latency and uses the whole range', () => {
    const ds = run(imp({ latencyMs: 20, jitterMs: 5 }), 11, 50_000);
    const delays = ds.map((d, k) => d.deliverAt - k);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(15);
    expect(Math.max(...delays)).toBeLessThanOrEqual(25);
    expect(Math.min(...delays)).toBeLessThan(15.1);
    expect(Math.max(...delays)).toBeGreaterThan(24.9);
    const mean = delays.reduce((s, x) => s + x, 0) / delays.length;
    expect(mean).toBeCloseTo(20, 1);
  });

  it('never delays below zero when jitter exceeds latency', () => {
    const ds = run(imp({ latencyMs: 2, jitterMs: 10 }), 3, 10_000);
    const delays = ds.map((d, k) => d.deliverAt - k);
    expect(Math.min(...delays)).toBe(0);
    expect(Math.max(...delays)).toBeLessThanOrEqual(12);
  });

  it('serializes through a FIFO at the bandwidth', () => {
    // 1000 kbit/s = 1 bit/us; 1250 bytes = 10 000 bit = 10 ms.
    expect(serializationMs(1250, 1000)).toBe(10);
    const i = imp({ bandwidthKbit: 1000, latencyMs: 5 });
    const rng = createRng(1);
    const st: DirectionState = { nextFreeAt: 0 };
    // A burst of three at t=0 leaves back to back, each after the one before.
    expect(decide(i, rng, 0, 1250, st).deliverAt).toBe(15);
    expect(decide(i, rng, 0, 1250, st).deliverAt).toBe(25);
    expect(decide(i, rng, 0, 1250, st).deliverAt).toBe(35);
    expect(st.nextFreeAt).toBe(30);
    // Arriving while the third is still on the wire: waits for it.
    expect(decide(i, rng, 25, 125, st).deliverAt).toBe(31 + 5);
    // Arriving at an idle link: only its own serialization time.
    expect(decide(i, rng, 100, 125, st).deliverAt).toBe(101 + 5);
  });

  it('sustains exactly the configured rate under overload', () => {
    // 2 Mbit/s offered into 1 Mbit/s for one second (below the queue limit).
    const i = imp({ bandwidthKbit: 1000 });
    const ds = run(i, 1, 1000, 1, 250); // 250 B each ms = 2 Mbit/s
    const fwd = ds.filter((d) => d.action === 'forward');
    const last = Math.max(...fwd.map((d) => d.deliverAt));
    // 1000 x 2000 bit at 1 bit/us = 2000 ms of serialization.
    expect(last).toBeCloseTo(2000, 6);
  });

  it('tail-drops once the backlog exceeds the queue limit', () => {
    const i = imp({ bandwidthKbit: 1000 });
    const st = initialState();
    const rng = createRng(1);
    const ds: Decision[] = [];
    // 1250 B = 10 ms each, all at t=0: the first 101 fit in a 1000 ms backlog.
    for (let k = 0; k < 150; k++) ds.push(decide(i, rng, 0, 1250, st));
    expect(ds.filter((d) => d.action === 'forward')).toHaveLength(DEFAULT_QUEUE_LIMIT_MS / 10 + 1);
    expect(ds.slice(101).every((d) => d.action === 'drop-queue')).toBe(true);
    // A smaller limit is honoured.
    const st2 = initialState();
    const small = Array.from({ length: 10 }, () => decide(i, rng, 0, 1250, st2, { queueLimitMs: 20 }));
    expect(small.filter((d) => d.action === 'forward')).toHaveLength(3);
  });

  it('drops everything when down, whatever else is set', () => {
    const i = imp({ down: true, latencyMs: 10, lossPct: 50, bandwidthKbit: 100 });
    const st = initialState();
    const ds = run(i, 8, 5000, 1, 1500, st);
    expect(ds.every((d) => d.action === 'drop-down')).toBe(true);
    // Dropped datagrams never occupy the bottleneck.
    expect(st.nextFreeAt).toBe(Number.NEGATIVE_INFINITY);
  });

  it('lost datagrams use no bandwidth', () => {
    const st = initialState();
    const ds = run(imp({ lossPct: 100, bandwidthKbit: 1 }), 8, 100, 0, 1500, st);
    expect(ds.every((d) => d.action === 'drop-loss')).toBe(true);
    expect(st.nextFreeAt).toBe(Number.NEGATIVE_INFINITY);
  });

  it('keeps the random stream aligned to datagram count across impairment changes', () => {
    // Jitter of datagram k must not depend on whether loss or a partition applied earlier.
    const jittery = imp({ latencyMs: 20, jitterMs: 10 });
    const rngA = createRng(77);
    const rngB = createRng(77);
    const sA = initialState();
    const sB = initialState();
    for (let k = 0; k < 100; k++) {
      decide(jittery, rngA, k, 100, sA);
      decide(k < 50 ? imp({ down: true }) : imp({ lossPct: 60 }), rngB, k, 100, sB);
    }
    const a = decide(jittery, rngA, 1000, 100, sA);
    const b = decide(jittery, rngB, 1000, 100, sB);
    expect(b).toEqual(a);
  });
});

describe('directions', () => {
  it('derive distinct, stable seeds per link direction', () => {
    const s = new Set([
      deriveSeed(1, 'wan1/aToB'),
      deriveSeed(1, 'wan1/bToA'),
      deriveSeed(1, 'wan2/aToB'),
      deriveSeed(2, 'wan1/aToB'),
    ]);
    expect(s.size).toBe(4);
    expect(deriveSeed(1, 'wan1/aToB')).toBe(deriveSeed(1, 'wan1/aToB'));
    for (const x of s) expect(Number.isInteger(x) && x >= 0 && x < 2 ** 32).toBe(true);
  });

  it('are independent: traffic and impairment on one never changes the other', () => {
    const fwdImp = imp({ latencyMs: 20, jitterMs: 4, lossPct: 20, bandwidthKbit: 5000 });
    const solo = run(fwdImp, deriveSeed(9, 'wan1/aToB'), 3000);

    // Same direction, now interleaved with heavy, partitioned, rate-limited reverse traffic.
    const rngF = createRng(deriveSeed(9, 'wan1/aToB'));
    const rngR = createRng(deriveSeed(9, 'wan1/bToA'));
    const stF = initialState();
    const stR = initialState();
    const mixed: Decision[] = [];
    for (let k = 0; k < 3000; k++) {
      for (let j = 0; j < 3; j++) decide(imp({ bandwidthKbit: 10, down: k % 2 === 0 }), rngR, k, 1500, stR);
      mixed.push(decide(fwdImp, rngF, k, 100, stF));
    }
    expect(mixed).toEqual(solo);
  });

  it('partitions one direction only', () => {
    const down = run(imp({ down: true }), deriveSeed(1, 'l/aToB'), 100);
    const up = run(CLEAR, deriveSeed(1, 'l/bToA'), 100);
    expect(down.every((d) => d.action === 'drop-down')).toBe(true);
    expect(up.every((d) => d.action === 'forward')).toBe(true);
  });
});
