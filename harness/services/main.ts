// The site services process: the APIs of one emulated OpenStack site, run
// inside the site's controller container (the all-in-one node):
//
//   node /opt/msh/dist/services/main.js --site east --vtep 198.18.1.2 [--port 9696]
//
// Starts MariaDB if it is not running, creates the schema, reconciles the
// kernel (bridges, vxlan devices, FDB and neigh entries) with the database,
// then serves the network API on TCP and on <run-dir>/network.sock. One log
// line per request in <run-dir>/services.log; pid in <run-dir>/services.pid.
// SIGTERM/SIGINT: stop listening, close the database pool, exit 0 (the
// database and the kernel state stay, as they would in DevStack).
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseIp } from '../scenario/cidr.js';
import { serve, type Served } from './http.js';
import { DEFAULT_MARIADB, ensureMariadb, openDatabase } from './mariadb.js';
import { deviceInfo } from './network/agent.js';
import { NETWORK_PORT, networkApi } from './network/api.js';
import { NetworkService } from './network/service.js';

const USAGE = `usage: node dist/services/main.js --site NAME --vtep IPV4 [options]
  --port N             network API TCP port (default ${NETWORK_PORT})
  --host ADDR          TCP listen address (default 0.0.0.0)
  --run-dir DIR        sockets, log, pid file (default /run/msh)
  --dev IFACE          underlay device of the VXLAN devices (default eth0)
  --underlay-mtu N     MTU of the site LAN (default 1450); networks get N - 50
  --no-arp-responder   no 'proxy' on vxlan devices and no neigh entries
  --vni-range A:B      VNIs for networks that name none (default 1001:2000)
  --project-id ID      project of requests that name none
  --db-socket PATH     MariaDB socket (default ${DEFAULT_MARIADB.socket})`;

interface Options {
  site: string;
  vtep: string;
  port: number;
  host: string;
  runDir: string;
  dev: string;
  underlayMtu: number;
  arpResponder: boolean;
  vniRange: [number, number];
  projectId: string;
  dbSocket: string;
}

function fail(msg: string): never {
  process.stderr.write(`${msg}\n${USAGE}\n`);
  process.exit(2);
}

function parseOptions(argv: readonly string[]): Options {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      site: { type: 'string' },
      vtep: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      'run-dir': { type: 'string' },
      dev: { type: 'string' },
      'underlay-mtu': { type: 'string' },
      'no-arp-responder': { type: 'boolean' },
      'vni-range': { type: 'string' },
      'project-id': { type: 'string' },
      'db-socket': { type: 'string' },
    },
    strict: true,
  });
  if (!values.site) fail('--site is required');
  if (!values.vtep || parseIp(values.vtep) === null) fail('--vtep must be an IPv4 address');
  const int = (v: string | undefined, dflt: number, name: string) => {
    if (v === undefined) return dflt;
    if (!/^\d+$/.test(v)) fail(`${name} must be a number`);
    return Number(v);
  };
  const range = (values['vni-range'] ?? '1001:2000').split(':').map(Number);
  if (range.length !== 2 || !range.every((x) => Number.isInteger(x) && x >= 1 && x <= 16_777_215) || range[0]! > range[1]!) fail('--vni-range must be A:B within 1..16777215');
  return {
    site: values.site,
    vtep: values.vtep,
    port: int(values.port, NETWORK_PORT, '--port'),
    host: values.host ?? '0.0.0.0',
    runDir: values['run-dir'] ?? '/run/msh',
    dev: values.dev ?? 'eth0',
    underlayMtu: int(values['underlay-mtu'], 1450, '--underlay-mtu'),
    arpResponder: !values['no-arp-responder'],
    vniRange: [range[0]!, range[1]!],
    // One identity service for all sites (one auth URL): the same default project everywhere.
    projectId: values['project-id'] ?? createHash('md5').update('msh-default-project').digest('hex'),
    dbSocket: values['db-socket'] ?? DEFAULT_MARIADB.socket,
  };
}

function openLog(path: string): { line(s: string): void; close(): void } {
  const fd = openSync(path, 'a');
  return {
    // One write per line, unbuffered: a killed process keeps everything so far.
    line: (s) => void writeSync(fd, `${new Date().toISOString()} ${s}\n`),
    close: () => closeSync(fd),
  };
}

/** The VTEP address must be on the underlay device before VXLAN devices can use it; the harness wires eth0 first. */
async function waitForVtep(dev: string, vtep: string, timeoutMs: number, log: (s: string) => void): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let said = false;
  for (;;) {
    const info = await deviceInfo(dev);
    if (info?.addresses.includes(vtep)) return info.mtu;
    if (Date.now() > deadline) throw new Error(`${dev} does not hold ${vtep} after ${timeoutMs} ms`);
    if (!said) log(`waiting for ${vtep} on ${dev}`);
    said = true;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The pid in the pid file if that process is alive and is a services process (a stale file is ignored). */
function runningInstance(pidFile: string): number | null {
  try {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    if (!Number.isInteger(pid) || pid === process.pid) return null;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('services/main.js') ? pid : null;
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const o = parseOptions(process.argv.slice(2));
  mkdirSync(o.runDir, { recursive: true });
  const log = openLog(join(o.runDir, 'services.log'));
  const pidFile = join(o.runDir, 'services.pid');
  const other = runningInstance(pidFile);
  if (other !== null) {
    log.line(`services not started: already running as pid ${other}`);
    process.stderr.write(`services already running (pid ${other})\n`);
    process.exit(1);
  }
  writeFileSync(pidFile, `${process.pid}\n`);
  log.line(`services starting: site ${o.site} vtep ${o.vtep} pid ${process.pid}`);

  const served: Served[] = [];
  let pool: Awaited<ReturnType<typeof openDatabase>> | undefined;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.line(`services stopping (${signal})`);
    await Promise.all(served.map((s) => s.close())).catch(() => undefined);
    await pool?.end().catch(() => undefined);
    rmSync(pidFile, { force: true });
    log.line('services stopped');
    log.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  try {
    const db = await ensureMariadb({ ...DEFAULT_MARIADB, socket: o.dbSocket, logFile: join(o.runDir, 'mariadb.log') });
    log.line(db.started ? `mariadb started (pid ${db.pid ?? '?'}) in ${db.ms.toFixed(0)} ms` : 'mariadb already running');
    pool = await openDatabase(o.dbSocket, 'neutron');

    const mtu = await waitForVtep(o.dev, o.vtep, 30_000, log.line);
    if (mtu !== o.underlayMtu) log.line(`warning: ${o.dev} has MTU ${mtu}, --underlay-mtu says ${o.underlayMtu}`);
    const network = new NetworkService(
      pool,
      { site: o.site, vtep: o.vtep, dev: o.dev, underlayMtu: o.underlayMtu, arpResponder: o.arpResponder, vniRange: o.vniRange, defaultProject: o.projectId },
      log.line,
    );
    const r = await network.start();
    log.line(`network: schema ready, kernel reconciled (${r.commands} commands)`);
    served.push(await serve(networkApi(network), { host: o.host, port: o.port, socketPath: join(o.runDir, 'network.sock') }, log.line));
    log.line(`services ready in ${(performance.now() - t0).toFixed(0)} ms: network on ${o.host}:${o.port} and ${join(o.runDir, 'network.sock')}`);
  } catch (err) {
    log.line(`services failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`.replace(/\n\s*/g, ' | '));
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    await Promise.all(served.map((s) => s.close())).catch(() => undefined);
    await pool?.end().catch(() => undefined);
    rmSync(pidFile, { force: true });
    process.exit(1);
  }
}

await main();
