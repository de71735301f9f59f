// Token bodies and scopes against real Keystone: the fixtures' tokens are
// decoded by the Fernet provider into a TokenCore, rendered with the
// context Keystone reported, and compared with Keystone's own body (key
// order included). Round trips of every scope through each provider's
// format, and uuid tokens' shape and persistence.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCatalog, catalogRegions, endpointFor } from '../../harness/services/identity/catalog.js';
import {
  coreFromBody,
  fromPayload,
  newAuditId,
  orderMethods,
  renderToken,
  toPayload,
  type Scope,
  type TokenBody,
  type TokenContext,
  type TokenCore,
} from '../../harness/services/identity/model.js';
import { isExpired } from '../../harness/services/identity/payload.js';
import { hashPassword, verifyPassword } from '../../harness/services/identity/password.js';
import { FernetProvider, UuidProvider } from '../../harness/services/identity/providers.js';
import { expandImplied } from '../../harness/services/identity/roles.js';
import { rotate } from '../../harness/services/identity/keys.js';
import type { Db, EndpointRow, ServiceRow } from '../../harness/services/identity/store.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'keystone-fernet');
interface Case {
  name: string;
  negative: boolean;
  token: string;
  validation: { status: number; body_raw: string; body: { token: TokenBody } };
}
const cases = (JSON.parse(readFileSync(join(FIXTURES, 'tokens.json'), 'utf8')) as { cases: Case[] }).cases;
const byName = (n: string) => cases.find((c) => c.name === n)!;
const NOW = Date.parse('2026-11-25T16:00:00Z') / 1000;

/** The context Keystone's body reports (what our database lookups would give). */
function contextOf(t: TokenBody): TokenContext {
  return {
    user: { id: t.user.id, name: t.user.name, domain: t.user.domain },
    ...(t.project ? { project: t.project } : {}),
    ...(t.domain ? { domain: t.domain } : {}),
    roles: t.roles ?? [],
  };
}

