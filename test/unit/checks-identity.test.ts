// Identity checkers on literal histories, both ways.
import { wanCapture } from '../support/capture.js';
import { fault } from '../support/faults.js';
import { describe, expect, it } from 'vitest';
import { keyRotation } from '../../harness/checks/kinds/key-rotation.js';
import { localValidation } from '../../harness/checks/kinds/local-validation.js';
import { revocation } from '../../harness/checks/kinds/revocation.js';
import { tokenValidation } from '../../harness/checks/kinds/token-validation.js';
import type { CaptureEvent, HistoryEvent } from '../../harness/observe/history.js';
import { parseScenario } from '../../harness/scenario/load.js';
import { planTopology } from '../../harness/topology/plan.js';
import { validationHistory } from '../support/histories.js';
import { TWO_REGIONS } from '../support/topologies.js';

const scenario = parseScenario(
  'id.yaml',
  `
name: id
duration: 10s
${TWO_REGIONS}
identity: { provider: fernet, placement: distributed, site: east, database: galera }
workload:
  - { kind: tokens, name: tokens }
checks:
  - { name: validate, kind: token-validation, requirements: [ID-VALIDATE-EVERYWHERE] }
  - { name: local, kind: local-validation, requirements: [ID-LOCAL-VALIDATION] }
  - { name: revoked, kind: revocation, limit: 1s, requirements: [ID-REVOCATION] }
  - { name: rotation, kind: key-rotation, requirements: [ID-KEY-ROTATION] }
`,
).scenario;
const ctx = (name: string) => ({ scenario, plan: planTopology(scenario, 'abcdef'), spec: scenario.checks.find((c) => c.name === name)! });

/** 20 validations a second per region for 10 s; `status(region, t)` decides each answer. */
const validations = (status: (region: string, t: number) => number): HistoryEvent[] => validationHistory({ regions: ['east', 'west'], everyMs: 50, durationMs: 10000, latencyMs: 8, status });
const revokeAt = (t: number): HistoryEvent => fault({ kind: 'revoke-token', site: 'east' }, t, undefined, { name: 'revoke' })[0]!;
const capture = (identityPackets: number, stats?: CaptureEvent['stats']): HistoryEvent => wanCapture([
    { proto: 6, port: 4567, packets: 900, bytes: 90000 },
    ...(identityPackets ? [{ proto: 6, port: 5000, packets: identityPackets, bytes: identityPackets * 300 }] : []),
  ], stats === undefined ? {} : { stats });

describe('token-validation (ID-VALIDATE-EVERYWHERE)', () => {
  it('passes when every region accepts the token', () => {
    expect(tokenValidation.check(validations(() => 200), ctx('validate')).status).toBe('pass');
  });
  it('fails when a region does not know the token (keys or users not shared)', () => {
    const r = tokenValidation.check(validations((region) => (region === 'west' ? 404 : 200)), ctx('validate'));
    expect(r.status).toBe('fail');
    expect(r.summary).toMatch(/west: 0\/200 valid/);
  });
  it('does not count answers after a revocation began', () => {
    const h = [...validations((_r, t) => (t >= 6000 ? 404 : 200)), revokeAt(6000)];
    expect(tokenValidation.check(h, ctx('validate')).status).toBe('pass');
  });
});

describe('local-validation (ID-LOCAL-VALIDATION)', () => {
  it('passes with zero identity packets on the WAN, and reports replication per 1000 validations', () => {
    const r = localValidation.check([...validations(() => 200), capture(0)], ctx('local'));
    expect(r.status).toBe('pass');
    expect(r.summary).toMatch(/Galera \(4567, 4568, 4444\): 2250 pkts/);
  });
  it('fails when validation crosses regions (centralized Keystone)', () => {
    expect(localValidation.check([...validations(() => 200), capture(1200)], ctx('local')).status).toBe('fail');
  });
  it('is unknown without a capture', () => {
    expect(localValidation.check(validations(() => 200), ctx('local')).status).toBe('unknown');
  });
  it('is unknown when the capture saw nothing at all (tcpdump captured no packet)', () => {
    const r = localValidation.check([...validations(() => 200), wanCapture([])], ctx('local'));
    expect(r.status).toBe('unknown');
    expect(r.summary).toMatch(/holds no packet/);
  });
  it('is unknown when the kernel dropped packets from the capture, or tcpdump gave no counters', () => {
    const dropped = localValidation.check([...validations(() => 200), capture(0, { captured: 900, receivedByFilter: 960, droppedByKernel: 60 })], ctx('local'));
    expect(dropped.status).toBe('unknown');
    expect(dropped.summary).toBe('the kernel dropped 60 packets from the WAN capture: what it missed may be what the check looks for');
    expect(localValidation.check([...validations(() => 200), capture(0, null)], ctx('local')).status).toBe('unknown');
  });
  it('is unknown when no validation succeeded (a dead service sends nothing anywhere)', () => {
    expect(localValidation.check([...validations(() => 503), capture(0)], ctx('local'))).toEqual({ status: 'unknown', summary: 'no validation succeeded', evidence: {} });
  });
  it('passes only when every region validated: one whose validations all failed showed nothing', () => {
    const r = localValidation.check([...validations((region) => (region === 'west' ? 503 : 200)), capture(0)], ctx('local'));
    expect(r.status).toBe('unknown');
    expect(r.summary).toBe('no validation succeeded in west: where validation goes there was not seen');
    expect(r.evidence).toMatchObject({ validations: 200 });
    // Evidence of crossing still fails, whatever the other region showed.
    expect(localValidation.check([...validations((region) => (region === 'west' ? 503 : 200)), capture(1200)], ctx('local')).status).toBe('fail');
    // One success in a region is enough.
    expect(localValidation.check([...validations((region, t) => (region === 'west' && t > 0 ? 503 : 200)), capture(0)], ctx('local')).status).toBe('pass');
  });
});

