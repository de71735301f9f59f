// The identity database: the site's own MariaDB by default, or another
// server named by --identity-db (a Galera node, an async replica): the seed
// replicates only Keystone's database, so only this pool may point away
// from the site.
//
// A spec is either a unix socket path ("/run/mysqld/mysqld.sock") or
// "[user[:password]@]host[:port][/database]" (default user root, port 3306,
// database keystone).
//
// Database errors that mean "not here, not now" (a read-only replica, a
// Galera node outside the Primary component, a server that does not answer)
// become HTTP 503 with a message naming the cause; the process never dies of
// them.
import mysql from 'mysql2/promise';
import { KeystoneError } from './errors.js';

export const IDENTITY_DATABASE = 'keystone';

export type DbSpec =
  | { readonly kind: 'socket'; readonly socketPath: string; readonly database: string }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number; readonly user: string; readonly password?: string; readonly database: string };

export function parseDbSpec(spec: string): DbSpec {
  if (spec.startsWith('/')) return { kind: 'socket', socketPath: spec, database: IDENTITY_DATABASE };
  const m = /^(?:([^:@/]+)(?::([^@]*))?@)?([^:@/]+)(?::(\d+))?(?:\/(\w+))?$/.exec(spec);
  if (!m) throw new Error(`identity database ${JSON.stringify(spec)}: expected a socket path or [user[:password]@]host[:port][/database]`);
  const port = m[4] === undefined ? 3306 : Number(m[4]);
  if (port < 1 || port > 65535) throw new Error(`identity database ${JSON.stringify(spec)}: bad port`);
  return {
    kind: 'tcp',
    host: m[3]!,
    port,
    user: m[1] ?? 'root',
    ...(m[2] !== undefined ? { password: m[2] } : {}),
    database: m[5] ?? IDENTITY_DATABASE,
  };
}

/** Where the spec points, without the password (for logs and messages). */
export function describeDbSpec(s: DbSpec): string {
  return s.kind === 'socket' ? `${s.socketPath} (${s.database})` : `${s.user}@${s.host}:${s.port}/${s.database}`;
}

function connectionOptions(s: DbSpec): mysql.ConnectionOptions {
  // multipleStatements: bootstrap sends its reads, then its writes, as one round trip each (over the WAN from a follower region); every value is a placeholder.
  const common = { supportBigNumbers: true, timezone: 'Z', connectTimeout: 5000, dateStrings: false, multipleStatements: true } as const;
  return s.kind === 'socket'
    ? { ...common, socketPath: s.socketPath, user: 'root' }
    : { ...common, host: s.host, port: s.port, user: s.user, ...(s.password !== undefined ? { password: s.password } : {}) };
}

/**
 * Creates the database if it is missing (and the server lets us) and returns
 * a pool on it. On a read-only replica the database must already exist
 * (replicated from the master).
 */
export async function openIdentityDatabase(s: DbSpec, connectionLimit = 6): Promise<mysql.Pool> {
  const c = await mysql.createConnection(connectionOptions(s));
  try {
    const [rows] = await c.query<mysql.RowDataPacket[]>('SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [s.database]);
    if (rows.length === 0) await c.query(`CREATE DATABASE IF NOT EXISTS \`${s.database}\` CHARACTER SET utf8mb4`);
  } finally {
    await c.end().catch(() => undefined);
  }
  return identityPool(s, connectionLimit);
}

/** A pool on a database known to exist; it connects at first use. */
export function identityPool(s: DbSpec, connectionLimit = 6): mysql.Pool {
  return mysql.createPool({ ...connectionOptions(s), database: s.database, connectionLimit, waitForConnections: true });
}

/** MariaDB/MySQL errno values that say the server will not take a write. */
const READ_ONLY_ERRNOS: Readonly<Record<number, string>> = {
  1290: 'ER_OPTION_PREVENTS_STATEMENT',
  1792: 'ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION',
  1836: 'ER_READ_ONLY_MODE',
};

/** Errnos of a server that answers but cannot serve (Galera outside the Primary component, commit aborted). */
const NOT_READY_ERRNOS: Readonly<Record<number, string>> = {
  1047: 'ER_UNKNOWN_COM_ERROR (WSREP has not yet prepared node for application use)',
  1180: 'ER_ERROR_DURING_COMMIT',
  1213: 'ER_LOCK_DEADLOCK (a Galera certification conflict)',
  1205: 'ER_LOCK_WAIT_TIMEOUT',
  1040: 'ER_CON_COUNT_ERROR',
};

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOENT',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'POOL_CLOSED',
]);

interface DbErrorLike {
  readonly errno?: number;
  readonly code?: string;
  readonly sqlMessage?: string;
  readonly message?: string;
}

/**
 * The HTTP answer for a database error, or null when it is not one of the
 * "database unavailable" kinds (then it is a bug and a 500).
 */
export function classifyDbError(err: unknown, where: string): KeystoneError | null {
  if (typeof err !== 'object' || err === null) return null;
  const e = err as DbErrorLike;
  const text = e.sqlMessage ?? e.message ?? '';
  if (typeof e.errno === 'number' && READ_ONLY_ERRNOS[e.errno] !== undefined) {
    return new KeystoneError(503, `The identity database ${where} is read-only (${READ_ONLY_ERRNOS[e.errno]} ${e.errno}: ${text}); writes must go to a keystone whose database is the master.`);
  }
  if (typeof e.errno === 'number' && NOT_READY_ERRNOS[e.errno] !== undefined) {
    return new KeystoneError(503, `The identity database ${where} cannot serve the request (${NOT_READY_ERRNOS[e.errno]} ${e.errno}: ${text}).`);
  }
  if (typeof e.code === 'string' && CONNECTION_CODES.has(e.code)) {
    return new KeystoneError(503, `The identity database ${where} is unreachable (${e.code}: ${text}).`);
  }
  return null;
}

/** Whether an error is the server refusing a write because it is read-only. */
export function isReadOnlyError(err: unknown): boolean {
  const errno = typeof err === 'object' && err !== null ? (err as DbErrorLike).errno : undefined;
  return typeof errno === 'number' && READ_ONLY_ERRNOS[errno] !== undefined;
}
