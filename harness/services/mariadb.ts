// The site's database: MariaDB in the controller container, as in an
// all-in-one DevStack node.
//
// Decisions:
// - mariadbd is spawned by the services process but detached (own session,
//   unref'd, output to /run/msh/mariadb.log) and is never stopped by it: in
//   DevStack the database is its own service, and restarting neutron-server
//   does not restart MySQL. So killing or restarting the services process
//   (which the harness does to emulate an API outage) leaves the database
//   up; the next services process finds it answering and reuses it. Its
//   lifetime is the container's.
// - --no-defaults: every setting is on the command line below, none comes
//   from the image's /etc/mysql.
// - --skip-grant-tables: no accounts or passwords. The server listens on
//   loopback and a socket inside the container only; nothing else can reach it.
// - innodb buffer pool 16M (default 128M): a few hundred rows per site, and
//   several controllers share one host.
// - Durability stays at the default (flush the redo log on every commit): an
//   API write acknowledged is on disk, whatever happens to the process next.
import { spawn } from 'node:child_process';
import { chownSync, closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import mysql from 'mysql2/promise';

export interface MariadbOptions {
  readonly socket: string;
  readonly datadir: string;
  /** Where mariadbd's stdout/stderr go. */
  readonly logFile: string;
  readonly timeoutMs: number;
}

export const DEFAULT_MARIADB: MariadbOptions = {
  socket: '/run/mysqld/mysqld.sock',
  datadir: '/var/lib/mysql',
  logFile: '/run/msh/mariadb.log',
  timeoutMs: 30_000,
};

export function mariadbdArgs(o: MariadbOptions): string[] {
  return [
    '--no-defaults',
    '--user=mysql',
    `--datadir=${o.datadir}`,
    `--socket=${o.socket}`,
    `--pid-file=${dirname(o.socket)}/mysqld.pid`,
    '--bind-address=127.0.0.1',
    '--port=3306',
    '--skip-grant-tables',
    '--skip-name-resolve',
    '--skip-log-bin',
    '--performance-schema=OFF',
    '--innodb-buffer-pool-size=16M',
    '--max-connections=32',
    '--character-set-server=utf8mb4',
    '--collation-server=utf8mb4_general_ci',
  ];
}

async function answers(socket: string): Promise<boolean> {
  try {
    const c = await mysql.createConnection({ socketPath: socket, user: 'root', connectTimeout: 1000 });
    await c.end();
    return true;
  } catch {
    return false;
  }
}

function mysqlIds(): { uid: number; gid: number } | null {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('mysql:'));
  const f = line?.split(':');
  return f && f.length > 3 ? { uid: Number(f[2]), gid: Number(f[3]) } : null;
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export interface MariadbStatus {
  /** False when a running server was found and reused. */
  readonly started: boolean;
  readonly pid?: number;
  readonly ms: number;
}

/** Makes sure a server answers on the socket: reuses a running one, otherwise starts one and waits for it. */
export async function ensureMariadb(o: MariadbOptions = DEFAULT_MARIADB): Promise<MariadbStatus> {
  const t0 = performance.now();
  if (await answers(o.socket)) return { started: false, ms: performance.now() - t0 };
  if (!existsSync(`${o.datadir}/mysql`)) throw new Error(`${o.datadir} holds no initialized MariaDB data directory (the image runs mariadb-install-db)`);
  const runDir = dirname(o.socket);
  mkdirSync(runDir, { recursive: true });
  const ids = mysqlIds();
  if (ids) chownSync(runDir, ids.uid, ids.gid);

  const fd = openSync(o.logFile, 'a');
  const child = spawn('mariadbd', mariadbdArgs(o), { detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  let exited: string | null = null;
  child.once('exit', (code, signal) => {
    exited = `mariadbd exited (${signal ?? code}) before it was ready`;
  });
  child.once('error', (err) => {
    exited = `mariadbd could not start: ${err.message}`;
  });
  child.unref();

  const deadline = t0 + o.timeoutMs;
  while (performance.now() < deadline) {
    if (exited) throw new Error(`${exited}; ${o.logFile}:\n${tail(o.logFile)}`);
    // The socket file appears a moment before the server accepts: connect, don't stat.
    if (await answers(o.socket)) {
      child.removeAllListeners('exit');
      return { started: true, ...(child.pid !== undefined ? { pid: child.pid } : {}), ms: performance.now() - t0 };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`mariadbd did not answer on ${o.socket} within ${o.timeoutMs} ms; ${o.logFile}:\n${tail(o.logFile)}`);
}

/** Creates the database if missing and returns a pool on it. */
export async function openDatabase(socket: string, database: string): Promise<mysql.Pool> {
  const c = await mysql.createConnection({ socketPath: socket, user: 'root' });
  await c.query(`CREATE DATABASE IF NOT EXISTS \`${database}\` CHARACTER SET utf8mb4`);
  await c.end();
  return mysql.createPool({ socketPath: socket, user: 'root', database, connectionLimit: 4, supportBigNumbers: true });
}
