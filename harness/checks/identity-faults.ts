// Checkers for identity under faults (seed: multisite identity, "Candidate
// solution analysis"): validation keeps working in every region still
// running when a site is lost or cut off; writes fail cleanly while the
// database cannot take them and resume after healing, with no acknowledged
// write lost; a Galera minority leaves the Primary component and refuses
// writes; tokens are issued in every region by its own Keystone.
import type { HistoryEvent, OpEvent } from '../observe/history.js';
import { wanEvidence } from './capture.js';
import type { IdentityRequestsSpec, Scenario } from '../scenario/schema.js';
import type { CheckContext, Checker } from './context.js';
import { MIN_VALIDATIONS, results as validations, revokedAt, tokensOf, VALID_RATIO, validatingRegions, wanByProtocol } from './identity.js';
import { answered, faultWindows, ops, quantile, round, type Answered, type FaultWindow } from './series.js';
import { components, controllerSites, faultedSites, partitionCuts } from './site-faults.js';
import type { CheckOutcome, Status } from './verdict.js';

export const RESUME_LIMIT_MS = 10_000;
export const QUORUM_LIMIT_MS = 10_000;
const MIN_REQUESTS = 5;
const OUTAGES = ['partition', 'impair', 'pause-node', 'site-loss'];


function requestsOf(ctx: CheckContext, kind: IdentityRequestsSpec['kind']): IdentityRequestsSpec {
  const all = ctx.scenario.workload.filter((w): w is IdentityRequestsSpec => w.kind === kind);
  const w = ctx.spec.workload ? all.find((x) => x.name === ctx.spec.workload) : all[0];
  if (!w) throw new Error(`check ${ctx.spec.name} has no ${kind} workload to read`);
  return w;
}

/** The regions whose clients send the requests (to their own Keystone, or the central one): every site with a controller by default. */
export function clientRegions(s: Scenario, w: IdentityRequestsSpec): string[] {
  return w.regions ?? controllerSites(s);
}


/** A refusal is clean when Keystone answered it (a 4xx, or 503 naming the cause); a timeout, a reset or a 500 is not. */
export function cleanRefusal(e: OpEvent): boolean {
  const s = Number(e.value?.status);
  return (s >= 400 && s < 500) || s === 503;
}

/** Fault windows that take the region's own Keystone away (its node paused or its site lost). */
function ownOutages(windows: readonly FaultWindow[], region: string): FaultWindow[] {
  return windows.filter((f) => (f.faultKind === 'site-loss' || f.faultKind === 'pause-node') && f.target.sites.includes(region));
}

/** Whether a request's life (sent to answered) overlaps any window, each extended by `extraMs` after healing. */
const overlaps = (r: Answered, ws: readonly { start: number; end: number }[], extraMs = 0) => ws.some((w) => r.e.t >= w.start && r.sent < w.end + extraMs);

