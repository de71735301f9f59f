// ID-WRITES-CLEAN (seed: multisite identity, "Candidate solution analysis"):
// writes fail cleanly while the database cannot take them (a 4xx, or a 503
// naming the cause; never a timeout, a reset or a 500), resume within the
// limit after healing, and no acknowledged write is lost (the harness reads
// them back after the workload).
import { z } from 'zod';
import type { OpEvent } from '../../observe/history.js';
import type { Checker } from '../context.js';
import { clientRegions, MIN_REQUESTS, outcome, OUTAGES, overlaps, requestsOf } from '../identity-history.js';
import type { CheckKind, SpecOf } from '../kind.js';
import { checkFields, limit, workload } from '../options.js';
import { answered, faultWindows, ops, round, type FaultWindow } from '../series.js';
import type { Status } from '../verdict.js';
import { stopsSite } from '../site-faults.js';
import type { Scenario } from '../../scenario/schema.js';

const options = z.strictObject({
  ...checkFields('write-availability'),
  workload: workload('writes'),
  limit: limit('How soon writes must resume after healing (default 10s); until then clean refusals are allowed'),
});

export const RESUME_LIMIT_MS = 10_000;

/** A refusal is clean when Keystone answered it (a 4xx, or 503 naming the cause); a timeout, a reset or a 500 is not. */
export function cleanRefusal(e: OpEvent): boolean {
  const s = Number(e.value?.status);
  return (s >= 400 && s < 500) || s === 503;
}

/** Fault windows that take the region's own Keystone away (its controller paused or its site lost). */
function ownOutages(scenario: Scenario, windows: readonly FaultWindow[], region: string): FaultWindow[] {
  return windows.filter((f) => stopsSite(scenario, f) && f.target.sites.includes(region));
}

const check: Checker<SpecOf<typeof options>> = (h, ctx) => {
  const w = requestsOf(ctx, 'writes');
  const limit = ctx.spec.limit ?? RESUME_LIMIT_MS;
  // A paused VM takes no database away; a paused controller does.
  const all = faultWindows(h).filter((f) => OUTAGES.includes(f.faultKind) && (f.faultKind !== 'pause-node' || stopsSite(ctx.scenario, f)));
  // The requirement is about writes while the database cannot take them: a run without such a fault says nothing of it.
  if (all.length === 0) return { status: 'skip', summary: `no fault took the identity database away in this run (${OUTAGES.join(', ')}): nothing to judge`, evidence: {} };
  // A fault that never heals (a lost site) leaves the others to carry on: they must be writable again within the limit of its start.
  const windows = all.map((f) => (Number.isFinite(f.end) ? f : { ...f, end: f.start }));
  const audits = new Map(ops(h, 'identity@harness', 'audit').map((e) => [String(e.value?.region), e.value]));
  const rows = clientRegions(ctx.scenario, w).map((region) => {
    const rs = answered(h, `${w.name}@${region}`, 'write');
    const own = ownOutages(ctx.scenario, all, region);
    // Its own Keystone gone, the region cannot answer at all: nothing to judge until it is back.
    const judged = rs.filter((r) => !overlaps(r, own));
    // Until `limit` after healing the database may still be rejoining: refusals are allowed there, if clean.
    const during = judged.filter((r) => overlaps(r, windows, limit));
    const steady = judged.filter((r) => !overlaps(r, windows, limit));
    const unclean = during.filter((r) => r.e.type === 'fail' && !cleanRefusal(r.e));
    const steadyFailed = steady.filter((r) => r.e.type !== 'ok');
    const lastHeal = Math.max(...windows.map((f) => f.end));
    const firstOkAfter = judged.find((r) => r.sent >= lastHeal && r.e.type === 'ok');
    const resumedMs = firstOkAfter ? round(firstOkAfter.e.t - lastHeal) : null;
    const lostForGood = own.some((f) => !Number.isFinite(f.end));
    const audit = audits.get(region);
    // Only an audit that read the users back backs a pass: one skipped (the
    // controller gone) or whose last read failed says nothing of what was kept.
    const readBack = audit !== undefined && Array.isArray(audit.missing) && audit.error === undefined;
    const missing = readBack ? (audit.missing as string[]) : [];
    const refusals = [...new Set(during.filter((r) => r.e.type === 'fail').map((r) => String(r.e.value?.status ?? r.e.value?.error)))];
    const problems = [
      ...(unclean.length ? [`${unclean.length} write(s) not refused cleanly (${[...new Set(unclean.map((r) => String(r.e.value?.status ?? r.e.value?.error)))].join(', ')})`] : []),
      ...(steadyFailed.length ? [`${steadyFailed.length} write(s) failed outside faults`] : []),
      ...(!lostForGood && (resumedMs === null || resumedMs > limit) ? [`writes did not resume within ${limit} ms of healing`] : []),
      ...(missing.length ? [`${missing.length} acknowledged write(s) missing afterwards: ${missing.slice(0, 3).join(', ')}`] : []),
    ];
    // Acknowledged writes are only known kept once read back: without the audit, nothing backs a pass.
    const status: Status = judged.length < MIN_REQUESTS ? 'unknown' : problems.length ? 'fail' : !readBack && !lostForGood ? 'unknown' : 'pass';
    return {
      region,
      writes: rs.length,
      ok: rs.filter((r) => r.e.type === 'ok').length,
      duringFaults: during.length,
      refusedCleanly: during.filter((r) => r.e.type === 'fail').length - unclean.length,
      refusals,
      resumedAfterHealMs: resumedMs,
      audited: readBack,
      ...(audit !== undefined && !readBack ? { auditFailed: String(audit.error ?? audit.skipped ?? 'no read-back') } : {}),
      missing: missing.length,
      problems,
      status,
    };
  });
  const text = (r: (typeof rows)[number]) =>
    r.problems.length
      ? `${r.region}: ${r.problems.join('; ')}`
      : `${r.region}: ${r.ok}/${r.writes} ok, ${r.refusedCleanly} refused cleanly during faults and recovery${r.refusals.length ? ` (${r.refusals.join(', ')})` : ''}${r.resumedAfterHealMs ? `, resumed ${r.resumedAfterHealMs} ms after healing` : ''}`;
  const unknownWhy = (r: (typeof rows)[number]) => (r.auditFailed === undefined ? r.region : `${r.region}: ${r.auditFailed}`);
  return outcome(rows, text, `too few writes, or no read-back audit of the acknowledged writes (${rows.filter((r) => r.status === 'unknown').map(unknownWhy).join(', ')})`);
};

export const writeAvailability: CheckKind<typeof options> = {
  options,
  requirements: ['ID-WRITES-CLEAN'],
  needs: { faults: true, workloads: ['writes'] },
  check,
};
