// The seed's candidate-solution table, with numbers: identity runs side by
// side, read from their result.json files (pure).
import type { ResultFile } from './write.js';

export interface ComparisonRow {
  readonly scenario: string;
  readonly model: string;
  readonly tokenBytes: number | null;
  readonly validation: string; // per region p50/p99
  readonly identityPktsPer1000: number | null;
  readonly replicationPktsPer1000: number | null;
  readonly revocation: string;
  readonly verdicts: string;
}

interface ValidationRow {
  region: string;
  p50Ms: number;
  p99Ms: number;
}
interface WanRow {
  protocol: string;
  packetsPer1000: number;
}
interface RevocationRow {
  region: string;
  windowMs: number;
  rejected: number;
}

function evidenceOf(r: ResultFile, requirement: string): Readonly<Record<string, unknown>> | undefined {
  return r.verdicts.find((v) => v.id === requirement)?.checks[0]?.evidence;
}

export function identityComparison(results: readonly ResultFile[]): ComparisonRow[] {
  return results
    .filter((r) => r.scenario.identity)
    .map((r) => {
      const id = r.scenario.identity!;
      const validation = evidenceOf(r, 'ID-VALIDATE-EVERYWHERE');
      const token = validation?.token as { size?: number } | null | undefined;
      const rows = (validation?.rows ?? []) as ValidationRow[];
      const wan = (evidenceOf(r, 'ID-LOCAL-VALIDATION')?.wan ?? []) as WanRow[];
      const revoked = (evidenceOf(r, 'ID-REVOCATION')?.rows ?? []) as RevocationRow[];
      const pkts = (match: RegExp) => wan.filter((w) => match.test(w.protocol)).reduce((n, w) => n + w.packetsPer1000, 0);
      return {
        scenario: r.scenario.name,
        model: `${id.placement} ${id.provider}, ${id.database} DB`,
        tokenBytes: token?.size ?? null,
        validation: rows.map((x) => `${x.region} ${x.p50Ms}/${x.p99Ms}`).join(', '),
        identityPktsPer1000: wan.length ? pkts(/^identity/) : null,
        replicationPktsPer1000: wan.length ? pkts(/^(MySQL|Galera)/) : null,
        revocation: revoked.map((x) => `${x.region} ${x.rejected === 0 ? 'NEVER' : `${x.windowMs} ms`}`).join(', '),
        verdicts: r.verdicts.filter((v) => v.status !== 'skip').map((v) => `${v.id} ${v.status.toUpperCase()}`).join(', '),
      };
    });
}
