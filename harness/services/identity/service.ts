// The identity service's token side: authenticate (POST /v3/auth/tokens),
// validate (GET/HEAD), revoke (DELETE), whatever the provider. Keystone's
// order is kept: the provider turns a token into its core (user, methods,
// scope, times, audit ids), then every validation reads the database: the
// user, the scope, the roles (recomputed, so a removed assignment
// invalidates a project token) and the revocation events.
import { randomUUID } from 'node:crypto';
import { buildCatalog } from './catalog.js';
import { forbidden, tokenNotFound, unauthorized, validationError, KeystoneError } from './errors.js';
import { newAuditId, orderMethods, auditChainIdOf, renderToken, wholeSecondsNow, type CatalogEntry, type NamedRef, type Scope, type TokenBody, type TokenContext, type TokenCore } from './model.js';
import { verifyPassword } from './password.js';
import { DEFAULT_ALLOW_EXPIRED_WINDOW, isExpired } from './payload.js';
import type { TokenProvider } from './providers.js';
import { eventForToken, isRevoked, pruneBefore, tokenValues } from './revocation.js';
import { effectiveRoles } from './roles.js';
import * as store from './store.js';
import { AuthRequestSchema, type ScopeRequest } from './types.js';

export interface IdentityConfig {
  /** This keystone's region (its own endpoints; every region's are in the catalog). */
  readonly region: string;
  /** `[token] expiration`, seconds */
  readonly tokenExpiration: number;
  /** For messages: where the identity database is. */
  readonly dbWhere: string;
  /** `[token] allow_expired_window`, seconds (default 48 h): how long past expiry `?allow_expired=true` still accepts a token. */
  readonly allowExpiredWindow?: number;
  /** Clock in ms (tests inject one). */
  readonly now?: () => number;
}

/** A validated token and what the database said about it. */
export interface Validated {
  readonly core: TokenCore;
  readonly ctx: TokenContext;
}

export interface IdentityStats {
  provider: string;
  issued: number;
  validated: number;
  rejected: number;
  revoked: number;
  /** rows written by token operations (uuid: one per issue; every provider: one revocation event per revoke) */
  tokenWrites: number;
}

const SUPPORTED_METHODS = ['password', 'token'];

export class IdentityService {
  readonly db: store.Db;
  readonly provider: TokenProvider;
  readonly config: IdentityConfig;
  readonly stats: IdentityStats;
  private readonly clock: () => number;

  constructor(db: store.Db, provider: TokenProvider, config: IdentityConfig) {
    this.db = db;
    this.provider = provider;
    this.config = config;
    this.clock = config.now ?? Date.now;
    this.stats = { provider: provider.name, issued: 0, validated: 0, rejected: 0, revoked: 0, tokenWrites: 0 };
  }

  private nowSeconds(): number {
    return this.clock() / 1000;
  }

  async catalog(): Promise<CatalogEntry[]> {
    return buildCatalog(await store.catalogRows(this.db));
  }

  // ---------------------------------------------------------------- validation

  /**
   * Full validation of a token (Keystone's validate_token): 404 TokenNotFound
   * on any failure. `allowExpired` is the subject side of GET/HEAD
   * `?allow_expired=true`: Keystone then adds `[token] allow_expired_window`
   * to the expiry and nothing else (revocation still applies).
   */
  async validate(token: string, opts: { readonly allowExpired?: boolean } = {}): Promise<Validated> {
    const now = this.nowSeconds();
    const window = opts.allowExpired ? (this.config.allowExpiredWindow ?? DEFAULT_ALLOW_EXPIRED_WINDOW) : 0;
    const d = await this.provider.decode(token, now, window);
    if (!d.ok) {
      this.stats.rejected++;
      throw tokenNotFound(d.message);
    }
    if (isExpired(d.core.expiresAt, now, window)) {
      this.stats.rejected++;
      throw tokenNotFound();
    }
    const ctx = await this.context(d.core).catch((e: unknown) => {
      if (e instanceof KeystoneError) throw tokenNotFound();
      throw e;
    });
    const scopeDomain = ctx.project?.domain.id ?? null;
    const events = await store.candidateEvents(this.db, {
      userId: d.core.userId,
      projectId: d.core.scope.kind === 'project' ? d.core.scope.projectId : null,
      domainIds: [ctx.user.domain.id, ...(scopeDomain ? [scopeDomain] : []), ...(d.core.scope.kind === 'domain' ? [d.core.scope.domainId] : [])],
      auditId: d.core.auditIds[0] ?? '',
      auditChainId: auditChainIdOf(d.core),
      issuedAt: d.core.issuedAt,
    });
    if (isRevoked(events, tokenValues(d.core, ctx.user.domain.id, scopeDomain, ctx.roles.map((r) => r.id)))) {
      this.stats.rejected++;
      throw tokenNotFound();
    }
    this.stats.validated++;
    return { core: d.core, ctx };
  }

