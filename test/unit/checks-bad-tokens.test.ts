// bad-tokens (ID-BAD-TOKENS-REJECTED) on literal histories, both ways; and
// the allow_expired pieces of the identity service's validate path.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { badTokens } from '../../harness/checks/kinds/bad-tokens.js';
import type { HistoryEvent } from '../../harness/observe/history.js';
import { parseScenario } from '../../harness/scenario/load.js';
import { boolFromString } from '../../harness/services/identity/api.js';
import { newAuditId, type TokenCore } from '../../harness/services/identity/model.js';
import { DEFAULT_ALLOW_EXPIRED_WINDOW } from '../../harness/services/identity/payload.js';
import { FernetProvider } from '../../harness/services/identity/providers.js';
import { planTopology } from '../../harness/topology/plan.js';
import { TWO_REGIONS } from '../support/topologies.js';

const scenario = parseScenario(
  'bad.yaml',
  `
name: bad
duration: 5s
${TWO_REGIONS}
identity: { provider: fernet, placement: distributed, site: east, database: galera }
workload:
  - { kind: bad-tokens, name: bad }
checks:
  - { name: bad, kind: bad-tokens, requirements: [ID-BAD-TOKENS-REJECTED] }
`,
).scenario;
const ctx = { scenario, plan: planTopology(scenario, 'abcdef'), spec: scenario.checks[0]! };

const LABELS = ['control', 'forged', 'tampered', 'expired', 'wrong-key', 'revoked'];
const corpus = (labels = LABELS): HistoryEvent => ({
  t: 0,
  kind: 'op',
  process: 'bad@harness',
  type: 'info',
  f: 'corpus',
  value: { provider: 'fernet', tokens: labels.map((label) => ({ label, bytes: 183, how: '...' })), skipped: [] },
});

type Answer = { status: number } | { error: string };
/** `rounds` validations of each label in each region (30/s, the corpus in turn); `answer` decides each. */
function validations(answer: (region: string, label: string) => Answer, rounds = 25): HistoryEvent[] {
  const ev: HistoryEvent[] = [];
  for (const region of ['east', 'west']) {
    for (let n = 1; n <= rounds * LABELS.length; n++) {
      const label = LABELS[(n - 1) % LABELS.length]!;
      const t = 100 + n * 33;
      const a = answer(region, label);
      ev.push({ t, kind: 'op', process: `bad@${region}`, type: 'invoke', f: 'validate', value: { n, label } });
      ev.push({ t: t + 6, kind: 'op', process: `bad@${region}`, type: 'status' in a && a.status === 200 ? 'ok' : 'fail', f: 'validate', value: { n, label, latencyMs: 6, ...a } });
    }
  }
  return ev;
}
const keystone = (_region: string, label: string): Answer => ({ status: label === 'control' ? 200 : 404 });

describe('bad-tokens (ID-BAD-TOKENS-REJECTED)', () => {
  it('passes when every region rejects every bad token and accepts the control', () => {
    const r = badTokens.check([corpus(), ...validations(keystone)], ctx);
    expect(r.status).toBe('pass');
    expect(r.summary).toMatch(/east, west rejected every bad fernet token \(forged, tampered, expired, wrong-key, revoked\): 250 validations, all 401\/404; the control was accepted 50\/50/);
  });

  it('counts 401 as a rejection too', () => {
    expect(badTokens.check([corpus(), ...validations((r, l) => (l === 'forged' ? { status: 401 } : keystone(r, l)))], ctx).status).toBe('pass');
  });

  it('fails as a security finding naming region x label when a bad token is accepted (allow_expired)', () => {
    const r = badTokens.check([corpus(), ...validations((region, label) => (label === 'expired' && region === 'west' ? { status: 200 } : keystone(region, label)))], ctx);
    expect(r.status).toBe('fail');
    expect(r.summary).toBe('SECURITY FINDING: bad tokens accepted: west x expired (25/25)');
  });

  it('fails on a single acceptance among rejections', () => {
    let once = true;
    const h = validations((region, label) => {
      if (region === 'east' && label === 'tampered' && once) return (once = false), { status: 200 };
      return keystone(region, label);
    });
    expect(badTokens.check([corpus(), ...h], ctx).summary).toMatch(/east x tampered \(1\/25\)/);
  });

  it('fails when the control is rejected too: a region that rejects everything proves nothing', () => {
    const r = badTokens.check([corpus(), ...validations((region, label) => (region === 'east' ? { status: 404 } : keystone(region, label)))], ctx);
    expect(r.status).toBe('fail');
    expect(r.summary).toMatch(/east: the valid control token was accepted only 0\/25 times/);
  });

  it('does not pass on a dead service (connection refused everywhere)', () => {
    expect(badTokens.check([corpus(), ...validations(() => ({ error: 'connect ECONNREFUSED' }))], ctx).status).toBe('fail');
  });

  it('is unknown with too few answers, with answers that are neither, or without a corpus', () => {
    expect(badTokens.check([corpus(), ...validations(keystone, 2)], ctx).status).toBe('unknown');
    const r = badTokens.check([corpus(), ...validations((region, label) => (label === 'forged' ? { status: 503 } : keystone(region, label)))], ctx);
    expect(r.status).toBe('unknown');
    expect(r.summary).toMatch(/east x forged: answered 503/);
    expect(badTokens.check(validations(keystone), ctx).status).toBe('unknown');
    expect(badTokens.check([corpus(LABELS.slice(1)), ...validations(keystone)], ctx).status).toBe('unknown');
  });
});

describe("Keystone's ?allow_expired", () => {
  it('reads the flag as oslo bool_from_string does', () => {
    for (const v of ['true', 'True', '1', 'yes', 'on', 'y', 't', ' TRUE ']) expect(boolFromString(v), v).toBe(true);
    for (const v of [null, '', 'false', '0', 'no', 'maybe']) expect(boolFromString(v), String(v)).toBe(false);
  });

  it('Fernet: a token expired an hour ago decodes only within allow_expired_window; one expired 49 h ago never', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'msh-allow-expired-'));
    try {
      const p = new FernetProvider(dir, 3);
      await p.init();
      const now = 1_800_000_000;
      const core = (expiredAgo: number): TokenCore => ({ userId: 'u', methods: ['password'], scope: { kind: 'unscoped' }, issuedAt: now - expiredAgo - 3600, expiresAt: now - expiredAgo, auditIds: [newAuditId()] });
      const hourAgo = await p.issue(core(3600));
      expect(await p.decode(hourAgo, now)).toEqual({ ok: false, message: 'Failed to validate token' });
      expect((await p.decode(hourAgo, now, DEFAULT_ALLOW_EXPIRED_WINDOW)).ok).toBe(true);
      expect((await p.decode(await p.issue(core(49 * 3600)), now, DEFAULT_ALLOW_EXPIRED_WINDOW)).ok).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
