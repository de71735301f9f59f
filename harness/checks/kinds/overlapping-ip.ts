// HA-OVERLAPPING-IP: VNFs that use the same internal (backup) addresses,
// each on its own overlay, all keep working: every member hears each of its
// peers (the overlay joins the VNF's own members, not the other tenant's VMs
// at the same addresses), calls are served outside fault windows, and a
// member is active.
import { z } from 'zod';
import type { HistoryEvent } from '../../observe/history.js';
import type { CallsSpec, VnfSpec } from '../../scenario/schema.js';
import { planAttachments, vniAt } from '../../topology/overlay.js';
import type { Checker } from '../context.js';
import type { CheckKind, SpecOf } from '../kind.js';
import { checkFields } from '../options.js';
import { faultWindows, ops } from '../series.js';
import { activeIntervals, agentId, DEFAULT_LIMIT_MS, siteOf, summarize } from '../vnf-history.js';

const options = z.strictObject({
  ...checkFields('overlapping-ip'),
});

/** Calls served per VNF: setups attempted and succeeded outside fault windows. */
function servedOutsideFaults(h: readonly HistoryEvent[], w: CallsSpec): { attempts: number; ok: number } {
  const faults = faultWindows(h);
  const calm = (t: number) => !faults.some((f) => t >= f.start && t < f.end + DEFAULT_LIMIT_MS);
  const setups = ops(h, `${w.name}@${w.from}`, 'call-setup').filter((e) => calm(e.t));
  return { attempts: setups.filter((e) => e.type === 'invoke').length, ok: setups.filter((e) => e.type === 'ok').length };
}

/**
 * Ordered pairs (member, peer) of the VNF in which the member heard the peer's
 * heartbeats at least once, and all such pairs. The agent ignores heartbeats
 * from anyone not its peer, so a backup plane that delivers them to another
 * tenant's VM holding the peer's address is never heard.
 */
export function peersHeard(h: readonly HistoryEvent[], v: VnfSpec): { heard: number; pairs: number } {
  let heard = 0;
  for (const m of v.members) {
    const ups = new Set(ops(h, `${v.name}@${m}`, 'peer').filter((e) => e.value?.event === 'up').map((e) => String(e.value?.peer)));
    heard += v.members.filter((p) => p !== m && ups.has(agentId(p))).length;
  }
  return { heard, pairs: v.members.length * (v.members.length - 1) };
}

/** Least share of setups that must succeed outside fault windows for a VNF to count as working. */
export const SERVED_RATIO = 0.99;

const check: Checker<SpecOf<typeof options>> = (h, ctx) => {
  // Which VNFs share internal (backup) addresses, each on its own overlay.
  const attachments = planAttachments(ctx.scenario);
  const byVnf = ctx.scenario.vnfs
    .filter((v) => v.backup.network)
    .map((v) => ({ v, addresses: v.members.map((m) => attachments.find((a) => a.ref === m && a.network === v.backup.network)!.address) }));
  const sharing = byVnf.filter((x) => byVnf.some((y) => y !== x && y.v.backup.network !== x.v.backup.network && y.addresses.some((a) => x.addresses.includes(a))));
  if (sharing.length < 2) return { status: 'unknown', summary: 'no two VNFs use the same internal addresses on separate overlays: the scenario does not exercise overlapping IPs', evidence: {} };
  // The backup network's VNI in each member's site: one unless the sites allocated their own.
  const vnisOf = (v: VnfSpec) => {
    const n = ctx.scenario.networks.find((x) => x.name === v.backup.network)!;
    return Object.fromEntries(v.members.map(siteOf).map((site) => [site, vniAt(n, site)]));
  };
  const rows = sharing.map(({ v, addresses }) => {
    const w = ctx.scenario.workload.find((x): x is CallsSpec => x.kind === 'calls' && x.vnf === v.name);
    const served = w ? servedOutsideFaults(h, w) : { attempts: 0, ok: 0 };
    // Only whether a member was ever active is read, not until when: no end needed.
    const actives = [...activeIntervals(h, v, Infinity).values()].filter((s) => s.length > 0).length;
    const peers = peersHeard(h, v);
    const status = served.attempts === 0 ? 'unknown' : served.ok / served.attempts >= SERVED_RATIO && actives >= 1 && peers.heard === peers.pairs ? 'pass' : 'fail';
    return { vnf: v.name, network: v.backup.network!, addresses, vnis: vnisOf(v), peersHeard: peers.heard, peerPairs: peers.pairs, setups: served.attempts, served: served.ok, membersEverActive: actives, status } as const;
  });
  const vniText = (vnis: Record<string, number>) => {
    const all = new Set(Object.values(vnis));
    return all.size === 1 ? `VNI ${[...all][0]}` : `VNI ${Object.entries(vnis).map(([site, n]) => `${n} in ${site}`).join(', ')}`;
  };
  const text = (r: (typeof rows)[number]) =>
    `${r.vnf} on ${r.network} (${r.addresses.join(', ')}; ${vniText(r.vnis)}): ${r.peersHeard}/${r.peerPairs} peers heard, ${r.served}/${r.setups} calls served`;
  return summarize(rows, text, 'a VNF with overlapping addresses had no call workload');
};

export const overlappingIp: CheckKind<typeof options> = {
  options,
  requirements: ['HA-OVERLAPPING-IP'],
  needs: { faults: true },
  check,
};