  /**
   * The database's view of a token's subjects; throws 401 (at issue) when
   * the user or scope is gone, disabled, or the user has no role on it.
   */
  async context(core: Pick<TokenCore, 'userId' | 'scope'>): Promise<TokenContext> {
    const u = await store.getUserWithDomain(this.db, core.userId);
    if (!u || !u.user.enabled) throw unauthorized(u ? `The account is disabled for user: ${core.userId}.` : `Could not find user: ${core.userId}.`);
    const user = u.user;
    const base = { user: { id: user.id, name: user.name, domain: enabledDomain(user.domain_id, u.domain) } };
    const scope = core.scope;
    switch (scope.kind) {
      case 'unscoped':
        return { ...base, roles: [] };
      case 'project': {
        const found = await store.getProjectWithDomain(this.db, scope.projectId);
        if (!found) throw unauthorized(`Could not find project: ${scope.projectId}.`);
        const p = found.project;
        if (!p.enabled) throw unauthorized(`Project is disabled: ${p.id}`);
        const domain = enabledDomain(p.domain_id, found.domain);
        const roles = await effectiveRoles(this.db, user.id, 'Project', p.id);
        if (roles.length === 0) throw unauthorized(`User ${user.id} has no access to project ${p.id}`);
        return { ...base, project: { id: p.id, name: p.name, domain }, roles };
      }
      case 'domain': {
        const domain = enabledDomain(scope.domainId, await store.getDomain(this.db, scope.domainId));
        const roles = await effectiveRoles(this.db, user.id, 'Domain', domain.id);
        if (roles.length === 0) throw unauthorized(`User ${user.id} has no access to domain ${domain.id}`);
        return { ...base, domain, roles };
      }
      case 'system': {
        const roles = await effectiveRoles(this.db, user.id, 'System', 'system');
        if (roles.length === 0) throw unauthorized(`User ${user.id} has no access to the system`);
        return { ...base, roles };
      }
    }
  }

  /** The body of a validated token, with the catalog unless `nocatalog`. */
  async body(v: Validated, nocatalog: boolean): Promise<{ token: TokenBody }> {
    const catalog = nocatalog || v.core.scope.kind === 'unscoped' ? undefined : await this.catalog();
    return renderToken(v.core, v.ctx, catalog);
  }

  // ---------------------------------------------------------------- issue

  async authenticate(raw: unknown, nocatalog: boolean): Promise<{ token: string; body: { token: TokenBody } }> {
    const parsed = AuthRequestSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw validationError(issue.path.map(String).join('.') || 'auth', issue.message);
    }
    const { identity, scope } = parsed.data.auth;
    for (const m of identity.methods) if (!SUPPORTED_METHODS.includes(m)) throw unauthorized('Attempted to authenticate with an unsupported method.');

    let userId: string | null = null;
    const methods = new Set<string>();
    let parent: TokenCore | null = null;
    if (identity.methods.includes('token')) {
      if (!identity.token) throw validationError('identity', "'token' is a required property");
      parent = (await this.validate(identity.token.id)).core;
      userId = parent.userId;
      parent.methods.forEach((m) => methods.add(m));
      methods.add('token');
    }
    if (identity.methods.includes('password')) {
      if (!identity.password) throw validationError('identity', "'password' is a required property");
      const u = await this.passwordUser(identity.password.user);
      if (userId !== null && userId !== u) throw unauthorized();
      userId = u;
      methods.add('password');
    }
    if (userId === null) throw unauthorized();

