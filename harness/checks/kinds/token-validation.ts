// ID-VALIDATE-EVERYWHERE (seed: multisite-identity-service-management.rst):
// a token validates in every region, outside the outages the scenario
// injects and before any revocation.
import { z } from 'zod';
import type { Checker } from '../context.js';
import { MIN_VALIDATIONS, results, revokedAt, tokensOf, VALID_RATIO, validatingRegions } from '../identity-history.js';
import type { CheckKind, SpecOf } from '../kind.js';
import { checkFields, workload } from '../options.js';
import { faultWindows, ops, quantile, round } from '../series.js';
import type { Status } from '../verdict.js';

const options = z.strictObject({
  ...checkFields('token-validation'),
  workload: workload('tokens'),
});

const check: Checker<SpecOf<typeof options>> = (h, ctx) => {
  const w = tokensOf(ctx);
  const cutoff = revokedAt(h);
  // Outages the scenario injects excuse failures; key rotations must not cause any.
  const other = faultWindows(h).filter((f) => ['partition', 'impair', 'pause-node', 'site-loss'].includes(f.faultKind));
  const issued = ops(h, "identity@harness", "issue").at(0)?.value;
  const rows = validatingRegions(ctx, w).map((region) => {
    // Validations answered before the revocation began must all be valid.
    const rs = results(h, `${w.name}@${region}`).filter((r) => r.e.t < cutoff && !other.some((f) => r.sent >= f.start && r.sent < f.end));
    const ok = rs.filter((r) => r.e.type === 'ok');
    const lat = ok.map((r) => Number(r.e.value?.latencyMs)).sort((a, b) => a - b);
    const status: Status = rs.length < MIN_VALIDATIONS ? 'unknown' : ok.length / rs.length >= VALID_RATIO ? 'pass' : 'fail';
    const failures = [...new Set(rs.filter((r) => r.e.type !== 'ok').map((r) => String(r.e.value?.status ?? r.e.value?.error)))];
    return { region, validations: rs.length, ok: ok.length, p50Ms: round(quantile(lat, 0.5)), p99Ms: round(quantile(lat, 0.99)), failures, status };
  });
  const text = (r: (typeof rows)[number]) => `${r.region}: ${r.ok}/${r.validations} valid, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms${r.failures.length ? ` (failures: ${r.failures.join(', ')})` : ''}`;
  const evidence = { token: issued ?? null, rows };
  const bad = rows.filter((r) => r.status === 'fail');
  const head = issued ? `${String(issued.provider)} token of ${String(issued.size)} bytes; ` : '';
  if (bad.length) return { status: 'fail', summary: head + bad.map(text).join('; '), evidence };
  if (rows.some((r) => r.status === 'unknown')) return { status: 'unknown', summary: head + 'too few validations in ' + rows.filter((r) => r.status === 'unknown').map((r) => r.region).join(', '), evidence };
  return { status: 'pass', summary: head + rows.map(text).join('; '), evidence };
};

export const tokenValidation: CheckKind<typeof options> = {
  options,
  requirements: ['ID-VALIDATE-EVERYWHERE'],
  needs: { faults: true, workloads: ['tokens'] },
  check,
};
