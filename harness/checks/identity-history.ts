// What the identity checks read: the tokens workload a check names and the
// regions that validate, each validation answered (with when it was sent),
// the identity request workloads (writes, issue) and their client regions,
// WAN traffic by protocol per 1000 operations, and per-region rows folded
// into one outcome.
import type { CaptureEvent, HistoryEvent } from '../observe/history.js';
import type { IdentityRequestsSpec, Scenario, TokensSpec } from '../scenario/schema.js';
import type { CheckContext } from './context.js';
import { answered, faultWindows, round, type Answered } from './series.js';
import { controllerSites } from './site-faults.js';
import type { CheckOutcome, Status } from './verdict.js';

type Ctx = CheckContext<{ readonly name: string; readonly workload?: string }>;

export const IDENTITY_PORT = 5000;
const PROTOCOLS: readonly [string, (port: number, proto: number) => boolean][] = [
  ['identity HTTP (5000)', (p, proto) => proto === 6 && p === IDENTITY_PORT],
  ['MySQL (3306, 3307: async replication, remote DB)', (p, proto) => proto === 6 && (p === 3306 || p === 3307)],
  ['Galera (4567, 4568, 4444)', (p) => p === 4567 || p === 4568 || p === 4444],
];
export const MIN_VALIDATIONS = 5;
export const VALID_RATIO = 0.99;

export function tokensOf(ctx: Ctx): TokensSpec {
  const all = ctx.scenario.workload.filter((w): w is TokensSpec => w.kind === 'tokens');
  const w = ctx.spec.workload ? all.find((x) => x.name === ctx.spec.workload) : all[0];
  if (!w) throw new Error(`check ${ctx.spec.name} has no tokens workload to read`);
  return w;
}

/** The regions that validate: the workload's, or every site with a controller. */
export function validatingRegions(ctx: Ctx, w: TokensSpec): string[] {
  return w.regions ?? controllerSites(ctx.scenario);
}

export const revokedAt = (h: readonly HistoryEvent[]) => faultWindows(h).find((f) => f.faultKind === 'revoke-token')?.start ?? Infinity;

/** Each answered validation of a process, with the time it was sent. */
export const results = (h: readonly HistoryEvent[], process: string): Answered[] => answered(h, process, 'validate');

/** WAN packets and bytes by protocol, in total and per 1000 of `n` operations (validations, issued tokens). */
export function wanByProtocol(flows: CaptureEvent['flows'], n: number, per: string) {
  return PROTOCOLS.map(([label, match]) => {
    const fs = flows.filter((f) => match(f.port, f.proto));
    const packets = fs.reduce((x, f) => x + f.packets, 0);
    const bytes = fs.reduce((x, f) => x + f.bytes, 0);
    return { protocol: label, packets, bytes, per: `1000 ${per.toLowerCase()}`, packetsPer1000: round((packets * 1000) / n, 1), bytesPer1000: round((bytes * 1000) / n, 1) };
  });
}

/** Fewer answered requests (writes, issues) than this in a region decide nothing. */
export const MIN_REQUESTS = 5;
/** Faults that take a service or its database away: requests in their windows are judged apart. */
export const OUTAGES = ['partition', 'impair', 'pause-node', 'site-loss'];

export function requestsOf(ctx: Ctx, kind: IdentityRequestsSpec['kind']): IdentityRequestsSpec {
  const all = ctx.scenario.workload.filter((w): w is IdentityRequestsSpec => w.kind === kind);
  const w = ctx.spec.workload ? all.find((x) => x.name === ctx.spec.workload) : all[0];
  if (!w) throw new Error(`check ${ctx.spec.name} has no ${kind} workload to read`);
  return w;
}

/** The regions whose clients send the requests (to their own Keystone, or the central one): every site with a controller by default. */
export function clientRegions(s: Scenario, w: IdentityRequestsSpec): string[] {
  return w.regions ?? controllerSites(s);
}

/** Whether a request's life (sent to answered) overlaps any window, each extended by `extraMs` after healing. */
export const overlaps = (r: Answered, ws: readonly { start: number; end: number }[], extraMs = 0) => ws.some((w) => r.e.t >= w.start && r.sent < w.end + extraMs);

/** Per-region rows as one outcome: any fail fails, else any unknown is unknown (`unknownWhy`), else pass. */
export function outcome<R extends { status: Status }>(rows: readonly R[], text: (r: R) => string, unknownWhy: string): CheckOutcome {
  const bad = rows.filter((r) => r.status === 'fail');
  if (bad.length) return { status: 'fail', summary: bad.map(text).join('; '), evidence: { rows } };
  if (rows.some((r) => r.status === 'unknown')) return { status: 'unknown', summary: unknownWhy, evidence: { rows } };
  return { status: 'pass', summary: rows.map(text).join('; '), evidence: { rows } };
}
