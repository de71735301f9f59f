// The identity checkers and their helpers on small literal histories, at the
// edges the behaviour tests (checks-identity*.test.ts) do not reach: each
// assertion failed on a changed checker (mutation testing, docs/mutation.md)
// that those tests let through. Counts are small on purpose, so that a single
// answer moves a ratio across its bound.
import { describe, expect, it } from 'vitest';
import { clientRegions, outcome, overlaps, requestsOf, tokensOf, wanByProtocol } from '../../harness/checks/identity-history.js';
import { attributeIdentityHttp, requestKind } from '../../harness/checks/identity-traffic.js';
import { keyRotation } from '../../harness/checks/kinds/key-rotation.js';
import { localValidation } from '../../harness/checks/kinds/local-validation.js';
import { revocation } from '../../harness/checks/kinds/revocation.js';
import { tokenIssue } from '../../harness/checks/kinds/token-issue.js';
import { tokenValidation } from '../../harness/checks/kinds/token-validation.js';
import type { CaptureEvent, HistoryEvent } from '../../harness/observe/history.js';
import type { IdentityHttp } from '../../harness/observe/identity-http.js';
import { parseScenario } from '../../harness/scenario/load.js';
import { planTopology } from '../../harness/topology/plan.js';
import { wanCapture } from '../support/capture.js';
import { fault } from '../support/faults.js';
import { TWO_REGIONS } from '../support/topologies.js';

const scenario = parseScenario(
  'idm.yaml',
  `
name: idm
duration: 20s
${TWO_REGIONS}
identity: { provider: fernet, placement: distributed, site: east, database: galera }
workload:
  - { kind: tokens, name: tokens }
  - { kind: tokens, name: svc, regions: [west], via: service }
  - { kind: issue, name: issue }
  - { kind: issue, name: issue-west, regions: [west] }
  - { kind: writes, name: writes }
checks:
  - { name: validate, kind: token-validation, requirements: [ID-VALIDATE-EVERYWHERE] }
  - { name: validate-svc, kind: token-validation, workload: svc, requirements: [ID-VALIDATE-EVERYWHERE] }
  - { name: issue, kind: token-issue, requirements: [ID-ISSUE-LOCAL] }
  - { name: issue-50, kind: token-issue, limit: 50ms, requirements: [ID-ISSUE-LOCAL] }
  - { name: issue-west, kind: token-issue, workload: issue-west, requirements: [ID-ISSUE-LOCAL] }
  - { name: local, kind: local-validation, requirements: [ID-LOCAL-VALIDATION] }
  - { name: revoked, kind: revocation, requirements: [ID-REVOCATION] }
  - { name: revoked-svc, kind: revocation, workload: svc, limit: 2s, requirements: [ID-REVOCATION] }
  - { name: rotation, kind: key-rotation, requirements: [ID-KEY-ROTATION] }
`,
).scenario;
const ctx = (name: string) => ({ scenario, plan: planTopology(scenario, 'abcdef'), spec: scenario.checks.find((c) => c.name === name)! });
/** A check naming a workload the scenario does not have (the schema turns that away; the helpers still say so). */
const missing = { ...ctx('validate'), spec: { name: 'validate-none', workload: 'nothing' } };

interface Call {
  /** when the request was sent */
  readonly at: number;
  /** how long its answer took (default 10 ms) */
  readonly ms?: number;
  /** HTTP status (200/201 ok), or a transport error */
  readonly status?: number;
  readonly error?: string;
  readonly value?: Record<string, unknown>;
}
/** Invoke and answer of each call of `process`, numbered in order; ok when the status is 200 or 201. */
function calls(process: string, f: string, cs: readonly Call[]): HistoryEvent[] {
  return cs.flatMap((c, n): HistoryEvent[] => {
    const ms = c.ms ?? 10;
    const ok = c.status === 200 || c.status === 201;
    const answer = { n, latencyMs: ms, ...(c.status !== undefined ? { status: c.status } : { error: c.error }), ...c.value };
    return [
      { t: c.at, kind: 'op', process, type: 'invoke', f, value: { n } },
      { t: c.at + ms, kind: 'op', process, type: ok ? 'ok' : 'fail', f, value: answer },
    ];
  });
}
/** `n` calls every `every` ms from `from`, each answered by `answer(i)`. */
const series = (n: number, from: number, every: number, answer: (i: number) => Omit<Call, 'at'> = () => ({ status: 200 })): Call[] =>
  Array.from({ length: n }, (_, i) => ({ at: from + i * every, ...answer(i) }));
