import { describe, expect, it } from 'vitest';
import { identityComparison } from '../../harness/report/compare.js';
import type { ResultFile } from '../../harness/report/write.js';

const result = (name: string, identity: Record<string, string> | undefined, identityPkts: number): ResultFile =>
  ({
    scenario: { name, identity },
    verdicts: [
      { id: 'ID-VALIDATE-EVERYWHERE', status: 'pass', checks: [{ evidence: { token: { size: 183 }, rows: [{ region: 'east', p50Ms: 12, p99Ms: 30 }] } }] },
      { id: 'ID-LOCAL-VALIDATION', status: identityPkts ? 'fail' : 'pass', checks: [{ evidence: { wan: [{ protocol: 'identity HTTP (5000)', packetsPer1000: identityPkts }, { protocol: 'Galera (4567, 4568, 4444)', packetsPer1000: 1500, bytesPer1000: 250000 }] } }] },
      { id: 'ID-ISSUE-LOCAL', status: 'pass', checks: [{ evidence: { rows: [{ region: 'east', p50Ms: 40, p99Ms: 90 }], wan: [{ protocol: 'Galera (4567, 4568, 4444)', packetsPer1000: 6000, bytesPer1000: 1200000 }] } }] },
      { id: 'ID-REVOCATION', status: 'fail', checks: [{ evidence: { rows: [{ region: 'west', windowMs: 0, rejected: 0 }] } }] },
      { id: 'WAN-FIDELITY', status: 'skip', checks: [] },
    ],
  }) as unknown as ResultFile;

describe('msh report: identity models side by side', () => {
  it('reads token size, validation and issue latency, WAN traffic per 1000 validations and per 1000 issued tokens, and revocation from each run', () => {
    const rows = identityComparison([
      result('a', { provider: 'fernet', placement: 'distributed', database: 'galera', site: 'east' }, 0),
      result('b', { provider: 'fernet', placement: 'centralized', database: 'local', site: 'east' }, 3600),
      result('wan', undefined, 0),
    ]);
    expect(rows.map((r) => r.scenario)).toEqual(['a', 'b']);
    expect(rows[0]).toMatchObject({ model: 'distributed fernet, galera DB', tokenBytes: 183, validation: 'east 12/30', identityPktsPer1000: 0, replicationPktsPer1000: 1500, replicationKBPer1000: 250, issue: 'east 40/90', replicationKBPer1000Issued: 1200, revocation: 'west NEVER' });
    expect(rows[1]!.identityPktsPer1000).toBe(3600);
    expect(rows[1]!.verdicts).toBe('ID-VALIDATE-EVERYWHERE PASS, ID-LOCAL-VALIDATION FAIL, ID-ISSUE-LOCAL PASS, ID-REVOCATION FAIL');
  });
});
