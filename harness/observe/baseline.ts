// A normalized picture of everything faults may touch (addresses, MTUs, link
// state, routes, VXLAN FDB, relay settings), so "healed" can be checked
// instead of assumed.
import { execa } from 'execa';
import type { Deployment } from '../topology/deploy.js';

export type Snapshot = Readonly<Record<string, string>>;

interface IpAddr {
  ifname: string;
  mtu: number;
  flags: string[];
  addr_info?: { local: string; prefixlen: number }[];
}
interface IpRoute {
  dst: string;
  gateway?: string;
  dev: string;
}
interface FdbEntry {
  mac: string;
  ifname?: string;
  dst?: string;
}

async function ipJson<T>(prefix: readonly string[], args: readonly string[]): Promise<T[]> {
  const r = await execa(prefix[0]!, [...prefix.slice(1), '-j', ...args]);
  return r.stdout.trim() === '' ? [] : (JSON.parse(r.stdout) as T[]);
}

async function netState(where: string, ipPrefix: readonly string[], bridgePrefix: readonly string[], only?: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const a of await ipJson<IpAddr>(ipPrefix, ['addr', 'show', ...(only ? ['dev', only] : [])])) {
    const addrs = (a.addr_info ?? []).map((i) => `${i.local}/${i.prefixlen}`).sort();
    out[`${where} if ${a.ifname}`] = `mtu ${a.mtu} ${a.flags.includes('UP') ? 'up' : 'down'} ${addrs.join(' ')}`;
  }
  for (const r of await ipJson<IpRoute>(ipPrefix, ['route', 'show'])) {
    out[`${where} route ${r.dst}`] = `${r.gateway ?? 'direct'} dev ${r.dev}`;
  }
  if (only) return out; // a node's own routes are checked; its tenant devices belong to what runs on it
  for (const f of await ipJson<FdbEntry>(bridgePrefix, ['fdb', 'show'])) {
    if (f.dst) out[`${where} fdb ${f.ifname} ${f.mac} ${f.dst}`] = 'present';
  }
  return out;
}

export async function snapshot(d: Deployment, pids: ReadonlyMap<string, number>): Promise<Snapshot> {
  const parts = await Promise.all([
    netState('wan', ['ip', '-n', d.plan.wanNs], ['bridge', '-n', d.plan.wanNs]),
    ...d.plan.sites.map((s) => netState(`site ${s.name}`, ['ip', '-n', s.ns], ['bridge', '-n', s.ns])),
    ...[...pids].map(([ref, pid]) => {
      const ns = ['nsenter', '-t', String(pid), '-n'];
      // Only what the harness wired: eth0 and routes. Tenant interfaces are the
      // workload's (a VNF moving its VIP is behaviour under test, not a leak).
      return netState(`node ${ref}`, [...ns, 'ip'], [...ns, 'bridge'], 'eth0');
    }),
  ]);
  const relay: Record<string, string> = {};
  for (const [id, cfg] of Object.entries(await d.relay.get())) {
    relay[`relay link ${id}`] = JSON.stringify({ aToB: cfg.aToB, bToA: cfg.bToA });
  }
  return Object.assign({}, ...parts, relay) as Snapshot;
}

/** Human-readable differences; empty means back to baseline. */
export function compareSnapshots(before: Snapshot, after: Snapshot): string[] {
  const diffs: string[] = [];
  for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const b = before[k];
    const a = after[k];
    if (b === a) continue;
    if (a === undefined) diffs.push(`${k}: gone (was ${b})`);
    else if (b === undefined) diffs.push(`${k}: appeared (${a})`);
    else diffs.push(`${k}: ${b} -> ${a}`);
  }
  return diffs.sort();
}
