// The WAN capture decoder on a synthetic pcap with the exact nesting the
// harness produces: link VXLAN -> site packet -> tenant VXLAN -> VM packet.
import { decodeAs, parseCaptureStats } from '../../harness/observe/capture.js';
import { describe, expect, it } from 'vitest';
import { readPcap } from '../../harness/observe/pcap.js';
import { wanTraffic } from '../../harness/observe/wan-traffic.js';
import { MAX_WIRE_SAMPLES, wireDelays } from '../../harness/observe/wan-delay.js';
import { heldLine } from '../../harness/cli/capture.js';
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

describe('how long the relay held each datagram', () => {
  // Link VNI 1000: east (198.19.0.10) arrives on 40000, west (198.19.0.11) on 40001; the relay is 198.19.0.1.
  const RELAY = '198.19.0.1';
  const links = [{ vni: 1000, a: { relayPort: 40000 }, b: { relayPort: 40001 } }];
  const site = (seq: number, port = 7000, body = `{"k":"hb","seq":${seq}}`) => eth(ipv4udp('198.18.1.5', '198.18.2.5', port, port, Buffer.from(body)));
  /** East's datagram to the relay, and the relay's copy towards west (same VXLAN payload). */
  const fromEast = (frame: Buffer, vni = 1000) => eth(ipv4udp('198.19.0.10', RELAY, 33000, 40000, vxlan(vni, frame)));
  const toWest = (frame: Buffer, vni = 1000) => eth(ipv4udp(RELAY, '198.19.0.11', 40001, 40001, vxlan(vni, frame)));
  const fromWest = (frame: Buffer) => eth(ipv4udp('198.19.0.11', RELAY, 33001, 40001, vxlan(1000, frame)));
  const toEast = (frame: Buffer) => eth(ipv4udp(RELAY, '198.19.0.10', 40000, 40000, vxlan(1000, frame)));
  const T = 1_800_000_000_000;

  it('pairs each arrival with the departure carrying the same bytes, per link direction', () => {
    const frames = [fromEast(site(1)), fromEast(site(2)), fromWest(site(1)), toWest(site(1)), toEast(site(1)), toWest(site(2))];
    const times = [T, T + 50, T + 60, T + 20.25, T + 81.5, T + 70.125];
    const flows = wireDelays(pcap(frames, Infinity, times), RELAY, links);
    expect(flows).toEqual([
      { linkVni: 1000, dir: 'aToB', tenantVni: null, proto: 17, port: 7000, samples: [[T, 20.25], [T + 50, 20.125]], unmatched: 0, dropped: 0 },
      { linkVni: 1000, dir: 'bToA', tenantVni: null, proto: 17, port: 7000, samples: [[T + 60, 21.5]], unmatched: 0, dropped: 0 },
    ]);
  });

  it('matches identical datagrams first in, first out, counts the ones never forwarded, and ignores departures it did not see arrive', () => {
    const same = site(7, 7000, 'same');
    const frames = [toWest(site(9)), fromEast(same), fromEast(same), fromEast(site(8)), toWest(same), toWest(same)];
    const times = [T, T + 10, T + 30, T + 40, T + 25, T + 45];
    const [flow] = wireDelays(pcap(frames, Infinity, times), RELAY, links);
    expect(flow!.samples).toEqual([[T + 10, 15], [T + 30, 15]]);
    expect(flow!.unmatched).toBe(1);
  });

  it('keeps tenant overlays and ports apart, and pairs only datagrams whose innermost packet is UDP', () => {
    const tcpFrame = Buffer.from(site(1));
    tcpFrame[14 + 9] = 6;
    const frames = [fromEast(tenant(5001, site(1))), toWest(tenant(5001, site(1))), fromEast(site(1, 7100)), toWest(site(1, 7100)), fromEast(tcpFrame), toWest(tcpFrame)];
    const flows = wireDelays(pcap(frames, Infinity, [T, T + 1, T + 2, T + 4, T + 5, T + 8]), RELAY, links);
    expect(flows.map((f) => [f.tenantVni, f.proto, f.port, f.samples])).toEqual([[5001, 17, 7000, [[T, 1]]], [null, 17, 7100, [[T + 2, 2]]]]);
    // Everything, as msh capture pairs its one link: the TCP segment too, a flow of its own.
    const all = wireDelays(pcap(frames, Infinity, [T, T + 1, T + 2, T + 4, T + 5, T + 8]), RELAY, links, () => true);
    expect(all.map((f) => [f.tenantVni, f.proto, f.port, f.samples])).toEqual([[5001, 17, 7000, [[T, 1]]], [null, 17, 7100, [[T + 2, 2]]], [null, 6, 7000, [[T + 5, 3]]]]);
  });

  it('ignores datagrams of other addresses, ports or VNIs than the relay serves', () => {
    const stray = [
      eth(ipv4udp('198.19.0.10', '198.19.0.12', 33000, 40000, vxlan(1000, site(1)))), // not to the relay
      eth(ipv4udp('198.19.0.10', RELAY, 33000, 40005, vxlan(1000, site(1)))), // a port no link has
      fromEast(site(1), 1001), // a VNI not this link's
      toWest(site(1), 1001),
    ];
    expect(wireDelays(pcap(stray, Infinity, [T, T + 1, T + 2, T + 3]), RELAY, links)).toEqual([]);
  });

  it('msh capture prints the hold times per direction, and what never left', () => {
    const link = { name: 'ew', index: 0, vni: 1000, a: { site: 'east', device: 'v', address: 'x', relayPort: 40000 }, b: { site: 'west', device: 'v', address: 'y', relayPort: 40001 }, baseline: { latencyMs: 20, jitterMs: 0, lossPct: 0, bandwidthKbit: null, down: false } };
    const frames = [fromEast(site(1)), toWest(site(1)), fromEast(site(2)), toWest(site(2)), fromEast(site(3)), fromEast(site(4))];
    const flows = wireDelays(pcap(frames, Infinity, [T, T + 20, T + 50, T + 71, T + 100, T + 150]), RELAY, links, () => true);
    expect(heldLine(link, flows)).toBe('held by the WAN (capture, both sides of the relay): east->west median 20 ms, p99 21 ms (2 datagrams), 2 never left (lost, cut or still held); west->east nothing crossed');
  });

  it(`keeps at most ${MAX_WIRE_SAMPLES} samples a flow and counts the rest`, () => {
    const n = MAX_WIRE_SAMPLES + 3;
    const frames = Array.from({ length: n }, (_, i) => [fromEast(site(i)), toWest(site(i))]).flat();
    const times = Array.from({ length: n }, (_, i) => [T + i, T + i + 0.5]).flat();
    const [flow] = wireDelays(pcap(frames, 200, times), RELAY, links);
    expect(flow!.samples).toHaveLength(MAX_WIRE_SAMPLES);
    expect(flow!.dropped).toBe(3);
    expect(flow!.samples[0]).toEqual([T, 0.5]);
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
