// ID-VALIDATE-SITE-LOSS: validation is local, so every region still running
// keeps validating while a site is lost or cut off, a cut-off one included.
import { z } from 'zod';
import type { Checker } from '../context.js';
import { MIN_VALIDATIONS, outcome, results as validations, revokedAt, tokensOf, VALID_RATIO, validatingRegions } from '../identity-history.js';
import type { CheckKind, SpecOf } from '../kind.js';
import { checkFields, workload } from '../options.js';
import { faultWindows } from '../series.js';
import { faultedSites } from '../site-faults.js';
import type { Status } from '../verdict.js';

const options = z.strictObject({
  ...checkFields('validation-during-faults'),
  workload: workload('tokens'),
});

/** Validation is local, so every region still running keeps validating, a cut-off one included. */
const check: Checker<SpecOf<typeof options>> = (h, ctx) => {
  const w = tokensOf(ctx);
  const faults = faultedSites(ctx.scenario, faultWindows(h)).filter((f) => f.down.length + f.cutOff.length > 0);
  if (faults.length === 0) return { status: 'skip', summary: 'no site lost or cut off in this run', evidence: {} };
  // A revoked token is meant to fail: judged are the validations answered before the revocation began
  // (one still in flight then may be answered 404 by it: seen in ci-local, west 29/30 in id-star-replica-partition).
  const until = revokedAt(h);
  const rows = faults.flatMap((f) =>
    validatingRegions(ctx, w)
      .filter((region) => !f.down.includes(region))
      .map((region) => {
        const rs = validations(h, `${w.name}@${region}`).filter((r) => r.sent >= f.start && r.sent < f.end && r.e.t < until);
        const ok = rs.filter((r) => r.e.type === 'ok').length;
        const status: Status = rs.length < MIN_VALIDATIONS ? 'unknown' : ok >= rs.length * VALID_RATIO ? 'pass' : 'fail';
        const failures = [...new Set(rs.filter((r) => r.e.type !== 'ok').map((r) => String(r.e.value?.status ?? r.e.value?.error)))];
        return { fault: f.what, down: f.down, cutOff: f.cutOff, region, validations: rs.length, ok, failures, status };
      }),
  );
  const during = (r: (typeof rows)[number]) => [...(r.down.length ? [`${r.down.join(', ')} lost`] : []), ...(r.cutOff.length ? [`${r.cutOff.join(', ')} cut off`] : [])].join(', ');
  const text = (r: (typeof rows)[number]) => `${r.region}: ${r.ok}/${r.validations} valid while ${during(r)}${r.failures.length ? ` (failures: ${r.failures.join(', ')})` : ''}`;
  return outcome(rows, text, 'too few validations during the faults');
};

export const validationDuringFaults: CheckKind<typeof options> = {
  options,
  requirements: ['ID-VALIDATE-SITE-LOSS'],
  needs: { faults: true, workloads: ['tokens'] },
  check,
};
