// A small reader of classic pcap files (what `tcpdump -w` writes) and a
// decoder of exactly the layers the harness puts on its WAN: Ethernet, IPv4,
// UDP, VXLAN, nested. Why our own: the npm pcap parsers are unmaintained or
// native (node_pcap), none decodes VXLAN inside VXLAN, and tcpdump's text
// output is not a stable interface. The format is 24 + 16 bytes of headers.

export interface PcapRecord {
  readonly t: number; // ms since the epoch
  readonly data: Buffer; // what was captured: at most the snap length
  /** The frame's length on the wire (pcap's orig_len): what byte counts must use, since captures are cut at the snap length. */
  readonly wireLength: number;
}

const MAGIC_US = 0xa1b2c3d4;
const MAGIC_NS = 0xa1b23c4d;
const LINKTYPE_ETHERNET = 1;

export function readPcap(buf: Buffer): PcapRecord[] {
  if (buf.length < 24) return [];
  let le = true;
  let magic = buf.readUInt32LE(0);
  if (magic !== MAGIC_US && magic !== MAGIC_NS) {
    le = false;
    magic = buf.readUInt32BE(0);
  }
  if (magic !== MAGIC_US && magic !== MAGIC_NS) throw new Error('not a pcap file (bad magic)');
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  if (u32(20) !== LINKTYPE_ETHERNET) throw new Error(`pcap link type ${u32(20)} is not Ethernet`);
  const frac = magic === MAGIC_NS ? 1e-6 : 1e-3;
  const out: PcapRecord[] = [];
  // A capture stopped mid-write may end in a partial record: stop there.
  for (let o = 24; o + 16 <= buf.length; ) {
    const incl = u32(o + 8);
    if (o + 16 + incl > buf.length) break;
    out.push({ t: u32(o) * 1000 + u32(o + 4) * frac, data: buf.subarray(o + 16, o + 16 + incl), wireLength: u32(o + 12) });
    o += 16 + incl;
  }
  return out;
}

export interface Udp {
  readonly src: string;
  readonly dst: string;
  readonly sport: number;
  readonly dport: number;
  readonly payload: Buffer;
}

const ip = (b: Buffer, o: number) => `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;

export const UDP = 17;
export const TCP = 6;

/**
 * Ethernet -> IPv4 -> UDP or TCP (ports, and for UDP the payload), or null
 * for anything that is not IPv4 (ARP...). Other IP protocols come back with
 * ports 0.
 */
export function udpOf(frame: Buffer): (Udp & { proto: number }) | null {
  if (frame.length < 14 + 20 || frame.readUInt16BE(12) !== 0x0800) return null;
  const ihl = (frame[14]! & 0x0f) * 4;
  const proto = frame[14 + 9]!;
  const src = ip(frame, 14 + 12);
  const dst = ip(frame, 14 + 16);
  const u = 14 + ihl;
  if ((proto !== UDP && proto !== TCP) || frame.length < u + 4) return { proto, src, dst, sport: 0, dport: 0, payload: Buffer.alloc(0) };
  const ports = { sport: frame.readUInt16BE(u), dport: frame.readUInt16BE(u + 2) };
  if (proto === TCP) return { proto, src, dst, ...ports, payload: Buffer.alloc(0) };
  if (frame.length < u + 8) return null;
  return { proto, src, dst, ...ports, payload: frame.subarray(u + 8) };
}

/** A VXLAN header (flags with the I bit, 24-bit VNI) and the frame it carries. */
export function vxlanOf(payload: Buffer): { vni: number; frame: Buffer } | null {
  if (payload.length < 8 + 14 || (payload[0]! & 0x08) === 0) return null;
  return { vni: payload.readUIntBE(4, 3), frame: payload.subarray(8) };
}