    const issuedAt = wholeSecondsNow(this.clock());
    const core: TokenCore = {
      userId,
      methods: orderMethods(methods),
      scope: await this.resolveScope(scope),
      issuedAt,
      expiresAt: parent ? parent.expiresAt : issuedAt + this.config.tokenExpiration,
      auditIds: parent ? [newAuditId(), auditChainIdOf(parent)] : [newAuditId()],
    };
    const ctx = await this.context(core);
    const catalog = core.scope.kind === 'unscoped' || (nocatalog && !this.provider.needsBody) ? undefined : await this.catalog();
    const token = await this.provider.issue(core, this.provider.needsBody ? renderToken(core, ctx, catalog) : null);
    this.stats.issued++;
    if (this.provider.name === 'uuid') this.stats.tokenWrites++;
    return { token, body: renderToken(core, ctx, nocatalog ? undefined : catalog) };
  }

  private async passwordUser(u: { id?: string | undefined; name?: string | undefined; password: string; domain?: { id: string } | { name: string } | undefined }): Promise<string> {
    let row: store.UserRow | null = null;
    if (u.id !== undefined) row = await store.getUser(this.db, u.id);
    else if (u.name !== undefined) {
      if (!u.domain) throw validationError('identity.password.user', "'domain' is required with 'name'");
      const domainId = 'id' in u.domain ? u.domain.id : (await store.domainByName(this.db, u.domain.name))?.id;
      row = domainId === undefined ? null : await store.userByName(this.db, domainId, u.name);
    } else throw validationError('identity.password.user', "'id' or 'name' is required");
    if (!row || row.password_hash === null || !(await verifyPassword(u.password, row.password_hash))) throw unauthorized();
    if (!row.enabled) throw unauthorized(`The account is disabled for user: ${row.id}.`);
    return row.id;
  }

  private async resolveScope(s: ScopeRequest | undefined): Promise<Scope> {
    if (s === undefined || s === 'unscoped') return { kind: 'unscoped' };
    if ('system' in s) return { kind: 'system' };
    if ('domain' in s) {
      if ('id' in s.domain) return { kind: 'domain', domainId: s.domain.id };
      const d = await store.domainByName(this.db, s.domain.name);
      if (!d) throw unauthorized(`Could not find domain: ${s.domain.name}.`);
      return { kind: 'domain', domainId: d.id };
    }
    const p = s.project;
    if ('id' in p) return { kind: 'project', projectId: p.id };
    const domainId = 'id' in p.domain ? p.domain.id : (await store.domainByName(this.db, p.domain.name))?.id;
    const row = domainId === undefined ? null : await store.projectByName(this.db, domainId, p.name);
    if (!row) throw unauthorized(`Could not find project: ${p.name}.`);
    return { kind: 'project', projectId: row.id };
  }

  // ---------------------------------------------------------------- callers and revocation

  /** X-Auth-Token of a request: 401 if missing or invalid. */
  async caller(token: string | undefined): Promise<Validated> {
    if (!token) throw unauthorized();
    try {
      return await this.validate(token);
    } catch (e) {
      if (e instanceof KeystoneError && e.status === 404) throw unauthorized();
      throw e;
    }
  }

  /** Keystone's `admin_required` (roughly: the caller holds the admin role in its scope). */
  async requireAdmin(token: string | undefined, action: string): Promise<Validated> {
    const c = await this.caller(token);
    if (!c.ctx.roles.some((r) => r.name === 'admin')) throw forbidden(`identity:${action}`);
    return c;
  }

  /** validate_token / revoke_token policy: admin, service, or the token's own user. */
  requireCheckAllowed(caller: Validated, subject: TokenCore, action: string): void {
    const roles = caller.ctx.roles.map((r) => r.name);
    if (roles.includes('admin') || roles.includes('service') || caller.core.userId === subject.userId) return;
    throw forbidden(`identity:${action}`);
  }

  async revoke(token: string, subject: TokenCore): Promise<void> {
    const now = this.nowSeconds();
    const e = eventForToken(subject, now);
    await store.insertEvent(this.db, { auditId: e.auditId ?? null, issuedBefore: e.issuedBefore, revokedAt: e.revokedAt });
    await this.provider.onRevoke(token, subject, now);
    this.stats.revoked++;
    this.stats.tokenWrites += this.provider.name === 'fernet' ? 1 : 2;
    await store.pruneEvents(this.db, pruneBefore(now, this.config.tokenExpiration));
  }

  /** A revocation event for every token of a user, project or domain (disable, delete, password change). */
  async revokeFor(what: { userId?: string; projectId?: string; domainId?: string }): Promise<void> {
    const now = this.nowSeconds();
    await store.insertEvent(this.db, { ...what, issuedBefore: now, revokedAt: now });
  }

  /** GET /v3/auth/tokens/OS-PKI/revoked: hashes of revoked tokens not yet expired. */
  async revokedList(): Promise<{ id: string; expires: string }[]> {
    const rows = await store.listRevokedTokens(this.db, this.nowSeconds());
    return rows.map((r) => ({ id: r.id, expires: new Date(r.expires * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') }));
  }

  newId(): string {
    return randomUUID().replace(/-/g, '');
  }
}

/** The domain `id` as a token names it; 401 when it is gone (`row` null) or disabled. */
function enabledDomain(id: string, row: store.DomainRow | null): NamedRef {
  if (!row) throw unauthorized(`Could not find domain: ${id}.`);
  if (!row.enabled) throw unauthorized(`Domain is disabled: ${id}`);
  return { id: row.id, name: row.name };
}