const byT = (h: HistoryEvent[]) => h.sort((a, b) => a.t - b.t);
const revokeAt = (t: number) => fault({ kind: 'revoke-token', site: 'east' }, t, undefined, { name: 'revoke' });
const rotateAt = (t: number, name = 'rotate') => fault({ kind: 'rotate-keys', site: 'east' }, t, undefined, { name });
type Rows = Record<string, unknown>[];
const rows = (o: { evidence: Record<string, unknown> }) => o.evidence.rows as Rows;

describe('identity-history helpers', () => {
  it('tells the protocols apart by transport and port, per 1000 operations', () => {
    const flows: CaptureEvent['flows'] = [
      [17, 5000, 1],
      [6, 5000, 2],
      [6, 3306, 4],
      [6, 3307, 8],
      [17, 3306, 16],
      [17, 4567, 32],
      [6, 4568, 64],
      [17, 4444, 128],
      [6, 9999, 256],
    ].map(([proto, port, packets]) => ({ linkVni: 1000, tenantVni: null, proto: proto!, port: port!, packets: packets!, bytes: packets! * 10 }));
    expect(wanByProtocol(flows, 4, 'Validations')).toEqual([
      { protocol: 'identity HTTP (5000)', packets: 2, bytes: 20, per: '1000 validations', packetsPer1000: 500, bytesPer1000: 5000 },
      { protocol: 'MySQL (3306, 3307: async replication, remote DB)', packets: 12, bytes: 120, per: '1000 validations', packetsPer1000: 3000, bytesPer1000: 30000 },
      { protocol: 'Galera (4567, 4568, 4444)', packets: 224, bytes: 2240, per: '1000 validations', packetsPer1000: 56000, bytesPer1000: 560000 },
    ]);
  });
  it('reads the workload a check names, else the first of its kind, and says when there is none', () => {
    expect(tokensOf(ctx('validate-svc')).name).toBe('svc');
    expect(tokensOf(ctx('validate')).name).toBe('tokens');
    expect(() => tokensOf(missing)).toThrow('check validate-none has no tokens workload to read');
    expect(requestsOf(ctx('issue-west'), 'issue').name).toBe('issue-west');
    expect(requestsOf(ctx('issue'), 'issue').name).toBe('issue');
    expect(requestsOf(ctx('issue'), 'writes').name).toBe('writes');
    expect(() => requestsOf(missing, 'issue')).toThrow('check validate-none has no issue workload to read');
    expect(clientRegions(scenario, requestsOf(ctx('issue-west'), 'issue'))).toEqual(['west']);
  });
  it('counts a request as overlapping a window when it was answered at its start or sent before its end (plus the extra)', () => {
    const r = { sent: 100, e: { t: 200, kind: 'op', process: 'p', type: 'ok', f: 'x' } as const };
    expect(overlaps(r, [{ start: 200, end: 300 }])).toBe(true);
    expect(overlaps(r, [{ start: 201, end: 300 }])).toBe(false);
    expect(overlaps(r, [{ start: 50, end: 100 }])).toBe(false);
    expect(overlaps(r, [{ start: 50, end: 100 }], 1)).toBe(true);
    expect(overlaps(r, [{ start: 201, end: 300 }, { start: 50, end: 101 }])).toBe(true);
  });
  it('folds rows into one outcome and keeps the rows as evidence', () => {
    const text = (r: { region: string }) => r.region;
    const fail = [{ region: 'a', status: 'fail' as const }, { region: 'b', status: 'unknown' as const }, { region: 'c', status: 'fail' as const }];
    expect(outcome(fail, text, 'why')).toEqual({ status: 'fail', summary: 'a; c', evidence: { rows: fail } });
    const unknown = [{ region: 'a', status: 'pass' as const }, { region: 'b', status: 'unknown' as const }];
    expect(outcome(unknown, text, 'why')).toEqual({ status: 'unknown', summary: 'why', evidence: { rows: unknown } });
  });
});

