// Checkers for VNF high availability across sites (seed:
// VNF_high_availability_across_VIM.rst). Pure functions of the history:
// call generator events, VNF role events, fault windows, capture summaries.
import type { OpEvent } from '../observe/history.js';
import { wanEvidence } from './capture.js';
import type { CallsSpec, VnfSpec } from '../scenario/schema.js';
import { planAttachments } from '../topology/overlay.js';
import type { CheckContext, Checker } from './context.js';
import { faultWindows, ops, round, type FaultWindow } from './series.js';
import type { CheckOutcome } from './verdict.js';

export const DEFAULT_LIMIT_MS = 1000;

export function vnfOf(ctx: CheckContext): VnfSpec {
  const v = ctx.spec.vnf ? ctx.scenario.vnfs.find((x) => x.name === ctx.spec.vnf) : ctx.scenario.vnfs[0];
  if (!v) throw new Error(`check ${ctx.spec.name} has no VNF to read`);
  return v;
}

export function callsOf(ctx: CheckContext, v: VnfSpec): CallsSpec {
  const all = ctx.scenario.workload.filter((w): w is CallsSpec => w.kind === 'calls' && w.vnf === v.name);
  const w = ctx.spec.workload ? all.find((x) => x.name === ctx.spec.workload) : all[0];
  if (!w) throw new Error(`check ${ctx.spec.name} has no call workload against VNF ${v.name}`);
  return w;
}

/** Faults that can take the active away: a lost site or a cut link. */
function disruptions(h: Parameters<Checker>[0]): FaultWindow[] {
  return faultWindows(h).filter((f) => f.faultKind === 'site-loss' || f.faultKind === 'partition');
}

const callId = (e: OpEvent) => String(e.value?.call);

export const callContinuity: Checker = (h, ctx) => {
  const v = vnfOf(ctx);
  const w = callsOf(ctx, v);
  const limit = ctx.spec.limit ?? DEFAULT_LIMIT_MS;
  const proc = `${w.name}@${w.from}`;
  const setupOk = new Map(ops(h, proc, 'call-setup').filter((e) => e.type === 'ok').map((e) => [callId(e), e.t]));
  const ends = new Map(ops(h, proc, 'call-end').map((e) => [callId(e), e]));
  const gaps = ops(h, proc, 'media-gap');
  const rows = disruptions(h).map((f) => {
    const spanning = [...setupOk].filter(([id, t]) => t < f.start && (ends.get(id)?.t ?? Infinity) > f.start).map(([id]) => id);
    const ended = spanning.map((id) => ends.get(id)).filter((e): e is OpEvent => e !== undefined);
    const lost = ended.filter((e) => e.type !== 'ok').map((e) => `${callId(e)} (${String(e.value?.reason ?? 'failed')})`);
    const unfinished = spanning.length - ended.length;
    const ids = new Set(spanning);
    const maxGap = gaps.filter((g) => ids.has(callId(g))).reduce((m, g) => Math.max(m, Number(g.value?.gapMs ?? 0)), 0);
    const status = spanning.length === 0 ? 'unknown' : lost.length > 0 || maxGap > limit ? 'fail' : unfinished > 0 ? 'unknown' : 'pass';
    return { fault: f.fault, ongoingCalls: spanning.length, dropped: lost, unfinished, maxMediaGapMs: round(maxGap), limitMs: limit, status } as const;
  });
  if (rows.length === 0) return { status: 'skip', summary: 'no site loss or partition in this run', evidence: { rows } };
  const text = (r: (typeof rows)[number]) =>
    `${r.fault}: ${r.ongoingCalls} ongoing calls, ${r.dropped.length} dropped or lost state${r.dropped.length ? ` (${r.dropped.slice(0, 3).join(', ')})` : ''}, longest media gap ${r.maxMediaGapMs} ms (limit ${r.limitMs})`;
  return summarize(rows, text, 'no call was in progress across the fault, or a call never ended');
};

/** Intervals during which each member considered itself active. */
export function activeIntervals(h: Parameters<Checker>[0], v: VnfSpec, end: number): Map<string, [number, number][]> {
  const lostAt = new Map<string, number>();
  for (const f of faultWindows(h)) for (const [ref, t] of Object.entries(f.stopped)) lostAt.set(ref, t);
  const out = new Map<string, [number, number][]>();
  for (const m of v.members) {
    const stop = lostAt.get(m) ?? end;
    const spans: [number, number][] = [];
    let since: number | null = null;
    for (const e of ops(h, `${v.name}@${m}`, 'role')) {
      if (e.t > stop) break;
      if (e.value?.to === 'active' && since === null) since = e.t;
      else if (e.value?.to !== 'active' && since !== null) {
        spans.push([since, e.t]);
        since = null;
      }
    }
    if (since !== null) spans.push([since, stop]);
    out.set(m, spans);
  }
  return out;
}

