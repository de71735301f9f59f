import { describe, expect, it } from 'vitest';
import { PassStager } from '../../harness/services/volume/stager.js';

const ext = (offset: number, byte: number) => ({ offset, data: Buffer.alloc(4, byte) });

describe('replica pass staging', () => {
  it('holds a pass until its last request, then hands it over whole', () => {
    const s = new PassStager();
    expect(s.add('v', 'p1', true, [ext(0, 1)], false)).toBeNull();
    expect(s.bytes()).toBe(4);
    const done = s.add('v', 'p1', false, [ext(8, 2)], true);
    expect(done).toEqual({ reset: true, extents: [ext(0, 1), ext(8, 2)] });
    expect(s.bytes()).toBe(0);
  });

  it('drops an unfinished pass when a new one starts', () => {
    const s = new PassStager();
    s.add('v', 'p1', false, [ext(0, 1)], false);
    expect(s.add('v', 'p2', false, [ext(4, 3)], true)).toEqual({ reset: false, extents: [ext(4, 3)] });
  });

  it('keeps volumes apart and forgets a dropped pass', () => {
    const s = new PassStager();
    s.add('a', 'p', false, [ext(0, 1)], false);
    s.add('b', 'p', false, [ext(0, 2)], false);
    s.drop('a');
    expect(s.add('a', 'p', false, [], true)).toEqual({ reset: false, extents: [] });
    expect(s.add('b', 'p', false, [], true)).toEqual({ reset: false, extents: [ext(0, 2)] });
  });
});
