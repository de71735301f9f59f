// Who answers ARP for a VIP, seen from a client on its L2 network: the wire's
// own account of how many members hold the address (each active answers for
// it, so two answering MACs in one probe is a split brain on the wire,
// whatever the members say about themselves). Runs inside the client node:
//   node /opt/msh/dist/agents/vip-arp.js --vip 198.18.201.100 --dev ext --interval 250 --duration ms
// Each probe sends one ARP request (iputils arping) and waits a second for
// every reply; one `probe` event per probe with the answering MACs.
// Node built-ins only: the image has no node_modules of its own.
import { execFile } from 'node:child_process';
import { parseArgs } from 'node:util';
import { eventLog, now } from './events.js';

const { values } = parseArgs({
  options: {
    vip: { type: 'string' },
    dev: { type: 'string' },
    interval: { type: 'string', default: '250' },
    duration: { type: 'string' },
  },
});
if (!values.vip || !values.dev || values.duration === undefined) {
  process.stderr.write('usage: vip-arp.js --vip IP --dev IFACE --duration ms [--interval ms]\n');
  process.exit(2);
}
const interval = Number(values.interval);
const duration = Number(values.duration);
const log = eventLog();
const start = now();

/** "Unicast reply from 198.18.201.100 [FA:16:3E:00:00:01]  0.61ms" -> the MAC, lower case. */
export function repliers(out: string): string[] {
  const macs = [...out.matchAll(/reply from \S+ \[([0-9A-Fa-f:]{17})\]/g)].map((m) => m[1]!.toLowerCase());
  return [...new Set(macs)].sort();
}

let running = 0;
function probe(): void {
  const sent = now();
  running += 1;
  // One request, then up to a second for every reply (-w takes whole seconds): probes overlap, one started every interval.
  execFile('arping', ['-c', '9', '-w', '1', '-I', values.dev!, values.vip!], { timeout: 3000 }, (err, stdout, stderr) => {
    running -= 1;
    const macs = repliers(String(stdout));
    // arping exits 1 when fewer replies came than asked for: the normal case here.
    const code = (err as { code?: unknown } | null)?.code;
    if (err && code !== 1) log.emit('fail', 'probe', { sent, error: (String(stderr).trim() || err.message).slice(0, 200) });
    else log.emit('info', 'probe', { sent, macs });
    if (running === 0 && now() - start >= duration) log.close();
  });
  if (now() - start + interval < duration) setTimeout(probe, interval);
}
probe();
