// Validation through the site APIs' auth middleware: the pcap decoding of
// identity requests on the WAN, their attribution (validation vs PKI's
// background fetches) in local-validation, the middleware-region checker
// both ways, revocation seen as 401 through a service, and the services
// options the harness derives from the scenario.
import { wanCapture } from '../support/capture.js';
import { fault } from '../support/faults.js';
import { describe, expect, it } from 'vitest';
import { attributeIdentityHttp, requestKind } from '../../harness/checks/identity-traffic.js';
import { localValidation } from '../../harness/checks/kinds/local-validation.js';
import { middlewareRegion, siteOfUrl } from '../../harness/checks/kinds/middleware-region.js';
import { revocation } from '../../harness/checks/kinds/revocation.js';
import type { HistoryEvent } from '../../harness/observe/history.js';
import { identityHttp, requestLine, type IdentityHttp } from '../../harness/observe/identity-http.js';
import { parseScenario } from '../../harness/scenario/load.js';
import { authMiddlewareArgs, middlewareOn } from '../../harness/topology/auth-middleware.js';
import { planTopology } from '../../harness/topology/plan.js';
import { validationHistory } from '../support/histories.js';
import { eth, ipv4, pcap, tcp, udp, vxlan } from '../support/packets.js';
import { TWO_REGIONS } from '../support/topologies.js';

const yaml = (identity: string, via = 'service') => `
name: id
duration: 10s
${TWO_REGIONS}
identity: ${identity}
workload:
  - { kind: tokens, name: tokens, via: ${via} }
checks:
  - { name: local, kind: local-validation, requirements: [ID-LOCAL-VALIDATION] }
  - { name: revoked, kind: revocation, limit: 1s, requirements: [ID-REVOCATION] }
  - { name: region, kind: middleware-region, requirements: [ID-MIDDLEWARE-REGION] }
`;
const load = (identity: string, via = 'service') => parseScenario('id.yaml', yaml(identity, via)).scenario;
const PKI = load('{ provider: pki, placement: centralized, site: east }');
const FERNET = load('{ provider: fernet, placement: distributed, site: east, database: galera }');
const ctx = (s: typeof PKI, name: string) => ({ scenario: s, plan: planTopology(s, 'abcdef'), spec: s.checks.find((c) => c.name === name)! });

// ---------------------------------------------------------------- a synthetic capture

/** A site packet on both WAN legs (site -> relay, relay -> site), as the bridge sees it. */
const bothLegs = (site: Buffer) => [eth(ipv4(17, '198.19.0.11', '198.19.0.1', udp(33000, 40000, vxlan(1000, site)))), eth(ipv4(17, '198.19.0.1', '198.19.0.10', udp(40001, 33001, vxlan(1000, site))))];
const RELAY = new Set([40000, 40001]);
const WEST = '198.18.2.2';
const EAST = '198.18.1.2';
/** One HTTP exchange from west to east: request (seq), answer, ack. */
const exchange = (sport: number, line: string) => [
  ...bothLegs(eth(ipv4(6, WEST, EAST, tcp(sport, 5000, sport * 10, `${line} HTTP/1.1\r\nHost: ${EAST}:5000\r\n`)))),
  ...bothLegs(eth(ipv4(6, EAST, WEST, tcp(5000, sport, 1, 'HTTP/1.1 200 OK\r\n')))),
  ...bothLegs(eth(ipv4(6, WEST, EAST, tcp(sport, 5000, sport * 10 + 100)))),
];