export const writeAvailability: Checker = (h, ctx) => {
  const w = requestsOf(ctx, 'writes');
  const limit = ctx.spec.limit ?? RESUME_LIMIT_MS;
  const all = faultWindows(h).filter((f) => OUTAGES.includes(f.faultKind));
  // A fault that never heals (a lost site) leaves the others to carry on: they must be writable again within the limit of its start.
  const windows = all.map((f) => (Number.isFinite(f.end) ? f : { ...f, end: f.start }));
  const audits = new Map(ops(h, 'identity@harness', 'audit').map((e) => [String(e.value?.region), e.value]));
  const rows = clientRegions(ctx.scenario, w).map((region) => {
    const rs = answered(h, `${w.name}@${region}`, 'write');
    const own = ownOutages(all, region);
    // Its own Keystone gone, the region cannot answer at all: nothing to judge until it is back.
    const judged = rs.filter((r) => !overlaps(r, own));
    // Until `limit` after healing the database may still be rejoining: refusals are allowed there, if clean.
    const during = judged.filter((r) => overlaps(r, windows, limit));
    const steady = judged.filter((r) => !overlaps(r, windows, limit));
    const unclean = during.filter((r) => r.e.type === 'fail' && !cleanRefusal(r.e));
    const steadyFailed = steady.filter((r) => r.e.type !== 'ok');
    const lastHeal = Math.max(...windows.map((f) => f.end), -Infinity);
    const firstOkAfter = Number.isFinite(lastHeal) ? judged.find((r) => r.sent >= lastHeal && r.e.type === 'ok') : undefined;
    const resumedMs = Number.isFinite(lastHeal) ? (firstOkAfter ? round(firstOkAfter.e.t - lastHeal) : null) : 0;
    const lostForGood = own.some((f) => !Number.isFinite(f.end));
    const audit = audits.get(region);
    const missing = audit && Array.isArray(audit.missing) ? (audit.missing as string[]) : [];
    const refusals = [...new Set(during.filter((r) => r.e.type === 'fail').map((r) => String(r.e.value?.status ?? r.e.value?.error)))];
    const problems = [
      ...(unclean.length ? [`${unclean.length} write(s) not refused cleanly (${[...new Set(unclean.map((r) => String(r.e.value?.status ?? r.e.value?.error)))].join(', ')})`] : []),
      ...(steadyFailed.length ? [`${steadyFailed.length} write(s) failed outside faults`] : []),
      ...(!lostForGood && (resumedMs === null || (resumedMs !== 0 && resumedMs > limit)) ? [`writes did not resume within ${limit} ms of healing`] : []),
      ...(missing.length ? [`${missing.length} acknowledged write(s) missing afterwards: ${missing.slice(0, 3).join(', ')}`] : []),
    ];
    // Acknowledged writes are only known kept once read back: without the audit, nothing backs a pass.
    const status: Status = judged.length < MIN_REQUESTS ? 'unknown' : problems.length ? 'fail' : audit === undefined && !lostForGood ? 'unknown' : 'pass';
    return {
      region,
      writes: rs.length,
      ok: rs.filter((r) => r.e.type === 'ok').length,
      duringFaults: during.length,
      refusedCleanly: during.filter((r) => r.e.type === 'fail').length - unclean.length,
      refusals,
      resumedAfterHealMs: resumedMs,
      audited: audit !== undefined,
      missing: missing.length,
      problems,
      status,
    };
  });
  const text = (r: (typeof rows)[number]) =>
    r.problems.length
      ? `${r.region}: ${r.problems.join('; ')}`
      : `${r.region}: ${r.ok}/${r.writes} ok, ${r.refusedCleanly} refused cleanly during faults and recovery${r.refusals.length ? ` (${r.refusals.join(', ')})` : ''}${r.resumedAfterHealMs ? `, resumed ${r.resumedAfterHealMs} ms after healing` : ''}`;
  return outcome(rows, text, `too few writes, or no read-back audit of the acknowledged writes (${rows.filter((r) => r.status === 'unknown').map((r) => r.region).join(', ')})`);
};

/** What a site's node last reported at or before time t. */
function statusAt(h: readonly HistoryEvent[], site: string, t: number): Readonly<Record<string, unknown>> | undefined {
  return ops(h, `wsrep@${site}`, 'wsrep').filter((e) => e.t <= t).at(-1)?.value;
}

const synced = (v: Readonly<Record<string, unknown>> | undefined) => v?.status === 'Primary' && v.ready === true;

function firstStatus(h: readonly HistoryEvent[], site: string, from: number, to: number, want: (v: Readonly<Record<string, unknown>>) => boolean): number | undefined {
  return ops(h, `wsrep@${site}`, 'wsrep').find((e) => e.t >= from && e.t < to && want(e.value ?? {}))?.t;
}

