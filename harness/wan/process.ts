// Starts the relay inside the run's WAN namespace, detached, so `msh up` can
// leave it running; it dies with the namespace (ip.ts nsDelete kills it).
import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DIST } from '../paths.js';
import { MshError } from '../scenario/errors.js';
import { connectRelay, type RelayClient } from './control.js';

export async function startRelay(ns: string, stateDir: string, seed: number): Promise<RelayClient> {
  const socket = join(stateDir, 'relay.sock');
  const log = openSync(join(stateDir, 'relay.log'), 'a');
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, join(DIST, 'wan/relay.js'), '--control', socket, '--seed', String(seed)], {
    detached: true,
    stdio: ['ignore', log, log],
  });
  child.unref();
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