describe('identity-traffic: what a request is for', () => {
  it('ignores trailing slashes, and matches whole path ends', () => {
    expect(requestKind('GET /v3/auth/tokens//')).toBe('validation');
    expect(requestKind('HEAD /v3/auth/tokens/')).toBe('validation');
    expect(requestKind('GET /v3/auth/tokens/OS-PKI/revoked/x')).toBe('other');
    expect(requestKind('GET /v3/auth/tokens/OS-PKI/revoked/')).toBe('revocation-list');
    expect(requestKind('GET /v3/auth/tokens/x')).toBe('other');
    expect(requestKind('POST /v3/auth/tokens/x')).toBe('other');
    expect(requestKind('POST /v3/auth/tokens')).toBe('token issue (login)');
  });
  it('excuses a connection only when every request on it is a background one', () => {
    const http: IdentityHttp = {
      port: 5000,
      requests: { 'GET /v3/auth/tokens/OS-PKI/revoked': 2, 'GET /v3/projects': 1 },
      connections: [
        { requests: 'GET /v3/auth/tokens/OS-PKI/revoked + GET /v3/projects', connections: 1, packets: 7, bytes: 700 },
        { requests: 'GET /v3/auth/tokens/OS-PKI/revoked', connections: 1, packets: 3, bytes: 300 },
        { requests: 'unattributed', connections: 1, packets: 5, bytes: 500 },
      ],
    };
    expect(attributeIdentityHttp([http])).toEqual({ requests: { 'revocation-list': 2, other: 1 }, validationPackets: 0, backgroundPackets: 3, unexplainedPackets: 12 });
  });
});

