// ID-KEY-ROTATION: rotating (and distributing) keys causes no failed
// validation, and fresh tokens issued in every region after each rotation
// validate in every region.
import { z } from 'zod';
import type { OpEvent } from '../../observe/history.js';
import type { Checker } from '../context.js';
import { MIN_VALIDATIONS, results, revokedAt, tokensOf, validatingRegions } from '../identity-history.js';
import type { CheckKind, SpecOf } from '../kind.js';
import { checkFields, workload } from '../options.js';
import { faultWindows, round } from '../series.js';
import type { Status } from '../verdict.js';

const options = z.strictObject({
  ...checkFields('key-rotation'),
  workload: workload('tokens'),
});

/** Key rotation done right causes zero failed validations; done wrong, the failures by region and window. */
const check: Checker<SpecOf<typeof options>> = (h, ctx) => {
  const w = tokensOf(ctx);
  const rotations = faultWindows(h).filter((f) => f.faultKind === 'rotate-keys');
  if (rotations.length === 0) return { status: 'skip', summary: 'no key rotation in this run', evidence: {} };
  const from = rotations[0]!.start;
  const until = revokedAt(h); // after a revocation failures are expected
  const rows = validatingRegions(ctx, w).map((region) => {
    const after = results(h, `${w.name}@${region}`).filter((r) => r.sent >= from && r.e.t < until);
    const failed = after.filter((r) => r.e.type !== 'ok');
    const status: Status = after.length < MIN_VALIDATIONS ? 'unknown' : failed.length === 0 ? 'pass' : 'fail';
    return {
      region,
      validations: after.length,
      failed: failed.length,
      windowStartMs: failed.length ? round(failed[0]!.sent - from) : null,
      windowEndMs: failed.length ? round(failed.at(-1)!.e.t - from) : null,
      status,
    };
  });
  // Fresh tokens issued in every region after each rotation, validated in every region: the new primary and staged keys on both sides.
  const probes = h.filter((e): e is OpEvent => e.kind === 'op' && e.process.startsWith('key-probe@') && (e.type === 'ok' || e.type === 'fail'));
  const fresh = rotations.map((r, i) => {
    const next = rotations[i + 1]?.injectedAt ?? Infinity;
    const mine = probes.filter((e) => e.t >= r.injectedAt && e.t < next);
    const rejected = mine.filter((e) => e.type === 'fail').map((e) => (e.f === 'issue' ? `not issued in ${String(e.value?.issuedIn)}` : `issued in ${String(e.value?.issuedIn)}, rejected in ${e.process.slice('key-probe@'.length)} (${String(e.value?.status)})`));
    return { fault: r.fault, validated: mine.filter((e) => e.f === 'validate').length, rejected };
  });
  const evidence = { rotations: rotations.map((r) => ({ fault: r.fault, atMs: round(r.start - from), proof: r.proof })), rows, freshTokens: fresh };
  const bad = rows.filter((r) => r.status === 'fail');
  const text = (r: (typeof rows)[number]) => (r.failed ? `${r.region}: ${r.failed}/${r.validations} validations failed, from ${r.windowStartMs} ms to ${r.windowEndMs} ms after the first rotation` : `${r.region}: 0/${r.validations} failed`);
  const freshBad = fresh.filter((f) => f.rejected.length > 0).map((f) => `after ${f.fault}, fresh tokens ${f.rejected.join('; ')}`);
  if (bad.length || freshBad.length) return { status: 'fail', summary: [...bad.map(text), ...freshBad].join('; '), evidence };
  if (rows.some((r) => r.status === 'unknown')) return { status: 'unknown', summary: 'too few validations after the rotation', evidence };
  const unprobed = fresh.filter((f) => f.validated === 0);
  if (unprobed.length) return { status: 'unknown', summary: `no fresh token was validated after ${unprobed.map((f) => f.fault).join(', ')}: the new keys were never exercised`, evidence };
  return { status: 'pass', summary: `${rotations.length} rotation(s): ${rows.map(text).join('; ')}; fresh tokens from every region valid everywhere after each (${fresh.map((f) => f.validated).join(', ')} validations)`, evidence };
};

export const keyRotation: CheckKind<typeof options> = {
  options,
  requirements: ['ID-KEY-ROTATION'],
  needs: { faults: true, workloads: ['tokens'] },
  check,
};
