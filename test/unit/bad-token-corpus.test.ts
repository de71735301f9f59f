// The bad-token corpus, per provider: every token is well-formed for its
// provider, and each is bad for the reason its label says. Fernet runs on the
// key repository and a token written by real Keystone (fixtures/keystone-fernet).
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCorpus, CorpusError, tamperFernet, type Corpus } from '../../harness/engine/bad-token-corpus.js';
import { pyUrlsafeB64Decode, parseToken, restorePadding } from '../../harness/services/identity/fernet.js';
import { load } from '../../harness/services/identity/keys.js';
import { coreFromBody, newAuditId, renderToken, type TokenBody } from '../../harness/services/identity/model.js';
import { DEFAULT_ALLOW_EXPIRED_WINDOW, validateToken } from '../../harness/services/identity/payload.js';
import { signToken, verifyToken } from '../../harness/services/identity/pki.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'keystone-fernet');
const keystone = (JSON.parse(readFileSync(join(FIXTURES, 'tokens.json'), 'utf8')) as { cases: { name: string; token: string }[] }).cases;
const keystoneToken = (name: string) => keystone.find((c) => c.name === name)!.token;
const NOW = Date.parse('2026-11-25T16:00:00Z') / 1000;
const tokenOf = (c: Corpus, label: string) => c.tokens.find((t) => t.label === label)!.token;

describe('Fernet corpus (real Keystone repository and token)', async () => {
  const keys = await load(join(FIXTURES, 'keys'));
  const valid = keystoneToken('project_scoped_password');
  const revoked = keystoneToken('revoked_token');
  const c = buildCorpus({ secrets: { provider: 'fernet', keys }, valid, revoked, now: NOW });

  it('labels the control, the four made tokens and the revoked one; skips nothing', () => {
    expect(c.tokens.map((t) => t.label)).toEqual(['control', 'forged', 'tampered', 'expired', 'wrong-key', 'revoked']);
    expect(c.skipped).toEqual([]);
    expect(tokenOf(c, 'control')).toBe(valid);
    expect(tokenOf(c, 'revoked')).toBe(revoked);
  });

  it('every token is a well-formed Fernet token; only the control and the expired one decrypt with the repository', () => {
    for (const t of c.tokens) expect(parseToken(t.token).ok, t.label).toBe(true);
    const fernet = (label: string) => validateToken(keys, tokenOf(c, label), { now: NOW });
    expect(fernet('control').ok).toBe(true);
    for (const label of ['forged', 'tampered', 'wrong-key']) expect(fernet(label)).toMatchObject({ ok: false, reason: 'unrecognized', fernetReason: 'bad-signature' });
  });

  it('tampered differs from the valid token in exactly one decoded byte', () => {
    const a = pyUrlsafeB64Decode(restorePadding(valid))!;
    const b = pyUrlsafeB64Decode(restorePadding(tokenOf(c, 'tampered')))!;
    expect(b.length).toBe(a.length);
    expect([...a].filter((x, i) => x !== b[i])).toHaveLength(1);
    expect(tamperFernet(valid)).toBe(tokenOf(c, 'tampered'));
  });

  it("expired: the real keys, the valid token's user and project, expiry in the past, inside allow_expired_window", () => {
    const v = validateToken(keys, valid, { now: NOW });
    const e = validateToken(keys, tokenOf(c, 'expired'), { now: NOW });
    expect(e).toMatchObject({ ok: false, reason: 'expired' });
    const w = validateToken(keys, tokenOf(c, 'expired'), { now: NOW, allowExpiredWindow: DEFAULT_ALLOW_EXPIRED_WINDOW });
    if (!w.ok || !v.ok) throw new Error('expected both to decode');
    expect(w.payload).toMatchObject({ kind: 'project', userId: v.payload.userId, projectId: (v.payload as { projectId: string }).projectId });
    expect(w.payload.expiresAt).toBe(Math.trunc(NOW) - 3600);
    expect(w.payload.auditIds[0]).not.toBe(v.payload.auditIds[0]);
  });

  it("wrong-key carries the valid token's exact payload (same length), under a key the repository lacks", () => {
    expect(tokenOf(c, 'wrong-key')).toHaveLength(valid.length);
    expect(tokenOf(c, 'wrong-key')).not.toBe(valid);
  });

  it('refuses a valid token the repository cannot read', () => {
    expect(() => buildCorpus({ secrets: { provider: 'fernet', keys }, valid: keystoneToken('purged_key_token'), revoked, now: NOW })).toThrow(CorpusError);
  });
});

describe('UUID corpus', () => {
  const valid = '0123456789abcdef0123456789abcdef';
  const c = buildCorpus({ secrets: { provider: 'uuid' }, valid, revoked: 'fedcba9876543210fedcba9876543210', now: NOW });
  it('forged and tampered are 32 hex; expired and wrong-key are skipped with a reason', () => {
    expect(c.tokens.map((t) => t.label)).toEqual(['control', 'forged', 'tampered', 'revoked']);
    for (const t of c.tokens) expect(t.token).toMatch(/^[0-9a-f]{32}$/);
    expect(tokenOf(c, 'forged')).not.toBe(valid);
    expect([...tokenOf(c, 'tampered')].filter((x, i) => x !== valid[i])).toHaveLength(1);
    expect(c.skipped.map((s) => s.label)).toEqual(['expired', 'wrong-key']);
    for (const s of c.skipped) expect(s.reason.length).toBeGreaterThan(20);
  });
});

describe('PKI corpus', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const core = { userId: 'a3391ddc8e66421daeef5be1d60bf318', methods: ['password'], scope: { kind: 'project' as const, projectId: '04a1a158380c492b9b25c8d0eff620ff' }, issuedAt: NOW - 60, expiresAt: NOW + 3540, auditIds: [newAuditId()] };
  const ctx = { user: { id: core.userId, name: 'admin', domain: { id: 'default', name: 'Default' } }, project: { id: core.scope.projectId, name: 'admin', domain: { id: 'default', name: 'Default' } }, roles: [{ id: 'r1', name: 'admin' }] };
  const valid = signToken(privateKey, renderToken(core, ctx));
  const c = buildCorpus({ secrets: { provider: 'pki', privateKey }, valid, revoked: signToken(privateKey, renderToken({ ...core, auditIds: [newAuditId()] }, ctx)), now: NOW });
  const verify = (label: string) => verifyToken(publicKey, tokenOf(c, label));
  const body = (label: string) => JSON.parse(Buffer.from(tokenOf(c, label).slice(4).split('.')[0]!, 'base64url').toString('utf8')) as { token: TokenBody };

  it('only the control, the revoked and the expired token carry the real signature', () => {
    expect(c.tokens.map((t) => t.label)).toEqual(['control', 'forged', 'tampered', 'expired', 'wrong-key', 'revoked']);
    for (const label of ['control', 'expired', 'revoked']) expect(verify(label).ok, label).toBe(true);
    for (const label of ['forged', 'tampered', 'wrong-key']) expect(verify(label).ok, label).toBe(false);
  });

  it('tampered is still a PKI token with a JSON body, one byte apart; wrong-key carries the exact body', () => {
    expect(tokenOf(c, 'tampered')).toMatch(/^PKI_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    const a = JSON.stringify(body('control'));
    const b = JSON.stringify(body('tampered'));
    expect([...a].filter((x, i) => x !== b[i])).toHaveLength(1);
    expect(body('wrong-key')).toEqual(body('control'));
  });

  it('expired is signed by the real key with expires_at an hour in the past', () => {
    expect(coreFromBody(body('expired').token).expiresAt).toBe(Math.trunc(NOW) - 3600);
  });
});
