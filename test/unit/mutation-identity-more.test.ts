// bad-tokens, middleware-region and validation-during-faults on small literal
// histories, at the edges the behaviour tests (checks-bad-tokens,
// checks-identity-middleware, checks-identity-faults) do not reach: each
// assertion failed on a changed checker (mutation testing, docs/mutation.md).
import { describe, expect, it } from 'vitest';
import { badTokens } from '../../harness/checks/kinds/bad-tokens.js';
import { middlewareRegion, siteOfUrl } from '../../harness/checks/kinds/middleware-region.js';
import { validationDuringFaults } from '../../harness/checks/kinds/validation-during-faults.js';
import type { HistoryEvent } from '../../harness/observe/history.js';
import { parseScenario } from '../../harness/scenario/load.js';
import { planTopology } from '../../harness/topology/plan.js';
import { fault } from '../support/faults.js';

const scenario = parseScenario(
  'idx.yaml',
  `
name: idx
duration: 20s
sites:
  - { name: east, subnet: 198.18.1.0/24, nodes: [{ name: ctl, role: controller }] }
  - { name: west, subnet: 198.18.2.0/24, nodes: [{ name: ctl, role: controller }] }
  - { name: north, subnet: 198.18.3.0/24, nodes: [{ name: ctl, role: controller }] }
links:
  - { name: ew, between: [east, west], latency: 20ms }
  - { name: en, between: [east, north], latency: 20ms }
  - { name: wn, between: [west, north], latency: 20ms }
identity: { provider: fernet, placement: distributed, site: east, database: galera }
workload:
  - { kind: tokens, name: tokens, regions: [east, west] }
  - { kind: tokens, name: svc, regions: [east, west], via: service }
  - { kind: bad-tokens, name: bad, regions: [east] }
  - { kind: bad-tokens, name: bad2, regions: [west] }
checks:
  - { name: bad, kind: bad-tokens, requirements: [ID-BAD-TOKENS-REJECTED] }
  - { name: bad2, kind: bad-tokens, workload: bad2, requirements: [ID-BAD-TOKENS-REJECTED] }
  - { name: region, kind: middleware-region, workload: svc, requirements: [ID-MIDDLEWARE-REGION] }
  - { name: during, kind: validation-during-faults, requirements: [ID-VALIDATE-SITE-LOSS] }
`,
).scenario;
const plan = planTopology(scenario, 'abcdef');
const ctx = (name: string) => ({ scenario, plan, spec: scenario.checks.find((c) => c.name === name)! });
type Rows = Record<string, unknown>[];
const rows = (o: { evidence: Record<string, unknown> }) => o.evidence.rows as Rows;
const byT = (h: HistoryEvent[]) => h.sort((a, b) => a.t - b.t);