describe('revocation (ID-REVOCATION)', () => {
  it('passes when every region rejects within the limit, and measures each window', () => {
    const h = [...validations((region, t) => (t >= (region === 'west' ? 6300 : 6000) ? 404 : 200)), revokeAt(6000)];
    const r = revocation.check(h, ctx('revoked'));
    expect(r.status).toBe('pass');
    expect(r.summary).toMatch(/west: revocation window 250 ms/);
  });
  it('fails as a security finding when a region still accepts the revoked token', () => {
    const h = [...validations((region, t) => (region === 'east' && t >= 6000 ? 404 : 200)), revokeAt(6000)];
    const r = revocation.check(h, ctx('revoked'));
    expect(r.status).toBe('fail');
    expect(r.summary).toMatch(/west: revoked token STILL ACCEPTED/);
  });
  it('fails when a region rejects only after the limit', () => {
    const h = [...validations((region, t) => (t >= (region === 'west' ? 8000 : 6000) ? 404 : 200)), revokeAt(6000)];
    expect(revocation.check(h, ctx('revoked')).status).toBe('fail');
  });
  describe('a region cut off when the token is revoked', () => {
    // ew cut from 5 s to 8 s: east and west are each alone, so both count as cut off.
    const cut: HistoryEvent[] = [
      ...fault({ kind: 'partition', link: 'ew' }, 5000, 8000, { name: 'cut' }),
    ];
    it('passes when it rejects within the limit of rejoining, and reports the exposure', () => {
      const h = [...cut, ...validations((region, t) => (t >= (region === 'west' ? 8300 : 6000) ? 404 : 200)), revokeAt(6000)].sort((a, b) => a.t - b.t);
      const r = revocation.check(h, ctx('revoked'));
      expect(r.status, r.summary).toBe('pass');
      expect(r.summary).toMatch(/west: cut off when revoked, revoked token accepted for 2250 ms \(security exposure while partitioned\), 250 ms after rejoining/);
    });
    it('fails when it still accepts the token past the limit after rejoining', () => {
      const h = [...cut, ...validations((region, t) => (t >= (region === 'west' ? 9500 : 6000) ? 404 : 200)), revokeAt(6000)].sort((a, b) => a.t - b.t);
      expect(revocation.check(h, ctx('revoked')).status).toBe('fail');
    });
  });
});

describe('key-rotation (ID-KEY-ROTATION)', () => {
  const rotateAt = (t: number, name = 'rotate'): HistoryEvent => fault({ kind: 'rotate-keys', site: 'east' }, t, undefined, { name })[0]!;
  /** Fresh tokens issued in each region after a rotation at t, validated in each region; `status` decides each answer. */
  const probes = (t: number, status: (issuedIn: string, region: string) => number = () => 200): HistoryEvent[] =>
    ['east', 'west'].flatMap((issuedIn, i) =>
      ['east', 'west'].map((region, k): HistoryEvent => {
        const st = status(issuedIn, region);
        return { t: t + 50 + 10 * i + k, kind: 'op', process: `key-probe@${region}`, type: st === 200 ? 'ok' : 'fail', f: 'validate', value: { rotatedIn: 'east', issuedIn, status: st } };
      }),
    );
  it('passes when a distributed rotation causes no failed validation and fresh tokens from every region are valid everywhere', () => {
    const r = keyRotation.check([...validations(() => 200), rotateAt(3000), ...probes(3000)], ctx('rotation'));
    expect(r.status).toBe('pass');
    expect(r.summary).toMatch(/fresh tokens from every region valid everywhere after each \(4 validations\)$/);
  });
  it('fails naming the region and the window when a region lost the token\'s key', () => {
    const r = keyRotation.check([...validations((region, t) => (region === 'east' && t >= 5000 ? 404 : 200)), rotateAt(3000), ...probes(3000)], ctx('rotation'));
    expect(r.status).toBe('fail');
    expect(r.summary).toMatch(/east: 100\/140 validations failed, from 2000 ms to 6958 ms after the first rotation/);
  });
  it('fails when a token issued with the new primary key is rejected elsewhere, though the old token still validates', () => {
    // The second undistributed rotation: east's new primary is unknown in west, and west's primary was purged in east.
    const h = [...validations(() => 200), rotateAt(2000, 'rotate1'), ...probes(2000), rotateAt(4000, 'rotate2'), ...probes(4000, (from, at) => (from === at ? 200 : 401))];
    const r = keyRotation.check(h, ctx('rotation'));
    expect(r.status).toBe('fail');
    expect(r.summary).toBe('after rotate2, fresh tokens issued in east, rejected in west (401); issued in west, rejected in east (401)');
    expect((r.evidence.freshTokens as { fault: string; rejected: string[] }[]).map((f) => [f.fault, f.rejected.length])).toEqual([['rotate1', 0], ['rotate2', 2]]);
  });
  it('is unknown when no fresh token was validated after a rotation', () => {
    const r = keyRotation.check([...validations(() => 200), rotateAt(3000)], ctx('rotation'));
    expect(r.status).toBe('unknown');
    expect(r.summary).toBe('no fresh token was validated after rotate: the new keys were never exercised');
  });
  it('is skip without a rotation', () => {
    expect(keyRotation.check(validations(() => 200), ctx('rotation')).status).toBe('skip');
  });
});
