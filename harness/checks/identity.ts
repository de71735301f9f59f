// Checkers for multisite identity (seed: multisite-identity-service-management.rst):
// validation works in every region, stays in the region (measured on the
// wire), and revocation reaches every region within a measured window.
import { wanEvidence } from './capture.js';
import type { CaptureEvent, OpEvent } from '../observe/history.js';
import type { TokensSpec } from '../scenario/schema.js';
import type { CheckContext, Checker } from './context.js';
import { answered, faultWindows, ops, quantile, round, type Answered } from './series.js';
import { controllerSites, faultedSites } from './site-faults.js';
import type { CheckOutcome, Status } from './verdict.js';
import { attributeIdentityHttp } from './identity-middleware.js';

export const IDENTITY_PORT = 5000;
const PROTOCOLS: readonly [string, (port: number, proto: number) => boolean][] = [
  ['identity HTTP (5000)', (p, proto) => proto === 6 && p === IDENTITY_PORT],
  ['MySQL (3306, 3307: async replication, remote DB)', (p, proto) => proto === 6 && (p === 3306 || p === 3307)],
  ['Galera (4567, 4568, 4444)', (p) => p === 4567 || p === 4568 || p === 4444],
];
export const MIN_VALIDATIONS = 5;
export const VALID_RATIO = 0.99;

export function tokensOf(ctx: CheckContext): TokensSpec {
  const all = ctx.scenario.workload.filter((w): w is TokensSpec => w.kind === 'tokens');
  const w = ctx.spec.workload ? all.find((x) => x.name === ctx.spec.workload) : all[0];
  if (!w) throw new Error(`check ${ctx.spec.name} has no tokens workload to read`);
  return w;
}

/** The regions that validate: the workload's, or every site with a controller. */
export function validatingRegions(ctx: CheckContext, w: TokensSpec): string[] {
  return w.regions ?? controllerSites(ctx.scenario);
}

export const revokedAt = (h: Parameters<Checker>[0]) => faultWindows(h).find((f) => f.faultKind === 'revoke-token')?.start ?? Infinity;

/** Each answered validation of a process, with the time it was sent. */
export const results = (h: Parameters<Checker>[0], process: string): Answered[] => answered(h, process, 'validate');

export const tokenValidation: Checker = (h, ctx) => {
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

/** WAN packets and bytes by protocol, in total and per 1000 of `n` operations (validations, issued tokens). */
export function wanByProtocol(flows: CaptureEvent['flows'], n: number, per: string) {
  return PROTOCOLS.map(([label, match]) => {
    const fs = flows.filter((f) => match(f.port, f.proto));
    const packets = fs.reduce((x, f) => x + f.packets, 0);
    const bytes = fs.reduce((x, f) => x + f.bytes, 0);
    return { protocol: label, packets, bytes, per: `1000 ${per.toLowerCase()}`, packetsPer1000: round((packets * 1000) / n, 1), bytesPer1000: round((bytes * 1000) / n, 1) };
  });
}

export const localValidation: Checker = (h, ctx) => {
  const w = tokensOf(ctx);
  const wan = wanEvidence(h);
  if (!wan.ok) return { status: 'unknown', summary: wan.why, evidence: {} };
  const { captures } = wan;
  // Only validations that succeeded say where validation goes: a dead service fails locally.
  const validations = validatingRegions(ctx, w).reduce((n, region) => n + results(h, `${w.name}@${region}`).filter((r) => r.e.type === 'ok').length, 0);
  if (validations === 0) return { status: 'unknown', summary: 'no validation succeeded', evidence: {} };
  const byProtocol = wanByProtocol(wan.flows, validations, 'Validations');
  const identity = byProtocol[0]!;
  const traffic = byProtocol.map((p) => `${p.protocol}: ${p.packetsPer1000} pkts / ${p.bytesPer1000} B`).join(', ');
  // Identity packets are not all validations: with PKI the middleware fetches the
  // revocation list (and once the certificate, and logs in) whatever the number of
  // validations. When the capture decoded the requests, only packets of connections
  // that carried no validation and only such background requests are excused;
  // anything not explained counts against.
  const http = captures.flatMap((c) => (c.identityHttp ? [c.identityHttp] : []));
  const byRequest = http.length && identity.packets > 0 ? attributeIdentityHttp(http) : null;
  const evidence = {
    validations,
    wan: byProtocol,
    ...(byRequest ? { identityRequests: { ...byRequest, validationPacketsPer1000: round((byRequest.validationPackets * 1000) / validations, 1) } } : {}),
    note: 'counted on the WAN bridge: each datagram appears once per leg (site to relay, relay to site)',
  };
  if (byRequest && byRequest.validationPackets === 0 && byRequest.unexplainedPackets === 0) {
    const reqs = Object.entries(byRequest.requests).map(([k, n]) => `${n} ${k}`).join(', ');
    return {
      status: 'pass',
      summary: `no validation crossed regions in ${validations} validations (0 validation packets per 1000); ${identity.packets} identity packets did, all on background requests (${reqs}), not per validation (per 1000 validations: ${traffic})`,
      evidence,
    };
  }
  if (byRequest) {
    const reqs = Object.entries(byRequest.requests).map(([k, n]) => `${n} ${k}`).join(', ');
    return { status: 'fail', summary: `${identity.packets} identity packets crossed regions for ${validations} validations: ${byRequest.validationPackets} on validation requests, ${byRequest.unexplainedPackets} unexplained (requests: ${reqs || 'none decoded'}; per 1000 validations: ${traffic})`, evidence };
  }
  if (identity.packets > 0) return { status: 'fail', summary: `${identity.packets} identity packets crossed regions for ${validations} validations (per 1000 validations: ${traffic})`, evidence };
  return { status: 'pass', summary: `no identity packet crossed regions in ${validations} validations (per 1000 validations: ${traffic})`, evidence };
};

export const revocation: Checker = (h, ctx) => {
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

/** Key rotation done right causes zero failed validations; done wrong, the failures by region and window. */
export const keyRotation: Checker = (h, ctx) => {
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

function summarize<R extends { status: Status }>(rows: readonly R[], text: (r: R) => string): CheckOutcome {
  const bad = rows.filter((r) => r.status === 'fail');
  if (bad.length) return { status: 'fail', summary: bad.map(text).join('; '), evidence: { rows } };
  if (rows.some((r) => r.status === 'unknown')) return { status: 'unknown', summary: 'too few validations after the revocation', evidence: { rows } };
  return { status: 'pass', summary: rows.map(text).join('; '), evidence: { rows } };
}
