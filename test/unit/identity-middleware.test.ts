// The auth middleware with an injected clock and a fake keystone transport:
// where validation goes (the configured region's endpoint, not the auth
// URL), the token cache (hits, TTL, token expiry, negative caching), 401
// and 503 answers, PKI offline validation with the revocation list.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Reply, RouteRequest } from '../../harness/services/http.js';
import { AuthMiddleware, passedIdentity, versionedIdentityUrl, type HttpResponse, type Transport } from '../../harness/services/identity/middleware.js';
import { keystoneIsotime } from '../../harness/services/identity/payload.js';
import { signToken, tokenHash } from '../../harness/services/identity/pki.js';

const T0 = Date.parse('2026-11-25T12:00:00Z');
const EAST = 'http://198.18.1.2:5000/v3/';
const WEST = 'http://198.18.2.2:5000/v3/';
const { privateKey, publicKey } = generateKeyPairSync('ed25519');

function tokenBody(user: string, expiresAtMs: number, extra: Record<string, unknown> = {}) {
  return {
    methods: ['password'],
    user: { domain: { id: 'default', name: 'Default' }, id: user, name: user, password_expires_at: null },
    audit_ids: ['AAAAAAAAAAAAAAAAAAAAAA'],
    expires_at: keystoneIsotime(expiresAtMs / 1000),
    issued_at: keystoneIsotime(T0 / 1000),
    project: { domain: { id: 'default', name: 'Default' }, id: 'p1', name: 'demo' },
    is_domain: false,
    roles: [{ id: 'r1', name: 'member' }],
    ...extra,
  };
}

