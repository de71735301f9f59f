// The DR history views (harness/checks/dr-history.ts) on events built by
// hand: which ops are the runner's and the guests', in which site, in what
// order, and what the recovery was. Mutation testing: each assertion failed
// on a changed helper that the checkers' tests let through.
import { describe, expect, it } from 'vitest';
import type { CheckContext } from '../../harness/checks/context.js';
import { cycles, drOf, drSteps, failoverOf, guestEvents, memberOf, needsDr, num, primaryLossOf, recoveryOf } from '../../harness/checks/dr-history.js';
import type { DrSpec } from '../../harness/dr/spec.js';
import type { HistoryEvent, OpType } from '../../harness/observe/history.js';
import { fault } from '../support/faults.js';

const op = (t: number, process: string, f: string, value?: Record<string, unknown>, type: OpType = 'ok'): HistoryEvent => ({ t, kind: 'op', process, type, f, ...(value ? { value } : {}) });
const D = { primary: 'p', backup: 'b', members: 3 } as unknown as DrSpec;
const times = (l: readonly HistoryEvent[]) => l.map((e) => e.t);

describe('drSteps and guestEvents', () => {
  const h = [
    op(5, 'dr@b', 'boot'),
    op(3, 'dr@p', 'boot'),
    op(4, 'dr@pp', 'boot'),
    op(1, 'xdr@p', 'boot'),
    op(2, 'dr@p', 'attach'),
    { t: 0, kind: 'phase', name: 'boot' } as unknown as HistoryEvent,
    op(9, 'guest@p/app-0', 'freeze'),
    op(7, 'guest@pp/app-1', 'freeze'),
    op(8, 'guest@b/app-0', 'freeze'),
    op(6, 'myguest@p/app-0', 'freeze'),
    op(10, 'guest@p/app-0', 'thaw'),
  ];

  it("the runner's steps named f, in time order, in one site or any", () => {
    expect(times(drSteps(h, 'boot'))).toEqual([3, 4, 5]);
    expect(times(drSteps(h, 'boot', 'p'))).toEqual([3]);
    expect(times(drSteps(h, 'boot', 'b'))).toEqual([5]);
    expect(drSteps(h, 'restore')).toEqual([]);
  });

  it("the guests' events of type f, in time order, in one site (not one whose name starts the same) or any", () => {
    expect(times(guestEvents(h, 'freeze'))).toEqual([7, 8, 9]);
    expect(times(guestEvents(h, 'freeze', 'p'))).toEqual([9]);
    expect(times(guestEvents(h, 'thaw', 'p'))).toEqual([10]);
  });
});

describe('memberOf and num', () => {
  it('reads the member index at the end of a process name only', () => {
    expect(memberOf('guest@p/app-2')).toBe(2);
    expect(memberOf('guest@p/app-12')).toBe(12);
    expect(memberOf('guest@p/app-2x')).toBeNull();
    expect(memberOf('guest@p/app-')).toBeNull();
    expect(memberOf('guest@p/app2')).toBeNull();
  });

  it('takes finite numbers only', () => {
    expect(num(0)).toBe(0);
    expect(num(-1.5)).toBe(-1.5);
    expect(num('3')).toBeNull();
    expect(num(Number.NaN)).toBeNull();
    expect(num(Infinity)).toBeNull();
    expect(num(undefined)).toBeNull();
  });
});

