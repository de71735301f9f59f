// What a token stands for, independent of its format (TokenCore), and the
// body Keystone answers with for it (renderToken). Pure.
//
// Body layout as Keystone (Zed) prints it, key order included (fixtures in
// shared/fixtures/keystone-fernet): methods, user {domain, id, name,
// password_expires_at}, audit_ids, expires_at, issued_at, then by scope:
//   project: project {domain, id, name}, is_domain false, roles
//   domain:  domain {id, name}, roles
//   system:  roles, system {all: true}
//   unscoped: nothing more (no roles, no catalog)
// and, unless ?nocatalog, catalog for a scoped token.
import { randomBytes } from 'node:crypto';
import { auditIdFromBytes, keystoneIsotime, type TokenPayload } from './payload.js';

export type Scope =
  | { readonly kind: 'unscoped' }
  | { readonly kind: 'project'; readonly projectId: string }
  | { readonly kind: 'domain'; readonly domainId: string }
  | { readonly kind: 'system' };

export interface TokenCore {
  readonly userId: string;
  /** Keystone's order: highest method bit first (e.g. ["token", "password"]) */
  readonly methods: readonly string[];
  readonly scope: Scope;
  /** seconds since the epoch, whole (the Fernet timestamp) */
  readonly issuedAt: number;
  /** seconds since the epoch, whole */
  readonly expiresAt: number;
  /** [this token's id, the chain's (parent's) id]; one id for a first token */
  readonly auditIds: readonly string[];
}

/** Keystone's `random_urlsafe_str`: 16 random bytes, 22 chars of url-safe base64. */
export function newAuditId(random: (n: number) => Uint8Array = randomBytes): string {
  return auditIdFromBytes(random(16));
}

/** The audit id of the token itself and of its chain (the first token of a rescoping chain). */
export function auditIdOf(core: Pick<TokenCore, 'auditIds'>): string {
  return core.auditIds[0] ?? '';
}
export function auditChainIdOf(core: Pick<TokenCore, 'auditIds'>): string {
  return core.auditIds[core.auditIds.length - 1] ?? '';
}

/** Keystone's method order: the order of `[auth] methods`, highest bit first. */
const METHOD_ORDER = ['application_credential', 'mapped', 'oauth1', 'token', 'password', 'external'];
export function orderMethods(methods: Iterable<string>): string[] {
  const set = new Set(methods);
  const known = METHOD_ORDER.filter((m) => set.has(m));
  return [...known, ...[...set].filter((m) => !METHOD_ORDER.includes(m))];
}

// ---------------------------------------------------------------- Fernet payloads

/** TokenCore -> Keystone's Fernet payload (versions 0, 1, 2, 8). */
export function toPayload(core: TokenCore): TokenPayload {
  const common = { userId: core.userId, methods: core.methods, expiresAt: core.expiresAt, auditIds: core.auditIds };
  switch (core.scope.kind) {
    case 'unscoped':
      return { version: 0, kind: 'unscoped', ...common };
    case 'domain':
      return { version: 1, kind: 'domain', domainId: core.scope.domainId, ...common };
    case 'project':
      return { version: 2, kind: 'project', projectId: core.scope.projectId, ...common };
    case 'system':
      return { version: 8, kind: 'system', system: 'all', ...common };
  }
}

/** Keystone's payload -> TokenCore, or null for the kinds this service does not issue (trust, federation, ...). */
export function fromPayload(p: TokenPayload, issuedAt: number): TokenCore | null {
  const common = { userId: p.userId, methods: p.methods, issuedAt, expiresAt: p.expiresAt, auditIds: p.auditIds };
  switch (p.kind) {
    case 'unscoped':
      return { ...common, scope: { kind: 'unscoped' } };
    case 'domain':
      return { ...common, scope: { kind: 'domain', domainId: p.domainId } };
    case 'project':
      return { ...common, scope: { kind: 'project', projectId: p.projectId } };
    case 'system':
      return p.system === 'all' ? { ...common, scope: { kind: 'system' } } : null;
    default:
      return null;
  }
}

