// tcpdump on the WAN bridge: every datagram between a site and the relay.
// Headers are all the checks need (link VXLAN, site packet, tenant VXLAN,
// VM packet: ~150 bytes), so the snap length keeps captures small.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { wanTraffic, type FlowCount } from './wan-traffic.js';
import { identityHttp, type IdentityHttp } from './identity-http.js';
import { wireDelays, type WireFlow, type WireLink } from './wan-delay.js';

/** Where a link's VXLAN runs on the WAN bridge: the relay's two UDP ports (no dissector knows them). */
export type RelayedLink = Pick<WireLink, 'a' | 'b'>;

/** tshark's decode-as options for the links' VXLAN on their relay ports (Wireshark: Decode As..., those UDP ports -> VXLAN). */
export function decodeAs(links: readonly RelayedLink[]): string[] {
  return links.flatMap((l) => [l.a.relayPort, l.b.relayPort]).flatMap((p) => ['-d', `udp.port==${p},vxlan`]);
}

/** Per packet, the VNIs tshark reads with those options (outer first: the link's, then a tenant overlay's inside); null when tshark is not installed. */
export function tsharkVnis(file: string, links: readonly RelayedLink[]): Promise<number[][] | null> {
  return new Promise((res, rej) => {
    execFile('tshark', ['-r', file, ...decodeAs(links), '-T', 'fields', '-e', 'vxlan.vni'], { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') return res(null);
      if (err) return rej(new Error(`tshark: ${stderr.trim() || err.message}`));
      res(stdout.split('\n').filter((x) => x.trim() !== '').map((x) => x.split(',').map(Number)));
    });
  });
}

const SNAPLEN = 200;

/** tcpdump's own account at exit: a capture that dropped packets cannot prove an absence. */
export interface CaptureStats {
  readonly captured: number;
  readonly receivedByFilter: number;
  readonly droppedByKernel: number;
}

/** Parses the three counters tcpdump prints on stderr when it stops; null if any is missing. */
export function parseCaptureStats(stderr: string): CaptureStats | null {
  const n = (what: string) => {
    const m = new RegExp(`(\\d+) packets? ${what}`).exec(stderr);
    return m ? Number(m[1]) : null;
  };
  const captured = n('captured');
  const receivedByFilter = n('received by filter');
  const droppedByKernel = n('dropped by kernel');
  return captured === null || receivedByFilter === null || droppedByKernel === null ? null : { captured, receivedByFilter, droppedByKernel };
}

export interface Capture {
  /**
   * Ends the capture and decodes it once: the flows, tcpdump's counters, the
   * HTTP requests to `identityPort` that crossed the WAN (by connection) and,
   * with `wire`, the datagrams paired across the relay (a check reads the WAN's delay).
   */
  stop(o: { wire: boolean; identityPort: number }): Promise<{ flows: FlowCount[]; stats: CaptureStats | null; identityHttp: IdentityHttp; wire?: WireFlow[] }>;
}

/** Captures the WAN bridge of namespace `ns` into `file`; `relay` is the relay's address there, `links` what it serves. */
export async function captureWan(ns: string, file: string, relay: string, links: readonly WireLink[]): Promise<Capture> {
  const relayPorts = new Set(links.flatMap((l) => [l.a.relayPort, l.b.relayPort]));
  const child: ChildProcess = spawn('ip', ['netns', 'exec', ns, 'tcpdump', '-i', 'wanbr', '-w', file, '-U', '-s', String(SNAPLEN), '-n', 'udp'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  // tcpdump says "listening on ..." once the capture runs.
  for (let i = 0; i < 250 && !stderr.includes('listening on') && child.exitCode === null; i++) await sleep(20);
  if (!stderr.includes('listening on')) {
    child.kill('SIGKILL');
    throw new Error(`tcpdump did not start capturing on wanbr within 5 s: ${stderr.trim() || 'no output'}`);
  }
  return {
    async stop(o) {
      // A Ctrl-C at the terminal reaches tcpdump too (same process group): it may be gone already.
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGINT');
        await exited;
      }
      const pcap = await readFile(file);
      return {
        flows: wanTraffic(pcap, relayPorts),
        stats: parseCaptureStats(stderr),
        identityHttp: identityHttp(pcap, relayPorts, o.identityPort),
        ...(o.wire ? { wire: wireDelays(pcap, relay, links) } : {}),
      };
    },
  };
}