export const backupOnOverlay: Checker = (h, ctx) => {
  const v = vnfOf(ctx);
  if (!v.backup.network) return { status: 'fail', summary: `VNF ${v.name}'s backup plane is L3 (routed over the site LANs), not an L2 overlay`, evidence: {} };
  const backupVni = ctx.scenario.networks.find((n) => n.name === v.backup.network)!.vni;
  const wan = wanEvidence(h);
  if (!wan.ok) return { status: 'unknown', summary: wan.why, evidence: {} };
  const { captures } = wan;
  const flows = wan.flows.filter((f) => f.port === v.backupPort);
  const onOverlay = flows.filter((f) => f.tenantVni === backupVni).reduce((n, f) => n + f.packets, 0);
  const elsewhere = flows.filter((f) => f.tenantVni !== backupVni);
  const evidence = { backupVni, backupPort: v.backupPort, onOverlay, elsewhere, files: captures.map((c) => c.file) };
  if (onOverlay === 0) return { status: 'fail', summary: `no heartbeat or replication packet (UDP ${v.backupPort}) crossed the WAN inside VNI ${backupVni}`, evidence };
  if (elsewhere.length > 0) {
    const n = elsewhere.reduce((m, f) => m + f.packets, 0);
    return { status: 'fail', summary: `${n} backup-plane packets crossed the WAN outside VNI ${backupVni} (${elsewhere.map((f) => `VNI ${f.tenantVni ?? 'none'}`).join(', ')})`, evidence };
  }
  return { status: 'pass', summary: `${onOverlay} heartbeat/replication packets crossed the WAN, all as VXLAN VNI ${backupVni} inside the inter-site links`, evidence };
};

export function summarize<R extends { status: 'pass' | 'fail' | 'unknown' }>(rows: readonly R[], text: (r: R) => string, unknownWhy: string): CheckOutcome {
  const bad = rows.filter((r) => r.status === 'fail');
  if (bad.length > 0) return { status: 'fail', summary: bad.map(text).join('; '), evidence: { rows } };
  if (rows.some((r) => r.status === 'unknown')) return { status: 'unknown', summary: `${unknownWhy}; ${rows.map(text).join('; ')}`, evidence: { rows } };
  return { status: 'pass', summary: rows.map(text).join('; '), evidence: { rows } };
}

/** Calls served per VNF: setups attempted and succeeded outside fault windows. */
function servedOutsideFaults(h: Parameters<Checker>[0], w: CallsSpec): { attempts: number; ok: number } {
  const faults = faultWindows(h);
  const calm = (t: number) => !faults.some((f) => t >= f.start && t < f.end + DEFAULT_LIMIT_MS);
  const setups = ops(h, `${w.name}@${w.from}`, 'call-setup').filter((e) => calm(e.t));
  return { attempts: setups.filter((e) => e.type === 'invoke').length, ok: setups.filter((e) => e.type === 'ok').length };
}

/** Least share of setups that must succeed outside fault windows for a VNF to count as working. */
export const SERVED_RATIO = 0.99;

export const overlappingIp: Checker = (h, ctx) => {
  // Which VNFs share internal (backup) addresses, each on its own overlay.
  const attachments = planAttachments(ctx.scenario);
  const byVnf = ctx.scenario.vnfs
    .filter((v) => v.backup.network)
    .map((v) => ({ v, addresses: v.members.map((m) => attachments.find((a) => a.ref === m && a.network === v.backup.network)!.address) }));
  const sharing = byVnf.filter((x) => byVnf.some((y) => y !== x && y.v.backup.network !== x.v.backup.network && y.addresses.some((a) => x.addresses.includes(a))));
  if (sharing.length < 2) return { status: 'unknown', summary: 'no two VNFs use the same internal addresses on separate overlays: the scenario does not exercise overlapping IPs', evidence: {} };
  const end = h.reduce((m, e) => Math.max(m, e.t), 0);
  const rows = sharing.map(({ v, addresses }) => {
    const w = ctx.scenario.workload.find((x): x is CallsSpec => x.kind === 'calls' && x.vnf === v.name);
    const served = w ? servedOutsideFaults(h, w) : { attempts: 0, ok: 0 };
    const actives = [...activeIntervals(h, v, end).values()].filter((s) => s.length > 0).length;
    const status = served.attempts === 0 ? 'unknown' : served.ok / served.attempts >= SERVED_RATIO && actives >= 1 ? 'pass' : 'fail';
    return { vnf: v.name, network: v.backup.network!, addresses, setups: served.attempts, served: served.ok, membersEverActive: actives, status } as const;
  });
  const text = (r: (typeof rows)[number]) => `${r.vnf} on ${r.network} (${r.addresses.join(', ')}): ${r.served}/${r.setups} calls served`;
  return summarize(rows, text, 'a VNF with overlapping addresses had no call workload');
};
