// Timeline lanes of what the checks measured, read from their evidence (so
// the picture shows the verdict's own figures): the failover gaps of
// failover-time and the revocation windows of revocation. Evidence is
// validated here: it is free-form per check kind, and an older or changed
// shape must leave the lane out, not break the page.
import { z } from 'zod';
import { revokedAt } from '../checks/identity-history.js';
import type { FaultWindow } from '../checks/series.js';
import type { HistoryEvent } from '../observe/history.js';
import type { Lane } from './html-timeline.js';
import type { ResultFile } from './write.js';

const FailoverRows = z.object({ rows: z.array(z.object({ fault: z.string(), outageMs: z.number().nullable().optional(), status: z.string() })) });
const RevocationRows = z.object({ rows: z.array(z.object({ region: z.string(), windowMs: z.number(), acceptedAfterRevocation: z.number().optional() })) });

/** Failover gaps and revocation windows, as the failover-time and revocation checks measured them. */
export function measuredLanes(r: ResultFile, h: readonly HistoryEvent[], windows: readonly FaultWindow[], t1: number): Lane[] {
  const checks = r.verdicts.flatMap((v) => v.checks);
  const seen = new Set<string>();
  const lanes: Lane[] = [];
  for (const c of checks) {
    if (seen.has(`${c.kind}/${c.check}`)) continue; // one check can decide several requirements
    seen.add(`${c.kind}/${c.check}`);
    if (c.kind === 'failover-time') {
      const ev = FailoverRows.safeParse(c.evidence);
      if (!ev.success) continue;
      const segs = ev.data.rows.flatMap((row) => {
        const f = windows.find((w) => w.fault === row.fault);
        if (!f || row.status === 'skip' || row.outageMs === undefined) return [];
        const to = row.outageMs === null ? t1 : f.start + row.outageMs;
        return [{ from: f.start, to, cls: 'gap', title: `${row.fault}: no new call served for ${row.outageMs === null ? 'the rest of the run' : `${row.outageMs} ms`}` }];
      });
      lanes.push({ label: `failover gap (${c.check})`, group: 'measured', segs });
    } else if (c.kind === 'revocation') {
      const ev = RevocationRows.safeParse(c.evidence);
      const t = revokedAt(h);
      if (!ev.success || !Number.isFinite(t)) continue;
      for (const row of ev.data.rows) {
        const title = `${row.region}: revoked token accepted for ${row.windowMs} ms after revocation`;
        lanes.push({ label: `revocation window ${row.region}`, group: 'measured', segs: [{ from: t, to: t + Math.max(row.windowMs, 1), cls: 'revocation', title }] });
      }
    }
  }
  return lanes;
}