describe('Keystone token bodies from real Keystone tokens', () => {
  const fernet = new FernetProvider(join(FIXTURES, 'keys'), 3);
  for (const name of ['unscoped_password', 'project_scoped_password', 'domain_scoped_password', 'domain_scoped_default_domain', 'system_scoped_admin', 'token_method_rescope', 'password_plus_token']) {
    it(`${name}: decode -> core -> body equals Keystone's, key order included`, async () => {
      const c = byName(name);
      const d = await fernet.decode(c.token, NOW);
      expect(d.ok).toBe(true);
      if (!d.ok) return;
      const keystone = JSON.parse(c.validation.body_raw) as { token: TokenBody };
      const ours = renderToken(d.core, contextOf(keystone.token));
      expect(JSON.stringify(ours)).toBe(JSON.stringify(keystone));
    });
  }

  it('re-encrypts a decoded core into a token that decodes to the same core (and is < 255 bytes)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'msh-fernet-'));
    try {
      const p = new FernetProvider(dir, 3);
      expect(await p.init()).toBe('created');
      for (const name of ['unscoped_password', 'project_scoped_password', 'domain_scoped_password', 'system_scoped_admin', 'token_method_rescope']) {
        const d = await fernet.decode(byName(name).token, NOW);
        if (!d.ok) throw new Error(name);
        const token = await p.issue(d.core);
        expect(token.length).toBeLessThan(255);
        expect(token.length).toBe(byName(name).token.length);
        expect(await p.decode(token, NOW)).toEqual({ ok: true, core: d.core });
        // ...which the fixture's repository cannot read: 404 "Could not recognize Fernet token"
        expect(await fernet.decode(token, NOW)).toEqual({ ok: false, message: 'Could not recognize Fernet token' });
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('follows rotations made with keys.ts at once: new primary encrypts, old tokens decrypt until their key is purged', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'msh-fernet-'));
    try {
      const p = new FernetProvider(dir, 3);
      await p.init();
      const core: TokenCore = { userId: 'u', methods: ['password'], scope: { kind: 'unscoped' }, issuedAt: NOW, expiresAt: NOW + 3600, auditIds: [newAuditId()] };
      const t1 = await p.issue(core);
      await rotate(dir, 3);
      expect((await p.keys()).map((k) => k.index)).toEqual([2, 1, 0]);
      const t2 = await p.issue(core);
      expect((await p.decode(t1, NOW)).ok).toBe(true);
      await rotate(dir, 3); // key 1 (t1's) purged
      expect((await p.keys()).map((k) => k.index)).toEqual([3, 2, 0]);
      expect(await p.decode(t1, NOW)).toEqual({ ok: false, message: 'Could not recognize Fernet token' });
      expect((await p.decode(t2, NOW)).ok).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects what Keystone rejected for format reasons, with its message', async () => {
    for (const name of ['tampered_middle_byte', 'truncated_half', 'garbage_not_fernet', 'purged_key_token']) {
      expect(await fernet.decode(byName(name).token, NOW)).toEqual({ ok: false, message: 'Could not recognize Fernet token' });
    }
    // expired: Keystone's "Failed to validate token"
    expect(await fernet.decode(byName('expired_token').token, NOW)).toEqual({ ok: false, message: 'Failed to validate token' });
  });
});

describe('token cores and scopes', () => {
  const base = { userId: 'a3391ddc8e66421daeef5be1d60bf318', methods: ['password'], issuedAt: 1_800_000_000, expiresAt: 1_800_003_600, auditIds: [newAuditId()] };
  const scopes: Scope[] = [
    { kind: 'unscoped' },
    { kind: 'project', projectId: '04a1a158380c492b9b25c8d0eff620ff' },
    { kind: 'domain', domainId: 'default' },
    { kind: 'domain', domainId: 'af447d73bb9e4fcc80e328db29cd140c' },
    { kind: 'system' },
  ];

  it('maps every scope to its Keystone payload version and back', () => {
    const versions = scopes.map((scope) => toPayload({ ...base, scope }).version);
    expect(versions).toEqual([0, 2, 1, 1, 8]);
    for (const scope of scopes) {
      const core: TokenCore = { ...base, scope };
      expect(fromPayload(toPayload(core), core.issuedAt)).toEqual(core);
    }
  });

  it('renders each scope in Keystone layout and parses a body back to its core', () => {
    const ctx: TokenContext = {
      user: { id: base.userId, name: 'alice', domain: { id: 'default', name: 'Default' } },
      project: { id: '04a1a158380c492b9b25c8d0eff620ff', name: 'demo', domain: { id: 'default', name: 'Default' } },
      domain: { id: 'default', name: 'Default' },
      roles: [{ id: 'r1', name: 'member' }],
    };
    const keys = scopes.map((scope) => Object.keys(renderToken({ ...base, scope }, ctx, []).token));
    const head = ['methods', 'user', 'audit_ids', 'expires_at', 'issued_at'];
    expect(keys[0]).toEqual(head); // unscoped: no roles, no catalog
    expect(keys[1]).toEqual([...head, 'project', 'is_domain', 'roles', 'catalog']);
    expect(keys[2]).toEqual([...head, 'domain', 'roles', 'catalog']);
    expect(keys[4]).toEqual([...head, 'roles', 'system', 'catalog']);
    for (const scope of scopes) {
      const core: TokenCore = { ...base, scope };
      const body = renderToken(core, { ...ctx, ...(scope.kind === 'domain' ? { domain: { id: scope.domainId, name: 'x' } } : {}) }).token;
      expect(coreFromBody(body)).toEqual(core);
    }
  });

  it("orders methods like Keystone's bitmask decoding and makes 22-char audit ids", () => {
    expect(orderMethods(['password', 'token'])).toEqual(['token', 'password']);
    expect(orderMethods(new Set(['password']))).toEqual(['password']);
    const ids = new Set(Array.from({ length: 50 }, () => newAuditId()));
    expect(ids.size).toBe(50);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('expires at expires_at (whole seconds), like Keystone', () => {
    expect(isExpired(base.expiresAt, base.expiresAt - 0.5)).toBe(false);
    expect(isExpired(base.expiresAt, base.expiresAt)).toBe(true);
  });

  it('expands implied roles (admin -> member -> reader) after the direct ones', () => {
    const byId = new Map([
      ['a', { id: 'a', name: 'admin' }],
      ['m', { id: 'm', name: 'member' }],
      ['r', { id: 'r', name: 'reader' }],
    ]);
    const rules = [
      { prior: 'a', implied: 'm' },
      { prior: 'm', implied: 'r' },
    ];
    expect(expandImplied([byId.get('a')!], rules, byId).map((r) => r.name)).toEqual(['admin', 'member', 'reader']);
    expect(expandImplied([byId.get('m')!], rules, byId).map((r) => r.name)).toEqual(['member', 'reader']);
    expect(expandImplied([{ id: 'x', name: 'custom' }], rules, byId).map((r) => r.name)).toEqual(['custom']);
  });
});

describe('uuid tokens', () => {
  /** A Db that records statements and answers SELECTs from what was inserted. */
  function fakeDb() {
    const rows = new Map<string, { id: string; expires: Date; extra: string; valid: number; user_id: string }>();
    const statements: string[] = [];
    const db = {
      async query(q: string | { sql: string; values?: unknown[] }, v?: unknown[]) {
        // The store passes { sql, values, timeout }; the schema migration, plain strings.
        const [sql, values] = typeof q === 'string' ? [q, v ?? []] : [q.sql, q.values ?? []];
        statements.push(sql.split(' ').slice(0, 3).join(' '));
        if (sql.startsWith('INSERT INTO token')) {
          const [id, expires, extra, valid, user_id] = values as [string, Date, string, boolean, string];
          rows.set(id, { id, expires, extra, valid: valid ? 1 : 0, user_id });
          return [{ affectedRows: 1 }];
        }
        if (sql.startsWith('SELECT * FROM token')) return [rows.has(values[0] as string) ? [rows.get(values[0] as string)] : []];
        if (sql.startsWith('UPDATE token SET valid = 0')) {
          const r = rows.get(values[0] as string);
          if (r) r.valid = 0;
          return [{ affectedRows: r ? 1 : 0 }];
        }
        throw new Error(`unexpected ${sql}`);
      },
    };
    return { db: db as unknown as Db, statements };
  }

  it('are 32 hex chars, one INSERT each, validated by lookup, invalidated by revoke', async () => {
    const { db, statements } = fakeDb();
    const p = new UuidProvider(db);
    const core: TokenCore = { userId: 'u1', methods: ['password'], scope: { kind: 'project', projectId: 'p1' }, issuedAt: 100, expiresAt: 3700, auditIds: ['AAAAAAAAAAAAAAAAAAAAAA'] };
    const tokens = [await p.issue(core), await p.issue(core)];
    for (const t of tokens) expect(t).toMatch(/^[0-9a-f]{32}$/);
    expect(tokens[0]).not.toBe(tokens[1]);
    expect(statements).toEqual(['INSERT INTO token', 'INSERT INTO token']);
    expect(await p.decode(tokens[0]!)).toEqual({ ok: true, core });
    expect(await p.decode('0'.repeat(32))).toEqual({ ok: false, message: `Could not find token: ${'0'.repeat(32)}.` });
    expect((await p.decode('not-a-uuid-token')).ok).toBe(false);
    await p.onRevoke(tokens[0]!);
    expect(await p.decode(tokens[0]!)).toEqual({ ok: false, message: 'Failed to validate token' });
    expect(await p.decode(tokens[1]!)).toEqual({ ok: true, core });
  });
});

describe('catalog', () => {
  const svc = (id: string, type: string): ServiceRow => ({ id, type, name: type === 'identity' ? 'keystone' : 'neutron', description: '', enabled: true });
  const ep = (id: string, service_id: string, region: string, iface: string, url: string): EndpointRow => ({ id, interface: iface, service_id, url, region_id: region, enabled: true });

  it("lists every region's endpoints per service in Keystone's key order, and picks an endpoint by region", () => {
    const k = svc('k', 'identity');
    const n = svc('n', 'network');
    const cat = buildCatalog([
      { service: k, endpoint: ep('e1', 'k', 'east', 'public', 'http://198.18.1.2:5000/v3/') },
      { service: k, endpoint: ep('e2', 'k', 'east', 'internal', 'http://198.18.1.2:5000/v3/') },
      { service: k, endpoint: ep('e3', 'k', 'west', 'internal', 'http://198.18.2.2:5000/v3/') },
      { service: n, endpoint: null },
    ]);
    expect(cat).toHaveLength(1); // a service without endpoints is left out
    expect(Object.keys(cat[0]!)).toEqual(['endpoints', 'id', 'type', 'name']);
    expect(Object.keys(cat[0]!.endpoints[0]!)).toEqual(['id', 'interface', 'region_id', 'url', 'region']);
    expect(catalogRegions(cat)).toEqual(['east', 'west']);
    expect(endpointFor(cat, 'identity', 'west', 'internal')).toBe('http://198.18.2.2:5000/v3/');
    expect(endpointFor(cat, 'identity', 'west', 'public')).toBeNull();
  });
});

describe('passwords (scrypt, not bcrypt)', () => {
  it('verifies the right password only, and keeps the cost in the hash', async () => {
    const h = await hashPassword('s3cret', 10);
    expect(h).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$/);
    expect(await verifyPassword('s3cret', h)).toBe(true);
    expect(await verifyPassword('s3cret!', h)).toBe(false);
    expect(await verifyPassword('s3cret', 'garbage')).toBe(false);
  });
});

