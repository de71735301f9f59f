import { describe, expect, it } from 'vitest';
import { containerCommands, linkMac, siteCommands, wanCommands } from '../../harness/net/commands.js';
import { parseScenario } from '../../harness/scenario/load.js';
import { MTU, path, planTopology } from '../../harness/topology/plan.js';

function ring(n: number) {
  const sites = Array.from({ length: n }, (_, i) => `  - { name: s${i}, subnet: 198.18.${i + 1}.0/24, nodes: [{ name: n }] }`).join('\n');
  const links = Array.from({ length: n }, (_, i) => `  - { name: l${i}, between: [s${i}, s${(i + 1) % n}], latency: ${i + 1}ms }`).join('\n');
  return parseScenario('ring.yaml', `name: ring\nduration: 1s\nsites:\n${sites}\nlinks:\n${links}\n`).scenario;
}

describe('topology plan', () => {
  const plan = planTopology(ring(10), 'c0ffee');

  it('names every resource with the run prefix, within kernel name limits', () => {
    expect(plan.wanNs).toBe('msh-c0ffee-wan');
    for (const s of plan.sites) {
      expect(s.ns.startsWith('msh-c0ffee-')).toBe(true);
      for (const n of s.nodes) expect(n.container.startsWith('msh-c0ffee-')).toBe(true);
    }
    for (const l of plan.links) for (const e of [l.a, l.b]) expect(e.device.length).toBeLessThanOrEqual(15);
  });

  it('keeps every address in 198.18.0.0/15', () => {
    const addrs = [plan.wanGateway, ...plan.sites.flatMap((s) => [s.gateway, s.underlay, ...s.nodes.map((n) => n.address)]), ...plan.links.flatMap((l) => [l.a.address, l.b.address])];
    for (const a of addrs) expect(a).toMatch(/^198\.1[89]\./);
    expect(new Set(addrs).size).toBe(addrs.length);
  });

  it('routes over shortest paths in a ring', () => {
    const s0 = plan.sites[0]!;
    // s0's neighbours are s1 (link l0, s0 is side a) and s9 (link l9, s0 is side b).
    const l0 = plan.links[0]!;
    const l9 = plan.links[9]!;
    expect(s0.routes.find((r) => r.dest === '198.18.2.0/24')!.via).toBe(l0.b.address);
    expect(s0.routes.find((r) => r.dest === '198.18.10.0/24')!.via).toBe(l9.a.address);
    expect(s0.routes.find((r) => r.dest === '198.18.4.0/24')!.via).toBe(l0.b.address); // 3 hops clockwise
    expect(s0.routes.find((r) => r.dest === '198.18.8.0/24')!.via).toBe(l9.a.address); // 3 hops the other way
    expect(s0.routes).toHaveLength(9);
  });

  it('path gives hops in order and direction', () => {
    expect(path(plan, 's0', 's2').map((h) => [h.link.name, h.dir])).toEqual([
      ['l0', 'aToB'],
      ['l1', 'aToB'],
    ]);
    expect(path(plan, 's0', 's9').map((h) => [h.link.name, h.dir])).toEqual([['l9', 'bToA']]);
  });

  it('plans MTUs that leave room for VXLAN inside VXLAN', () => {
    expect(MTU.underlay - MTU.link).toBeGreaterThanOrEqual(50);
    expect(MTU.lan).toBeLessThanOrEqual(MTU.link);
    expect(MTU.lan - MTU.overlay).toBeGreaterThanOrEqual(50);
  });

  it('wires each site: VXLAN to the relay per link, routes, and containers with no default route', () => {
    const cmds = siteCommands(plan, plan.sites[0]!);
    expect(cmds).toContain(`link add l0 type vxlan id 1000 remote 198.19.0.1 local ${plan.sites[0]!.underlay} dstport 40000 dev wan0 nolearning`);
    // each end's MAC from its address, and the peer's as a permanent neighbour: no ARP over the WAN
    const l = plan.links[0]!;
    expect(linkMac('198.19.128.9')).toBe('02:00:c6:13:80:09');
    expect(cmds).toContain(`link set l0 address ${linkMac(l.a.address)} mtu 1450 up`);
    expect(cmds).toContain(`neigh replace ${l.b.address} lladdr ${linkMac(l.b.address)} dev l0 nud permanent`);
    const other = siteCommands(plan, plan.sites.find((x) => x.name === l.b.site)!);
    expect(other).toContain(`neigh replace ${l.a.address} lladdr ${linkMac(l.a.address)} dev ${l.b.device} nud permanent`);
    expect(cmds.filter((c) => c.startsWith('route add'))).toHaveLength(9);
    // Router-originated packets carry the LAN gateway, which every other site routes back.
    expect(cmds.filter((c) => c.startsWith('route add')).every((c) => c.endsWith(` src ${plan.sites[0]!.gateway}`))).toBe(true);
    expect(wanCommands(plan)).toContain(`link add s0 mtu 1500 type veth peer name wan0 netns ${plan.sites[0]!.ns}`);
    const node = containerCommands(plan.sites[0]!.nodes[0]!);
    expect(node).toContain('route add 198.18.0.0/16 via 198.18.1.1');
    expect(node.some((c) => c.includes('default'))).toBe(false);
  });

  it('carries each link baseline impairment', () => {
    expect(plan.links[3]!.baseline).toEqual({ latencyMs: 4, jitterMs: 0, lossPct: 0, bandwidthKbit: null, down: false });
  });
});
