// msh capture <run> <link> [-w file] [--seconds N]: a pcap of one inter-site
// link, taken on the run's WAN bridge (both of its legs: site -> relay and
// relay -> site). The link's VXLAN runs on the relay's own UDP ports, which
// no dissector knows, so Wireshark/tshark need a decode-as per port:
//   tshark -r FILE -d udp.port==<a port>,vxlan -d udp.port==<b port>,vxlan
// The command checks the file decodes that way (the link's VNI read back by
// tshark) and prints the option, and how long the WAN held the datagrams
// it saw each way (observe/wan-delay.ts).
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { readFile } from 'node:fs/promises';
import { quantile, round } from '../checks/series.js';
import { decodeAs, parseCaptureStats, tsharkVnis } from '../observe/capture.js';
import { wireDelays, type WireFlow } from '../observe/wan-delay.js';
import { hopSites, type LinkPlan } from '../topology/plan.js';
import { openRun } from '../ops/run-handle.js';
import { MshError } from '../scenario/errors.js';
import { suggest } from '../scenario/suggest.js';
import { println, type Io } from './io.js';

export async function captureCommand(args: string[], io: Io): Promise<number> {
  const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { w: { type: 'string', short: 'w' }, seconds: { type: 'string', default: '10' } } });
  const [runId, linkName, ...extra] = positionals;
  if (runId === undefined || linkName === undefined || extra.length > 0) throw new MshError('USAGE', 'usage: msh capture <run> <link> [-w file] [--seconds N]');
  const seconds = Number(values.seconds);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new MshError('USAGE', `--seconds "${values.seconds}" is not a number of seconds above 0: write e.g. --seconds 5`);
  const h = await openRun(runId);
  const link = h.plan.links.find((l) => l.name === linkName);
  if (!link) throw new MshError('USAGE', `run ${h.runId} has no link "${linkName}"${suggest(linkName, h.plan.links.map((l) => l.name), 'links')}`);
  const file = resolve(values.w ?? `${h.runId}-${link.name}.pcap`);
  const filter = `udp and (port ${link.a.relayPort} or port ${link.b.relayPort})`;
  const child = spawn('ip', ['netns', 'exec', h.plan.wanNs, 'tcpdump', '-i', 'wanbr', '-w', file, '-U', '-n', filter], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  for (let i = 0; i < 250 && !stderr.includes('listening on') && child.exitCode === null; i++) await sleep(20);
  if (!stderr.includes('listening on')) {
    child.kill('SIGKILL');
    throw new MshError('RUNTIME', `tcpdump did not start on ${h.plan.wanNs}/wanbr: ${stderr.trim() || 'no output'}`);
  }
  println(io.stderr, `capturing ${link.name} (${link.a.site} <-> ${link.b.site}, vni ${link.vni}) for ${seconds} s into ${file}`);
  const stop = () => child.kill('SIGINT');
  process.once('SIGINT', stop);
  const timer = setTimeout(stop, seconds * 1000);
  await exited;
  clearTimeout(timer);
  process.off('SIGINT', stop);
  const stats = parseCaptureStats(stderr);
  println(io.stdout, `${file}: ${stats ? `${stats.captured} packets captured, ${stats.droppedByKernel} dropped by the kernel` : stderr.trim()}`);
  const opts = decodeAs([link]).join(' ');
  const vnis = (await tsharkVnis(file, [link]))?.flat() ?? null;
  if (vnis === null) println(io.stdout, 'tshark is not installed (scripts/setup-host.sh installs it): the decode below is not checked');
  else println(io.stdout, `tshark decodes ${vnis.filter((v) => v === link.vni).length} VXLAN frames of vni ${link.vni}${vnis.some((v) => v !== link.vni) ? ` (and ${vnis.filter((v) => v !== link.vni).length} of other VNIs: tenant overlays inside)` : ''}`);
  println(io.stdout, `decode with: tshark -r ${file} ${opts}   (Wireshark: Decode As..., UDP port ${link.a.relayPort} and ${link.b.relayPort} -> VXLAN)`);
  println(io.stdout, heldLine(link, wireDelays(await readFile(file), h.plan.wanGateway, [link], () => true)));
  return 0;
}

/** How long the WAN held the captured datagrams, per direction (each paired by its bytes on both sides of the relay). */
export function heldLine(link: LinkPlan, flows: readonly WireFlow[]): string {
  const dirs = (['aToB', 'bToA'] as const).map((dir) => {
    const [from, to] = hopSites({ link, dir });
    const mine = flows.filter((f) => f.dir === dir);
    const held = mine.flatMap((f) => f.samples.map(([, ms]) => ms)).sort((a, b) => a - b);
    const lost = mine.reduce((n, f) => n + f.unmatched, 0);
    const stat = held.length === 0 ? 'nothing crossed' : `median ${round(quantile(held, 0.5))} ms, p99 ${round(quantile(held, 0.99))} ms (${held.length} datagrams)`;
    return `${from}->${to} ${stat}${lost > 0 ? `, ${lost} never left (lost, cut or still held)` : ''}`;
  });
  return `held by the WAN (capture, both sides of the relay): ${dirs.join('; ')}`;
}