describe('identity requests on the WAN (observe/identity-http.ts)', () => {
  it('reads request lines, query dropped', () => {
    expect(requestLine(Buffer.from('GET /v3/auth/tokens?nocatalog HTTP/1.1\r\nX: y'))).toBe('GET /v3/auth/tokens');
    expect(requestLine(Buffer.from('HTTP/1.1 200 OK\r\n'))).toBeNull();
  });

  it('counts each request once across legs and every packet per leg, by connection', () => {
    const h = identityHttp(pcap([...exchange(41000, 'GET /v3/auth/tokens/OS-PKI/revoked'), ...exchange(41001, 'GET /v3/auth/tokens?nocatalog'), ...bothLegs(eth(ipv4(6, WEST, EAST, tcp(41002, 5000, 5))))]), RELAY, 5000);
    expect(h.requests).toEqual({ 'GET /v3/auth/tokens/OS-PKI/revoked': 1, 'GET /v3/auth/tokens': 1 });
    expect(h.connections).toEqual([
      { requests: 'GET /v3/auth/tokens/OS-PKI/revoked', connections: 1, packets: 6, bytes: expect.any(Number) },
      { requests: 'GET /v3/auth/tokens', connections: 1, packets: 6, bytes: expect.any(Number) },
      { requests: 'unattributed', connections: 1, packets: 2, bytes: expect.any(Number) },
    ]);
  });

  it('classifies requests: validation, PKI background, login', () => {
    expect(requestKind('GET /v3/auth/tokens')).toBe('validation');
    expect(requestKind('HEAD /v3/auth/tokens')).toBe('validation');
    expect(requestKind('GET /v3/auth/tokens/OS-PKI/revoked')).toBe('revocation-list');
    expect(requestKind('GET /v3/OS-SIMPLE-CERT/certificates')).toBe('certificates');
    expect(requestKind('POST /v3/auth/tokens')).toBe('token issue (login)');
    expect(requestKind('DELETE /v3/auth/tokens')).toBe('other');
  });

  it('classifies a region registering its catalog entries (once, at start-up) as background, and nothing else under those paths', () => {
    for (const line of ['GET /v3/regions', 'POST /v3/regions', 'GET /v3/services?type=network', 'POST /v3/services', 'DELETE /v3/services/abc', 'GET /v3/endpoints?region_id=west', 'POST /v3/endpoints', 'DELETE /v3/endpoints/abc'])
      expect(requestKind(line.replace(/\?.*$/, '')), line).toBe('catalog registration');
    expect(requestKind('PATCH /v3/endpoints/abc')).toBe('other');
    expect(requestKind('GET /v3/endpoints/abc/extra')).toBe('other');
    expect(requestKind('GET /v3/users')).toBe('other');
    expect(requestKind('GET /v2.0/regions')).toBe('other');
    const h: IdentityHttp = { port: 5000, requests: {}, connections: [{ requests: 'POST /v3/auth/tokens + GET /v3/regions + POST /v3/endpoints', connections: 1, packets: 30, bytes: 5000 }] };
    expect(attributeIdentityHttp([h])).toMatchObject({ validationPackets: 0, backgroundPackets: 30, unexplainedPackets: 0 });
  });

  it('attributes packets: only connections with nothing but background requests are excused', () => {
    const h = (connections: IdentityHttp['connections']): IdentityHttp => ({ port: 5000, requests: {}, connections });
    const bg = { requests: 'GET /v3/auth/tokens/OS-PKI/revoked', connections: 3, packets: 60, bytes: 9000 };
    expect(attributeIdentityHttp([h([bg])])).toMatchObject({ validationPackets: 0, backgroundPackets: 60, unexplainedPackets: 0 });
    const mixed = { requests: 'GET /v3/auth/tokens + POST /v3/auth/tokens', connections: 1, packets: 40, bytes: 9000 };
    expect(attributeIdentityHttp([h([bg, mixed])])).toMatchObject({ validationPackets: 40, backgroundPackets: 60 });
    expect(attributeIdentityHttp([h([bg, { requests: 'unattributed', connections: 1, packets: 4, bytes: 300 }])])).toMatchObject({ unexplainedPackets: 4 });
  });
});

// ---------------------------------------------------------------- checkers on literal histories

/** 20 validations/s for 10 s per region through the service; `status(region, t)` decides each. */
const validations = (status: (region: string, t: number) => number): HistoryEvent[] => validationHistory({ regions: ['east', 'west'], everyMs: 50, durationMs: 10000, latencyMs: 2, status });
const capture = (packets: number, http?: IdentityHttp): HistoryEvent =>
  wanCapture([{ proto: 6, port: 4567, packets: 500 }, ...(packets ? [{ proto: 6, port: 5000, packets, bytes: packets * 200 }] : [])], http ? { identityHttp: http } : {});