describe('bad-tokens, edges', () => {
  const corpus = (w: string, labels: string[], skipped: { label: string; reason: string }[] = []): HistoryEvent => ({
    t: 0,
    kind: 'op',
    process: `${w}@harness`,
    type: 'info',
    f: 'corpus',
    value: { provider: 'fernet', tokens: labels.map((label) => ({ label, bytes: 183, how: 'test' })), skipped },
  });
  /** Validations of `label` in `process`, one per answer given (a status, or a transport error). */
  const answers = (process: string, label: string, as: readonly (number | string)[]): HistoryEvent[] =>
    as.flatMap((a, i): HistoryEvent[] => {
      const n = `${label}-${i}`;
      return [
        { t: 100 + i, kind: 'op', process, type: 'invoke', f: 'validate', value: { n, label } },
        { t: 101 + i, kind: 'op', process, type: a === 200 ? 'ok' : 'fail', f: 'validate', value: { n, label, ...(typeof a === 'number' ? { status: a } : { error: a }) } },
      ];
    });
  const times = <T,>(n: number, x: T): T[] => Array.from({ length: n }, () => x);
  const check = (name: string, ...h: HistoryEvent[][]) => badTokens.check(byT(h.flat()), ctx(name));

  it('reads the workload a check names, else the first bad-tokens workload, in its regions', () => {
    const east = [corpus('bad', ['control', 'forged']), ...answers('bad@east', 'control', [200, 200, 200]), ...answers('bad@east', 'forged', [404, 401, 404])];
    const o = check('bad', east);
    expect(o.status, o.summary).toBe('pass');
    expect(o.summary).toBe('east rejected every bad fernet token (forged): 3 validations, all 401/404; the control was accepted 3/3');
    const west = [corpus('bad2', ['control', 'forged']), ...answers('bad2@west', 'control', [200, 200, 200]), ...answers('bad2@west', 'forged', [404, 404, 404])];
    expect(check('bad2', west).summary).toBe('west rejected every bad fernet token (forged): 3 validations, all 401/404; the control was accepted 3/3');
    expect(check('bad2', east).status).toBe('unknown');
  });
  it('keeps the corpus, the skipped tokens and the rows, and counts rejections apart from other answers', () => {
    const h = [corpus('bad', ['control', 'forged', 'expired'], [{ label: 'wrong-key', reason: 'one key only' }]), ...answers('bad@east', 'control', [200, 200, 200, 200]), ...answers('bad@east', 'forged', [404, 404, 404, 503]), ...answers('bad@east', 'expired', [401, 401, 'timeout', 'timeout'])];
    const o = check('bad', h);
    expect(o.status).toBe('unknown');
    expect(o.summary).toBe('undecided: east x forged: answered 503; east x expired: answered timeout; not tested: wrong-key (one key only)');
    expect(o.evidence).toMatchObject({ provider: 'fernet', allowExpired: false, skipped: [{ label: 'wrong-key', reason: 'one key only' }] });
    expect((o.evidence.corpus as { label: string }[]).map((t) => t.label)).toEqual(['control', 'forged', 'expired']);
    expect(rows(o)).toEqual([
      { region: 'east', label: 'control', attempts: 4, accepted: 4, rejected: 0, other: [], status: 'pass' },
      { region: 'east', label: 'forged', attempts: 4, accepted: 0, rejected: 3, other: ['503'], status: 'unknown' },
      { region: 'east', label: 'expired', attempts: 4, accepted: 0, rejected: 2, other: ['timeout'], status: 'unknown' },
    ]);
  });
  it('decides a label from 3 answers, not 2', () => {
    const h = (n: number) => [corpus('bad', ['control', 'forged']), ...answers('bad@east', 'control', times(n, 200)), ...answers('bad@east', 'forged', times(n, 404))];
    expect(rows(check('bad', h(3))).map((r) => r.status)).toEqual(['pass', 'pass']);
    const two = check('bad', h(2));
    expect(rows(two).map((r) => r.status)).toEqual(['unknown', 'unknown']);
    expect(two.summary).toBe('undecided: east x control: 2 answers (< 3); east x forged: 2 answers (< 3)');
    const otherAtThree = check('bad', [corpus('bad', ['control', 'forged']), ...answers('bad@east', 'control', [200, 200, 200]), ...answers('bad@east', 'forged', [404, 404, 503])]);
    expect(otherAtThree.summary).toBe('undecided: east x forged: answered 503');
  });
  it('accepts the control at 99 %, not below, and marks an accepted bad token failed in its row', () => {
    const control = (rejected: number) => [corpus('bad', ['control', 'forged']), ...answers('bad@east', 'control', [...times(100 - rejected, 200), ...times(rejected, 404)]), ...answers('bad@east', 'forged', [404, 404, 404])];
    const ok = check('bad', control(1));
    expect(ok.status).toBe('pass');
    expect(ok.summary).toBe('east rejected every bad fernet token (forged): 3 validations, all 401/404; the control was accepted 99/100');
    const dead = check('bad', control(2));
    expect(dead.status).toBe('fail');
    expect(dead.summary).toBe('east: the valid control token was accepted only 98/100 times (rejected), so its rejections prove nothing');
    const third = check('bad', [corpus('bad', ['control', 'forged']), ...answers('bad@east', 'control', [200, 404, 404]), ...answers('bad@east', 'forged', [200, 404, 404])]);
    expect(rows(third).map((r) => r.status)).toEqual(['fail', 'fail']);
    expect(third.summary).toBe('SECURITY FINDING: bad tokens accepted: east x forged (1/3); east: the valid control token was accepted only 1/3 times (rejected), so its rejections prove nothing');
    const down = check('bad', [corpus('bad', ['control', 'forged']), ...answers('bad@east', 'control', [503, 'ECONNREFUSED', 503]), ...answers('bad@east', 'forged', [404, 404, 404])]);
    expect(down.summary).toBe('east: the valid control token was accepted only 0/3 times (503, ECONNREFUSED), so its rejections prove nothing');
  });
  it('says when the check has no bad-tokens workload to read', () => {
    expect(() => badTokens.check([], { ...ctx('bad'), spec: { ...ctx('bad').spec, name: 'x', workload: 'nope' } })).toThrow('check x has no bad-tokens workload to read');
  });
  it('needs a control token in the corpus, and says so with the corpus', () => {
    const o = check('bad', [corpus('bad', ['forged'])]);
    expect(o).toEqual({ status: 'unknown', summary: 'the corpus has no control token: a dead service would pass', evidence: { corpus: { provider: 'fernet', tokens: [{ label: 'forged', bytes: 183, how: 'test' }], skipped: [] } } });
  });
});

