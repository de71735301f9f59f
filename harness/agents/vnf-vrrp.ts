// The VRRP side of a VNF member (`takeover: vrrp`): keepalived as a child of
// the agent, inside the member's container (so it dies with it), and a
// netlink watch of the VIP, which is what the agent serves by. Node
// built-ins only.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { EventType } from './events.js';
import type { VnfConfig, VnfVrrp } from './vnf-config.js';
import { keepalivedConf, notifyScript, parseNotify } from './vnf-keepalived.js';

export type Emit = (type: EventType, f: string, value: Record<string, unknown>) => void;

export interface Stoppable {
  stop(): Promise<void>;
}

const MONITOR_RESTART_MS = 100;
const KEEPALIVED_STOP_MS = 3000;

function addressPresent(dev: string, address: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile('ip', ['-o', '-4', 'addr', 'show', 'dev', dev], (_err, stdout) => resolve(String(stdout).includes(` inet ${address}/`)));
  });
}

/**
 * Calls onChange(present) whenever `address` comes or goes on `dev`, from
 * `ip monitor address` (netlink: the change is seen when the kernel makes it,
 * with no polling), after one query for the state at start.
 */
export async function watchAddress(dev: string, address: string, emit: Emit, onChange: (present: boolean) => void): Promise<Stoppable> {
  let stopping = false;
  let child: ChildProcess | null = null;
  const line = /^(Deleted )?\d+: (\S+)\s+inet (\d+\.\d+\.\d+\.\d+)\//;
  const start = async () => {
    const c = spawn('ip', ['-o', '-4', 'monitor', 'address'], { stdio: ['ignore', 'pipe', 'ignore'] });
    child = c;
    createInterface({ input: c.stdout! }).on('line', (l) => {
      const m = line.exec(l);
      if (m && m[2] === dev && m[3] === address) onChange(!m[1]);
    });
    c.on('error', (e) => emit('fail', 'vip-watch', { error: String(e) }));
    c.on('exit', (code, signal) => {
      if (stopping) return;
      emit('fail', 'vip-watch', { event: 'exit', code, signal, restartInMs: MONITOR_RESTART_MS });
      setTimeout(() => void start(), MONITOR_RESTART_MS);
    });
    // Subscribed or not yet, the query after the spawn catches what is there now.
    await new Promise<void>((resolve) => c.once('spawn', () => resolve()).once('error', () => resolve()));
    onChange(await addressPresent(dev, address));
  };
  await start();
  return {
    stop: async () => {
      stopping = true;
      child?.kill('SIGTERM');
    },
  };
}

/** Strips keepalived's own date prefix ("Wed Nov 25 18:41:16 2026: "): events carry their time. */
const withoutDate = (l: string) => l.replace(/^\w{3} \w{3} +\d+ [\d:]+ \d{4}: /, '');

/**
 * Writes keepalived.conf and the notify script under /run/msh-vrrp/<instance>/
 * and runs `keepalived --dont-fork` as a child. Its log lines become
 * `keepalived` events; the notify script's transitions become `vrrp` events.
 */
export async function startKeepalived(cfg: VnfConfig, vrrp: VnfVrrp, emit: Emit): Promise<Stoppable> {
  const notify = createSocket('udp4');
  notify.on('message', (buf) => {
    const tr = parseNotify(buf.toString());
    if (tr) emit('info', 'vrrp', { ...tr });
    else emit('info', 'vrrp', { raw: buf.toString().trim() });
  });
  notify.on('error', (e) => emit('fail', 'socket', { socket: 'vrrp-notify', error: String(e) }));
  await new Promise<void>((resolve) => notify.bind(0, '127.0.0.1', resolve));

  // One directory per VNF: active/active runs two instances in one container.
  const dir = `/run/msh-vrrp/${vrrp.instance}`;
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755); // enable_script_security refuses scripts in a directory others may write
  const conf = `${dir}/keepalived.conf`;
  const notifyPath = `${dir}/notify`;
  writeFileSync(
    conf,
    keepalivedConf({
      instance: vrrp.instance, vrid: vrrp.vrid, priority: vrrp.priority, advertMs: vrrp.advertMs, interface: vrrp.interface, srcIp: vrrp.srcIp,
      peers: cfg.peers.map((p) => p.ip), vip: cfg.vip, notifyPath,
    }),
  );
  writeFileSync(notifyPath, notifyScript(notify.address().port));
  chmodSync(notifyPath, 0o755);

  let stopping = false;
  const ka = spawn('keepalived', ['--dont-fork', '--log-console', '--vrrp', '--no-syslog', '-f', conf, '-p', `${dir}/keepalived.pid`, '-r', `${dir}/vrrp.pid`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => ka.once('exit', () => resolve()));
  for (const s of [ka.stdout!, ka.stderr!]) createInterface({ input: s }).on('line', (l) => emit('info', 'keepalived', { line: withoutDate(l) }));
  ka.on('error', (e) => emit('fail', 'keepalived', { error: String(e) }));
  ka.on('exit', (code, signal) => emit(stopping ? 'info' : 'fail', 'keepalived', { event: 'exit', code, signal }));
  // If the agent itself dies, keepalived still leaves cleanly (VIP removed, priority 0 advert).
  const onExit = () => ka.kill('SIGTERM');
  process.once('exit', onExit);
  emit('info', 'keepalived', { event: 'start', pid: ka.pid, vrid: vrrp.vrid, priority: vrrp.priority, advertMs: vrrp.advertMs, interface: vrrp.interface, peers: cfg.peers.map((p) => p.ip) });

  return {
    stop: async () => {
      stopping = true;
      process.off('exit', onExit);
      if (ka.exitCode === null && ka.signalCode === null) {
        ka.kill('SIGTERM');
        const late = setTimeout(() => ka.kill('SIGKILL'), KEEPALIVED_STOP_MS);
        await exited;
        clearTimeout(late);
      }
      notify.close();
    },
  };
}
