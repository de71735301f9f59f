// HA-NO-SPLIT-BRAIN: never two actives at once for longer than the limit
// (default: the heartbeat timeout). Judged twice: from the members' own role
// events (a lost member's interval ends at its own death), and on the wire:
// who answered ARP for the VIP, seen from the calls client (agents/vip-arp.ts).
// Two MACs answering one probe is a split brain whatever the members say.
// A probe only bounds a window to within its interval, so a wire window whose
// bounds straddle the limit is unknown, not pass.
import { z } from 'zod';
import type { OpEvent } from '../../observe/history.js';
import type { Checker } from '../context.js';
import type { CheckKind, SpecOf } from '../kind.js';
import { checkFields, limit, vnf } from '../options.js';
import { ops, round } from '../series.js';
import { activeIntervals, vnfOf } from '../vnf-history.js';

const options = z.strictObject({
  ...checkFields('split-brain'),
  vnf,
  limit: limit("The longest time two members may be active at once (default: the VNF's heartbeat timeout, interval x misses)"),
});

/** How often the engine has the client probe ARP for the VIP (agents/vip-arp.ts). */
export const PROBE_INTERVAL_MS = 250;

interface WireWindow {
  readonly from: number;
  readonly to: number;
  /** At least this long (first to last double answer) and at most `maxMs` (one interval more on each side). */
  readonly minMs: number;
  readonly maxMs: number;
  readonly probes: number;
  readonly members: readonly string[];
}

/** Windows of consecutive probes that two or more MACs answered. */
export function wireWindows(probes: readonly { sent: number; macs: readonly string[] }[], names: Readonly<Record<string, string>>, interval = PROBE_INTERVAL_MS): WireWindow[] {
  const out: WireWindow[] = [];
  let run: { sent: number; macs: readonly string[] }[] = [];
  const close = () => {
    if (run.length === 0) return;
    const from = run[0]!.sent;
    const to = run.at(-1)!.sent;
    const members = [...new Set(run.flatMap((p) => p.macs.map((m) => names[m] ?? m)))].sort();
    out.push({ from, to, minMs: round(to - from), maxMs: round(to - from + 2 * interval), probes: run.length, members });
    run = [];
  };
  for (const p of [...probes].sort((a, b) => a.sent - b.sent)) {
    if (p.macs.length >= 2) run.push(p);
    else close();
  }
  close();
  return out;
}

const check: Checker<SpecOf<typeof options>> = (h, ctx) => {
  const v = vnfOf(ctx);
  const timeout = v.heartbeat.interval * v.heartbeat.misses;
  const limit = ctx.spec.limit ?? timeout;
  const end = h.reduce((m, e) => Math.max(m, e.t), 0);
  const spans = activeIntervals(h, v, end);
  if ([...spans.values()].every((s) => s.length === 0)) return { status: 'unknown', summary: 'no member ever became active', evidence: {} };
  // Sweep: windows where two or more members said they were active at once.
  const edges = [...spans.values()].flatMap((s) => s.flatMap(([a, b]) => [[a, 1] as const, [b, -1] as const])).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const windows: { from: number; to: number; ms: number }[] = [];
  let active = 0;
  let since = 0;
  for (const [t, d] of edges) {
    const before = active;
    active += d;
    if (before < 2 && active >= 2) since = t;
    if (before >= 2 && active < 2) windows.push({ from: since, to: t, ms: round(t - since) });
  }
  const worst = windows.reduce((m, x) => Math.max(m, x.ms), 0);
  const total = round(windows.reduce((m, x) => m + x.ms, 0));
  const mode = v.witness ? `witness ${v.witness}` : 'naive (no witness)';

  const probeEvents = ops(h, `vip-arp@${v.name}`, 'probe');
  const names = (ops(h, `vip-arp@${v.name}`, 'members')[0]?.value?.macs ?? {}) as Record<string, string>;
  const answered = probeEvents.filter((e) => e.type === 'info').map((e) => ({ sent: Number(e.value?.sent), macs: (e.value?.macs ?? []) as string[] }));
  const unobservable = probeEvents.find((e: OpEvent) => e.type === 'fail' && answered.length === 0);
  const wire = wireWindows(answered, names);
  const wireWorst = wire.reduce((m, x) => Math.max(m, x.minMs), 0);
  const wireUpper = wire.reduce((m, x) => Math.max(m, x.maxMs), 0);
  const evidence = {
    mode,
    windows,
    worstMs: worst,
    totalMs: total,
    limitMs: limit,
    heartbeatTimeoutMs: timeout,
    wire: { probes: answered.length, answeredByOne: answered.filter((p) => p.macs.length === 1).length, unanswered: answered.filter((p) => p.macs.length === 0).length, windows: wire, note: unobservable ? String(unobservable.value?.error) : null },
  };
  const wireText = wire.length ? `; on the wire ${wire.length} window(s) with two MACs answering ARP for ${v.external.vip} (${wire.map((w) => `${w.members.join(' + ')}: ${w.probes} probes, ${w.minMs}-${w.maxMs} ms`).join('; ')})` : answered.length ? `; on the wire one MAC at most answered each of ${answered.length} ARP probes` : '';
  if (worst > limit || wireWorst > limit) {
    return { status: 'fail', summary: `split brain: two actives at once for ${Math.max(worst, wireWorst)} ms (${windows.length} window(s) reported by the members, ${total} ms in all; limit ${limit} ms, ${mode})${wireText}`, evidence };
  }
  // The members' own account is what the wire is there to check (a dead member still answering ARP claims nothing).
  if (unobservable) return { status: 'unknown', summary: `${windows.length ? `two actives for at most ${worst} ms` : 'never two actives at once'} by the members' own account (limit ${limit} ms, ${mode}), but the wire was not watched: ${String(unobservable.value?.error)}`, evidence };
  // Probes that no MAC answered are no account of the wire either (a probe on the wrong device or source hears nothing).
  if (answered.every((p) => p.macs.length === 0)) return { status: 'unknown', summary: 'no ARP probe of the VIP answered: the wire gives no account of who held it', evidence };
  if (wireUpper > limit) return { status: 'unknown', summary: `two MACs answered ARP for the VIP for ${wireWorst} to ${wireUpper} ms (probes every ${PROBE_INTERVAL_MS} ms): cannot tell it from the ${limit} ms limit${wireText}`, evidence };
  return { status: 'pass', summary: `${windows.length ? `two actives for at most ${worst} ms` : 'never two actives at once'} (limit ${limit} ms, ${mode})${wireText}`, evidence };
};

export const splitBrain: CheckKind<typeof options> = {
  options,
  requirements: ['HA-NO-SPLIT-BRAIN'],
  needs: { faults: true, probes: ['vip-arp'] },
  check,
};
