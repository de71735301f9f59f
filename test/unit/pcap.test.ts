// The WAN capture decoder on a synthetic pcap with the exact nesting the
// harness produces: link VXLAN -> site packet -> tenant VXLAN -> VM packet.
import { describe, expect, it } from 'vitest';
import { readPcap } from '../../harness/observe/pcap.js';
import { wanTraffic } from '../../harness/observe/wan-traffic.js';

const mac = Buffer.alloc(6, 0x02);
function eth(payload: Buffer): Buffer {
  const h = Buffer.concat([mac, mac, Buffer.from([0x08, 0x00])]);
  return Buffer.concat([h, payload]);
}
function ipv4udp(src: string, dst: string, sport: number, dport: number, payload: Buffer): Buffer {
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + 8 + payload.length, 2);
  ip[8] = 64;
  ip[9] = 17;
  src.split('.').forEach((b, i) => (ip[12 + i] = Number(b)));
  dst.split('.').forEach((b, i) => (ip[16 + i] = Number(b)));
  const udp = Buffer.alloc(8);
  udp.writeUInt16BE(sport, 0);
  udp.writeUInt16BE(dport, 2);
  udp.writeUInt16BE(8 + payload.length, 4);
  return Buffer.concat([ip, udp, payload]);
}
function vxlan(vni: number, frame: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h[0] = 0x08;
  h.writeUIntBE(vni, 4, 3);
  return Buffer.concat([h, frame]);
}
function pcap(frames: Buffer[]): Buffer {
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
      r.writeUInt32LE(1_800_000_000 + i, 0);
      r.writeUInt32LE(500, 4);
      r.writeUInt32LE(f.length, 8);
      r.writeUInt32LE(f.length, 12);
      return [r, f];
    }),
  ]);
}

const hb = eth(ipv4udp('198.18.200.10', '198.18.200.11', 7100, 7100, Buffer.from('{"k":"hb"}')));
const tenant = (vni: number, frame: Buffer) => eth(ipv4udp('198.18.1.2', '198.18.2.2', 51000, 4789, vxlan(vni, frame)));
const onWan = (frame: Buffer) => eth(ipv4udp('198.19.0.10', '198.19.0.1', 33000, 40000, vxlan(1000, frame)));

describe('WAN capture decoding', () => {
  it('reads records and timestamps', () => {
    const r = readPcap(pcap([onWan(tenant(5001, hb))]));
    expect(r).toHaveLength(1);
    expect(r[0]!.t).toBe(1_800_000_000_000.5);
  });

  it('counts VM packets by link VNI, tenant VNI and innermost port', () => {
    const call = eth(ipv4udp('198.18.201.10', '198.18.201.100', 40123, 5060, Buffer.from('x')));
    const routed = eth(ipv4udp('198.18.1.5', '198.18.2.5', 7100, 7100, Buffer.from('y'))); // a heartbeat routed at L3, no overlay
    const flows = wanTraffic(pcap([onWan(tenant(5001, hb)), onWan(tenant(5001, hb)), onWan(tenant(5002, call)), onWan(routed)]), new Set([40000, 40001]));
    expect(flows.map((f) => [f.linkVni, f.tenantVni, f.port, f.packets])).toEqual([
      [1000, 5001, 7100, 2],
      [1000, 5002, 5060, 1],
      [1000, null, 7100, 1],
    ]);
  });

  it('counts TCP by its service port (identity HTTP, MySQL, Galera across the WAN)', () => {
    const tcp = Buffer.from(ipv4udp('198.18.1.2', '198.18.2.2', 5000, 41000, Buffer.alloc(12)));
    tcp[9] = 6; // same port offsets as UDP; the decoder reads only ports for TCP
    const flows = wanTraffic(pcap([onWan(eth(tcp))]), new Set([40000]));
    expect(flows.map((f) => [f.tenantVni, f.proto, f.port])).toEqual([[null, 6, 5000]]);
  });

  it('ignores traffic not to or from the relay, and a truncated last record', () => {
    const other = eth(ipv4udp('198.19.0.10', '198.19.0.11', 33000, 9999, vxlan(1000, hb)));
    const buf = pcap([other, onWan(tenant(5001, hb))]);
    expect(wanTraffic(buf.subarray(0, buf.length - 5), new Set([40000]))).toEqual([]);
  });

  it('rejects a file that is not a pcap', () => {
    expect(() => readPcap(Buffer.alloc(64, 7))).toThrow(/not a pcap/);
  });
});
