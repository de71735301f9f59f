import { describe, expect, it } from 'vitest';
import { inSlots } from '../../harness/cli/run-many.js';
import { slots } from '../../harness/engine/slots.js';

/** Runs items named h (2 slots) or l (1 slot) for `ms` each; records which ran at the same time. */
async function schedule(names: readonly string[], capacity: number, ms = 20) {
  const running = new Set<string>();
  const overlaps: string[][] = [];
  const started: string[] = [];
  const results = await inSlots(names, capacity, (n) => (n.startsWith('h') ? 2 : 1), async (n) => {
    started.push(n);
    running.add(n);
    if (running.size > 1) overlaps.push([...running].sort());
    await new Promise((r) => setTimeout(r, ms));
    running.delete(n);
    return n.toUpperCase();
  });
  return { overlaps, started, results };
}

describe('slots', () => {
  it('an identity or DR scenario takes two slots, any other one', () => {
    expect(slots({ identity: undefined, dr: undefined })).toBe(1);
    expect(slots({ identity: { provider: 'fernet', placement: 'distributed', site: 'east', database: 'galera' } as never, dr: undefined })).toBe(2);
    expect(slots({ identity: undefined, dr: { option: 1 } as never })).toBe(2);
  });
});

describe('inSlots', () => {
  it('with 2 slots: light runs in pairs, a heavy run alone, in plan order', async () => {
    const { overlaps, started, results } = await schedule(['l1', 'l2', 'h1', 'l3', 'h2', 'l4', 'l5'], 2);
    expect(started).toEqual(['l1', 'l2', 'h1', 'l3', 'h2', 'l4', 'l5']);
    expect(overlaps).toEqual([['l1', 'l2'], ['l4', 'l5']]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : r.reason))).toEqual(['L1', 'L2', 'H1', 'L3', 'H2', 'L4', 'L5']);
  });

  it('with 4 slots two heavy runs share the host; with 1 a heavy run still runs (one at a time)', async () => {
    expect((await schedule(['h1', 'h2', 'l1'], 4)).overlaps).toContainEqual(['h1', 'h2']);
    const one = await schedule(['h1', 'l1', 'h2'], 1);
    expect(one.overlaps).toEqual([]);
    expect(one.started).toEqual(['h1', 'l1', 'h2']);
  });

  it('a run that throws is reported as rejected and frees its slots', async () => {
    const r = await inSlots(['a', 'b', 'c'], 1, () => 1, async (n) => {
      if (n === 'b') throw new Error('boom');
      return n;
    });
    expect(r.map((x) => x.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });
});
