// PKI tokens (sign, verify offline, size growing with the catalog),
// Keystone's revocation event matching (against a real revoked token), and
// the identity database helpers (spec parsing, error classification).
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyDbError, describeDbSpec, isReadOnlyError, parseDbSpec } from '../../harness/services/identity/db.js';
import { renderToken, type CatalogEntry, type TokenCore, type TokenContext } from '../../harness/services/identity/model.js';
import { isPkiToken, publicKeyFromPem, setupPkiKeys, signToken, tokenHash, verifyToken } from '../../harness/services/identity/pki.js';
import { FernetProvider, PkiProvider } from '../../harness/services/identity/providers.js';
import { eventForToken, isRevoked, matches, pruneBefore, tokenValues, type RevocationEvent } from '../../harness/services/identity/revocation.js';
import type { Db } from '../../harness/services/identity/store.js';

const core: TokenCore = {
  userId: 'a3391ddc8e66421daeef5be1d60bf318',
  methods: ['password'],
  scope: { kind: 'project', projectId: '04a1a158380c492b9b25c8d0eff620ff' },
  issuedAt: 1_800_000_000,
  expiresAt: 1_800_003_600,
  auditIds: ['zqSsVlt6Tr2vN_4fvqd3KQ'],
};
const ctx: TokenContext = {
  user: { id: core.userId, name: 'alice', domain: { id: 'default', name: 'Default' } },
  project: { id: '04a1a158380c492b9b25c8d0eff620ff', name: 'demo', domain: { id: 'default', name: 'Default' } },
  roles: [
    { id: 'dda8337d84494d6ab07799a1dca00f67', name: 'member' },
    { id: '8367bd33120c42dbb05ce5bce851069c', name: 'reader' },
  ],
};

/** n regions, each with identity and network endpoints on three interfaces. */
function catalog(n: number): CatalogEntry[] {
  const regions = Array.from({ length: n }, (_, i) => `region-${i + 1}`);
  const svc = (id: string, type: string, name: string, port: number): CatalogEntry => ({
    id,
    type,
    name,
    endpoints: regions.flatMap((r, i) =>
      ['admin', 'internal', 'public'].map((iface, j) => ({ id: `${id.slice(0, 24)}${i}${j}`.padEnd(32, '0'), interface: iface, region_id: r, url: `http://198.18.${i + 1}.2:${port}/`, region: r })),
    ),
  });
  return [svc('a292f554f5d84986ac49abb97fbb4f14', 'identity', 'keystone', 5000), svc('b292f554f5d84986ac49abb97fbb4f15', 'network', 'neutron', 9696)];
}

