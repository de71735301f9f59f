// Scenario -> wiring plan: every name, address, MTU, VNI and route the run
// will create, decided up front and purely, so it can be tested without a
// kernel and printed by `msh up` before anything exists.
import { formatCidr, host, parseCidr } from '../scenario/cidr.js';
import type { Scenario } from '../scenario/schema.js';
import type { Impairment } from '../wan/impairment.js';

/**
 * MTU plan. The WAN underlay is 1500; each inter-site link is a VXLAN over it
 * (50 bytes of headers), so the link and everything routed over it (the site
 * LANs) get 1450. Tenant overlays that later ride a site LAN across a link
 * are VXLAN inside VXLAN and get another 50 less.
 */
export const MTU = { underlay: 1500, link: 1450, lan: 1450, overlay: 1400 } as const;
export const WAN_GATEWAY = '198.19.0.1';
const WAN_PREFIX = 24;
const LINK_SPACE = parseCidr('198.19.1.0/24')!;
const VNI_BASE = 1000;
const PORT_BASE = 40000;
export const MAX_SITES = 200;
export const MAX_LINKS = 64;

export interface NodePlan {
  readonly site: string;
  readonly name: string;
  readonly ref: string; // site/node
  readonly container: string;
  readonly image: string;
  readonly role: string;
  readonly address: string;
  readonly prefix: number;
  readonly gateway: string;
  readonly hostVeth: string; // in the site namespace
}

export interface LinkEndPlan {
  readonly site: string;
  readonly device: string; // vxlan device in the site namespace
  readonly address: string; // point-to-point address on it
  readonly relayPort: number; // where the relay listens for this side; the device's dstport
}

export interface LinkPlan {
  readonly name: string;
  readonly index: number;
  readonly vni: number;
  readonly a: LinkEndPlan;
  readonly b: LinkEndPlan;
  readonly baseline: Impairment; // each direction starts like this
}

export interface RoutePlan {
  readonly dest: string;
  readonly via: string;
}

export interface SitePlan {
  readonly name: string;
  readonly index: number;
  readonly ns: string;
  readonly subnet: string;
  readonly gateway: string;
  readonly underlay: string; // on wan0, facing the relay
  readonly wanVeth: string; // its peer, in the WAN namespace
  readonly nodes: readonly NodePlan[];
  readonly routes: readonly RoutePlan[];
}

export interface Plan {
  readonly runId: string;
  readonly scenario: string;
  readonly prefix: string; // every resource name of this run starts with it
  readonly wanNs: string;
  readonly wanGateway: string;
  readonly sites: readonly SitePlan[];
  readonly links: readonly LinkPlan[];
}

export function planTopology(s: Scenario, runId: string): Plan {
  if (s.sites.length > MAX_SITES) throw new RangeError(`at most ${MAX_SITES} sites`);
  if (s.links.length > MAX_LINKS) throw new RangeError(`at most ${MAX_LINKS} links`);
  const prefix = `msh-${runId}`;

  const links: LinkPlan[] = s.links.map((l, j) => {
    const p2p = { base: LINK_SPACE.base + 4 * j, prefix: 30 };
    const end = (site: string, k: number): LinkEndPlan => ({
      site,
      device: `l${j}`,
      address: host(p2p, k + 1),
      relayPort: PORT_BASE + 2 * j + k,
    });
    return {
      name: l.name,
      index: j,
      vni: VNI_BASE + j,
      a: end(l.between[0], 0),
      b: end(l.between[1], 1),
      baseline: {
        latencyMs: l.latency ?? 0,
        jitterMs: l.jitter ?? 0,
        lossPct: l.loss ?? 0,
        bandwidthKbit: l.bandwidth ?? null,
        down: false,
      },
    };
  });

  const sites: SitePlan[] = s.sites.map((site, i) => {
    const subnet = parseCidr(site.subnet)!;
    const gateway = host(subnet, 1);
    return {
      name: site.name,
      index: i,
      ns: `${prefix}-${site.name}`,
      subnet: formatCidr(subnet),
      gateway,
      underlay: host({ base: parseCidr('198.19.0.0/24')!.base, prefix: WAN_PREFIX }, 10 + i),
      wanVeth: `s${i}`,
      nodes: site.nodes.map((n, k) => ({
        site: site.name,
        name: n.name,
        ref: `${site.name}/${n.name}`,
        container: `${prefix}-${site.name}-${n.name}`,
        image: n.image,
        role: n.role,
        address: host(subnet, k + 2),
        prefix: subnet.prefix,
        gateway,
        hostVeth: `n${k}`,
      })),
      routes: [],
    };
  });

  return { runId, scenario: s.name, prefix, wanNs: `${prefix}-wan`, wanGateway: WAN_GATEWAY, sites: withRoutes(sites, links), links };
}

/** Shortest-path static routes: each site reaches every other site's subnet. */
function withRoutes(sites: SitePlan[], links: LinkPlan[]): SitePlan[] {
  const adj = new Map<string, { peer: string; via: string }[]>();
  for (const l of links) {
    adj.set(l.a.site, [...(adj.get(l.a.site) ?? []), { peer: l.b.site, via: l.b.address }]);
    adj.set(l.b.site, [...(adj.get(l.b.site) ?? []), { peer: l.a.site, via: l.a.address }]);
  }
  return sites.map((src) => {
    // BFS from src; the first hop of each path is the route's next hop.
    const firstHop = new Map<string, string>();
    const queue: string[] = [];
    for (const e of adj.get(src.name) ?? []) {
      if (!firstHop.has(e.peer) && e.peer !== src.name) {
        firstHop.set(e.peer, e.via);
        queue.push(e.peer);
      }
    }
    while (queue.length > 0) {
      const cur = queue.shift()!;
      for (const e of adj.get(cur) ?? []) {
        if (e.peer !== src.name && !firstHop.has(e.peer)) {
          firstHop.set(e.peer, firstHop.get(cur)!);
          queue.push(e.peer);
        }
      }
    }
    const routes = sites.filter((d) => firstHop.has(d.name)).map((d) => ({ dest: d.subnet, via: firstHop.get(d.name)! }));
    return { ...src, routes };
  });
}

export interface Hop {
  readonly link: LinkPlan;
  readonly dir: 'aToB' | 'bToA';
}

/** The sites a hop goes from and to. */
export function hopSites(h: Hop): readonly [from: string, to: string] {
  return h.dir === 'aToB' ? [h.link.a.site, h.link.b.site] : [h.link.b.site, h.link.a.site];
}

/** The links a packet crosses from one site to another, in order and in which direction. */
export function path(plan: Plan, from: string, to: string): Hop[] {
  const prev = new Map<string, { site: string; hop: Hop }>();
  const seen = new Set([from]);
  const queue = [from];
  while (queue.length > 0) {
    const cur = queue.shift()!;
    for (const l of plan.links) {
      const hop: Hop | undefined = l.a.site === cur ? { link: l, dir: 'aToB' } : l.b.site === cur ? { link: l, dir: 'bToA' } : undefined;
      const peer = hop && hopSites(hop)[1];
      if (hop && peer !== undefined && !seen.has(peer)) {
        seen.add(peer);
        prev.set(peer, { site: cur, hop });
        queue.push(peer);
      }
    }
  }
  const out: Hop[] = [];
  for (let cur = to; cur !== from; ) {
    const p = prev.get(cur);
    if (!p) return [];
    out.unshift(p.hop);
    cur = p.site;
  }
  return out;
}
