// Synthetic frames and pcap files for the capture decoders' tests: Ethernet,
// IPv4, UDP, TCP and VXLAN headers with just the fields the decoders read.
const mac = Buffer.alloc(6, 0x02);

export const eth = (payload: Buffer): Buffer => Buffer.concat([mac, mac, Buffer.from([0x08, 0x00]), payload]);

export function ipv4(proto: number, src: string, dst: string, l4: Buffer): Buffer {
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + l4.length, 2);
  ip[8] = 64;
  ip[9] = proto;
  src.split('.').forEach((b, i) => (ip[12 + i] = Number(b)));
  dst.split('.').forEach((b, i) => (ip[16 + i] = Number(b)));
  return Buffer.concat([ip, l4]);
}

export function udp(sport: number, dport: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(sport, 0);
  h.writeUInt16BE(dport, 2);
  h.writeUInt16BE(8 + payload.length, 4);
  return Buffer.concat([h, payload]);
}

export function tcp(sport: number, dport: number, seq: number, payload = ''): Buffer {
  const h = Buffer.alloc(32); // 20 + 12 bytes of options, as Linux sends with timestamps
  h.writeUInt16BE(sport, 0);
  h.writeUInt16BE(dport, 2);
  h.writeUInt32BE(seq, 4);
  h[12] = 8 << 4;
  return Buffer.concat([h, Buffer.from(payload, 'latin1')]);
}

export function vxlan(vni: number, frame: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h[0] = 0x08;
  h.writeUIntBE(vni, 4, 3);
  return Buffer.concat([h, frame]);
}

/** A classic pcap file: record i at `times[i]` (ms since the epoch, to the µs), else at 1_800_000_000 + i s and 500 µs; with `snap`, each record is cut to it as tcpdump -s does (orig_len stays the frame's). */
export function pcap(frames: readonly Buffer[], snap = Infinity, times?: readonly number[]): Buffer {
  const g = Buffer.alloc(24);
  g.writeUInt32LE(0xa1b2c3d4, 0);
  g.writeUInt16LE(2, 4);
  g.writeUInt16LE(4, 6);
  g.writeUInt32LE(65535, 16);
  g.writeUInt32LE(1, 20);
  return Buffer.concat([
    g,
    ...frames.flatMap((f, i) => {
      const r = Buffer.alloc(16);
      const us = times ? Math.round(times[i]! * 1000) : (1_800_000_000 + i) * 1e6 + 500;
      r.writeUInt32LE(Math.floor(us / 1e6), 0);
      r.writeUInt32LE(us % 1e6, 4);
      const kept = f.subarray(0, Math.min(f.length, snap));
      r.writeUInt32LE(kept.length, 8);
      r.writeUInt32LE(f.length, 12);
      return [r, kept];
    }),
  ]);
}
