// Token revocation as Keystone does it (keystone/models/revoke_model.py):
// a revocation event names some attributes (user, project, domain, role,
// audit id, audit chain id, expiry) and an `issued_before` time; a token is
// revoked when an event's every named attribute equals the token's and the
// token was issued at or before `issued_before`. Events live in the
// `revocation_event` table and are consulted on every validation, whatever
// the token format (Keystone's `check_revocation`), so a revocation is known
// wherever the database is (replicated or not).
//
// Keystone's timing quirk is kept: a Fernet token's issued_at is whole
// seconds, so a token issued in the same second as a user-wide event (but
// after it) counts as revoked.
import { auditChainIdOf, auditIdOf, type TokenCore } from './model.js';

export interface RevocationEvent {
  readonly userId?: string | null;
  readonly projectId?: string | null;
  readonly domainId?: string | null;
  readonly roleId?: string | null;
  readonly auditId?: string | null;
  readonly auditChainId?: string | null;
  /** seconds; matches a token with exactly this expiry */
  readonly expiresAt?: number | null;
  /** seconds (sub-second precision) */
  readonly issuedBefore: number;
  /** seconds */
  readonly revokedAt: number;
}

/** The attributes of a token an event is compared with (Keystone's `build_token_values`). */
export interface TokenValues {
  readonly userId: string;
  readonly projectId: string | null;
  /** the user's domain */
  readonly identityDomainId: string | null;
  /** the domain of the scope: the project's domain, or the scoped domain */
  readonly assignmentDomainId: string | null;
  readonly roleIds: readonly string[];
  readonly auditId: string;
  readonly auditChainId: string;
  readonly issuedAt: number;
  readonly expiresAt: number;
}

export function tokenValues(core: TokenCore, userDomainId: string | null, scopeDomainId: string | null, roleIds: readonly string[]): TokenValues {
  return {
    userId: core.userId,
    projectId: core.scope.kind === 'project' ? core.scope.projectId : null,
    identityDomainId: userDomainId,
    assignmentDomainId: core.scope.kind === 'domain' ? core.scope.domainId : scopeDomainId,
    roleIds,
    auditId: auditIdOf(core),
    auditChainId: auditChainIdOf(core),
    issuedAt: core.issuedAt,
    expiresAt: core.expiresAt,
  };
}

const set = <T>(v: T | null | undefined): v is T => v !== null && v !== undefined;

/** `revoke_model.matches`: every attribute the event names must match, and the token must predate the event. */
export function matches(e: RevocationEvent, t: TokenValues): boolean {
  if (set(e.userId) && e.userId !== t.userId) return false;
  if (set(e.domainId) && e.domainId !== t.identityDomainId && e.domainId !== t.assignmentDomainId) return false;
  if (set(e.projectId) && e.projectId !== t.projectId) return false;
  if (set(e.roleId) && !t.roleIds.includes(e.roleId)) return false;
  if (set(e.auditId) && e.auditId !== t.auditId) return false;
  if (set(e.auditChainId) && e.auditChainId !== t.auditChainId) return false;
  if (set(e.expiresAt) && Math.floor(e.expiresAt) !== Math.floor(t.expiresAt)) return false;
  return t.issuedAt <= e.issuedBefore;
}

export function isRevoked(events: Iterable<RevocationEvent>, t: TokenValues): RevocationEvent | null {
  for (const e of events) if (matches(e, t)) return e;
  return null;
}

/** DELETE /v3/auth/tokens: `revoke_by_audit_id` (or the whole chain). */
export function eventForToken(core: TokenCore, nowSeconds: number, chain = false): RevocationEvent {
  return chain
    ? { auditChainId: auditChainIdOf(core), issuedBefore: nowSeconds, revokedAt: nowSeconds }
    : { auditId: auditIdOf(core), issuedBefore: nowSeconds, revokedAt: nowSeconds };
}

/** Keystone prunes events older than the token lifetime plus `[revoke] expiration_buffer` (1800 s). */
export const EXPIRATION_BUFFER_SECONDS = 1800;
export function pruneBefore(nowSeconds: number, tokenLifetimeSeconds: number): number {
  return nowSeconds - tokenLifetimeSeconds - EXPIRATION_BUFFER_SECONDS;
}
