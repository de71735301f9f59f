// The seed's candidate-solution table, with numbers: identity runs side by
// side, read from their result.json files (pure).
import type { ResultFile } from './write.js';

export interface ComparisonRow {
  readonly scenario: string;
  readonly model: string;
  readonly tokenBytes: number | null;
  readonly validation: string; // per region p50/p99
  readonly issue: string; // per region p50/p99
  readonly identityPktsPer1000: number | null;
  readonly replicationPktsPer1000: number | null;
  readonly replicationKBPer1000: number | null;
  /** WAN replication bytes (MySQL + Galera) per 1000 issued tokens, in KB. */
  readonly replicationKBPer1000Issued: number | null;
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
  bytesPer1000: number;
}
interface RevocationRow {
  region: string;
  windowMs: number;
  rejected: number;
}

function evidenceOf(r: ResultFile, requirement: string): Readonly<Record<string, unknown>> | undefined {
  return r.verdicts.find((v) => v.id === requirement)?.checks[0]?.evidence;
}

const REPLICATION = /^(MySQL|Galera)/;

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
      const issue = evidenceOf(r, 'ID-ISSUE-LOCAL');
      const issueRows = (issue?.rows ?? []) as ValidationRow[];
      const issueWan = (issue?.wan ?? []) as WanRow[];
      const sum = (rows: readonly WanRow[], match: RegExp, k: 'packetsPer1000' | 'bytesPer1000') => rows.filter((w) => match.test(w.protocol)).reduce((n, w) => n + w[k], 0);
      const pkts = (match: RegExp) => sum(wan, match, 'packetsPer1000');
      const kb = (rows: readonly WanRow[]) => Math.round(sum(rows, REPLICATION, 'bytesPer1000') / 100) / 10;
      return {
        scenario: r.scenario.name,
        model: `${id.placement} ${id.provider}, ${id.database} DB`,
        tokenBytes: token?.size ?? null,
        validation: rows.map((x) => `${x.region} ${x.p50Ms}/${x.p99Ms}`).join(', '),
        issue: issueRows.map((x) => `${x.region} ${x.p50Ms}/${x.p99Ms}`).join(', '),
        identityPktsPer1000: wan.length ? pkts(/^identity/) : null,
        replicationPktsPer1000: wan.length ? pkts(REPLICATION) : null,
        replicationKBPer1000: wan.length ? kb(wan) : null,
        replicationKBPer1000Issued: issueWan.length ? kb(issueWan) : null,
        revocation: revoked.map((x) => `${x.region} ${x.rejected === 0 ? 'NEVER' : `${x.windowMs} ms`}`).join(', '),
        verdicts: r.verdicts.filter((v) => v.status !== 'skip').map((v) => `${v.id} ${v.status.toUpperCase()}`).join(', '),
      };
    });
}
