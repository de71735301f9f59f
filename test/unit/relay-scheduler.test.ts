import { afterEach, describe, expect, it } from 'vitest';
import { PreciseScheduler } from '../../harness/wan/relay.js';

// The relay's timer: a datagram may leave at most 0.1 ms before its deadline
// (sent at once instead of polled for), never out of order.
describe('PreciseScheduler', () => {
  let s: PreciseScheduler | null = null;
  afterEach(async () => {
    await s?.close();
    s = null;
  });

  it('runs each callback no earlier than 0.1 ms before its deadline, in deadline order, FIFO on ties', async () => {
    s = new PreciseScheduler();
    await s.ready();
    const base = performance.now() + 5;
    // A burst (equal and near-equal deadlines) and spread ones, scheduled out of order.
    const offsets = [12, 3, 3, 3.05, 0, 7.5, 20, 3, 15.2, 1];
    const ran: { i: number; early: number }[] = [];
    await new Promise<void>((resolve) => {
      offsets.forEach((o, i) =>
        s!.schedule(base + o, (now) => {
          ran.push({ i, early: base + o - now });
          if (ran.length === offsets.length) resolve();
        }),
      );
    });
    const order = offsets.map((o, i) => ({ o, i })).sort((a, b) => a.o - b.o || a.i - b.i).map((x) => x.i);
    expect(ran.map((r) => r.i)).toEqual(order);
    for (const r of ran) expect(r.early).toBeLessThanOrEqual(0.1 + 1e-9);
  });

  it('wakes again after idling with nothing scheduled (the parked worker is woken for a new deadline)', async () => {
    s = new PreciseScheduler();
    await s.ready();
    for (let round = 0; round < 3; round++) {
      const at = performance.now() + 3;
      const early = await new Promise<number>((resolve) => s!.schedule(at, (now) => resolve(at - now)));
      expect(early).toBeLessThanOrEqual(0.1 + 1e-9);
      expect(s.size).toBe(0);
      await new Promise((r) => setTimeout(r, 10)); // parked: nothing due
    }
  });
});
