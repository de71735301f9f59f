// Which VM attaches to which tenant network, with what address and device
// names. Pure, like plan.ts: the deploy step only carries it out through
// each site's network API.
import { host, parseCidr } from '../scenario/cidr.js';
import type { NetworkSpec, Scenario } from '../scenario/schema.js';

export interface Attachment {
  readonly network: string;
  readonly vni: number; // in the VM's own site
  readonly ref: string; // site/node of the VM
  readonly site: string;
  readonly dev: string; // interface name in the VM: the network's name
  readonly address: string;
  readonly prefix: number;
  readonly ctlDev: string; // the veth end in the site's controller, on the network's bridge
}

/**
 * The VNI a site's network API gives network `n`: its `vni`, unless the site
 * allocated its own (`vniBySite`, regions without a central allocator).
 */
export function vniAt(n: Pick<NetworkSpec, 'vni' | 'vniBySite'>, site: string): number {
  return n.vniBySite?.[site] ?? n.vni;
}

/** Tenant addresses start here, leaving low addresses (routers, VIPs) to the scenario. */
const FIRST_HOST = 10;

export function planAttachments(s: Scenario): Attachment[] {
  const wanted: { network: string; ref: string }[] = [];
  const want = (network: string, ref: string) => {
    if (!wanted.some((w) => w.network === network && w.ref === ref)) wanted.push({ network, ref });
  };
  for (const v of s.vnfs) {
    for (const m of v.members) {
      if (v.backup.network) want(v.backup.network, m);
      want(v.external.network, m);
    }
    if (v.witness && v.backup.network) want(v.backup.network, v.witness);
  }
  for (const w of s.workload) {
    if (w.kind === 'calls') want(s.vnfs.find((v) => v.name === w.vnf)!.external.network, w.from);
  }

  const vips = new Set(s.vnfs.map((v) => v.external.vip));
  const next = new Map<string, number>();
  const perSite = new Map<string, number>();
  return wanted.map(({ network, ref }) => {
    const net = s.networks.find((n) => n.name === network)!;
    const cidr = parseCidr(net.cidr)!;
    let k = next.get(network) ?? FIRST_HOST;
    while (vips.has(host(cidr, k))) k += 1;
    next.set(network, k + 1);
    const site = ref.split('/')[0]!;
    const idx = perSite.get(site) ?? 0;
    perSite.set(site, idx + 1);
    return { network, vni: vniAt(net, site), ref, site, dev: network, address: host(cidr, k), prefix: cidr.prefix, ctlDev: `t${idx}` };
  });
}

export function attachmentOf(list: readonly Attachment[], ref: string, network: string): Attachment {
  const a = list.find((x) => x.ref === ref && x.network === network);
  if (!a) throw new Error(`${ref} is not attached to network ${network}`);
  return a;
}

