// Galera membership as the node itself sees it: polls wsrep_cluster_status,
// wsrep_cluster_size and wsrep_ready through the local socket every
// `interval` ms and prints an event each time they change (and once at the
// start), so the history shows when a node left the Primary component and
// when it came back. Only Node built-ins.
import { execFile } from 'node:child_process';
import { parseArgs } from 'node:util';
import { eventLog, now } from './events.js';

const { values } = parseArgs({
  options: {
    socket: { type: 'string' },
    interval: { type: 'string', default: '200' },
    duration: { type: 'string' },
  },
});
if (!values.socket || values.duration === undefined) {
  process.stderr.write('usage: wsrep.js --socket PATH --duration ms [--interval ms]\n');
  process.exit(2);
}
const interval = Number(values.interval);
const duration = Number(values.duration);
const QUERY = "SHOW STATUS WHERE Variable_name IN ('wsrep_cluster_status','wsrep_cluster_size','wsrep_ready')";
const log = eventLog();
const start = now();
let last = '';

function poll(): void {
  execFile('mariadb', [`--socket=${values.socket}`, '--connect-timeout=1', '-N', '-B', '-e', QUERY], { timeout: 2000 }, (err, stdout, stderr) => {
    const vars = Object.fromEntries(stdout.split('\n').filter(Boolean).map((l) => l.split('\t') as [string, string]));
    const value = err
      ? { status: 'unreachable', error: (stderr || err.message).trim().slice(0, 200) }
      : { status: vars['wsrep_cluster_status'] ?? '', size: Number(vars['wsrep_cluster_size']), ready: vars['wsrep_ready'] === 'ON' };
    const key = JSON.stringify({ ...value, error: undefined });
    if (key !== last) log.emit('info', 'wsrep', value);
    last = key;
    if (now() - start >= duration) log.close();
    else setTimeout(poll, Math.max(0, interval - (now() % interval)));
  });
}
poll();
