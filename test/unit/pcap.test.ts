// The WAN capture decoder on a synthetic pcap with the exact nesting the
// harness produces: link VXLAN -> site packet -> tenant VXLAN -> VM packet.
import { decodeAs, parseCaptureStats } from '../../harness/observe/capture.js';
import { describe, expect, it } from 'vitest';
import { readPcap } from '../../harness/observe/pcap.js';
import { wanTraffic } from '../../harness/observe/wan-traffic.js';
import { eth, ipv4, pcap, udp, vxlan } from '../support/packets.js';

const ipv4udp = (src: string, dst: string, sport: number, dport: number, payload: Buffer): Buffer => ipv4(17, src, dst, udp(sport, dport, payload));

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

  it('counts bytes as they were on the wire, not as captured: tcpdump cuts each record at its snap length', () => {
    const big = onWan(eth(ipv4udp('198.18.1.2', '198.18.2.2', 41000, 8080, Buffer.alloc(1300))));
    const small = onWan(tenant(5001, hb));
    const cut = wanTraffic(pcap([big, big, small], 200), new Set([40000]));
    expect(cut.find((f) => f.port === 8080)).toMatchObject({ packets: 2, bytes: 2 * big.length });
    expect(cut.find((f) => f.port === 7100)).toMatchObject({ packets: 1, bytes: small.length });
    expect(big.length).toBeGreaterThan(1300);
    expect(readPcap(pcap([big], 200))[0]).toMatchObject({ wireLength: big.length });
    expect(readPcap(pcap([big], 200))[0]!.data.length).toBe(200);
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

describe("tcpdump's exit counters", () => {
  it('reads captured, received by filter and dropped by kernel; null when one is missing', () => {
    const text = 'listening on wanbr, link-type EN10MB\n1834 packets captured\n1840 packets received by filter\n6 packets dropped by kernel\n';
    expect(parseCaptureStats(text)).toEqual({ captured: 1834, receivedByFilter: 1840, droppedByKernel: 6 });
    expect(parseCaptureStats('1 packet captured\n1 packet received by filter\n0 packets dropped by kernel')).toEqual({ captured: 1, receivedByFilter: 1, droppedByKernel: 0 });
    expect(parseCaptureStats('listening on wanbr\n')).toBeNull();
  });
});

describe("tshark's decode-as for the links' VXLAN", () => {
  it('names both relay ports of every link, in link order', () => {
    const link = (a: number, b: number) => ({ a: { relayPort: a }, b: { relayPort: b } });
    expect(decodeAs([link(40000, 40001), link(40002, 40003)])).toEqual(['-d', 'udp.port==40000,vxlan', '-d', 'udp.port==40001,vxlan', '-d', 'udp.port==40002,vxlan', '-d', 'udp.port==40003,vxlan']);
    expect(decodeAs([])).toEqual([]);
  });
});
