// Who answers ARP for a VIP, seen from a client on its L2 network: the wire's
// own account of how many members hold the address (each active answers for
// it, so two answering MACs to one request is a split brain on the wire,
// whatever the members say about themselves). Runs inside the client node:
//   node /opt/msh/dist/agents/vip-arp.js --vip 198.18.201.100 --dev ext \
//     --sources 198.18.201.250,198.18.201.251,... --interval 250 --duration ms
// A probe is one ARP request (iputils arping) and a second's wait for every
// reply. arping reports every reply that reaches the interface for the
// address it asks about, its own or another probe's, so probes that overlap
// in time each send from their own source address (added to the interface as
// a /32; a reply goes to the address that asked): prober i of n starts at
// i x interval and probes back to back, one probe every interval in all.
// Node built-ins only: the image has no node_modules of its own.
import { execFile } from 'node:child_process';
import { parseArgs } from 'node:util';
import { eventLog, now } from './events.js';

const { values } = parseArgs({
  options: {
    vip: { type: 'string' },
    dev: { type: 'string' },
    sources: { type: 'string' },
    interval: { type: 'string', default: '250' },
    duration: { type: 'string' },
  },
});
if (!values.vip || !values.dev || !values.sources || values.duration === undefined) {
  process.stderr.write('usage: vip-arp.js --vip IP --dev IFACE --sources IP,IP,... --duration ms [--interval ms]\n');
  process.exit(2);
}
const dev = values.dev;
const vip = values.vip;
const sources = values.sources.split(',');
const interval = Number(values.interval);
const duration = Number(values.duration);
const log = eventLog();
const start = now();

/** "Unicast reply from 198.18.201.100 [FA:16:3E:00:00:01]  0.61ms" -> the MACs, lower case. */
export function repliers(out: string): string[] {
  const macs = [...out.matchAll(/reply from \S+ \[([0-9A-Fa-f:]{17})\]/g)].map((m) => m[1]!.toLowerCase());
  return [...new Set(macs)].sort();
}

const run = (cmd: string, args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(cmd, args, { timeout: 3000 }, (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) })),
  );

/** One prober: probes back to back from its own source address until the duration is over. */
async function prober(source: string, offset: number): Promise<void> {
  await new Promise((r) => setTimeout(r, offset));
  while (now() - start < duration) {
    const sent = now();
    // One request, then the whole second (-w takes whole seconds) for every reply to it: -c is only an upper bound on replies.
    const r = await run('arping', ['-c', '9', '-w', '1', '-s', source, '-I', dev, vip]);
    const macs = repliers(r.stdout);
    // arping exits 1 when fewer replies came than asked for: the usual case here.
    if (r.code > 1) log.emit('fail', 'probe', { sent, source, error: (r.stderr.trim() || `exit ${r.code}`).slice(0, 200) });
    else log.emit('info', 'probe', { sent, source, macs });
  }
}

async function main(): Promise<void> {
  for (const a of sources) await run('ip', ['addr', 'add', `${a}/32`, 'dev', dev]);
  await Promise.all(sources.map((a, i) => prober(a, i * interval)));
  for (const a of sources) await run('ip', ['addr', 'del', `${a}/32`, 'dev', dev]);
  log.close();
}
void main();
