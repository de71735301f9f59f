// Which identity requests crossed the WAN, from the same capture as
// wan-traffic.ts: the request line of each HTTP request to the identity port
// is within the snap length (the site packet's headers end ~116 bytes into
// the frame, "GET /v3/auth/tokens/OS-PKI/revoked HTTP/1.1" is 43 bytes
// more), so a check can tell a token validation from a revocation-list
// fetch. Why it matters: with PKI the middleware validates offline but still
// fetches the revocation list from the central Keystone every 10 s; counting
// packets alone cannot say which of the two crossed regions.
//
// Every TCP packet to or from the port is attributed to its connection, and
// a connection to the requests seen on it; a request seen on several legs
// (site -> relay, relay -> site) is counted once (by connection and
// sequence number), packets once per leg as wan-traffic.ts counts them.
import { readPcap, TCP, udpOf, vxlanOf } from './pcap.js';

export interface IdentityHttp {
  readonly port: number;
  /** "METHOD /path" (query dropped) -> requests seen crossing, each counted once */
  readonly requests: Readonly<Record<string, number>>;
  /** per class of connection (its distinct requests joined with " + ", or "unattributed": no request line seen), packets and bytes on the WAN legs */
  readonly connections: readonly { readonly requests: string; readonly connections: number; readonly packets: number; readonly bytes: number }[];
}

const REQUEST_LINE = /^(GET|HEAD|POST|PUT|PATCH|DELETE) (\S+) HTTP\/1\.[01]\r?\n?/;

/** IPv4 + TCP inside an Ethernet frame: addresses, ports, sequence number, payload (what the snap length kept). */
export function tcpOf(frame: Buffer): { src: string; dst: string; sport: number; dport: number; seq: number; payload: Buffer } | null {
  if (frame.length < 14 + 20 || frame.readUInt16BE(12) !== 0x0800 || frame[14 + 9] !== TCP) return null;
  const ihl = (frame[14]! & 0x0f) * 4;
  const t = 14 + ihl;
  if (frame.length < t + 20) return null;
  const ip = (o: number) => `${frame[o]}.${frame[o + 1]}.${frame[o + 2]}.${frame[o + 3]}`;
  const dataOffset = (frame[t + 12]! >> 4) * 4;
  return {
    src: ip(14 + 12),
    dst: ip(14 + 16),
    sport: frame.readUInt16BE(t),
    dport: frame.readUInt16BE(t + 2),
    seq: frame.readUInt32BE(t + 4),
    payload: frame.subarray(Math.min(frame.length, t + dataOffset)),
  };
}

/** "METHOD /path" of an HTTP request starting this payload, or null. */
export function requestLine(payload: Buffer): string | null {
  const m = REQUEST_LINE.exec(payload.subarray(0, 160).toString('latin1'));
  return m ? `${m[1]} ${m[2]!.replace(/\?.*$/, '')}` : null;
}

export function identityHttp(pcap: Buffer, relayPorts: ReadonlySet<number>, port: number): IdentityHttp {
  const conns = new Map<string, { requests: Set<string>; packets: number; bytes: number }>();
  const seen = new Set<string>();
  const requests: Record<string, number> = {};
  for (const r of readPcap(pcap)) {
    const outer = udpOf(r.data);
    if (!outer || outer.proto !== 17 || !(relayPorts.has(outer.dport) || relayPorts.has(outer.sport))) continue;
    const link = vxlanOf(outer.payload);
    const tcp = link ? tcpOf(link.frame) : null;
    if (!tcp || (tcp.dport !== port && tcp.sport !== port)) continue;
    const client = tcp.dport === port ? `${tcp.src}:${tcp.sport}` : `${tcp.dst}:${tcp.dport}`;
    const server = tcp.dport === port ? `${tcp.dst}` : `${tcp.src}`;
    const key = `${client}>${server}`;
    const c = conns.get(key) ?? { requests: new Set<string>(), packets: 0, bytes: 0 };
    c.packets += 1;
    c.bytes += r.wireLength;
    conns.set(key, c);
    if (tcp.dport !== port) continue;
    const line = requestLine(tcp.payload);
    if (line === null || seen.has(`${key}/${tcp.seq}`)) continue;
    seen.add(`${key}/${tcp.seq}`);
    c.requests.add(line);
    requests[line] = (requests[line] ?? 0) + 1;
  }
  const classes = new Map<string, { requests: string; connections: number; packets: number; bytes: number }>();
  for (const c of conns.values()) {
    const label = c.requests.size ? [...c.requests].sort().join(' + ') : 'unattributed';
    const k = classes.get(label) ?? { requests: label, connections: 0, packets: 0, bytes: 0 };
    k.connections += 1;
    k.packets += c.packets;
    k.bytes += c.bytes;
    classes.set(label, k);
  }
  return { port, requests, connections: [...classes.values()].sort((a, b) => b.packets - a.packets) };
}
