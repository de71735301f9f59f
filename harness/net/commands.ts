// Plan -> iproute2 batch commands, per namespace. Pure, so the exact wiring
// is testable without a kernel; ip.ts runs them with `ip -batch`.
import { MTU, type NodePlan, type Plan, type SitePlan } from '../topology/plan.js';

const WAN_PREFIX = 24;

/** The WAN namespace: one bridge holding the relay's address; one veth end per site. */
export function wanCommands(plan: Plan): string[] {
  const cmds = [
    'link set lo up',
    `link add wanbr type bridge`,
    `link set wanbr mtu ${MTU.underlay} up`,
    `addr add ${plan.wanGateway}/${WAN_PREFIX} dev wanbr`,
  ];
  for (const s of plan.sites) {
    // Created here with its peer placed straight into the site namespace.
    cmds.push(`link add ${s.wanVeth} mtu ${MTU.underlay} type veth peer name wan0 netns ${s.ns}`);
    cmds.push(`link set ${s.wanVeth} master wanbr up`);
  }
  return cmds;
}

/** A site's router namespace: LAN bridge with the gateway, WAN side, link VXLANs, routes. */
export function siteCommands(plan: Plan, site: SitePlan): string[] {
  const prefix = site.subnet.split('/')[1];
  const cmds = [
    'link set lo up',
    `link set wan0 mtu ${MTU.underlay} up`,
    `addr add ${site.underlay}/${WAN_PREFIX} dev wan0`,
    'link add lan type bridge',
    `link set lan mtu ${MTU.lan} up`,
    `addr add ${site.gateway}/${prefix} dev lan`,
  ];
  for (const l of plan.links) {
    const end = l.a.site === site.name ? l.a : l.b.site === site.name ? l.b : undefined;
    if (!end) continue;
    // Point-to-point VXLAN to the relay; nolearning + the static all-zero FDB
    // entry that `remote` installs mean nothing depends on flooding.
    cmds.push(`link add ${end.device} type vxlan id ${l.vni} remote ${plan.wanGateway} local ${site.underlay} dstport ${end.relayPort} dev wan0 nolearning`);
    const peer = end === l.a ? l.b : l.a;
    cmds.push(`link set ${end.device} address ${linkMac(end.address)} mtu ${MTU.link} up`);
    cmds.push(`addr add ${end.address}/30 dev ${end.device}`);
    // The link is a wire between two routers: no ARP across it. With ARP, a
    // partition longer than the neighbour's reachable time left the entry
    // FAILED, and after the heal traffic waited for the next ARP retry (up
    // to 1 s): wan-heartbeat measured a 10671 ms gap for 10000 ms injected,
    // in 1 of 3 runs, depending on the kernel's random reachable time.
    cmds.push(`neigh replace ${peer.address} lladdr ${linkMac(peer.address)} dev ${end.device} nud permanent`);
  }
  // Sourced from the LAN gateway: what the router itself sends (a client run
  // with `ip netns exec` in the site, e.g. the openstack CLI) then carries an
  // address every other site routes back; a link's /30 address is known only
  // to its two ends.
  for (const r of site.routes) cmds.push(`route add ${r.dest} via ${r.via} src ${site.gateway}`);
  return cmds;
}

/** A link end's MAC, from its address (locally administered, unicast): each end knows the other's without asking. */
export function linkMac(address: string): string {
  return ['02', '00', ...address.split('.').map((o) => Number(o).toString(16).padStart(2, '0'))].join(':');
}

/** Host side of a node's veth: created in the site namespace, its peer goes into the container by pid. */
export function nodeVethCommands(node: NodePlan, pid: number): string[] {
  return [
    `link add ${node.hostVeth} mtu ${MTU.lan} type veth peer name eth0 netns ${pid}`,
    `link set ${node.hostVeth} master lan up`,
  ];
}

/** Inside the container: address, and a route to the site space only (no default route: nothing may leave 198.18.0.0/15). */
export function containerCommands(node: NodePlan): string[] {
  return [
    'link set lo up',
    `link set eth0 mtu ${MTU.lan} up`,
    `addr add ${node.address}/${node.prefix} dev eth0`,
    `route add 198.18.0.0/16 via ${node.gateway}`,
  ];
}
