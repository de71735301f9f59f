// SQL from the host to a MariaDB server in a container, over the server's
// unix socket in the container's bind-mounted run directory (mysql2). The
// host has no route into the topology; a socket needs none, and a query
// costs a connect and a round trip instead of a `docker exec` of the
// mariadb client and parsing its text.
//
// Decisions:
// - root over the socket, with MariaDB's unix_socket authentication: the
//   harness runs as root, the kernel hands the server uid 0, which it maps
//   to its own root. No account or password to make.
// - Every value as text, NULL as 'NULL' (what the mariadb client printed):
//   callers compare status variables and rows as strings, and a status
//   variable's type differs between MariaDB versions.
// - query(): one connection per call, closed after it, as the client
//   process was, so session state (wsrep_sync_wait, ...) never carries from
//   one call to the next. poll() keeps one connection across its polls.
import { join, relative, isAbsolute } from 'node:path';
import mysql from 'mysql2/promise';

/** Where a controller's host run directory is mounted in its container. */
export const RUN_MOUNT = '/run/msh';

/** The longest unix socket path the kernel takes (sun_path is 108 bytes, NUL included). */
const SUN_PATH_MAX = 107;

/** A statement the server refused; `code` is MariaDB's error number (1047, 1180, ...). */
export class SqlError extends Error {
  readonly code: number;
  readonly sqlState: string;
  /** Which server: its socket on the host. */
  readonly server: string;

  constructor(code: number, sqlState: string, message: string, server: string) {
    super(message);
    this.name = 'SqlError';
    this.code = code;
    this.sqlState = sqlState;
    this.server = server;
  }
}

export interface ResultSet {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/**
 * The host path of a path inside a container's RUN_MOUNT, given the host
 * directory mounted there. Throws for a path outside the mount: the host
 * could not reach it.
 */
export function hostPath(runDir: string, containerPath: string): string {
  const rel = relative(RUN_MOUNT, containerPath);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) throw new Error(`${containerPath} is not inside ${RUN_MOUNT}, the container's bind-mounted run directory: the host cannot reach it`);
  const p = join(runDir, rel);
  if (Buffer.byteLength(p) > SUN_PATH_MAX) throw new Error(`socket path ${p} is ${Buffer.byteLength(p)} bytes; unix sockets take at most ${SUN_PATH_MAX}`);
  return p;
}

type Conn = mysql.Connection;

interface ServerErrorFields {
  readonly errno?: unknown;
  readonly sqlState?: unknown;
  readonly sqlMessage?: unknown;
}

/** A server's refusal as SqlError; anything else (no socket, timeout) as it came, named. */
function asSqlError(err: unknown, socket: string): Error {
  const e = err as ServerErrorFields & Error;
  if (typeof e.errno === 'number' && typeof e.sqlState === 'string' && typeof e.sqlMessage === 'string') {
    return new SqlError(e.errno, e.sqlState, `ERROR ${e.errno}: ${e.sqlMessage}`, socket);
  }
  return new Error(`MariaDB at ${socket}: ${e.message ?? String(err)}`, { cause: err });
}

export async function connect(socket: string, connectTimeoutMs = 3000): Promise<Conn> {
  try {
    return await mysql.createConnection({
      socketPath: socket,
      user: 'root',
      connectTimeout: connectTimeoutMs,
      multipleStatements: true,
      rowsAsArray: true,
      typeCast: (field) => field.string(),
    });
  } catch (err) {
    throw asSqlError(err, socket);
  }
}

function text(v: unknown): string {
  return v === null || v === undefined ? 'NULL' : String(v);
}

/**
 * Every result set of `statements` (several, separated by `;`), in order;
 * a statement without rows (SET, INSERT) gives no set. `timeoutMs` bounds
 * the whole call (mysql2 then destroys the connection).
 */
export async function run(conn: Conn, socket: string, statements: string, timeoutMs?: number): Promise<ResultSet[]> {
  let rows: unknown;
  let fields: unknown;
  try {
    [rows, fields] = timeoutMs ? await conn.query({ sql: statements, timeout: Math.max(1, Math.round(timeoutMs)) }) : await conn.query(statements);
  } catch (err) {
    throw asSqlError(err, socket);
  }
  // One statement: [rows | header, fields | undefined]; several: one of each per statement.
  const multi = Array.isArray(fields) && fields.some((f) => f === undefined || Array.isArray(f));
  const pairs: [unknown, unknown][] = multi ? (rows as unknown[]).map((r, i) => [r, (fields as unknown[])[i]]) : [[rows, fields]];
  return pairs
    .filter(([r, f]) => Array.isArray(r) && Array.isArray(f))
    .map(([r, f]) => ({
      columns: (f as { name: string }[]).map((x) => x.name),
      rows: (r as unknown[][]).map((row) => row.map(text)),
    }));
}

/** The rows of every result set, concatenated (what `mariadb -N -B` printed). */
export function rowsOf(sets: readonly ResultSet[]): string[][] {
  return sets.flatMap((s) => s.rows.map((r) => [...r]));
}

/** One record per row, column name -> value (what `mariadb -E` printed). */
export function recordsOf(sets: readonly ResultSet[]): Record<string, string>[] {
  return sets.flatMap((s) => s.rows.map((r) => Object.fromEntries(s.columns.map((c, i) => [c, r[i] ?? 'NULL']))));
}

/** Runs statements on a fresh connection, closed after. */
export async function query(socket: string, statements: string, timeoutMs?: number): Promise<ResultSet[]> {
  const conn = await connect(socket);
  try {
    return await run(conn, socket, statements, timeoutMs);
  } finally {
    conn.destroy();
  }
}

/** SQL string literal. */
export function lit(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export interface PollOptions {
  readonly timeoutMs: number;
  /** Named in the timeout error. */
  readonly what: string;
  readonly intervalMs?: number;
  /** Called between failed attempts; a thrown error ends the wait (a server that died, say). */
  readonly onMiss?: () => Promise<void>;
}

/**
 * Runs `statements` every `intervalMs` on one kept connection (reopened
 * after an error: the server may not be up yet) until `accept` takes the
 * result; returns the wall-clock time (ms since epoch) it did. The error
 * on timeout names the last result or error, as `describe` words it.
 */
export async function poll(
  socket: string,
  statements: string,
  accept: (sets: ResultSet[]) => boolean,
  o: PollOptions & { readonly describe?: (sets: ResultSet[]) => string },
): Promise<number> {
  const deadline = Date.now() + o.timeoutMs;
  const interval = o.intervalMs ?? 50;
  let conn: Conn | null = null;
  let last = 'nothing yet';
  try {
    for (;;) {
      const left = deadline - Date.now();
      try {
        conn ??= await connect(socket, Math.max(100, Math.min(2000, left)));
        const sets = await run(conn, socket, statements, Math.max(100, Math.min(5000, left)));
        if (accept(sets)) return Date.now();
        last = o.describe ? o.describe(sets) : JSON.stringify(rowsOf(sets));
      } catch (err) {
        conn?.destroy();
        conn = null;
        last = (err as Error).message;
      }
      if (Date.now() >= deadline) throw new Error(`${o.what}: not reached within ${o.timeoutMs} ms (last: ${last.slice(0, 400)})`);
      if (o.onMiss) await o.onMiss();
      await new Promise((r) => setTimeout(r, Math.min(interval, Math.max(0, deadline - Date.now()))));
    }
  } finally {
    conn?.destroy();
  }
}
