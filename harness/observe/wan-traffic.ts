// What crossed the emulated WAN, from a capture on the WAN bridge: every
// datagram between a site and the relay is a link VXLAN frame; inside it, a
// site LAN packet, which may itself be tenant VXLAN (UDP 4789) carrying a VM's
// packet. Counted by link VNI, tenant VNI and the innermost protocol and port.
import { readPcap, udpOf, vxlanOf } from './pcap.js';

export const TENANT_VXLAN_PORT = 4789;

export interface FlowCount {
  readonly linkVni: number;
  readonly tenantVni: number | null; // null: not tenant VXLAN
  readonly proto: number; // innermost IP protocol
  readonly port: number; // innermost UDP or TCP port (the lower of the two: the service port)
  packets: number;
  /** On the wire (outer headers included), not as captured. */
  bytes: number;
}

/** What a link VXLAN payload carries, innermost first: the tenant VNI if it is tenant VXLAN, the IP protocol and the lower port. */
export interface Innermost {
  readonly linkVni: number;
  readonly tenantVni: number | null;
  readonly proto: number; // -1: not IPv4
  readonly port: number;
}

/** Decodes a datagram between a site and the relay down to the VM's packet; null when it is not link VXLAN. */
export function innermost(relayed: Buffer): Innermost | null {
  const link = vxlanOf(relayed);
  if (!link) return null;
  let inner = udpOf(link.frame);
  let tenantVni: number | null = null;
  if (inner && inner.proto === 17 && inner.dport === TENANT_VXLAN_PORT) {
    const t = vxlanOf(inner.payload);
    if (t) {
      tenantVni = t.vni;
      inner = udpOf(t.frame);
    }
  }
  return { linkVni: link.vni, tenantVni, proto: inner?.proto ?? -1, port: inner ? Math.min(inner.sport, inner.dport) : 0 };
}

export function wanTraffic(pcap: Buffer, relayPorts: ReadonlySet<number>): FlowCount[] {
  const flows = new Map<string, FlowCount>();
  for (const r of readPcap(pcap)) {
    const outer = udpOf(r.data);
    if (!outer || outer.proto !== 17 || !(relayPorts.has(outer.dport) || relayPorts.has(outer.sport))) continue;
    const i = innermost(outer.payload);
    if (!i) continue;
    const key = `${i.linkVni}/${i.tenantVni}/${i.proto}/${i.port}`;
    const f = flows.get(key) ?? { ...i, packets: 0, bytes: 0 };
    f.packets += 1;
    f.bytes += r.wireLength; // not the captured length: the capture is cut at its snap length
    flows.set(key, f);
  }
  return [...flows.values()].sort((a, b) => b.packets - a.packets);
}
