// The three token providers of the seed, behind one interface. What is
// validated where:
//
// fernet  Token = Keystone's Fernet token (payload.ts/fernet.ts): user,
//         methods, scope, expiry, audit ids, AES-CBC + HMAC with the key
//         repository's primary key. Nothing is written at issue. Validation
//         needs the key repository (only keystone holds it): keystone
//         decrypts, then reads the database (revocation events, user,
//         project, roles, catalog). Services validate online, against a
//         keystone that has the keys and the (replicated) database.
// uuid    Token = 32 random hex chars, meaningless by itself. Every issue is
//         an INSERT into `token` (what the seed warns about: with a
//         replicated identity database every token crosses the WAN);
//         validation is a lookup by id plus the same revocation and
//         resource checks. Online only.
// pki     Token = the whole token body (roles and the catalog of every
//         region included) signed with the Ed25519 private key (pki.ts).
//         Nothing is written at issue. Keystone validates it like Fernet
//         (signature, then the database); a service's middleware validates
//         it offline with the public key and a periodically fetched list of
//         revoked token hashes (revoked_token, written by DELETE).
import { readdir, stat } from 'node:fs/promises';
import { randomUUID, type KeyObject } from 'node:crypto';
import { load, setup, type RepositoryKey } from './keys.js';
import { coreFromBody, fromPayload, toPayload, type TokenBody, type TokenCore } from './model.js';
import { createToken, validateToken } from './payload.js';
import { signToken, tokenHash, verifyToken } from './pki.js';
import * as store from './store.js';

export type ProviderName = 'fernet' | 'uuid' | 'pki';
export const PROVIDERS: readonly ProviderName[] = ['fernet', 'uuid', 'pki'];

export type Decoded = { readonly ok: true; readonly core: TokenCore } | { readonly ok: false; readonly message: string };

export interface TokenProvider {
  readonly name: ProviderName;
  /** pki: the token is the rendered body (with the catalog), so issue needs it. */
  readonly needsBody: boolean;
  issue(core: TokenCore, body: { token: TokenBody } | null): Promise<string>;
  /**
   * The token's core, or Keystone's 404 message. Expiry and revocation are
   * checked by the caller (fernet also checks expiry, past `allowExpiredWindow` seconds, as Keystone's formatter does).
   */
  decode(token: string, nowSeconds: number, allowExpiredWindow?: number): Promise<Decoded>;
  /** Format-specific bookkeeping when a token is revoked (the revocation event is the caller's). */
  onRevoke(token: string, core: TokenCore, nowSeconds: number): Promise<void>;
}

// ---------------------------------------------------------------- fernet

export class FernetProvider implements TokenProvider {
  readonly name = 'fernet';
  readonly needsBody = false;
  readonly dir: string;
  private readonly maxActiveKeys: number;
  private cached: { stamp: string; keys: RepositoryKey[] } | null = null;

  constructor(dir: string, maxActiveKeys: number) {
    this.dir = dir;
    this.maxActiveKeys = maxActiveKeys;
  }

  /** `keystone-manage fernet_setup` when the repository has no key 0. */
  async init(): Promise<'created' | 'existing'> {
    const plan = await setup(this.dir, { maxActiveKeys: this.maxActiveKeys });
    return plan.action === 'initialize' ? 'created' : 'existing';
  }

  /**
   * The repository's keys, primary first. Keystone reads the files on every
   * token operation; here they are re-read when the directory changes (a
   * rotation renames files, a distribution replaces the directory or the
   * link to it), so a rotation by the harness (keys.ts `rotate`,
   * `distribute`) takes effect at the next token operation.
   */
  async keys(): Promise<RepositoryKey[]> {
    // The directory's inode (a distribution swaps it), mtime and file names
    // (a rotation renames; mtime alone has jiffy granularity).
    let stamp: string;
    try {
      const st = await stat(this.dir);
      stamp = `${st.ino}:${st.mtimeMs}:${(await readdir(this.dir)).sort().join(',')}`;
    } catch {
      stamp = 'missing';
    }
    if (this.cached?.stamp !== stamp) this.cached = { stamp, keys: await load(this.dir) };
    return this.cached.keys;
  }

  async issue(core: TokenCore): Promise<string> {
    const keys = await this.keys();
    const primary = keys[0];
    if (!primary) throw new Error(`Fernet key repository ${this.dir} holds no key`);
    return createToken(primary, toPayload(core), { now: core.issuedAt });
  }

  async decode(token: string, nowSeconds: number, allowExpiredWindow = 0): Promise<Decoded> {
    const keys = await this.keys();
    const r = validateToken(keys, token, { now: nowSeconds, allowExpiredWindow });
    if (!r.ok) return { ok: false, message: r.message };
    const core = fromPayload(r.payload, r.timestamp);
    return core ? { ok: true, core } : { ok: false, message: 'Failed to validate token' };
  }

  async onRevoke(): Promise<void> {}
}

// ---------------------------------------------------------------- uuid

export class UuidProvider implements TokenProvider {
  readonly name = 'uuid';
  readonly needsBody = false;
  private readonly db: store.Db;

  constructor(db: store.Db) {
    this.db = db;
  }

  async issue(core: TokenCore): Promise<string> {
    const id = randomUUID().replace(/-/g, '');
    await store.insertToken(this.db, { id, expires: core.expiresAt, extra: JSON.stringify(core), valid: true, userId: core.userId });
    return id;
  }

  async decode(token: string): Promise<Decoded> {
    if (!/^[0-9a-f]{32}$/.test(token)) return { ok: false, message: `Could not find token: ${token.slice(0, 64)}.` };
    const row = await store.getToken(this.db, token);
    if (!row) return { ok: false, message: `Could not find token: ${token}.` };
    if (!row.valid) return { ok: false, message: 'Failed to validate token' };
    return { ok: true, core: JSON.parse(row.extra) as TokenCore };
  }

  async onRevoke(token: string): Promise<void> {
    await store.invalidateToken(this.db, token);
  }
}

// ---------------------------------------------------------------- pki

export class PkiProvider implements TokenProvider {
  readonly name = 'pki';
  readonly needsBody = true;
  private readonly db: store.Db;
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;

  constructor(db: store.Db, privateKey: KeyObject, publicKey: KeyObject) {
    this.db = db;
    this.privateKey = privateKey;
    this.publicKey = publicKey;
  }

  async issue(_core: TokenCore, body: { token: TokenBody } | null): Promise<string> {
    if (!body) throw new Error('a PKI token needs the token body');
    return signToken(this.privateKey, body);
  }

  async decode(token: string): Promise<Decoded> {
    const v = verifyToken(this.publicKey, token);
    if (!v.ok) return { ok: false, message: 'Could not recognize PKI token' };
    const t = (v.body as { token?: TokenBody }).token;
    if (!t) return { ok: false, message: 'Failed to validate token' };
    try {
      return { ok: true, core: coreFromBody(t) };
    } catch {
      return { ok: false, message: 'Failed to validate token' };
    }
  }

  async onRevoke(token: string, core: TokenCore, nowSeconds: number): Promise<void> {
    await store.insertRevokedToken(this.db, tokenHash(token), core.expiresAt, nowSeconds);
  }
}
