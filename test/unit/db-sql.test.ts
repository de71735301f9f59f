// The host side of the database roles' SQL (harness/db/sql.ts): where a
// server's socket is on the host, and result sets read as the mariadb
// client printed them.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostPath, lit, recordsOf, rowsOf, type ResultSet } from '../../harness/db/sql.js';
import { GALERA_LAYOUT, hostRunDir } from '../../harness/db/galera.js';
import { REPLICA_LAYOUT, replicaLayout } from '../../harness/db/replica.js';

describe('hostPath', () => {
  it('maps a path under /run/msh to the host dir mounted there', () => {
    expect(hostPath('/tmp/msh-runs/abc123/sites/east', '/run/msh/db/galera/mysqld.sock')).toBe('/tmp/msh-runs/abc123/sites/east/db/galera/mysqld.sock');
  });

  it('refuses a path the host cannot reach: outside the mount, or the mount itself', () => {
    expect(() => hostPath('/tmp/x', '/run/msh-galera/mysqld.sock')).toThrow(/not inside \/run\/msh/);
    expect(() => hostPath('/tmp/x', '/var/lib/mysql/mysqld.sock')).toThrow(/not inside \/run\/msh/);
    expect(() => hostPath('/tmp/x', '/run/msh')).toThrow(/not inside/);
  });

  it('refuses a socket path longer than the kernel takes', () => {
    const dir = `/tmp/${'d'.repeat(90)}`;
    expect(() => hostPath(dir, '/run/msh/db/galera/mysqld.sock')).toThrow(/at most 107/);
    expect(hostPath('/tmp/' + 'd'.repeat(80), '/run/msh/db/galera/mysqld.sock')).toHaveLength(107);
  });

  it('every database layout keeps its socket and log where the host reaches them', () => {
    for (const l of [GALERA_LAYOUT, REPLICA_LAYOUT, replicaLayout(1), replicaLayout(2)]) {
      expect(hostPath('/h', l.socket)).toMatch(/^\/h\/db\/[a-z0-9-]+\/mysqld\.sock$/);
      expect(hostPath('/h', l.log)).toMatch(/^\/h\/db\/[a-z0-9-]+\/mariadbd\.log$/);
    }
    const sockets = [GALERA_LAYOUT, replicaLayout(1), replicaLayout(2)].map((l) => l.socket);
    expect(new Set(sockets).size).toBe(3); // one controller holds all three in star mode
  });
});

describe('result sets', () => {
  const sets: ResultSet[] = [
    { columns: ['Variable_name', 'Value'], rows: [['wsrep_ready', 'ON'], ['wsrep_cluster_size', '3']] },
    { columns: ['gtid_slave_pos'], rows: [['0-1-4']] },
  ];

  it('rowsOf concatenates every set, as `mariadb -N -B` printed them', () => {
    expect(rowsOf(sets)).toEqual([['wsrep_ready', 'ON'], ['wsrep_cluster_size', '3'], ['0-1-4']]);
    expect(rowsOf([])).toEqual([]);
  });

  it('recordsOf names each value by its column, as `mariadb -E` printed them', () => {
    expect(recordsOf(sets)).toEqual([
      { Variable_name: 'wsrep_ready', Value: 'ON' },
      { Variable_name: 'wsrep_cluster_size', Value: '3' },
      { gtid_slave_pos: '0-1-4' },
    ]);
    expect(recordsOf([{ columns: ['a', 'b'], rows: [['1']] }])).toEqual([{ a: '1', b: 'NULL' }]);
  });
});

describe('lit', () => {
  it('quotes a string literal, escaping quotes and backslashes', () => {
    expect(lit("it's")).toBe("'it\\'s'");
    expect(lit('a\\b')).toBe("'a\\\\b'");
  });
});

describe('hostRunDir', () => {
  it('makes the socket and log directories in a 0700 run dir, searchable by the server (mysql) down to them', async () => {
    const runDir = mkdtempSync(join(tmpdir(), 'msh-db-run-')); // 0700, as mkdtemp makes it
    try {
      const files = await hostRunDir({ runDir }, GALERA_LAYOUT);
      expect(files).toEqual({ socket: join(runDir, 'db/galera/mysqld.sock'), log: join(runDir, 'db/galera/mariadbd.log') });
      for (const dir of [runDir, join(runDir, 'db'), join(runDir, 'db/galera')]) expect(statSync(dir).mode & 0o001, dir).toBe(0o001);
      expect(statSync(runDir).mode & 0o004).toBe(0); // searchable, still not listable
    } finally {
      rmSync(runDir, { recursive: true, force: true });
    }
  });
});
