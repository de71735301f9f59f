// Bringing the identity service up inside the services process: open the
// identity database (local or --identity-db; waiting while it does not
// answer yet, as oslo.db does), create the schema when it is
// missing, set up the token provider's keys, bootstrap, and return the API.
// A read-only database (a replica) is accepted: schema and bootstrap are
// then the master's business, and only writes fail (503). With
// --identity-db-write, reads stay on --identity-db (the local replica) and
// writes, schema and bootstrap go to the write server (a master over the WAN).
import type mysql from 'mysql2/promise';
import type { ServiceDefinition } from '../http.js';
import { identityApi } from './api.js';
import { bootstrap, type BootstrapOptions } from './bootstrap.js';
import { describeDbSpec, isReadOnlyError, openIdentityDatabase, identityPool, parseDbSpec, IDENTITY_DATABASE } from './db.js';
import { hashPassword } from './password.js';
import { setupPkiKeys } from './pki.js';
import { FernetProvider, PkiProvider, UuidProvider, type ProviderName, type TokenProvider } from './providers.js';
import { IdentityService } from './service.js';
import { SplitDb, migrate, missingTables, writer } from './store.js';

export interface IdentityOptions {
  readonly port: number;
  /** --identity-db; null: the site's MariaDB socket */
  readonly db: string | null;
  /** --identity-db-write; null: writes go where reads do */
  readonly dbWrite: string | null;
  readonly region: string;
  readonly provider: ProviderName;
  readonly tokenExpiration: number;
  readonly fernetKeyRepository: string;
  readonly fernetMaxActiveKeys: number;
  readonly pkiKeyDir: string;
  readonly passwordHashLn: number;
  readonly bootstrap: Omit<BootstrapOptions, 'passwordHashLn'>;
  /** How long to wait for the identity database to answer at start; default DB_WAIT_MS. */
  readonly dbWaitMs?: number;
}

/**
 * A Keystone may start before its database answers (oslo.db retries its
 * first connection too): the harness starts the regions' services while
 * their Galera members are still forming the Primary, so the slow part of
 * a services start (the process, the site's own MariaDB) overlaps it.
 */
export const DB_WAIT_MS = 60_000;

/** Errors of a database that is not there yet: not listening, or a Galera member not yet in a Primary component. */
const NOT_YET_CODES = new Set(['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'PROTOCOL_CONNECTION_LOST']);
export function isNotReadyYet(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { errno?: unknown; code?: unknown };
  return e.errno === 1047 || (typeof e.code === 'string' && NOT_YET_CODES.has(e.code));
}

/**
 * `f`, run again every 50 ms while it fails because the server is not there
 * yet, until `deadline` (performance.now() ms). A Galera member may also
 * leave the Primary for a moment while the last members join (its
 * connection then answers 1047): the schema check and bootstrap are
 * retried the same way, both being idempotent.
 */
async function whileNotReady<T>(what: string, deadline: number, log: (line: string) => void, f: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  let waited = false;
  for (;;) {
    try {
      const v = await f();
      if (waited) log(`identity: ${what} done after waiting ${(performance.now() - t0).toFixed(0)} ms for the database`);
      return v;
    } catch (e) {
      if (!isNotReadyYet(e) || performance.now() > deadline) throw e;
      if (!waited) log(`identity: ${what}: database not ready (${(e as { code?: string }).code ?? (e as Error).message}), waiting up to ${Math.max(0, deadline - performance.now()).toFixed(0)} ms`);
      waited = true;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

export interface StartedIdentity {
  readonly pool: mysql.Pool | SplitDb;
  readonly service: IdentityService;
  readonly definition: ServiceDefinition;
}

export async function startIdentity(o: IdentityOptions, siteSocket: string, log: (line: string) => void): Promise<StartedIdentity> {
  const spec = o.db === null ? { kind: 'socket' as const, socketPath: siteSocket, database: IDENTITY_DATABASE } : parseDbSpec(o.db);
  const writeSpec = o.dbWrite === null ? null : parseDbSpec(o.dbWrite);
  const where = writeSpec ? `${describeDbSpec(spec)} (reads), ${describeDbSpec(writeSpec)} (writes)` : describeDbSpec(spec);
  const deadline = performance.now() + (o.dbWaitMs ?? DB_WAIT_MS);
  // scrypt (~0.1 s of CPU) while the database is awaited, not when every region bootstraps at once.
  const passwordHash = hashPassword(o.bootstrap.password, o.passwordHashLn);
  passwordHash.catch(() => undefined);
  const readPool = await whileNotReady(`opening ${describeDbSpec(spec)}`, deadline, log, () => openIdentityDatabase(spec));
  let pool: mysql.Pool | SplitDb = readPool;
  try {
    // The master holds the database its replica (our read side) has: no check connection across the WAN.
    if (writeSpec) pool = new SplitDb(readPool, identityPool(writeSpec));
    const db = pool;
    await whileNotReady('schema check', deadline, log, async () => {
      // Tables on the read side are replicated from the write side: look across the WAN only for what is missing here.
      let missing = await missingTables(db);
      if (missing.length > 0 && db instanceof SplitDb) missing = await missingTables(writer(db));
      if (missing.length === 0) return;
      try {
        await migrate(db);
      } catch (e) {
        if (!isReadOnlyError(e)) throw e;
        log(`identity: database ${where} is read-only and lacks tables ${missing.join(', ')}: requests needing them will fail`);
      }
    });

    let provider: TokenProvider;
    let publicKeyPem: string | undefined;
    if (o.provider === 'fernet') {
      const f = new FernetProvider(o.fernetKeyRepository, o.fernetMaxActiveKeys);
      log(`identity: fernet key repository ${o.fernetKeyRepository} ${await f.init()}`);
      provider = f;
    } else if (o.provider === 'pki') {
      const k = await setupPkiKeys(o.pkiKeyDir);
      log(`identity: PKI signing key in ${o.pkiKeyDir} ${k.created ? 'created' : 'existing'}`);
      provider = new PkiProvider(pool, k.privateKey, k.publicKey);
      publicKeyPem = k.publicPem;
    } else {
      provider = new UuidProvider(pool);
    }

    const t0 = performance.now();
    // Bootstrap reads what it is about to write: from the write server, not a lagging replica.
    const b = await whileNotReady('bootstrap', deadline, log, () => bootstrap(writer(db), { ...o.bootstrap, passwordHashLn: o.passwordHashLn, passwordHash }));
    log(
      `identity: bootstrap in ${(performance.now() - t0).toFixed(0)} ms on ${where}: ` +
        `${b.created.length ? `created ${b.created.join(', ')}` : 'nothing to create'}` +
        `${b.skippedReadOnly.length ? `; read-only, skipped ${b.skippedReadOnly.join(', ')}` : ''}` +
        `${b.attempts > 1 ? `; ${b.attempts} runs of its transaction (another region's bootstrap committed shared rows first)` : ''}`,
    );
    const service = new IdentityService(pool, provider, { region: o.region, tokenExpiration: o.tokenExpiration, dbWhere: where });
    return { pool, service, definition: identityApi(service, { ...(publicKeyPem ? { publicKeyPem } : {}), passwordHashLn: o.passwordHashLn }) };
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw e;
  }
}