describe('drOf and needsDr', () => {
  it("returns the scenario's dr block, or throws", () => {
    expect(drOf({ scenario: { dr: D } } as unknown as CheckContext<unknown>)).toBe(D);
    expect(() => drOf({ scenario: {} } as unknown as CheckContext<unknown>)).toThrow(/^a DR check needs the scenario's dr block$/);
  });

  it('validation: a DR check needs a dr block', () => {
    expect(needsDr('rpo', { dr: D })).toEqual([]);
    expect(needsDr('rpo', {})).toEqual([[null, 'check "rpo" judges disaster recovery, but the scenario has no dr block: add one (vnf, primary, backup, option), or remove this check']]);
  });
});

describe('failoverOf and primaryLossOf', () => {
  it("find the trigger, and the loss of the primary (not another site's)", () => {
    const h = [...fault({ kind: 'site-loss', site: 'b' }, 100), ...fault({ kind: 'site-loss', site: 'p' }, 200, undefined, { from: 203 }), ...fault({ kind: 'dr-failover', site: 'b' }, 300)];
    expect(failoverOf(h)).toMatchObject({ faultKind: 'dr-failover', injectedAt: 300 });
    expect(primaryLossOf(h, D)).toMatchObject({ faultKind: 'site-loss', start: 203, target: { sites: ['p'] } });
    expect(failoverOf(h.slice(0, 2))).toBeUndefined();
    expect(primaryLossOf(h.slice(0, 1), D)).toBeUndefined();
    expect(primaryLossOf(fault({ kind: 'pause-node', node: 'p/ctl' }, 1), D)).toBeUndefined();
  });
});

describe('cycles', () => {
  it("groups the runner's ops by their numeric cycle, each in time order; others are left out", () => {
    const h = [op(5, 'dr@p', 'b', { cycle: 1 }), op(4, 'dr@p', 'a', { cycle: 1 }), op(3, 'dr@p', 'a', { cycle: 0 }), op(2, 'guest@p/app-0', 'freeze', { cycle: 0 }), op(1, 'dr@p', 'x', { cycle: '0' }), op(0, 'dr@p', 'y')];
    const c = cycles(h);
    expect([...c.keys()]).toEqual([1, 0]);
    expect(times(c.get(1)!)).toEqual([4, 5]);
    expect(times(c.get(0)!)).toEqual([3]);
  });
});

describe('recoveryOf', () => {
  const commits = [1, 2, 3, 4].map((seq) => op(seq * 100, 'guest@p/app-0', 'commit', { seq }));
  const loss = fault({ kind: 'site-loss', site: 'p' }, 250, undefined, { from: 300 });
  const trigger = fault({ kind: 'dr-failover', site: 'b' }, 500);

  it('null without a loss or a trigger', () => {
    expect(recoveryOf(commits, D)).toBeNull();
  });

  it('the last commit at or before the loss, by sequence; what the backup site restored and served first', () => {
    const h = [...commits, op(150, 'guest@p/app-1', 'commit', { seq: 9 }), op(120, 'guest@b/app-0', 'commit', { seq: 50 }), op(130, 'guest@p/app-0', 'commit', { seq: 'x' }), ...loss, ...trigger, op(700, 'guest@b/app-0', 'restored', { seqs: [2, 2, 1] }), op(800, 'guest@b/app-0', 'restored', { seqs: [3, 3, 3] }), op(900, 'guest@b/app-0', 'serving', { seq: 3 }), op(950, 'guest@b/app-0', 'serving', { seq: 4 })];
    expect(recoveryOf(h, D)).toEqual({ lostAt: 300, lost: true, lastCommitted: { seq: 9, t: 150 }, restoredSeqs: [2, 2, 1], serving: { seq: 3, t: 900 }, triggerAt: 500 });
  });

  it('without a loss, the trigger is when the primary was given up', () => {
    const r = recoveryOf([...commits, ...trigger, op(900, 'guest@b/app-0', 'serving', {})], D);
    expect(r).toEqual({ lostAt: 500, lost: false, lastCommitted: { seq: 4, t: 400 }, restoredSeqs: null, serving: { seq: null, t: 900 }, triggerAt: 500 });
  });

  it('without a trigger: nothing restored; a restored list that is not all numbers is none', () => {
    expect(recoveryOf([...commits, ...loss, op(700, 'guest@b/app-0', 'restored', { seqs: [1, 1, 1] })], D)).toEqual({ lostAt: 300, lost: true, lastCommitted: { seq: 3, t: 300 }, restoredSeqs: null, serving: null, triggerAt: null });
    expect(recoveryOf([...loss, ...trigger, op(700, 'guest@b/app-0', 'restored', { seqs: [1, '1', 1] })], D)).toMatchObject({ lastCommitted: null, restoredSeqs: null });
    expect(recoveryOf([...loss, ...trigger, op(700, 'guest@b/app-0', 'restored', { seqs: '1,1,1' })], D)).toMatchObject({ restoredSeqs: null });
  });

  it('commits without a sequence number are none; of two commits of one sequence the first is kept', () => {
    expect(recoveryOf([op(100, 'guest@p/app-0', 'commit', { seq: 'x' }), op(110, 'guest@p/app-0', 'commit'), ...loss], D)).toMatchObject({ lastCommitted: null });
    expect(recoveryOf([...commits, op(420, 'guest@p/app-1', 'commit', { seq: 4 }), ...trigger], D)).toMatchObject({ lastCommitted: { seq: 4, t: 400 } });
  });

  it('a restored report or a serving event without a value gives no state and no sequence', () => {
    expect(recoveryOf([...commits, ...loss, ...trigger, op(700, 'guest@b/app-0', 'restored'), op(900, 'guest@b/app-0', 'serving')], D)).toMatchObject({ restoredSeqs: null, serving: { seq: null, t: 900 } });
  });
});