describe('middleware-region, edges', () => {
  const stats = (region: string, value: Record<string, unknown>, type: 'info' | 'ok' | 'fail' = 'info', f = 'auth-stats', t = 5000): HistoryEvent => ({ t, kind: 'op', process: `auth@${region}`, type, f, value });
  const EAST_KS = 'http://198.18.1.2:5000/v3/auth/tokens';
  const WEST_KS = 'http://198.18.2.2:5000/v3/auth/tokens';
  const check = (...h: HistoryEvent[]) => middlewareRegion.check(h, ctx('region'));
  const local = (region: string, url: string, n = 10) => stats(region, { region, validationUrl: url, validations: { total: n, byUrl: { [url]: n } }, calls: {}, cache: { hits: 3, misses: n }, offline: { validated: 0, rejected: 0 }, accepted: n, rejected: 0 });
  it('finds the site of a URL by its host, or gives the host, or the text that is not a URL', () => {
    expect(siteOfUrl(plan, 'http://198.18.2.7:5000/v3')).toBe('west');
    expect(siteOfUrl(plan, 'http://keystone.example:5000/v3')).toBe('keystone.example');
    expect(siteOfUrl(plan, '198.18.3.4')).toBe('north');
    expect(siteOfUrl(plan, 'see http://198.18.1.2:5000/v3')).toBe('see http://198.18.1.2:5000/v3');
  });
  it('passes with every online validation at its own region, and reports the counters', () => {
    const o = check(local('east', EAST_KS), local('west', WEST_KS));
    expect(o.status).toBe('pass');
    expect(rows(o)[0]).toEqual({ region: 'east', status: 'pass', configuredRegion: 'east', validationUrl: EAST_KS, decisions: 10, online: 10, onlineBySite: { east: 10 }, remoteOnline: 0, offline: 0, cacheHits: 3, otherCalls: {} });
    expect(o.summary).toBe('every validation stayed in its region (own endpoint or offline): east: 10 requests authenticated, online validations 10 at east, offline 0, cache hits 3; west: 10 requests authenticated, online validations 10 at west, offline 0, cache hits 3');
  });
  it('sums online validations by site, offline ones and decisions; counts only calls that are not validations as other calls', () => {
    const east = stats('east', {
      validations: { total: 5, byUrl: { [EAST_KS]: 3, 'http://198.18.1.3:5000/v3/auth/tokens': 2 } },
      calls: { [`GET ${EAST_KS}`]: 5, 'GET http://198.18.2.2:5000/v3/auth/tokens/OS-PKI/revoked': 2 },
      offline: { validated: 4, rejected: 1 },
      accepted: 8,
      rejected: 2,
    });
    const o = check(east, local('west', WEST_KS));
    expect(o.status, o.summary).toBe('pass');
    expect(rows(o)[0]).toEqual({ region: 'east', status: 'pass', configuredRegion: null, validationUrl: null, decisions: 10, online: 5, onlineBySite: { east: 5 }, remoteOnline: 0, offline: 5, cacheHits: 0, otherCalls: { 'revocation-list @ west': 2 } });
    expect(o.summary).toMatch(/^every validation stayed in its region \(own endpoint or offline\): east: 10 requests authenticated, online validations 5 at east, offline 5, cache hits 0; other identity calls: 2 revocation-list @ west; west: /);
  });
  it('counts offline validations alone (PKI, no online counters) and rejections missing as none', () => {
    const bare = check(stats('east', { validations: { total: 6, byUrl: { [EAST_KS]: 6 } }, accepted: 6 }), local('west', WEST_KS));
    expect(rows(bare)[0]).toMatchObject({ online: 6, offline: 0, status: 'pass' });
    const pki = stats('east', { offline: { validated: 6 }, accepted: 6 });
    const o = check(pki, local('west', WEST_KS));
    expect(o.status, o.summary).toBe('pass');
    expect(rows(o)[0]).toMatchObject({ decisions: 6, online: 0, offline: 6, onlineBySite: {} });
    expect(o.summary).toMatch(/^every validation stayed in its region \(own endpoint or offline\): east: 6 requests authenticated, online validations none, offline 6, cache hits 0; west/);
  });
  it('decides from 5 authenticated requests, of which some validated online or offline', () => {
    const five = (accepted: number, offline: Record<string, number>) => check(stats('east', { validations: { total: 0, byUrl: {} }, offline, accepted }), local('west', WEST_KS));
    expect(five(5, { validated: 5, rejected: 0 }).status).toBe('pass');
    expect(five(4, { validated: 4, rejected: 0 }).status).toBe('unknown');
    expect(five(9, { validated: 0, rejected: 0 }).status).toBe('unknown');
    const both = check(stats('east', { validations: { total: 3, byUrl: { [EAST_KS]: 3 } }, offline: { validated: 0, rejected: 3 }, accepted: 3, rejected: 3 }), local('west', WEST_KS));
    expect(both.status).toBe('pass');
    expect(rows(both)[0]).toMatchObject({ online: 3, offline: 3, decisions: 6 });
  });
  it('reads the last auth-stats answer of each region, and is unknown without one, naming why', () => {
    const later = stats('east', { error: 'ignored' }, 'ok', 'something-else', 6000);
    const o = check(local('east', EAST_KS), later, stats('west', { error: 'connect ECONNREFUSED' }, 'fail'));
    expect(o.status).toBe('unknown');
    expect(o.summary).toBe('east: 10 requests authenticated, online validations 10 at east, offline 0, cache hits 3; west: unknown (no counters: connect ECONNREFUSED)');
    expect(rows(o)[1]).toEqual({ region: 'west', status: 'unknown', note: 'no counters: connect ECONNREFUSED' });
    const none = check(local('east', EAST_KS));
    expect(none.summary).toBe('east: 10 requests authenticated, online validations 10 at east, offline 0, cache hits 3; west: unknown (no auth-stats recorded)');
  });
  it('fails when validations went to another region\'s endpoint, whatever else is unknown', () => {
    const o = check(local('east', WEST_KS));
    expect(o.status).toBe('fail');
    expect(o.summary).toBe('validation left the region: east: 10 requests authenticated, online validations 10 at west, offline 0, cache hits 3');
    expect(rows(o)[0]).toMatchObject({ remoteOnline: 10, status: 'fail' });
  });
});