export const galeraQuorum: Checker = (h, ctx) => {
  const limit = ctx.spec.limit ?? QUORUM_LIMIT_MS;
  const galeraSites = [...new Set(h.filter((e): e is OpEvent => e.kind === 'op' && e.f === 'wsrep').map((e) => e.process.slice('wsrep@'.length)))];
  if (galeraSites.length === 0) return { status: 'unknown', summary: 'no Galera status was recorded', evidence: {} };
  const cuts = partitionCuts(faultWindows(h));
  if (cuts.length === 0) return { status: 'skip', summary: 'no partition in this run', evidence: {} };
  const writes = ctx.scenario.workload.find((w): w is IdentityRequestsSpec => w.kind === 'writes');
  const rows = cuts.flatMap((cut) => {
    const comps = components(ctx.scenario, cut.links, galeraSites);
    return comps.map((members) => {
      const majority = members.length * 2 > galeraSites.length;
      const rowsBySite = members.map((site) => {
        // A node whose probe cannot reach it says nothing about its component: only a reported state counts.
        const lost = firstStatus(h, site, cut.start, cut.end, (v) => v.status !== 'Primary' && v.status !== 'unreachable');
        const unreachable = firstStatus(h, site, cut.start, cut.end, (v) => v.status === 'unreachable');
        // Back means Primary and ready (synced again), not merely re-admitted.
        const back = synced(statusAt(h, site, cut.end)) ? cut.end : firstStatus(h, site, cut.end, Infinity, synced);
        const acceptedWrites = writes
          ? answered(h, `${writes.name}@${site}`, 'write').filter((r) => r.e.type === 'ok' && r.sent >= (lost ?? cut.start + limit) && r.sent < cut.end).length
          : 0;
        return { site, statusAtEnd: statusAt(h, site, cut.end)?.status ?? null, nonPrimaryAfterMs: lost === undefined ? null : round(lost - cut.start), unreachableAfterMs: unreachable === undefined ? null : round(unreachable - cut.start), primaryAgainAfterHealMs: back === undefined ? null : round(back - cut.end), acceptedWrites };
      });
      const blind = rowsBySite.filter((r) => r.unreachableAfterMs !== null && r.nonPrimaryAfterMs === null);
      const seen = rowsBySite.filter((r) => !blind.includes(r));
      const problems = majority
        ? seen.flatMap((r) => (r.nonPrimaryAfterMs !== null ? [`${r.site} (majority) left the Primary component`] : []))
        : seen.flatMap((r) => [
            ...(r.nonPrimaryAfterMs === null || r.nonPrimaryAfterMs > limit ? [`${r.site} (minority) stayed Primary${r.nonPrimaryAfterMs === null ? ' for the whole partition' : ` for ${r.nonPrimaryAfterMs} ms`}: split brain`] : []),
            ...(r.acceptedWrites ? [`${r.site} (minority) accepted ${r.acceptedWrites} write(s) during the partition`] : []),
          ]);
      const rejoin = rowsBySite.filter((r) => r.primaryAgainAfterHealMs === null || r.primaryAgainAfterHealMs > limit);
      if (rejoin.length) problems.push(`${rejoin.map((r) => r.site).join(', ')} not Primary again within ${limit} ms of healing`);
      const unknownWhy = blind.length ? `${blind.map((r) => r.site).join(', ')} unreachable by its probe during the partition: its Galera state is not known` : null;
      const status: Status = problems.length ? 'fail' : unknownWhy ? 'unknown' : 'pass';
      return { cut: [...cut.links].sort(), durationMs: round(cut.end - cut.start), members, side: majority ? 'majority' : 'minority', sites: rowsBySite, problems, unknownWhy, status };
    });
  });
  const text = (r: (typeof rows)[number]) =>
    r.problems.length || r.unknownWhy
      ? [...r.problems, ...(r.unknownWhy ? [r.unknownWhy] : [])].join('; ')
      : r.side === 'majority'
        ? `${r.members.join('+')} (majority) stayed Primary`
        : r.sites.map((s) => `${s.site} (minority) non-Primary after ${s.nonPrimaryAfterMs} ms, refused writes, Primary again ${s.primaryAgainAfterHealMs} ms after healing`).join('; ');
  return outcome(rows, text, rows.flatMap((r) => (r.unknownWhy ? [r.unknownWhy] : [])).join('; '));
};

export const tokenIssue: Checker = (h, ctx) => {
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

/** Validation is local, so every region still running keeps validating, a cut-off one included. */
export const validationDuringFaults: Checker = (h, ctx) => {
  const w = tokensOf(ctx);
  const faults = faultedSites(ctx.scenario, faultWindows(h)).filter((f) => f.down.length + f.cutOff.length > 0);
  if (faults.length === 0) return { status: 'skip', summary: 'no site lost or cut off in this run', evidence: {} };
  const until = revokedAt(h); // a revoked token is meant to fail
  const rows = faults.flatMap((f) =>
    validatingRegions(ctx, w)
      .filter((region) => !f.down.includes(region))
      .map((region) => {
        const rs = validations(h, `${w.name}@${region}`).filter((r) => r.sent >= f.start && r.sent < f.end && r.sent < until);
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

function outcome<R extends { status: Status }>(rows: readonly R[], text: (r: R) => string, unknownWhy: string): CheckOutcome {
  const bad = rows.filter((r) => r.status === 'fail');
  if (bad.length) return { status: 'fail', summary: bad.map(text).join('; '), evidence: { rows } };
  if (rows.some((r) => r.status === 'unknown')) return { status: 'unknown', summary: unknownWhy, evidence: { rows } };
  return { status: 'pass', summary: rows.map(text).join('; '), evidence: { rows } };
}
