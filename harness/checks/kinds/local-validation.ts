// ID-LOCAL-VALIDATION: validation stays in the region, measured on the wire:
// identity packets crossing the WAN per 1000 validations, with the requests
// the capture decoded telling validations from a service's background calls.
import { z } from 'zod';
import { wanEvidence } from '../capture.js';
import type { Checker } from '../context.js';
import { results, tokensOf, validatingRegions, wanByProtocol } from '../identity-history.js';
import { attributeIdentityHttp } from '../identity-traffic.js';
import type { CheckKind, SpecOf } from '../kind.js';
import { checkFields, workload } from '../options.js';
import { round } from '../series.js';

const options = z.strictObject({
  ...checkFields('local-validation'),
  workload: workload('tokens'),
});

const check: Checker<SpecOf<typeof options>> = (h, ctx) => {
  const w = tokensOf(ctx);
  const wan = wanEvidence(h);
  if (!wan.ok) return { status: 'unknown', summary: wan.why, evidence: {} };
  const { captures } = wan;
  // Only validations that succeeded say where validation goes: a dead service fails locally.
  const perRegion = validatingRegions(ctx, w).map((region) => ({ region, ok: results(h, `${w.name}@${region}`).filter((r) => r.e.type === 'ok').length }));
  const validations = perRegion.reduce((n, r) => n + r.ok, 0);
  if (validations === 0) return { status: 'unknown', summary: 'no validation succeeded', evidence: {} };
  // A pass speaks for every region: one whose validations all failed showed nothing of where its validation goes.
  const silent = perRegion.filter((r) => r.ok === 0).map((r) => r.region);
  const passOr = (summary: string, evidence: Record<string, unknown>) =>
    silent.length ? { status: 'unknown' as const, summary: `no validation succeeded in ${silent.join(', ')}: where validation goes there was not seen`, evidence } : { status: 'pass' as const, summary, evidence };
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
    return passOr(`no validation crossed regions in ${validations} validations (0 validation packets per 1000); ${identity.packets} identity packets did, all on background requests (${reqs}), not per validation (per 1000 validations: ${traffic})`, evidence);
  }
  if (byRequest) {
    const reqs = Object.entries(byRequest.requests).map(([k, n]) => `${n} ${k}`).join(', ');
    return { status: 'fail', summary: `${identity.packets} identity packets crossed regions for ${validations} validations: ${byRequest.validationPackets} on validation requests, ${byRequest.unexplainedPackets} unexplained (requests: ${reqs || 'none decoded'}; per 1000 validations: ${traffic})`, evidence };
  }
  if (identity.packets > 0) return { status: 'fail', summary: `${identity.packets} identity packets crossed regions for ${validations} validations (per 1000 validations: ${traffic})`, evidence };
  return passOr(`no identity packet crossed regions in ${validations} validations (per 1000 validations: ${traffic})`, evidence);
};

export const localValidation: CheckKind<typeof options> = {
  options,
  requirements: ['ID-LOCAL-VALIDATION'],
  needs: { capture: true, workloads: ['tokens'] },
  check,
};
