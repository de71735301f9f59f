// A Keystone on a read replica: reads go to the replica, writes (and the
// schema) to the master; a plain pool takes both.
import type mysql from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { SplitDb, getUser, insertEvent, migrate, missingTables, writer } from '../../harness/services/identity/store.js';

/** A pool that records its statements and answers every one with no rows. */
function fakePool(): { pool: mysql.Pool; seen: string[] } {
  const seen: string[] = [];
  const fake = {
    query: async (q: string | { sql: string }) => {
      const sql = typeof q === 'string' ? q : q.sql;
      seen.push(sql.trim().split(/\s+/)[0]!.toUpperCase());
      return [sql.trim().toUpperCase().startsWith('SELECT') ? [] : { affectedRows: 1 }, []];
    },
    end: async () => undefined,
  };
  return { pool: fake as unknown as mysql.Pool, seen };
}

describe('SplitDb', () => {
  it('sends reads to the replica and writes to the master', async () => {
    const read = fakePool();
    const write = fakePool();
    const db = new SplitDb(read.pool, write.pool);
    expect(await getUser(db, 'u1')).toBeNull();
    await insertEvent(db, { auditId: 'a', issuedBefore: 1, revokedAt: 1 });
    expect(read.seen).toEqual(['SELECT']);
    expect(write.seen).toEqual(['INSERT']);
  });

  it('creates the schema on the master, and hands bootstrap the master', async () => {
    const read = fakePool();
    const write = fakePool();
    const db = new SplitDb(read.pool, write.pool);
    expect((await missingTables(writer(db))).length).toBeGreaterThan(0);
    await migrate(db);
    expect(read.seen).toEqual([]);
    expect(write.seen.filter((s) => s === 'CREATE').length).toBeGreaterThan(10);
    expect(writer(read.pool)).toBe(read.pool);
  });
});