/** A keystone answering for both regions; `valid` maps subject token -> its expiry (ms). */
function fakeKeystone(valid: Map<string, number>, revoked: string[] = []) {
  const calls: string[] = [];
  let down = false;
  const catalog = [
    {
      endpoints: [
        { id: 'e1', interface: 'internal', region_id: 'east', url: EAST, region: 'east' },
        { id: 'e2', interface: 'public', region_id: 'east', url: EAST, region: 'east' },
        { id: 'w1', interface: 'internal', region_id: 'west', url: WEST, region: 'west' },
      ],
      id: 's1',
      type: 'identity',
      name: 'keystone',
    },
  ];
  const json = (status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse => ({ status, headers, text: JSON.stringify(body) });
  const transport: Transport = async (method, url, headers) => {
    calls.push(`${method} ${url}`);
    if (down) throw new Error('connect ECONNREFUSED');
    const path = new URL(url).pathname;
    if (method === 'POST' && path === '/v3/auth/tokens') {
      return json(201, { token: tokenBody('svc', T0 + 3600_000, { catalog }) }, { 'x-subject-token': 'service-token' });
    }
    if (method === 'GET' && path === '/v3/auth/tokens') {
      if (headers['X-Auth-Token'] !== 'service-token') return json(401, { error: { code: 401 } });
      const exp = valid.get(headers['X-Subject-Token']!);
      return exp === undefined ? json(404, { error: { code: 404, message: 'Failed to validate token', title: 'Not Found' } }) : json(200, { token: tokenBody('alice', exp) });
    }
    if (path === '/v3/OS-SIMPLE-CERT/certificates') return { status: 200, headers: {}, text: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
    if (path === '/v3/auth/tokens/OS-PKI/revoked') return json(200, { revoked: revoked.map((id) => ({ id, expires: '2036-01-01T00:00:00Z' })) });
    return json(404, {});
  };
  return { transport, calls, setDown: (d: boolean) => (down = d) };
}

function req(token?: string, transport: 'tcp' | 'unix' = 'tcp', path = '/v2.0/networks'): RouteRequest {
  return { method: 'GET', transport, path, params: {}, query: new URLSearchParams(), body: undefined, headers: token ? { 'x-auth-token': token, 'x-project-id': 'forged' } : { 'x-project-id': 'forged' } };
}

function setup(o: { region?: string; valid?: Map<string, number>; revoked?: string[]; exemptUnix?: boolean } = {}) {
  let now = T0;
  const ks = fakeKeystone(o.valid ?? new Map([['good', T0 + 3600_000]]), o.revoked);
  const mw = new AuthMiddleware({
    authUrl: 'http://198.18.2.2:5000/v3', // the service user logs in at the other region's keystone
    region: o.region ?? 'east',
    username: 'neutron',
    password: 'pw',
    projectName: 'service',
    cacheTimeSeconds: 300,
    revocationIntervalSeconds: 10,
    ...(o.exemptUnix ? { exemptUnix: true } : {}),
    now: () => now,
    transport: ks.transport,
  });
  const seen: RouteRequest[] = [];
  const next = async (r: RouteRequest): Promise<Reply> => (seen.push(r), { status: 200, body: { ok: true } });
  return { mw, ks, seen, call: (r: RouteRequest) => mw.handler(r, next), advance: (ms: number) => (now += ms) };
}

describe('auth middleware', () => {
  it("401 without a token or with a bad one; 200 with a good one, validated at the configured region's endpoint", async () => {
    const s = setup();
    const none = await s.call(req());
    expect(none.status).toBe(401);
    expect(none.body).toEqual({ error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } });
    expect(none.headers).toEqual({ 'WWW-Authenticate': 'Keystone uri="http://198.18.2.2:5000/v3"' });
    expect(s.ks.calls).toEqual([]); // no token, no call

    expect((await s.call(req('bad'))).status).toBe(401);
    expect((await s.call(req('good'))).status).toBe(200);
    expect(passedIdentity(s.seen[0]!)).toEqual({ userId: 'alice', projectId: 'p1', roles: ['member'] }); // the forged X-Project-Id is replaced
    expect(s.ks.calls).toEqual([
      'POST http://198.18.2.2:5000/v3/auth/tokens', // the service token, at the auth URL
      'GET http://198.18.1.2:5000/v3/auth/tokens?nocatalog', // validation: east's identity endpoint
      'GET http://198.18.1.2:5000/v3/auth/tokens?nocatalog',
    ]);
    const st = s.mw.stats();
    expect(st.validationUrl).toBe('http://198.18.1.2:5000/v3');
    expect(st.validations).toEqual({ total: 2, byUrl: { 'http://198.18.1.2:5000/v3/auth/tokens': 2 } });
    expect(st.accepted).toBe(1);
    expect(st.rejected).toBe(2);
  });

  it('a west middleware validates at west', async () => {
    const s = setup({ region: 'west' });
    expect((await s.call(req('good'))).status).toBe(200);
    expect(s.mw.stats().validations.byUrl).toEqual({ 'http://198.18.2.2:5000/v3/auth/tokens': 1 });
  });

  it('caches for token_cache_time, never past the token expiry, and caches rejections', async () => {
    const s = setup();
    await s.call(req('good'));
    await s.call(req('good'));
    expect(s.mw.stats().validations.total).toBe(1);
    expect(s.mw.stats().cache).toMatchObject({ hits: 1, misses: 1 });
    s.advance(299_000);
    await s.call(req('good'));
    expect(s.mw.stats().validations.total).toBe(1);
    s.advance(2_000); // 301 s after the first validation
    await s.call(req('good'));
    expect(s.mw.stats().validations.total).toBe(2);

    await s.call(req('bad'));
    await s.call(req('bad'));
    expect(s.mw.stats().validations.total).toBe(3);
  });

  it('drops a cached token when the token expires, before the TTL', async () => {
    const s = setup({ valid: new Map([['short', T0 + 60_000]]) });
    await s.call(req('short'));
    s.advance(59_000);
    await s.call(req('short'));
    expect(s.mw.stats().validations.total).toBe(1);
    s.advance(2_000);
    await s.call(req('short'));
    expect(s.mw.stats().validations.total).toBe(2);
  });

  it('concurrent requests with one new token make one validation', async () => {
    const s = setup();
    const replies = await Promise.all([1, 2, 3, 4].map(() => s.call(req('good'))));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(s.mw.stats().validations.total).toBe(1);
    expect(s.ks.calls.filter((c) => c.startsWith('POST'))).toHaveLength(1);
  });

  it('503 when keystone is unreachable; 401 when the region has no identity endpoint is a 503 too', async () => {
    const s = setup();
    s.ks.setDown(true);
    expect((await s.call(req('good'))).status).toBe(503);
    s.ks.setDown(false);
    expect((await s.call(req('good'))).status).toBe(200);
    const nowhere = setup({ region: 'north' });
    const r = await nowhere.call(req('good'));
    expect(r.status).toBe(503);
  });

  it('lets the harness in on the unix socket only when told to, and always for /msh/ paths there', async () => {
    const s = setup({ exemptUnix: true });
    expect((await s.call(req(undefined, 'unix'))).status).toBe(200);
    expect((await s.call(req(undefined, 'tcp'))).status).toBe(401);
    const t = setup();
    expect((await t.call(req(undefined, 'unix'))).status).toBe(401);
    expect((await t.call(req(undefined, 'unix', '/msh/auth-stats'))).status).toBe(200);
    expect((await t.call(req(undefined, 'tcp', '/msh/auth-stats'))).status).toBe(401);
  });

  it('validates PKI tokens offline: no validation call, one key fetch, revocation list refreshed every interval', async () => {
    const good = signToken(privateKey, { token: tokenBody('alice', T0 + 3600_000) });
    const revokedLater = signToken(privateKey, { token: tokenBody('bob', T0 + 3600_000) });
    const expired = signToken(privateKey, { token: tokenBody('carol', T0 - 1000) });
    const forged = signToken(generateKeyPairSync('ed25519').privateKey, { token: tokenBody('mallory', T0 + 3600_000) });
    const revokedList: string[] = [];
    const s = setup({ revoked: revokedList });
    expect((await s.call(req(good))).status).toBe(200);
    expect((await s.call(req(revokedLater))).status).toBe(200);
    expect((await s.call(req(expired))).status).toBe(401);
    expect((await s.call(req(forged))).status).toBe(401);
    expect(s.mw.stats().validations.total).toBe(0);
    expect(s.mw.stats().offline).toEqual({ validated: 2, rejected: 2 });

    revokedList.push(tokenHash(revokedLater));
    s.advance(5_000);
    expect((await s.call(req(revokedLater))).status).toBe(200); // list not refreshed yet (cached and not stale)
    s.advance(5_001);
    expect((await s.call(req(revokedLater))).status).toBe(401);
    expect((await s.call(req(good))).status).toBe(200);
    const calls = s.ks.calls.map((c) => c.replace(/^GET http:\/\/198\.18\.1\.2:5000\/v3/, 'GET east'));
    expect(calls.filter((c) => c.includes('OS-SIMPLE-CERT'))).toEqual(['GET east/OS-SIMPLE-CERT/certificates']);
    expect(calls.filter((c) => c.includes('OS-PKI/revoked'))).toHaveLength(2);
  });

  it('fetches a stale revocation list once for requests arriving together (a slow WAN round trip)', async () => {
    const good = signToken(privateKey, { token: tokenBody('alice', T0 + 3600_000) });
    const s = setup();
    await Promise.all(Array.from({ length: 5 }, () => s.call(req(good))));
    s.advance(10_001);
    const answers = await Promise.all(Array.from({ length: 5 }, () => s.call(req(good))));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(s.ks.calls.filter((c) => c.includes('OS-PKI/revoked'))).toHaveLength(2);
  });

  it('finds the versioned identity URL of a catalog entry', () => {
    expect(versionedIdentityUrl('http://h:5000/v3/')).toBe('http://h:5000/v3');
    expect(versionedIdentityUrl('http://h:5000')).toBe('http://h:5000/v3');
    expect(versionedIdentityUrl('http://h/identity/v3')).toBe('http://h/identity/v3');
  });
});
