// One unit of work as one transaction, retried when a concurrent writer got
// there first. Why: on Galera a transaction is one write-set, replicated and
// certified once at COMMIT (one WAN round trip instead of one per
// statement), and two regions writing the same row at once cannot both
// commit: the later one fails certification (ER_LOCK_DEADLOCK) or, if the
// winner's row was already applied here, hits its key (ER_DUP_ENTRY). Both
// mean "start over and find the winner's rows": the unit must be idempotent
// (find before create), as keystone-manage bootstrap is.
import type mysql from 'mysql2/promise';

/** What a transaction needs of a connection (mysql2's Connection and PoolConnection have it). */
export interface TxConnection {
  query(sql: string): Promise<unknown>;
}

/** ER_LOCK_DEADLOCK (Galera certification failure, brute-force abort), ER_LOCK_WAIT_TIMEOUT, ER_DUP_ENTRY. */
const CONFLICT_ERRNOS = new Set([1213, 1205, 1062]);

/** Whether an error means a concurrent writer won and the transaction should run again. */
export function isConflict(err: unknown): boolean {
  const errno = typeof err === 'object' && err !== null ? (err as { errno?: unknown }).errno : undefined;
  return typeof errno === 'number' && CONFLICT_ERRNOS.has(errno);
}

export interface RetryOptions {
  /** Runs in all, the first included. */
  readonly attempts: number;
  /** Wait before run n (n >= 2), ms; jittered by the caller's choice. */
  readonly backoffMs: (attempt: number) => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_RETRY: RetryOptions = {
  attempts: 8,
  // Jittered so regions that collided once do not collide again in step.
  backoffMs: (n) => 10 * n + Math.random() * 40,
};

export interface TxOutcome<T> {
  readonly value: T;
  /** Runs it took (1: no conflict). */
  readonly attempts: number;
}

/**
 * Runs `work` inside START TRANSACTION ... COMMIT on `conn`; on a conflict,
 * rolls back, waits, makes the next run's reads causal (Galera's
 * wsrep_sync_wait for one statement: every write-set committed anywhere
 * before it is applied here first, so the winner's rows are visible) and
 * runs it again. Any other error rolls back and is thrown.
 */
export async function inTransaction<T>(conn: TxConnection, work: (attempt: number) => Promise<T>, o: RetryOptions = DEFAULT_RETRY): Promise<TxOutcome<T>> {
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 1; ; attempt++) {
    if (attempt > 1) {
      await sleep(o.backoffMs(attempt));
      // Not Galera (a site's own MariaDB): the variable exists but waits for nothing; a server without it: nothing to wait for.
      await conn.query('SET SESSION wsrep_sync_wait = 1').catch(() => undefined);
      await conn.query('SELECT 1').catch(() => undefined);
      await conn.query('SET SESSION wsrep_sync_wait = 0').catch(() => undefined);
    }
    await conn.query('START TRANSACTION');
    try {
      const value = await work(attempt);
      await conn.query('COMMIT');
      return { value, attempts: attempt };
    } catch (err) {
      await conn.query('ROLLBACK').catch(() => undefined);
      if (!isConflict(err) || attempt >= o.attempts) throw err;
    }
  }
}

/** A connection of its own for a transaction: from a pool (released after), or the connection given. */
export async function withConnection<T>(db: mysql.Pool | mysql.Connection, f: (c: mysql.Connection) => Promise<T>): Promise<T> {
  if (!('getConnection' in db)) return f(db);
  const c = await db.getConnection();
  try {
    return await f(c);
  } finally {
    c.release();
  }
}
