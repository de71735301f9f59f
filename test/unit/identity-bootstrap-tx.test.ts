import { describe, expect, it } from 'vitest';
import { bootstrapFromLog, installTimedOut } from '../../harness/bench/identity.js';
import { inTransaction, isConflict, type TxConnection } from '../../harness/services/identity/transaction.js';

/** A connection that records its statements; `fail` decides which throw. */
function fakeConn(fail: (sql: string) => unknown = () => null): TxConnection & { log: string[] } {
  const log: string[] = [];
  return {
    log,
    query(sql: string) {
      log.push(sql);
      const e = fail(sql);
      return e ? Promise.reject(e) : Promise.resolve([]);
    },
  };
}

const err = (errno: number) => Object.assign(new Error(`errno ${errno}`), { errno });
const noWait = { attempts: 4, backoffMs: () => 0, sleep: () => Promise.resolve() };

describe('isConflict', () => {
  it('is a certification failure, a lock wait timeout or a duplicate key, nothing else', () => {
    expect([1213, 1205, 1062].map((n) => isConflict(err(n)))).toEqual([true, true, true]);
    expect([1047, 1290, 1180, 1146].map((n) => isConflict(err(n)))).toEqual([false, false, false, false]);
    expect(isConflict(new Error('ECONNREFUSED'))).toBe(false);
    expect(isConflict(null)).toBe(false);
    expect(isConflict({ errno: '1213' })).toBe(false);
  });
});

describe('inTransaction', () => {
  it('runs the work once between START TRANSACTION and COMMIT when nothing conflicts', async () => {
    const c = fakeConn();
    const r = await inTransaction(c, async () => {
      await c.query('INSERT 1');
      return 'v';
    }, noWait);
    expect(r).toEqual({ value: 'v', attempts: 1 });
    expect(c.log).toEqual(['START TRANSACTION', 'INSERT 1', 'COMMIT']);
  });

  it('on a conflict at COMMIT rolls back, makes the next reads causal and runs the work again', async () => {
    let commits = 0;
    const c = fakeConn((sql) => (sql === 'COMMIT' && ++commits === 1 ? err(1213) : null));
    const seen: number[] = [];
    const r = await inTransaction(c, async (n) => {
      seen.push(n);
      await c.query(`INSERT ${n}`);
      return n;
    }, noWait);
    expect(r).toEqual({ value: 2, attempts: 2 });
    expect(seen).toEqual([1, 2]);
    expect(c.log).toEqual([
      'START TRANSACTION', 'INSERT 1', 'COMMIT', 'ROLLBACK',
      'SET SESSION wsrep_sync_wait = 1', 'SELECT 1', 'SET SESSION wsrep_sync_wait = 0',
      'START TRANSACTION', 'INSERT 2', 'COMMIT',
    ]);
  });

  it('a duplicate key inside the work also starts over (the snapshot cannot see the winner)', async () => {
    const c = fakeConn();
    let n = 0;
    const r = await inTransaction(c, async () => {
      if (++n === 1) throw err(1062);
      return 'ok';
    }, noWait);
    expect(r.attempts).toBe(2);
    expect(c.log.filter((s) => s === 'ROLLBACK')).toHaveLength(1);
  });

  it('throws any other error at once, after rolling back', async () => {
    const c = fakeConn();
    await expect(inTransaction(c, async () => {
      throw err(1047);
    }, noWait)).rejects.toMatchObject({ errno: 1047 });
    expect(c.log).toEqual(['START TRANSACTION', 'ROLLBACK']);
  });

  it('gives up after the last attempt with the conflict itself', async () => {
    const c = fakeConn((sql) => (sql === 'COMMIT' ? err(1213) : null));
    let runs = 0;
    await expect(inTransaction(c, async () => void runs++, noWait)).rejects.toMatchObject({ errno: 1213 });
    expect(runs).toBe(4);
  });

  it('waits the backoff before each run after the first, and a server without wsrep_sync_wait does not stop it', async () => {
    const waits: number[] = [];
    let commits = 0;
    const c = fakeConn((sql) => (sql.startsWith('SET SESSION wsrep') ? err(1193) : sql === 'COMMIT' && ++commits < 3 ? err(1213) : null));
    const r = await inTransaction(c, async () => 'x', { attempts: 5, backoffMs: (n) => n * 10, sleep: async (ms) => void waits.push(ms) });
    expect(r.attempts).toBe(3);
    expect(waits).toEqual([20, 30]);
  });
});

describe('bootstrapFromLog', () => {
  it('reads the time and the runs of the transaction from the services log', () => {
    const log = [
      '2026-12-02T23:01:55.530Z services starting: site east',
      '2026-12-02T23:01:57.452Z identity: bootstrap in 490 ms on keystone@127.0.0.1:3307/keystone: created region east; 3 runs of its transaction (another region\'s bootstrap committed shared rows first)',
    ].join('\n');
    expect(bootstrapFromLog(log)).toEqual({ ms: 490, runs: 3 });
    expect(bootstrapFromLog('x identity: bootstrap in 12 ms on /s (keystone): nothing to create')).toEqual({ ms: 12, runs: 1 });
    expect(bootstrapFromLog('services starting')).toBeNull();
  });
});

describe('isNotReadyYet (a Keystone waits for its database)', () => {
  it('is a server not listening yet or a Galera member outside the Primary, not a refusal or a bug', async () => {
    const { isNotReadyYet } = await import('../../harness/services/identity/start.js');
    const code = (c: string) => Object.assign(new Error(c), { code: c });
    expect(['ECONNREFUSED', 'ENOENT', 'PROTOCOL_CONNECTION_LOST'].map((c) => isNotReadyYet(code(c)))).toEqual([true, true, true]);
    expect(isNotReadyYet(err(1047))).toBe(true);
    expect([1045, 1290, 1213, 1146].map((n) => isNotReadyYet(err(n)))).toEqual([false, false, false, false]);
    expect(isNotReadyYet(code('ER_ACCESS_DENIED_ERROR'))).toBe(false);
    expect(isNotReadyYet(undefined)).toBe(false);
  });
});

describe('installTimedOut', () => {
  it("finds a membership round that ended on Galera's install timer in a member's log", () => {
    const stalled = '2026-12-03 19:19:40 0 [Note] WSREP: evs::proto(7a2800db-81a3, GATHER, view_id(REG,7a2800db-81a3,3)) install timer expired\n';
    expect(installTimedOut(`2026-12-03 19:19:37 0 [Note] WSREP: Start replication\n${stalled}`)).toBe(true);
    expect(installTimedOut("2026-12-03 19:19:02 0 [Warning] WSREP: last inactive check more than PT1.5S ago (PT1.55682S), skipping check\n")).toBe(false);
    expect(installTimedOut('')).toBe(false);
  });
});
