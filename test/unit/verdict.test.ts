import { describe, expect, it } from 'vitest';
import { merge, type Status } from '../../harness/checks/verdict.js';

// Precedence, strongest first: fail > unknown > pass > skip.
const STRONGEST_FIRST: readonly Status[] = ['fail', 'unknown', 'pass', 'skip'];

// Every ordered pair, written out: [a, b, what merge([a, b]) must be].
const PAIRS: readonly (readonly [Status, Status, Status])[] = [
  ['fail', 'fail', 'fail'],
  ['fail', 'unknown', 'fail'],
  ['fail', 'pass', 'fail'],
  ['fail', 'skip', 'fail'],
  ['unknown', 'fail', 'fail'],
  ['unknown', 'unknown', 'unknown'],
  ['unknown', 'pass', 'unknown'],
  ['unknown', 'skip', 'unknown'],
  ['pass', 'fail', 'fail'],
  ['pass', 'unknown', 'unknown'],
  ['pass', 'pass', 'pass'],
  ['pass', 'skip', 'pass'],
  ['skip', 'fail', 'fail'],
  ['skip', 'unknown', 'unknown'],
  ['skip', 'pass', 'pass'],
  ['skip', 'skip', 'skip'],
];

/** Every sequence of `length` statuses (4^length of them). */
function sequences(length: number): Status[][] {
  if (length === 0) return [[]];
  return sequences(length - 1).flatMap((rest) => STRONGEST_FIRST.map((s) => [s, ...rest]));
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((p) => [item, ...p]));
}

describe('merge', () => {
  it('is skip when no check decided anything (empty list)', () => {
    expect(merge([])).toBe('skip');
  });

  it.each(STRONGEST_FIRST)('keeps a single %s as it is', (s) => {
    expect(merge([s])).toBe(s);
  });

  it.each(PAIRS)('merge([%s, %s]) is %s', (a, b, expected) => {
    expect(merge([a, b])).toBe(expected);
  });

  it('covers every ordered pair exactly once in the table above', () => {
    const seen = new Set(PAIRS.map(([a, b]) => `${a},${b}`));
    expect(seen.size).toBe(16);
    expect(PAIRS).toHaveLength(16);
  });

  it('lets fail win over everything, in every order', () => {
    for (const p of permutations<Status>(['skip', 'pass', 'unknown', 'fail'])) expect(merge(p)).toBe('fail');
  });

  it('lets unknown win over pass and skip, in every order', () => {
    for (const p of permutations<Status>(['skip', 'pass', 'unknown', 'pass', 'skip'])) expect(merge(p)).toBe('unknown');
  });

  it('lets pass win over skip, wherever the pass is', () => {
    expect(merge(['pass', 'skip', 'skip'])).toBe('pass');
    expect(merge(['skip', 'pass', 'skip'])).toBe('pass');
    expect(merge(['skip', 'skip', 'pass'])).toBe('pass');
  });

  it('is skip only when every check skipped', () => {
    expect(merge(['skip', 'skip', 'skip'])).toBe('skip');
  });

  it('does not let a later weaker status undo an earlier stronger one', () => {
    expect(merge(['fail', 'unknown', 'pass', 'skip'])).toBe('fail');
    expect(merge(['unknown', 'pass', 'skip'])).toBe('unknown');
    expect(merge(['fail', 'pass'])).toBe('fail');
  });

  it('is the strongest status present, for every list of up to four statuses, in any order', () => {
    for (let n = 0; n <= 4; n++) {
      for (const list of sequences(n)) {
        const expected = STRONGEST_FIRST.find((s) => list.includes(s)) ?? 'skip';
        expect(merge(list), list.join(',')).toBe(expected);
        expect(merge([...list].reverse()), `reversed ${list.join(',')}`).toBe(expected);
      }
    }
  });

  it('does not change the list it is given', () => {
    const list: Status[] = ['pass', 'fail', 'skip'];
    merge(list);
    expect(list).toEqual(['pass', 'fail', 'skip']);
  });
});
