// Starts the relay inside the run's WAN namespace, detached, so `msh up` can
// leave it running; it dies with the namespace (ip.ts nsDelete kills it).
import { spawn } from 'node:child_process';
import { openSync, closeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DIST } from '../paths.js';
import { MshError } from '../scenario/errors.js';
import { connectRelay, type RelayClient } from './control.js';

const RELAY_NICE = -10;

/**
 * With the kernel's autogroups on (this host: sched_autogroup_enabled 1), a
 * process's nice value weighs only against its own session's processes, and
 * each session competes as one group; the relay is detached, so it is a
 * session of its own and the weight that counts is its group's. Best effort:
 * without the file (autogroups off) or the right, plain nice is all there is.
 */
export function setAutogroupNice(pid: number, nice: number): void {
  try {
    writeFileSync(`/proc/${pid}/autogroup`, String(nice));
  } catch {
    /* no autogroups here, or not root */
  }
}

export async function startRelay(ns: string, stateDir: string, seed: number): Promise<RelayClient> {
  const socket = join(stateDir, 'relay.sock');
  const log = openSync(join(stateDir, 'relay.log'), 'a');
  // The relay is the emulated network, not the system under test: niced
  // ahead of everything else on the host (-10; nice goes on without it if it
  // may not), so that when several runs share the 2 cores a datagram's delay
  // is the link's and not the load's (at load 10-19 the relay's deadlines were
  // 30-80 ms late at worst). It only ever waits or forwards, so it cannot
  // starve the rest. The relay then takes real-time scheduling itself
  // (relay.ts takeRealtime); the nice is what is left where it may not.
  const child = spawn('nice', ['-n', String(RELAY_NICE), 'ip', 'netns', 'exec', ns, process.execPath, join(DIST, 'wan/relay.js'), '--control', socket, '--seed', String(seed)], {
    detached: true,
    stdio: ['ignore', log, log],
  });
  child.unref();
  if (child.pid !== undefined) setAutogroupNice(child.pid, RELAY_NICE);
  closeSync(log);
  return attachRelay(stateDir, 5000);
}

export async function attachRelay(stateDir: string, waitMs = 0): Promise<RelayClient> {
  const socket = join(stateDir, 'relay.sock');
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const c = await connectRelay(socket, { timeoutMs: 2000 });
      await c.ping();
      return c;
    } catch (err) {
      if (Date.now() >= deadline) throw new MshError('RUNTIME', `WAN relay did not answer on ${socket} (see ${join(stateDir, 'relay.log')})`, [], { cause: err });
      await sleep(20);
    }
  }
}