describe('validation-during-faults, edges', () => {
  /** Validations every 100 ms from 0 to 3 s in east and west; `status(region, t)` answers each (a number, or a transport error). */
  const validations = (status: (region: string, t: number) => number | string = () => 200) =>
    ['east', 'west'].flatMap((region) =>
      Array.from({ length: 30 }, (_, n): HistoryEvent[] => {
        const t = n * 100;
        const s = status(region, t);
        return [
          { t, kind: 'op', process: `tokens@${region}`, type: 'invoke', f: 'validate', value: { n } },
          { t: t + 5, kind: 'op', process: `tokens@${region}`, type: s === 200 ? 'ok' : 'fail', f: 'validate', value: { n, latencyMs: 5, ...(typeof s === 'number' ? { status: s } : { error: s }) } },
        ];
      }).flat(),
    );
  const check = (...h: HistoryEvent[][]) => validationDuringFaults.check(byT(h.flat()), ctx('during'));
  it('is skipped when a partition cuts no site off (one link of three)', () => {
    expect(check(fault({ kind: 'partition', link: 'ew' }, 1000, 2000, { name: 'cut' }), validations())).toEqual({ status: 'skip', summary: 'no site lost or cut off in this run', evidence: {} });
  });
  it('names the site lost, and the failures by status or error', () => {
    const lost = fault({ kind: 'site-loss', site: 'north' }, 1000, 2000);
    const ok = check(lost, validations());
    expect(ok.status).toBe('pass');
    expect(ok.summary).toBe('east: 10/10 valid while north lost; west: 10/10 valid while north lost');
    const bad = check(lost, validations((r, t) => (r === 'west' && t === 1200 ? 'timeout' : r === 'west' && t === 1300 ? 503 : 200)));
    expect(bad.summary).toBe('west: 8/10 valid while north lost (failures: timeout, 503)');
  });
  it('does not judge a validation sent at the very moment of the revocation', () => {
    const h = [fault({ kind: 'site-loss', site: 'north' }, 1000, 2000), fault({ kind: 'revoke-token', site: 'east' }, 1500, undefined, { name: 'revoke' }), validations((_r, t) => (t >= 1500 ? 404 : 200))];
    const o = check(...h);
    expect(o.status, o.summary).toBe('pass');
    expect(rows(o).map((r) => r.validations)).toEqual([5, 5]);
  });
  it('does not judge a validation still in flight when the revocation began (answered 404 by it)', () => {
    const h = [fault({ kind: 'site-loss', site: 'north' }, 1000, 2000), fault({ kind: 'revoke-token', site: 'east' }, 1503, undefined, { name: 'revoke' }), validations((_r, t) => (t >= 1500 ? 404 : 200))];
    const o = check(...h);
    expect(o.status, o.summary).toBe('pass');
    expect(rows(o).map((r) => r.validations)).toEqual([5, 5]); // the one sent at 1500 was answered at 1505
  });
  it('decides from 5 validations, and passes at exactly 99 % valid', () => {
    const short = (end: number) => check(fault({ kind: 'site-loss', site: 'north' }, 1000, end), validations());
    expect(short(1500).status).toBe('pass');
    expect(short(1400)).toMatchObject({ status: 'unknown', summary: 'too few validations during the faults' });
    const many: HistoryEvent[] = ['east', 'west'].flatMap((region) =>
      Array.from({ length: 100 }, (_, n): HistoryEvent[] => [
        { t: 1000 + n * 10, kind: 'op', process: `tokens@${region}`, type: 'invoke', f: 'validate', value: { n } },
        { t: 1001 + n * 10, kind: 'op', process: `tokens@${region}`, type: n === 0 ? 'fail' : 'ok', f: 'validate', value: { n, status: n === 0 ? 503 : 200 } },
      ]).flat(),
    );
    const o = check(fault({ kind: 'site-loss', site: 'north' }, 1000, 2000), many);
    expect(o.status, o.summary).toBe('pass');
    expect(rows(o).map((r) => [r.validations, r.ok])).toEqual([[100, 99], [100, 99]]);
  });
});
