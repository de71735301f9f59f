/**
 * CPU the WAN relay burns per forwarded datagram, and how far from its
 * deadline each one leaves: `unshare -n node dist/bench/relay-cpu.js [--relay dist/wan/relay.js] [--rate 1500] [--seconds 10]`.
 *
 * Runs in a fresh network namespace of its own (unshare -n: only loopback,
 * which it brings up with two addresses from 198.18.250.0/24), starts the
 * relay process with one link (20 ms each way, as the HA scenarios' links),
 * sends `rate` datagrams/s of 200 bytes (a media packet inside VXLAN) in
 * both directions at once, and reads the relay's utime+stime from /proc.
 * Lateness is the relay's own stat (deliver time minus deadline, max) and the
 * receiver's one-way delay (mean, p99; both ends on one clock).
 */
import dgram from 'node:dgram';
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { DIST } from '../paths.js';
import { setAutogroupNice } from '../wan/process.js';
import { connectRelay } from '../wan/control.js';
import type { Impairment } from '../wan/impairment.js';

const RELAY = '198.18.250.1';
const PEER_A = '198.18.250.2';
const PEER_B = '198.18.250.3';

function cpuSeconds(pid: number): number {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}


async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      relay: { type: 'string', default: join(DIST, 'wan/relay.js') },
      rate: { type: 'string', default: '1500' },
      seconds: { type: 'string', default: '10' },
      latency: { type: 'string', default: '20' },
      // Writes the relay's V8 CPU profile there (node --cpu-prof) for a look at where it goes.
      'prof-dir': { type: 'string' },
      // The relay's niceness (wan/process.ts runs it at -10); 0 = as the bench.
      nice: { type: 'string', default: '0' },
    },
  });
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  const latencyMs = Number(values.latency);
  execFileSync('ip', ['link', 'set', 'lo', 'up']);
  for (const a of [RELAY, PEER_A, PEER_B]) execFileSync('ip', ['addr', 'add', `${a}/32`, 'dev', 'lo']);
  const control = `/tmp/msh-relay-bench-${process.pid}.sock`;
  const relay = spawn('nice', ['-n', values.nice, process.execPath, ...(values['prof-dir'] ? ['--cpu-prof', `--cpu-prof-dir=${values['prof-dir']}`] : []), values.relay, '--control', control, '--seed', '1'], { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  // As wan/process.ts: its own session, so its own scheduler autogroup, niced as a whole.
  if (values.nice !== '0') setAutogroupNice(relay.pid!, Number(values.nice));
  await new Promise<void>((resolve) => relay.stdout!.once('data', () => resolve()));
  const client = await connectRelay(control, { timeoutMs: 2000 });
  const imp: Impairment = { latencyMs, jitterMs: 0, lossPct: 0, bandwidthKbit: null, down: false };
  await client.set({ id: 'l1', listen: RELAY, a: { port: 5001, peer: PEER_A, peerPort: 6001 }, b: { port: 5002, peer: PEER_B, peerPort: 6002 }, aToB: imp, bToA: imp });

  const bind = (addr: string, port: number): Promise<dgram.Socket> =>
    new Promise((resolve) => {
      const s = dgram.createSocket('udp4');
      s.bind(port, addr, () => resolve(s));
    });
  const a = await bind(PEER_A, 6001);
  const b = await bind(PEER_B, 6002);
  const delays: number[] = [];
  const onMsg = (m: Buffer): void => {
    delays.push(performance.now() - m.readDoubleLE(0) - latencyMs);
  };
  a.on('message', onMsg);
  b.on('message', onMsg);
  const payload = Buffer.alloc(200);
  const cpu0 = cpuSeconds(relay.pid!);
  const t0 = performance.now();
  let n = 0;
  // Two directions, each at `rate`: paced on the schedule, not on the timer's drift.
  while (performance.now() - t0 < seconds * 1000) {
    const due = Math.floor(((performance.now() - t0) / 1000) * rate);
    for (; n < due; n++) {
      payload.writeDoubleLE(performance.now(), 0);
      a.send(payload, 5001, RELAY);
      b.send(payload, 5002, RELAY);
    }
    await sleep(2);
  }
  await sleep(latencyMs + 50);
  const cpu = cpuSeconds(relay.pid!) - cpu0;
  const stats = await client.stats();
  await client.close();
  relay.kill('SIGTERM');
  a.close();
  b.close();
  rmSync(control, { force: true });
  delays.sort((x, y) => x - y);
  const mean = delays.reduce((s, d) => s + d, 0) / delays.length;
  const l1 = stats['l1']!;
  process.stdout.write(
    `${JSON.stringify({
      relay: values.relay,
      nice: Number(values.nice),
      datagrams: 2 * n,
      received: delays.length,
      relayCpuS: cpu,
      cpuUsPerDatagram: Math.round((cpu / (2 * n)) * 1e6 * 10) / 10,
      coreShare: Math.round((cpu / seconds) * 1000) / 10,
      lateMeanMs: Math.round(mean * 1000) / 1000,
      lateP99Ms: Math.round(delays[Math.floor(delays.length * 0.99)]! * 1000) / 1000,
      lateMinMs: Math.round(delays[0]! * 1000) / 1000,
      relayMeanDelayMs: [l1.aToB.meanDelayMs, l1.bToA.meanDelayMs],
      relayMaxLatenessMs: [l1.aToB.maxLatenessMs, l1.bToA.maxLatenessMs],
    })}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
