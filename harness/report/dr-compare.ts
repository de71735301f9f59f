// The GR seed's three options with numbers: DR runs side by side (RPO, RTO,
// what the cut and the backups looked like), read from result.json (pure).
import type { ResultFile } from './write.js';

export interface DrRow {
  readonly scenario: string;
  readonly option: string;
  /** Committed transactions the restore lost, and the ms of writes they span. */
  readonly rpoTransactions: number | null;
  readonly rpoMs: number | null;
  /** Primary's loss to serving in the backup site; the operator's share; the restore's. */
  readonly rtoMs: number | null;
  readonly decisionMs: number | null;
  readonly restoreMs: number | null;
  /** Cuts read back consistent / taken, and the restored state's verdict. */
  readonly cuts: string;
  readonly quiescedMaxMs: number | null;
  readonly backups: string;
  readonly verdicts: string;
}

function evidence(r: ResultFile, id: string): Readonly<Record<string, unknown>> | undefined {
  return r.verdicts.find((v) => v.id === id)?.checks[0]?.evidence;
}
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export function drComparison(results: readonly ResultFile[]): DrRow[] {
  return results
    .filter((r) => r.scenario.dr)
    .map((r) => {
      const rpo = evidence(r, 'DR-RPO');
      const rto = evidence(r, 'DR-RTO');
      const cut = evidence(r, 'DR-CONSISTENT-CUT');
      const cuts = (cut?.['cuts'] ?? []) as { consistent: boolean }[];
      const restored = cut?.['restored'] as { consistent: boolean } | null | undefined;
      const inc = evidence(r, 'DR-INCREMENTAL-BACKUP');
      const backups = (inc?.['backups'] ?? []) as { incremental: boolean }[];
      const wire = num(inc?.['wireBytes']);
      return {
        scenario: r.scenario.name,
        option: r.scenario.dr!.option,
        rpoTransactions: num(rpo?.['lostTransactions']),
        rpoMs: num(rpo?.['lostMs']),
        rtoMs: num(rto?.['rtoMs']),
        decisionMs: num(rto?.['decisionMs']),
        restoreMs: num(rto?.['restoreMs']),
        cuts: cut ? `${cuts.filter((c) => c.consistent).length}/${cuts.length} consistent${restored ? `; restored ${restored.consistent ? 'consistent' : 'BROKEN'}` : ''}` : '-',
        quiescedMaxMs: num(evidence(r, 'DR-OPT1-FAST-SNAPSHOT')?.['worstMs']),
        backups: inc ? `${backups.length} (${backups.filter((b) => b.incremental).length} incremental)${wire === null ? '' : `, ${Math.round(wire / 1024)} KiB on the WAN`}` : '-',
        verdicts: verdictSummary(r.verdicts.filter((v) => v.id.startsWith('DR-'))),
      };
    });
}

/** "12 pass; FAIL: CONSISTENT-CUT": what passed is counted, what did not is named. */
function verdictSummary(vs: readonly { id: string; status: string }[]): string {
  const passed = vs.filter((v) => v.status === 'pass').length;
  const others = ['fail', 'unknown'].flatMap((st) => {
    const ids = vs.filter((v) => v.status === st).map((v) => v.id.replace(/^DR-/, ''));
    return ids.length > 0 ? [`${st.toUpperCase()}: ${ids.join(', ')}`] : [];
  });
  return [`${passed} pass`, ...others].join('; ');
}
