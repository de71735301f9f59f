// The guests: one dr-guest process per server, a child of the services
// process. Why not a container: this controller is an all-in-one DevStack
// node hosting its own VMs, and a container per VM would need the host's
// Docker inside the site (its socket bind-mounted into every controller);
// a child process is the VM's QEMU process on a compute host. Freezing is
// SIGSTOP of that process (as `virsh suspend` stops QEMU's vCPUs), after the
// guest agent flushed and held its writes.
//
// Files, all in <run-dir>/guests (a host bind mount): <id>.sock (the guest
// agent's control socket), <id>.events.jsonl, <id>.log (stdout/stderr);
// members' transaction sockets <vnf>-<i>.sock.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const GUEST_SCRIPT = fileURLToPath(new URL('../../agents/dr-guest.js', import.meta.url));

export type GuestReply = Readonly<Record<string, unknown>>;

export interface GuestFiles {
  readonly control: string;
  readonly events: string;
  readonly log: string;
}

export interface Guest {
  readonly pid: number;
  readonly files: GuestFiles;
  /** Resolves with how it ended. */
  readonly exited: Promise<string>;
  isRunning(): boolean;
}

export class GuestHost {
  private readonly dir: string;
  private readonly guests = new Map<string, { child: ChildProcess; guest: Guest; running: boolean }>();

  constructor(runDir: string) {
    this.dir = join(runDir, 'guests');
    mkdirSync(this.dir, { recursive: true });
  }

  files(serverId: string): GuestFiles {
    return { control: join(this.dir, `${serverId}.sock`), events: join(this.dir, `${serverId}.events.jsonl`), log: join(this.dir, `${serverId}.log`) };
  }

  start(serverId: string, bootPath: string, userData: string | null): Guest {
    const files = this.files(serverId);
    const out = openSync(files.log, 'a');
    const argv = [GUEST_SCRIPT, '--server', serverId, '--boot', bootPath, '--control', files.control, '--events', files.events, '--dir', this.dir];
    if (userData !== null) argv.push('--user-data', userData);
    const child = spawn(process.execPath, argv, { stdio: ['ignore', out, out] });
    closeSync(out);
    const entry = { child, running: true, guest: undefined as unknown as Guest };
    const exited = new Promise<string>((resolve) => {
      child.once('exit', (code, signal) => {
        entry.running = false;
        resolve(signal ? `killed by ${signal}` : `exit ${code ?? '?'}`);
      });
      child.once('error', (e) => {
        entry.running = false;
        resolve(`could not start: ${e.message}`);
      });
    });
    entry.guest = { pid: child.pid ?? -1, files, exited, isRunning: () => entry.running };
    this.guests.set(serverId, entry);
    return entry.guest;
  }

  get(serverId: string): Guest | null {
    return this.guests.get(serverId)?.guest ?? null;
  }

  signal(serverId: string, sig: 'SIGSTOP' | 'SIGCONT'): void {
    const e = this.guests.get(serverId);
    if (!e?.running || !e.child.kill(sig)) throw new Error(`guest of ${serverId} is not running`);
  }

  /** Kills the guest (continued first: a stopped process would not act on SIGTERM) and waits for it. */
  async kill(serverId: string, timeoutMs = 3000): Promise<void> {
    const e = this.guests.get(serverId);
    this.guests.delete(serverId);
    if (!e?.running) return;
    e.child.kill('SIGCONT');
    e.child.kill('SIGTERM');
    const timer = setTimeout(() => e.child.kill('SIGKILL'), timeoutMs);
    await e.guest.exited;
    clearTimeout(timer);
  }

  async killAll(): Promise<void> {
    await Promise.all([...this.guests.keys()].map((id) => this.kill(id)));
  }

  /** One request to the guest agent. */
  request(serverId: string, msg: Readonly<Record<string, unknown>>, timeoutMs = 5000): Promise<GuestReply> {
    return guestRequest(this.files(serverId).control, msg, timeoutMs);
  }
}

export function guestRequest(socketPath: string, msg: Readonly<Record<string, unknown>>, timeoutMs: number): Promise<GuestReply> {
  return new Promise((resolve, reject) => {
    const sock = connect(socketPath);
    let buf = '';
    const timer = setTimeout(() => done(new Error(`guest agent: no answer to ${String(msg['op'])} within ${timeoutMs} ms`)), timeoutMs);
    const done = (err: Error | null, r?: GuestReply) => {
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(r!);
    };
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write(`${JSON.stringify(msg)}\n`));
    sock.on('data', (c: string) => {
      buf += c;
      const i = buf.indexOf('\n');
      if (i < 0) return;
      try {
        const r = JSON.parse(buf.slice(0, i)) as GuestReply;
        done(r['ok'] === true ? null : new Error(`guest agent refused ${String(msg['op'])}: ${String(r['error'] ?? '?')}`), r);
      } catch {
        done(new Error('guest agent: bad answer'));
      }
    });
    sock.on('error', (e) => done(new Error(`guest agent: ${e.message}`)));
  });
}