describe('token-validation, edges', () => {
  const head = (provider: string, size: number): HistoryEvent => ({ t: 0, kind: 'op', process: 'identity@harness', type: 'ok', f: 'issue', value: { provider, size } });
  it('reports the token issued, each region\'s latency quantiles from its sorted latencies, and passes', () => {
    const lat = [30, 10, 50, 20, 40];
    const h = byT([head('fernet', 183), ...calls('tokens@east', 'validate', series(5, 0, 100, (i) => ({ status: 200, ms: lat[i]! }))), ...calls('tokens@west', 'validate', series(5, 0, 100))]);
    const o = tokenValidation.check(h, ctx('validate'));
    expect(o.status).toBe('pass');
    expect(o.evidence.token).toEqual({ provider: 'fernet', size: 183 });
    expect(rows(o)[0]).toMatchObject({ region: 'east', validations: 5, ok: 5, p50Ms: 30, p99Ms: 50, failures: [] });
    expect(o.summary).toBe('fernet token of 183 bytes; east: 5/5 valid, p50 30 ms, p99 50 ms; west: 5/5 valid, p50 10 ms, p99 10 ms');
  });
  it('fails a region below 99 % valid, naming each distinct failure once', () => {
    const answers = (i: number) => (i === 1 ? { status: 404 } : i === 3 ? { error: 'timeout' } : i === 5 ? { status: 404 } : { status: 200 });
    const h = byT([...calls('tokens@east', 'validate', series(10, 0, 100, answers)), ...calls('tokens@west', 'validate', series(10, 0, 100))]);
    const o = tokenValidation.check(h, ctx('validate'));
    expect(o.status).toBe('fail');
    expect(o.evidence.token).toBeNull();
    expect(rows(o).map((r) => [r.region, r.ok, r.validations, r.failures, r.status])).toEqual([['east', 7, 10, ['404', 'timeout'], 'fail'], ['west', 10, 10, [], 'pass']]);
    expect(o.summary).toBe('east: 7/10 valid, p50 10 ms, p99 10 ms (failures: 404, timeout)');
  });
  it('passes at exactly 99 % valid', () => {
    const h = byT([...calls('tokens@east', 'validate', series(100, 0, 50, (i) => ({ status: i === 0 ? 404 : 200 }))), ...calls('tokens@west', 'validate', series(5, 0, 100))]);
    expect(tokenValidation.check(h, ctx('validate')).status).toBe('pass');
  });
  it('decides from 5 validations; with 4 in a region it is unknown, naming only that region', () => {
    const five = byT([...calls('tokens@east', 'validate', series(5, 0, 100)), ...calls('tokens@west', 'validate', series(5, 0, 100))]);
    expect(tokenValidation.check(five, ctx('validate')).status).toBe('pass');
    const four = byT([head('pki', 2205), ...calls('tokens@east', 'validate', series(5, 0, 100)), ...calls('tokens@west', 'validate', series(4, 0, 100))]);
    const o = tokenValidation.check(four, ctx('validate'));
    expect(o.status).toBe('unknown');
    expect(o.summary).toBe('pki token of 2205 bytes; too few validations in west');
  });
  it('excuses failures sent inside an outage (from its start, not at its end), not those of other faults', () => {
    const fails = (sent: number[]) => (i: number) => ({ status: sent.includes(i * 100) ? 503 : 200 });
    const west = calls('tokens@west', 'validate', series(10, 0, 100));
    const cut = fault({ kind: 'partition', link: 'ew' }, 300, 500, { name: 'cut' });
    const atStart = tokenValidation.check(byT([...cut, ...calls('tokens@east', 'validate', series(10, 0, 100, fails([300, 400]))), ...west]), ctx('validate'));
    expect(atStart.status).toBe('pass');
    expect(rows(atStart)[0]).toMatchObject({ validations: 8, ok: 8 });
    const atEnd = tokenValidation.check(byT([...cut, ...calls('tokens@east', 'validate', series(10, 0, 100, fails([500])))]), ctx('validate'));
    expect(atEnd.status).toBe('fail');
    expect(rows(atEnd)[0]).toMatchObject({ validations: 8, ok: 7 });
    const rotation = tokenValidation.check(byT([...rotateAt(300), ...calls('tokens@east', 'validate', series(10, 0, 100, fails([300]))), ...west]), ctx('validate'));
    expect(rotation.status).toBe('fail');
    expect(rows(rotation)[0]).toMatchObject({ validations: 10, ok: 9 });
  });
  it('counts an answer received at the very moment of the revocation as after it', () => {
    // sent at 590, answered at 600 = the revocation: not judged.
    const h = byT([...revokeAt(600), ...calls('tokens@east', 'validate', series(7, 0, 100, (i) => (i === 5 ? { status: 404, ms: 10 } : { status: 200 })).map((c) => (c.at === 500 ? { ...c, at: 590 } : c))), ...calls('tokens@west', 'validate', series(6, 0, 100))]);
    const o = tokenValidation.check(h, ctx('validate'));
    expect(o.status).toBe('pass');
    expect(rows(o)[0]).toMatchObject({ validations: 5, ok: 5 });
  });
});