const pkiHttp: IdentityHttp = {
  port: 5000,
  requests: { 'GET /v3/auth/tokens/OS-PKI/revoked': 2, 'GET /v3/OS-SIMPLE-CERT/certificates': 1, 'POST /v3/auth/tokens': 1 },
  connections: [
    { requests: 'GET /v3/auth/tokens/OS-PKI/revoked', connections: 2, packets: 40, bytes: 6000 },
    { requests: 'GET /v3/OS-SIMPLE-CERT/certificates', connections: 1, packets: 20, bytes: 3000 },
    { requests: 'POST /v3/auth/tokens', connections: 1, packets: 20, bytes: 5000 },
  ],
};

describe('local-validation with the requests decoded', () => {
  it('passes when every identity packet on the WAN belongs to PKI background fetches, and says so', () => {
    const r = localValidation.check([...validations(() => 200), capture(80, pkiHttp)], ctx(PKI, 'local'));
    expect(r.status).toBe('pass');
    expect(r.summary).toContain('80 identity packets did, all on background requests (2 revocation-list, 1 certificates, 1 token issue (login))');
    expect(r.evidence.identityRequests).toMatchObject({ validationPackets: 0, validationPacketsPer1000: 0 });
  });
  it('fails when a connection carried a validation', () => {
    const http = { ...pkiHttp, connections: [...pkiHttp.connections, { requests: 'GET /v3/auth/tokens', connections: 1, packets: 12, bytes: 2000 }] };
    const r = localValidation.check([...validations(() => 200), capture(92, http)], ctx(PKI, 'local'));
    expect(r.status).toBe('fail');
    expect(r.summary).toContain('12 on validation requests');
  });
  it('fails when packets cannot be attributed (no request line seen)', () => {
    const http = { ...pkiHttp, connections: [...pkiHttp.connections, { requests: 'unattributed', connections: 1, packets: 3, bytes: 200 }] };
    expect(localValidation.check([...validations(() => 200), capture(83, http)], ctx(PKI, 'local')).status).toBe('fail');
  });
});

describe('revocation through a service', () => {
  const revokeAt = (t: number): HistoryEvent => fault({ kind: 'revoke-token', site: 'east' }, t, undefined, { name: 'revoke' })[0]!;
  it("reads the middleware's 401 as the rejection, with the window", () => {
    const r = revocation.check([...validations((_, t) => (t < 6100 ? 200 : 401)), revokeAt(5000)], ctx(PKI, 'revoked'));
    expect(r.status).toBe('fail'); // the last acceptance was sent at 6050 ms: a 1050 ms window
    const ok = revocation.check([...validations((_, t) => (t < 5500 ? 200 : 401)), revokeAt(5000)], ctx(PKI, 'revoked'));
    expect(ok.status).toBe('pass');
  });
  it('a 404 through a service is not a rejection of the token (the route, not the token)', () => {
    expect(revocation.check([...validations((_, t) => (t < 5500 ? 200 : 404)), revokeAt(5000)], ctx(PKI, 'revoked')).summary).toContain('STILL ACCEPTED');
  });
});

const stats = (region: string, value: Record<string, unknown>): HistoryEvent => ({ t: 20000, kind: 'op', process: `auth@${region}`, type: 'info', f: 'auth-stats', value });
const online = (byUrl: Record<string, number>, calls: Record<string, number> = {}) => ({
  region: 'x',
  validations: { total: Object.values(byUrl).reduce((a, b) => a + b, 0), byUrl },
  calls,
  cache: { hits: 0, misses: 200 },
  offline: { validated: 0, rejected: 0 },
  accepted: 200,
  rejected: 0,
});