// ---------------------------------------------------------------- bodies

export interface NamedRef {
  readonly id: string;
  readonly name: string;
}

export interface CatalogEndpoint {
  readonly id: string;
  readonly interface: string;
  readonly region_id: string;
  readonly url: string;
  readonly region: string;
}

export interface CatalogEntry {
  readonly endpoints: readonly CatalogEndpoint[];
  readonly id: string;
  readonly type: string;
  readonly name: string;
}

export interface TokenBody {
  readonly methods: readonly string[];
  readonly user: { readonly domain: NamedRef; readonly id: string; readonly name: string; readonly password_expires_at: null };
  readonly audit_ids: readonly string[];
  readonly expires_at: string;
  readonly issued_at: string;
  readonly project?: { readonly domain: NamedRef; readonly id: string; readonly name: string };
  readonly is_domain?: false;
  readonly domain?: NamedRef;
  readonly roles?: readonly NamedRef[];
  readonly system?: { readonly all: true };
  readonly catalog?: readonly CatalogEntry[];
}

/** What the database says about the token's subjects, looked up at issue and at every validation. */
export interface TokenContext {
  readonly user: { readonly id: string; readonly name: string; readonly domain: NamedRef };
  readonly project?: { readonly id: string; readonly name: string; readonly domain: NamedRef };
  readonly domain?: NamedRef;
  readonly roles: readonly NamedRef[];
}

export function renderToken(core: TokenCore, ctx: TokenContext, catalog?: readonly CatalogEntry[]): { token: TokenBody } {
  const base = {
    methods: [...core.methods],
    user: { domain: ctx.user.domain, id: ctx.user.id, name: ctx.user.name, password_expires_at: null },
    audit_ids: [...core.auditIds],
    expires_at: keystoneIsotime(core.expiresAt),
    issued_at: keystoneIsotime(core.issuedAt),
  } as const;
  const roles = ctx.roles.map((r) => ({ id: r.id, name: r.name }));
  let token: TokenBody;
  switch (core.scope.kind) {
    case 'unscoped':
      return { token: base };
    case 'project': {
      const p = ctx.project ?? { id: core.scope.projectId, name: '', domain: { id: '', name: '' } };
      token = { ...base, project: { domain: p.domain, id: p.id, name: p.name }, is_domain: false, roles };
      break;
    }
    case 'domain': {
      const d = ctx.domain ?? { id: core.scope.domainId, name: '' };
      token = { ...base, domain: { id: d.id, name: d.name }, roles };
      break;
    }
    case 'system':
      token = { ...base, roles, system: { all: true } };
      break;
  }
  return { token: catalog === undefined ? token : { ...token, catalog } };
}

/** Parses Keystone's "2026-11-25T15:23:48.000000Z" (or any ISO time) into seconds. */
export function parseIsotime(s: string): number {
  const ms = Date.parse(s);
  if (Number.isNaN(ms)) throw new Error(`not an ISO time: ${s}`);
  return ms / 1000;
}

/** A token body back to its core (used for signed PKI tokens). */
export function coreFromBody(t: TokenBody): TokenCore {
  const scope: Scope = t.project ? { kind: 'project', projectId: t.project.id } : t.domain ? { kind: 'domain', domainId: t.domain.id } : t.system ? { kind: 'system' } : { kind: 'unscoped' };
  return { userId: t.user.id, methods: t.methods, scope, issuedAt: parseIsotime(t.issued_at), expiresAt: parseIsotime(t.expires_at), auditIds: t.audit_ids };
}

/** Whole seconds now (Python int(time.time()), the Fernet timestamp). */
export function wholeSecondsNow(nowMs: number = Date.now()): number {
  return Math.floor(nowMs / 1000);
}