describe('token-issue, edges', () => {
  const capture = (identityPackets = 0): HistoryEvent =>
    wanCapture([{ proto: 6, port: 4567, packets: 100, bytes: 10000 }, ...(identityPackets ? [{ proto: 6, port: 5000, packets: identityPackets, bytes: identityPackets * 100 }] : [])]);
  const issues = (region: string, cs: readonly Call[]) => calls(`issue@${region}`, 'issue', cs);
  it('reports sorted latency quantiles, the token size, the issued count and the WAN per 1000 issued', () => {
    const lat = [30, 10, 50, 20, 40];
    const h = byT([...issues('east', series(5, 0, 100, (i) => ({ status: 201, ms: lat[i]!, value: { size: 183 } }))), ...issues('west', series(5, 0, 100, () => ({ status: 201, ms: 10, value: { size: 183 } }))), capture()]);
    const o = tokenIssue.check(h, ctx('issue-50'));
    expect(o.status, o.summary).toBe('pass');
    expect(rows(o)[0]).toMatchObject({ region: 'east', issued: 5, attempts: 5, p50Ms: 30, p99Ms: 50, sizeBytes: 183, problems: [] });
    expect(o.evidence).toMatchObject({ limitMs: 50, issued: 10 });
    expect(o.summary).toBe(
      'east: 5 issued, p50 30 ms, p99 50 ms; west: 5 issued, p50 10 ms, p99 10 ms (per 1000 issued tokens on the WAN: identity HTTP (5000): 0 B, MySQL (3306, 3307: async replication, remote DB): 0 B, Galera (4567, 4568, 4444): 1000000 B)',
    );
  });
  it('fails p99 over the limit, not at it', () => {
    const h = (ms: number) => byT([...issues('east', series(5, 0, 100, () => ({ status: 201, ms }))), ...issues('west', series(5, 0, 100, () => ({ status: 201 }))), capture()]);
    expect(tokenIssue.check(h(50), ctx('issue-50')).status).toBe('pass');
    const over = tokenIssue.check(h(51), ctx('issue-50'));
    expect(over.status).toBe('fail');
    expect(over.summary).toMatch(/^east: p99 51 ms over the 50 ms limit \(per 1000 issued tokens on the WAN: /);
    expect(tokenIssue.check(h(51), ctx('issue')).evidence.limitMs).toBeNull();
  });
  it('fails below 99 % issued, counting failures in the message and the issued tokens only', () => {
    const h = byT([...issues('east', series(10, 0, 100, (i) => ({ status: i < 3 ? 503 : 201 }))), ...issues('west', series(100, 0, 10, (i) => ({ status: i === 0 ? 503 : 201 }))), capture()]);
    const o = tokenIssue.check(h, ctx('issue'));
    expect(o.status).toBe('fail');
    expect(o.summary).toMatch(/^east: 3\/10 issues failed \(per 1000 /);
    expect(rows(o).map((r) => r.status)).toEqual(['fail', 'pass']);
    expect(o.evidence.issued).toBe(106);
  });
  it('decides from 5 answered issues a region, not 4', () => {
    const h = (n: number) => byT([...issues('east', series(n, 0, 100, () => ({ status: 201 }))), ...issues('west', series(5, 0, 100, () => ({ status: 201 }))), capture()]);
    expect(tokenIssue.check(h(5), ctx('issue')).status).toBe('pass');
    const o = tokenIssue.check(h(4), ctx('issue'));
    expect(o.status).toBe('unknown');
    expect(o.summary).toMatch(/^too few issues \(per 1000 issued tokens on the WAN: /);
  });
  it('judges apart the issues of an outage, not those of other faults', () => {
    const failing = (from: number) => byT([...issues('east', series(10, 0, 100, (i) => ({ status: i * 100 >= from && i * 100 < 500 ? 503 : 201 }))), ...issues('west', series(5, 600, 100, () => ({ status: 201 }))), capture()]);
    const cut = fault({ kind: 'partition', link: 'ew' }, 300, 500, { name: 'cut' });
    const o = tokenIssue.check(byT([...cut, ...failing(300)]), ctx('issue'));
    expect(o.status, o.summary).toBe('pass');
    expect(rows(o)[0]).toMatchObject({ issued: 8, attempts: 8 });
    const revoked = tokenIssue.check(byT([...revokeAt(300), ...failing(300)]), ctx('issue'));
    expect(revoked.status).toBe('fail');
    expect(revoked.summary).toMatch(/^east: 2\/10 issues failed \(per 1000 /);
  });
  it('with nothing issued reports no WAN cost and no token size', () => {
    const h = byT([...issues('east', series(5, 0, 100, () => ({ status: 503 }))), ...issues('west', series(5, 0, 100, () => ({ status: 503 }))), capture()]);
    const o = tokenIssue.check(h, ctx('issue'));
    expect(o.status).toBe('fail');
    expect(o.evidence.wan).toEqual([]);
    expect(o.evidence.issued).toBe(0);
    expect(rows(o)[0]).toMatchObject({ sizeBytes: null, issued: 0 });
  });
});

describe('key-rotation, edges', () => {
  const probe = (t: number, region: string, f: 'validate' | 'issue', ok = true, value: Record<string, unknown> = {}): HistoryEvent => ({ t, kind: 'op', process: `key-probe@${region}`, type: ok ? 'ok' : 'fail', f, value: { issuedIn: 'east', status: ok ? 200 : 401, ...value } });
  const both = (n: number, from: number) => [...calls('tokens@east', 'validate', series(n, from, 100)), ...calls('tokens@west', 'validate', series(n, from, 100))];
  it('reads only rotate-keys faults as rotations, each dated from the first', () => {
    const h = byT([...fault({ kind: 'partition', link: 'ew' }, 100, 200, { name: 'cut' }), ...rotateAt(1000, 'r1'), ...rotateAt(3000, 'r2'), ...both(30, 1000), probe(1100, 'west', 'validate'), probe(3100, 'west', 'validate')]);
    const o = keyRotation.check(h, ctx('rotation'));
    expect(o.status, o.summary).toBe('pass');
    expect(o.evidence.rotations).toEqual([{ fault: 'r1', atMs: 0, proof: 'proven (test)' }, { fault: 'r2', atMs: 2000, proof: 'proven (test)' }]);
    expect(o.summary).toBe('2 rotation(s): east: 0/30 failed; west: 0/30 failed; fresh tokens from every region valid everywhere after each (1, 1 validations)');
  });
  it('gives a probe at the very moment of a rotation to that rotation, not to the one before', () => {
    const h = byT([...rotateAt(1000, 'r1'), ...rotateAt(3000, 'r2'), ...both(30, 1000), probe(900, 'east', 'validate'), probe(1000, 'west', 'validate'), probe(3000, 'west', 'validate'), probe(3001, 'east', 'issue')]);
    const fresh = keyRotation.check(h, ctx('rotation')).evidence.freshTokens as { fault: string; validated: number }[];
    expect(fresh.map((f) => [f.fault, f.validated])).toEqual([['r1', 1], ['r2', 1]]);
  });
  it('counts only answered probes as validated', () => {
    const invoke: HistoryEvent = { t: 1100, kind: 'op', process: 'key-probe@west', type: 'invoke', f: 'validate', value: {} };
    const o = keyRotation.check(byT([...rotateAt(1000), ...both(10, 1000), invoke]), ctx('rotation'));
    expect(o.status).toBe('unknown');
    expect(o.summary).toBe('no fresh token was validated after rotate: the new keys were never exercised');
  });
  it('names a region that could not issue a fresh token', () => {
    const o = keyRotation.check(byT([...rotateAt(1000), ...both(10, 1000), probe(1100, 'west', 'issue', false, { issuedIn: 'west' }), probe(1200, 'east', 'validate')]), ctx('rotation'));
    expect(o.status).toBe('fail');
    expect(o.summary).toBe('after rotate, fresh tokens not issued in west');
  });
  it('does not judge an answer received at the very moment of a revocation', () => {
    // sent 1490, answered 1500 = the revocation: a failure then is expected.
    const east = series(6, 1000, 100, (i) => (i === 5 ? { status: 404 } : { status: 200 })).map((c, i) => (i === 5 ? { ...c, at: 1490 } : c));
    const h = byT([...rotateAt(1000), ...revokeAt(1500), ...calls('tokens@east', 'validate', east), ...calls('tokens@west', 'validate', series(5, 1000, 100)), probe(1100, 'west', 'validate')]);
    const o = keyRotation.check(h, ctx('rotation'));
    expect(o.status, o.summary).toBe('pass');
    expect(rows(o).map((r) => [r.region, r.validations, r.failed])).toEqual([['east', 5, 0], ['west', 5, 0]]);
  });
  it('decides from 5 validations after the rotation; with 4 in one region it is unknown', () => {
    const h = (n: number) => byT([...rotateAt(1000), ...calls('tokens@east', 'validate', series(5, 1000, 100)), ...calls('tokens@west', 'validate', series(n, 1000, 100)), probe(1100, 'west', 'validate')]);
    expect(keyRotation.check(h(5), ctx('rotation')).status).toBe('pass');
    const o = keyRotation.check(h(4), ctx('rotation'));
    expect(o.status).toBe('unknown');
    expect(o.summary).toBe('too few validations after the rotation');
    expect(rows(o).map((r) => r.status)).toEqual(['pass', 'unknown']);
  });
});

describe('local-validation, edges', () => {
  const ok = (n: number) => [...calls('tokens@east', 'validate', series(n, 0, 10)), ...calls('tokens@west', 'validate', series(n, 0, 10))];
  const http = (requests: Record<string, number>, connections: IdentityHttp['connections']): IdentityHttp => ({ port: 5000, requests, connections });
  it('with no identity packet, reads no request attribution even when the capture decoded some', () => {
    const o = localValidation.check([...ok(100), wanCapture([{ proto: 6, port: 4567, packets: 10 }], { identityHttp: http({}, []) })], ctx('local'));
    expect(o.status).toBe('pass');
    expect(o.summary).toMatch(/^no identity packet crossed regions in 200 validations \(per 1000 validations: /);
    expect(o.evidence.identityRequests).toBeUndefined();
  });
  it('fails on packets of validation requests, per 1000 validations, and names the requests decoded', () => {
    const h = http({ 'GET /v3/auth/tokens': 3, 'GET /v3/auth/tokens/OS-PKI/revoked': 1 }, [{ requests: 'GET /v3/auth/tokens', connections: 1, packets: 50, bytes: 5000 }]);
    const o = localValidation.check([...ok(100), wanCapture([{ proto: 6, port: 5000, packets: 50 }], { identityHttp: h })], ctx('local'));
    expect(o.status).toBe('fail');
    expect(o.evidence.identityRequests).toMatchObject({ validationPackets: 50, validationPacketsPer1000: 250 });
    expect(o.summary).toMatch(/^50 identity packets crossed regions for 200 validations: 50 on validation requests, 0 unexplained \(requests: 3 validation, 1 revocation-list; per 1000 validations: /);
  });
  it('says none decoded when unexplained packets came with no request line', () => {
    const h = http({}, [{ requests: 'unattributed', connections: 1, packets: 8, bytes: 800 }]);
    const o = localValidation.check([...ok(100), wanCapture([{ proto: 6, port: 5000, packets: 8 }], { identityHttp: h })], ctx('local'));
    expect(o.status).toBe('fail');
    expect(o.summary).toMatch(/: 0 on validation requests, 8 unexplained \(requests: none decoded; per 1000 validations: /);
  });
});

describe('revocation, edges', () => {
  /** Validations each 100 ms from 0 to 2 s in a region; accepted when `accept(sent)`, else `status`. */
  const region = (process: string, accept: (sent: number) => boolean, status = 404, n = 20) => calls(process, 'validate', series(n, 0, 100, (i) => (accept(i * 100) ? { status: 200 } : { status })));
  it('is skipped without a revocation', () => {
    expect(revocation.check(region('tokens@east', () => true), ctx('revoked'))).toEqual({ status: 'skip', summary: 'no token was revoked in this run', evidence: {} });
  });
  it('passes a window of exactly the limit (1 s by default), counts a validation sent at the revocation, and keeps the rows', () => {
    const h = byT([...revokeAt(500), ...region('tokens@east', (t) => t <= 1500), ...region('tokens@west', (t) => t < 500)]);
    const o = revocation.check(h, ctx('revoked'));
    expect(o.status, o.summary).toBe('pass');
    expect(rows(o).map((r) => [r.region, r.validationsAfter, r.acceptedAfterRevocation, r.windowMs, r.rejected, r.limitMs, r.cutOffUntilMs, r.afterRejoinMs])).toEqual([
      ['east', 15, 11, 1000, 4, 1000, null, null],
      ['west', 15, 0, 0, 15, 1000, null, null],
    ]);
    expect(o.summary).toBe('east: revocation window 1000 ms; west: revocation window 0 ms');
    expect(revocation.check(byT([...revokeAt(500), ...region('tokens@east', (t) => t <= 1600), ...region('tokens@west', (t) => t < 500)]), ctx('revoked')).status).toBe('fail');
  });
  it('takes the check\'s limit, and for validation through a service expects its 401', () => {
    const h = byT([...revokeAt(500), ...region('svc@west', (t) => t <= 2000, 401, 30)]);
    const o = revocation.check(h, ctx('revoked-svc'));
    expect(o.status, o.summary).toBe('pass');
    expect(rows(o)[0]).toMatchObject({ windowMs: 1500, limitMs: 2000, rejected: 9 });
    expect(revocation.check(byT([...revokeAt(500), ...region('svc@west', (t) => t <= 2000, 404, 30)]), ctx('revoked-svc')).status).toBe('fail');
  });
  it('fails a region that never rejected the token, even when it accepted nothing after the revocation', () => {
    const h = byT([...revokeAt(500), ...region('tokens@east', (t) => t < 500), ...region('tokens@west', (t) => t < 500, 503)]);
    const o = revocation.check(h, ctx('revoked'));
    expect(o.status).toBe('fail');
    expect(rows(o)[1]).toMatchObject({ region: 'west', acceptedAfterRevocation: 0, rejected: 0, status: 'fail' });
    expect(o.summary).toBe('west: revoked token STILL ACCEPTED (0 times, never rejected): security finding');
    expect(o.evidence).toEqual({ rows: rows(o) });
  });
  it('decides from 5 validations after the revocation; with 4 in one region it is unknown', () => {
    const h = (n: number) => byT([...revokeAt(1500), ...region('tokens@east', (t) => t < 1500), ...region('tokens@west', (t) => t < 1500, 404, n)]);
    const five = revocation.check(h(20), ctx('revoked'));
    expect(five.status).toBe('pass');
    expect(rows(five)[1]).toMatchObject({ validationsAfter: 5, status: 'pass' });
    const four = revocation.check(h(19), ctx('revoked'));
    expect(four.status).toBe('unknown');
    expect(four.summary).toBe('too few validations after the revocation');
    expect(rows(four).map((r) => r.status)).toEqual(['pass', 'unknown']);
    expect(four.evidence).toEqual({ rows: rows(four) });
  });
  it('judges from rejoining only a region cut off at the revocation: a cut from that moment on, not one that healed then or before', () => {
    const judge = (start: number, end: number) =>
      rows(revocation.check(byT([...fault({ kind: 'partition', link: 'ew' }, start, end, { name: 'cut' }), ...revokeAt(500), ...region('tokens@east', (t) => t < 500), ...region('tokens@west', (t) => t < 1200)]), ctx('revoked')))[1]!;
    expect(judge(500, 1000)).toMatchObject({ cutOffUntilMs: 500, afterRejoinMs: 100, windowMs: 600 });
    expect(judge(100, 500)).toMatchObject({ cutOffUntilMs: null, afterRejoinMs: null, windowMs: 600 });
    expect(judge(100, 400)).toMatchObject({ cutOffUntilMs: null, afterRejoinMs: null });
    expect(judge(600, 1000)).toMatchObject({ cutOffUntilMs: null, afterRejoinMs: null });
  });
});
