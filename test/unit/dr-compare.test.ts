// msh report's DR table: RPO, RTO, cuts and backups per run, read from
// result.json evidence (pure).
import { describe, expect, it } from 'vitest';
import { drComparison } from '../../harness/report/dr-compare.js';
import type { ResultFile } from '../../harness/report/write.js';

const verdict = (id: string, status: string, evidence: Record<string, unknown> = {}) => ({ id, title: id, status, source: '', section: '', checks: [{ check: id, kind: 'k', status, summary: '', evidence }] });

function result(option: string, verdicts: ReturnType<typeof verdict>[]): ResultFile {
  return { scenario: { name: `dr-${option}`, dr: { option } }, verdicts } as unknown as ResultFile;
}

describe('DR runs side by side', () => {
  it('reads RPO, RTO, cuts and backups from the evidence, and names what did not pass', () => {
    const rows = drComparison([
      result('quiesce-group-snapshot', [
        verdict('DR-RPO', 'pass', { lostTransactions: 57, lostMs: 2883 }),
        verdict('DR-RTO', 'pass', { rtoMs: 2591, decisionMs: 1002, restoreMs: 1589 }),
        verdict('DR-CONSISTENT-CUT', 'fail', { cuts: [{ consistent: true }, { consistent: false }], restored: { consistent: false } }),
        verdict('DR-OPT1-FAST-SNAPSHOT', 'pass', { worstMs: 136 }),
        verdict('DR-INCREMENTAL-BACKUP', 'unknown', { backups: [{ incremental: false }, { incremental: true }], wireBytes: 4096 }),
        verdict('DR-MANUAL-TRIGGER', 'skip'),
      ]),
      { scenario: { name: 'id', identity: {} }, verdicts: [] } as unknown as ResultFile,
    ]);
    expect(rows).toEqual([
      {
        scenario: 'dr-quiesce-group-snapshot',
        option: 'quiesce-group-snapshot',
        rpoTransactions: 57,
        rpoMs: 2883,
        rtoMs: 2591,
        decisionMs: 1002,
        restoreMs: 1589,
        cuts: '1/2 consistent; restored BROKEN',
        quiescedMaxMs: 136,
        backups: '2 (1 incremental), 4 KiB on the WAN',
        verdicts: '3 pass; FAIL: CONSISTENT-CUT; UNKNOWN: INCREMENTAL-BACKUP',
      },
    ]);
  });

  it('shows what a run did not measure as absent, not as zero', () => {
    const [row] = drComparison([result('replication', [verdict('DR-RPO', 'skip', {})])]);
    expect(row).toMatchObject({ rpoTransactions: null, rtoMs: null, cuts: '-', backups: '-', verdicts: '0 pass' });
  });
});
