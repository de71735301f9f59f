// ID-ISSUE-LOCAL: tokens are issued in every region by its own Keystone: no
// identity packet crosses the WAN while they are issued, and (optionally)
// the p99 issue latency stays within the limit. The WAN cost per 1000 issued
// tokens is reported to compare token models.
import { z } from 'zod';
import { wanEvidence } from '../capture.js';
import type { Checker } from '../context.js';
import { clientRegions, MIN_REQUESTS, outcome, OUTAGES, overlaps, requestsOf, VALID_RATIO, wanByProtocol } from '../identity-history.js';
import type { CheckKind, SpecOf } from '../kind.js';
import { checkFields, limit, workload } from '../options.js';
import { answered, faultWindows, quantile, round, type Answered } from '../series.js';
import type { Status } from '../verdict.js';

const options = z.strictObject({
  ...checkFields('token-issue'),
  workload: workload('issue'),
  limit: limit('The p99 issue latency allowed (default: none; issue latency is dominated by password hashing, a CPU cost, not a WAN one)'),
});

const check: Checker<SpecOf<typeof options>> = (h, ctx) => {
  const w = requestsOf(ctx, 'issue');
  const limit = ctx.spec.limit; // optional: issue latency is dominated by password hashing, a CPU cost, not a WAN one
  const windows = faultWindows(h).filter((f) => OUTAGES.includes(f.faultKind));
  const capture = wanEvidence(h);
  if (!capture.ok) return { status: 'unknown', summary: capture.why, evidence: {} };
  const all: Answered[] = [];
  const rows = clientRegions(ctx.scenario, w).map((region) => {
    const rs = answered(h, `${w.name}@${region}`, 'issue');
    all.push(...rs);
    const judged = rs.filter((r) => !overlaps(r, windows));
    const ok = judged.filter((r) => r.e.type === 'ok');
    const lat = ok.map((r) => Number(r.e.value?.latencyMs)).sort((a, b) => a - b);
    const p99 = quantile(lat, 0.99);
    const problems = [
      ...(ok.length < judged.length * VALID_RATIO ? [`${judged.length - ok.length}/${judged.length} issues failed`] : []),
      ...(limit !== undefined && p99 > limit ? [`p99 ${round(p99)} ms over the ${limit} ms limit`] : []),
    ];
    const status: Status = judged.length < MIN_REQUESTS ? 'unknown' : problems.length ? 'fail' : 'pass';
    return { region, issued: ok.length, attempts: judged.length, p50Ms: round(quantile(lat, 0.5)), p99Ms: round(p99), sizeBytes: ok[0]?.e.value?.size ?? null, problems, status };
  });
  const issued = all.filter((r) => r.e.type === 'ok').length;
  // Per 1000 issued tokens: what persisting tokens costs the WAN (UUID) or not (Fernet). The
  // capture spans the whole workload, so Galera's own keepalives are in it too: compare models.
  const wan = issued ? wanByProtocol(capture.flows, issued, 'issued tokens') : [];
  const identityPackets = wan[0]?.packets ?? 0;
  const text = (r: (typeof rows)[number]) => (r.problems.length ? `${r.region}: ${r.problems.join('; ')}` : `${r.region}: ${r.issued} issued, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms`);
  const o = outcome(rows, text, 'too few issues');
  const traffic = wan.map((p) => `${p.protocol}: ${p.bytesPer1000} B`).join(', ');
  const evidence = { ...o.evidence, limitMs: limit ?? null, issued, wan };
  if (identityPackets > 0) return { status: 'fail', summary: `${identityPackets} identity packets crossed regions while tokens were issued: issuing is not local (per 1000 issued: ${traffic}); ${o.summary}`, evidence };
  return { ...o, summary: `${o.summary} (per 1000 issued tokens on the WAN: ${traffic})`, evidence };
};

export const tokenIssue: CheckKind<typeof options> = {
  options,
  requirements: ['ID-ISSUE-LOCAL'],
  needs: { capture: true, faults: true, workloads: ['issue'] },
  check,
};