describe('PKI tokens', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');

  it('verify offline with the public key only; tampering or another key fails', () => {
    const body = renderToken(core, ctx, catalog(1));
    const t = signToken(privateKey, body);
    expect(isPkiToken(t)).toBe(true);
    expect(verifyToken(publicKey, t)).toEqual({ ok: true, body: JSON.parse(JSON.stringify(body)) });
    const other = generateKeyPairSync('ed25519').publicKey;
    expect(verifyToken(other, t).ok).toBe(false);
    const i = 40;
    const tampered = t.slice(0, i) + (t[i] === 'A' ? 'B' : 'A') + t.slice(i + 1);
    expect(verifyToken(publicKey, tampered)).toEqual({ ok: false, detail: 'signature does not verify' });
    expect(verifyToken(publicKey, 'PKI_abc')).toEqual({ ok: false, detail: 'malformed PKI token' });
    expect(verifyToken(publicKey, 'gAAAAAB...')).toEqual({ ok: false, detail: 'not a PKI token' });
  });

  it('grow with the catalog: > 1600 bytes with 5 regions, ~linear in regions', () => {
    const sizes = [1, 2, 5, 10].map((n) => signToken(privateKey, renderToken(core, ctx, catalog(n))).length);
    expect(sizes[2]).toBeGreaterThan(1600);
    expect(sizes[0]).toBeLessThan(sizes[1]!);
    const perRegion = (sizes[3]! - sizes[2]!) / 5;
    expect(sizes[1]! - sizes[0]!).toBeCloseTo(perRegion, -1);
    console.log(`PKI token bytes by regions (2 services x 3 interfaces): ${[1, 2, 5, 10].map((n, i) => `${n}: ${sizes[i]}`).join(', ')}`);
  });

  it('the provider decodes its own tokens into the core and lists revoked ones by hash', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'msh-pki-'));
    try {
      const k = await setupPkiKeys(dir);
      expect(k.created).toBe(true);
      const again = await setupPkiKeys(dir);
      expect(again.created).toBe(false);
      expect(again.publicPem).toBe(k.publicPem);
      const inserted: unknown[][] = [];
      const db = { query: async (q: { values: unknown[] }) => (inserted.push(q.values), [{ affectedRows: 1 }]) } as unknown as Db;
      const p = new PkiProvider(db, k.privateKey, publicKeyFromPem(k.publicPem));
      const t = await p.issue(core, renderToken(core, ctx, catalog(2)));
      expect(await p.decode(t)).toEqual({ ok: true, core });
      expect(await p.decode(t.slice(0, -3))).toEqual({ ok: false, message: 'Could not recognize PKI token' });
      await p.onRevoke(t, core, 1_800_000_100);
      expect(inserted[0]![0]).toBe(tokenHash(t));
      expect(tokenHash(t)).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('revocation events (keystone/models/revoke_model.py)', () => {
  const values = tokenValues(core, 'default', 'default', ctx.roles.map((r) => r.id));
  const at = (issuedBefore: number, e: Omit<RevocationEvent, 'issuedBefore' | 'revokedAt'> = {}): RevocationEvent => ({ ...e, issuedBefore, revokedAt: issuedBefore });

  it('matches on every named attribute and on issued_at <= issued_before', () => {
    expect(matches(at(core.issuedAt, { auditId: core.auditIds[0]! }), values)).toBe(true);
    expect(matches(at(core.issuedAt - 1, { auditId: core.auditIds[0]! }), values)).toBe(false); // token issued after the event
    expect(matches(at(core.issuedAt + 5, { auditId: 'someone-elses-audit-id' }), values)).toBe(false);
    expect(matches(at(core.issuedAt + 5, { userId: core.userId }), values)).toBe(true);
    expect(matches(at(core.issuedAt + 5, { userId: 'other' }), values)).toBe(false);
    expect(matches(at(core.issuedAt + 5, { projectId: '04a1a158380c492b9b25c8d0eff620ff' }), values)).toBe(true);
    expect(matches(at(core.issuedAt + 5, { userId: core.userId, projectId: 'other' }), values)).toBe(false);
    expect(matches(at(core.issuedAt + 5, { domainId: 'default' }), values)).toBe(true);
    expect(matches(at(core.issuedAt + 5, { roleId: '8367bd33120c42dbb05ce5bce851069c' }), values)).toBe(true);
    expect(matches(at(core.issuedAt + 5, { roleId: 'admin-role' }), values)).toBe(false);
    expect(matches(at(core.issuedAt + 5, { expiresAt: core.expiresAt }), values)).toBe(true);
  });

  it('a DELETE revokes the token, not its rescoped child; a chain event revokes both', () => {
    const child: TokenCore = { ...core, methods: ['token', 'password'], issuedAt: core.issuedAt + 10, auditIds: ['childchildchildchild00', core.auditIds[0]!] };
    const childValues = tokenValues(child, 'default', 'default', []);
    const one = eventForToken(core, core.issuedAt + 20);
    expect(isRevoked([one], values)).toBe(one);
    expect(isRevoked([one], childValues)).toBeNull();
    const chain = eventForToken(core, core.issuedAt + 20, true);
    expect(isRevoked([chain], values)).toBe(chain);
    expect(isRevoked([chain], childValues)).toBe(chain);
  });

  it("Keystone's same-second quirk: a token issued in the event's second counts as issued before it", () => {
    const e = at(core.issuedAt + 0.7, { userId: core.userId });
    expect(matches(e, values)).toBe(true);
  });

  it('revokes the real revoked fixture token and nothing else', async () => {
    const fx = join(import.meta.dirname, '..', '..', 'fixtures', 'keystone-fernet');
    const cases = (JSON.parse(readFileSync(join(fx, 'tokens.json'), 'utf8')) as { cases: { name: string; token: string; negative: boolean }[] }).cases;
    const fernet = new FernetProvider(join(fx, 'keys'), 3);
    const now = Date.parse('2026-11-25T16:00:00Z') / 1000;
    const revokedAt = Date.parse('2026-11-25T15:24:00Z') / 1000; // between the 200 and the 404 Keystone gave
    const revoked = await fernet.decode(cases.find((c) => c.name === 'revoked_token')!.token, now);
    if (!revoked.ok) throw new Error('fixture');
    const event = eventForToken(revoked.core, revokedAt);
    expect(event.auditId).toBe('xDnUvRsSQDGAVB3pNnLRKA');
    for (const c of cases.filter((x) => !x.negative)) {
      const d = await fernet.decode(c.token, now);
      if (!d.ok) continue;
      expect(isRevoked([event], tokenValues(d.core, null, null, []))).toBeNull();
    }
    expect(isRevoked([event], tokenValues(revoked.core, null, null, []))).toBe(event);
    expect(pruneBefore(revokedAt, 3600)).toBe(revokedAt - 3600 - 1800);
  });
});

describe('identity database', () => {
  it('parses --identity-db specs', () => {
    expect(parseDbSpec('/run/msh-galera/mysqld.sock')).toEqual({ kind: 'socket', socketPath: '/run/msh-galera/mysqld.sock', database: 'keystone' });
    expect(parseDbSpec('198.18.1.3')).toEqual({ kind: 'tcp', host: '198.18.1.3', port: 3306, user: 'root', database: 'keystone' });
    expect(parseDbSpec('keystone:ks-pw@198.18.1.3:3307/ks')).toEqual({ kind: 'tcp', host: '198.18.1.3', port: 3307, user: 'keystone', password: 'ks-pw', database: 'ks' });
    expect(describeDbSpec(parseDbSpec('keystone:ks-pw@10.0.0.1'))).toBe('keystone@10.0.0.1:3306/keystone');
    expect(() => parseDbSpec('a@b@c')).toThrow(/expected a socket path/);
  });

  it('turns read-only, non-Primary and unreachable databases into 503s with the cause', () => {
    const ro = classifyDbError({ errno: 1290, code: 'ER_OPTION_PREVENTS_STATEMENT', sqlMessage: 'The MariaDB server is running with the --read-only option so it cannot execute this statement' }, 'ks@r:3306/keystone');
    expect(ro?.status).toBe(503);
    expect(ro?.message).toMatch(/is read-only .*1290.*--read-only.*master/);
    expect(ro?.body()).toMatchObject({ error: { code: 503, title: 'Service Unavailable' } });
    expect(isReadOnlyError({ errno: 1290 })).toBe(true);
    expect(classifyDbError({ errno: 1047, sqlMessage: 'WSREP has not yet prepared node for application use' }, 'x')?.message).toMatch(/WSREP/);
    expect(classifyDbError({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }, 'x')?.message).toMatch(/unreachable/);
    expect(classifyDbError({ errno: 1146, sqlMessage: "Table 'keystone.user' doesn't exist" }, 'x')).toBeNull();
    expect(classifyDbError(new TypeError('bug'), 'x')).toBeNull();
  });
});
