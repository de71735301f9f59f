// tcpdump on the WAN bridge: every datagram between a site and the relay.
// Headers are all the checks need (link VXLAN, site packet, tenant VXLAN,
// VM packet: ~150 bytes), so the snap length keeps captures small.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { wanTraffic, type FlowCount } from './wan-traffic.js';
import { identityHttp, type IdentityHttp } from './identity-http.js';

const SNAPLEN = 200;

export interface Capture {
  stop(): Promise<FlowCount[]>;
  /** After stop: the HTTP requests to `port` that crossed the WAN, by connection. */
  identityHttp(port: number): Promise<IdentityHttp>;
}

export async function captureWan(ns: string, file: string, relayPorts: ReadonlySet<number>): Promise<Capture> {
  const child: ChildProcess = spawn('ip', ['netns', 'exec', ns, 'tcpdump', '-i', 'wanbr', '-w', file, '-U', '-s', String(SNAPLEN), '-n', 'udp'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  // tcpdump says "listening on ..." once the capture runs.
  for (let i = 0; i < 100 && !stderr.includes('listening on') && child.exitCode === null; i++) await sleep(20);
  if (child.exitCode !== null) throw new Error(`tcpdump failed: ${stderr.trim()}`);
  return {
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      await exited;
      return wanTraffic(await readFile(file), relayPorts);
    },
    async identityHttp(port) {
      return identityHttp(await readFile(file), relayPorts, port);
    },
  };
}
