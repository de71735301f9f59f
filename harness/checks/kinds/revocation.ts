// ID-REVOCATION: a token revoked in one region is rejected in every region
// within the limit; a region cut off when it was revoked is judged from when
// it rejoined (and its exposure while cut off is reported).
import { z } from 'zod';
import type { Checker } from '../context.js';
import { MIN_VALIDATIONS, results, revokedAt, tokensOf, validatingRegions } from '../identity-history.js';
import type { CheckKind, SpecOf } from '../kind.js';
import { checkFields, limit, workload } from '../options.js';
import { faultWindows, round } from '../series.js';
import { faultedSites } from '../site-faults.js';
import type { CheckOutcome, Status } from '../verdict.js';

const options = z.strictObject({
  ...checkFields('revocation'),
  workload: workload('tokens'),
  limit: limit('How long a revoked token may still be accepted in a region (default 1s); for a region cut off when it was revoked, counted from when it rejoined'),
});

const check: Checker<SpecOf<typeof options>> = (h, ctx) => {
  const w = tokensOf(ctx);
  const t = revokedAt(h);
  if (!Number.isFinite(t)) return { status: 'skip', summary: 'no token was revoked in this run', evidence: {} };
  const limit = ctx.spec.limit ?? 1000;
  // A region cut off when the token is revoked cannot hear of it before it rejoins: its limit counts from the heal.
  const cuts = faultedSites(ctx.scenario, faultWindows(h)).filter((f) => f.start <= t && f.end > t);
  const rows = validatingRegions(ctx, w).map((region) => {
    const after = results(h, `${w.name}@${region}`).filter((r) => r.sent >= t);
    const accepted = after.filter((r) => r.e.type === 'ok');
    // Keystone says 404 for a revoked subject; a service's auth middleware says 401 to its caller.
    const rejected = after.filter((r) => r.e.type === 'fail' && r.e.value?.status === (w.via === 'service' ? 401 : 404));
    const lastAccepted = accepted.at(-1);
    const windowMs = lastAccepted ? round(lastAccepted.sent - t) : 0;
    const rejoined = cuts.find((c) => c.cutOff.includes(region))?.end;
    const afterRejoinMs = rejoined === undefined ? null : round(Math.max(0, (lastAccepted?.sent ?? rejoined) - rejoined));
    const late = afterRejoinMs === null ? windowMs : afterRejoinMs;
    const status: Status = after.length < MIN_VALIDATIONS ? 'unknown' : rejected.length === 0 ? 'fail' : late <= limit ? 'pass' : 'fail';
    return { region, validationsAfter: after.length, acceptedAfterRevocation: accepted.length, windowMs, cutOffUntilMs: rejoined === undefined ? null : round(rejoined - t), afterRejoinMs, rejected: rejected.length, limitMs: limit, status };
  });
  const text = (r: (typeof rows)[number]) =>
    r.rejected === 0
      ? `${r.region}: revoked token STILL ACCEPTED (${r.acceptedAfterRevocation} times, never rejected): security finding`
      : r.afterRejoinMs !== null
        ? `${r.region}: cut off when revoked, revoked token accepted for ${r.windowMs} ms (security exposure while partitioned), ${r.afterRejoinMs} ms after rejoining`
        : `${r.region}: revocation window ${r.windowMs} ms`;
  return summarize(rows, text);
};

function summarize<R extends { status: Status }>(rows: readonly R[], text: (r: R) => string): CheckOutcome {
  const bad = rows.filter((r) => r.status === 'fail');
  if (bad.length) return { status: 'fail', summary: bad.map(text).join('; '), evidence: { rows } };
  if (rows.some((r) => r.status === 'unknown')) return { status: 'unknown', summary: 'too few validations after the revocation', evidence: { rows } };
  return { status: 'pass', summary: rows.map(text).join('; '), evidence: { rows } };
}

export const revocation: CheckKind<typeof options> = {
  options,
  requirements: ['ID-REVOCATION'],
  needs: { faults: true, workloads: ['tokens'] },
  check,
};