describe('middleware-region (ID-MIDDLEWARE-REGION)', () => {
  it('maps endpoint URLs to sites by subnet', () => {
    const plan = planTopology(FERNET, 'abcdef');
    expect(siteOfUrl(plan, 'http://198.18.2.2:5000/v3/auth/tokens')).toBe('west');
    expect(siteOfUrl(plan, 'http://10.0.0.1:5000/v3')).toBe('10.0.0.1');
  });
  it('passes when every online validation went to its own region', () => {
    const h = [stats('east', online({ 'http://198.18.1.2:5000/v3/auth/tokens': 200 })), stats('west', online({ 'http://198.18.2.2:5000/v3/auth/tokens': 200 }, { 'POST http://198.18.1.2:5000/v3/auth/tokens': 1 }))];
    const r = middlewareRegion.check(h, ctx(FERNET, 'region'));
    expect(r.status).toBe('pass');
    expect(r.summary).toContain('west: 200 requests authenticated, online validations 200 at west, offline 0, cache hits 0; other identity calls: 1 token issue (login) @ east');
  });
  it('passes when PKI validated offline, reporting the revocation-list fetches to the central region', () => {
    const pki = { ...online({}, { 'GET http://198.18.1.2:5000/v3/auth/tokens/OS-PKI/revoked': 3 }), offline: { validated: 2, rejected: 90 }, cache: { hits: 108, misses: 2 } };
    const r = middlewareRegion.check([stats('east', pki), stats('west', pki)], ctx(PKI, 'region'));
    expect(r.status).toBe('pass');
    expect(r.summary).toContain('3 revocation-list @ east');
  });
  it("fails when a region's validations went to another region's Keystone (no region_name)", () => {
    const h = [stats('east', online({ 'http://198.18.1.2:5000/v3/auth/tokens': 200 })), stats('west', online({ 'http://198.18.1.2:5000/v3/auth/tokens': 150, 'http://198.18.2.2:5000/v3/auth/tokens': 50 }))];
    const r = middlewareRegion.check(h, ctx(FERNET, 'region'));
    expect(r.status).toBe('fail');
    expect(r.summary).toContain('west: 200 requests authenticated, online validations 150 at east, 50 at west');
    expect(r.evidence.rows).toContainEqual(expect.objectContaining({ region: 'west', remoteOnline: 150 }));
  });
  it('is unknown without counters, with too few requests, or when the workload bypassed the middleware', () => {
    expect(middlewareRegion.check([stats('east', online({}))], ctx(FERNET, 'region')).status).toBe('unknown');
    const few = (ip: string) => ({ ...online({ [`http://${ip}:5000/v3/auth/tokens`]: 2 }), accepted: 2 });
    expect(middlewareRegion.check([stats('east', few('198.18.1.2')), stats('west', few('198.18.2.2'))], ctx(FERNET, 'region')).status).toBe('unknown');
    const direct = load('{ provider: fernet, placement: distributed, site: east, database: galera }', 'identity');
    expect(middlewareRegion.check([], ctx(direct, 'region')).summary).toContain('via: identity');
  });
  it('is unknown when every request was answered from the cache: no validation was seen going anywhere', () => {
    const cached = { ...online({}), cache: { hits: 200, misses: 0 } };
    const r = middlewareRegion.check([stats('east', cached), stats('west', cached)], ctx(FERNET, 'region'));
    expect(r.status).toBe('unknown');
    expect(r.summary).toContain('east: 200 requests authenticated, online validations none, offline 0, cache hits 200');
  });
});

describe('auth middleware options (topology/auth-middleware.ts)', () => {
  it('is on wherever the scenario has an identity service, off without one', () => {
    const direct = load('{ provider: fernet, placement: distributed, site: east, database: galera }', 'identity');
    expect(middlewareOn(direct)).toBe(true);
    const none = { ...direct, identity: undefined, workload: [], checks: [] };
    expect(middlewareOn(none)).toBe(false);
    expect(authMiddlewareArgs(none, 'west', planTopology(none, 'abcdef'))).toEqual([]);
  });
  it("validates in the site's own region by default, at the central one when the site has no Keystone", () => {
    expect(authMiddlewareArgs(FERNET, 'west', planTopology(FERNET, 'abcdef'))).toEqual(['--auth-url', 'http://198.18.1.2:5000/v3', '--auth-region', 'west', '--auth-cache-time', '300', '--auth-exempt-unix']);
    expect(authMiddlewareArgs(PKI, 'west', planTopology(PKI, 'abcdef'))).toContain('east');
  });
  it('auth-site (no region_name) and the cache time from the scenario', () => {
    const bad = load('{ provider: fernet, placement: distributed, site: east, database: galera, middlewareRegion: auth-site, middlewareCache: 0 }');
    expect(authMiddlewareArgs(bad, 'west', planTopology(bad, 'abcdef'))).toEqual(['--auth-url', 'http://198.18.1.2:5000/v3', '--auth-region', 'east', '--auth-cache-time', '0', '--auth-exempt-unix']);
  });
});
