// The backup site's object store: real OpenStack Swift (Debian bookworm's
// 2.30), one node, in the controller container. The image holds the config
// and the rings (scripts/build-image.sh); this module starts the daemons.
//
// Decisions:
// - Daemons are spawned detached (own session, unref'd, output to files)
//   and never stopped by the services process, as mariadb.ts does with
//   mariadbd: restarting the API process (an emulated API outage) leaves the
//   object store up, and the next start finds it answering. Their lifetime
//   is the container's.
// - Each piece is checked and started on its own (rsyslogd, memcached,
//   account/container/object servers, proxy): a partly running store (one
//   server crashed) is completed, a fully running one costs four GETs.
// - Ready = every server's /healthcheck answers 200 and tempauth issues a
//   token (which needs memcached): the proxy alone answering says nothing
//   about whether a PUT will work.
// - Storage: /run/msh/swift/node/d1, the controller's run dir (a host ext4
//   dir: the user xattrs Swift keeps object metadata in work; inspectable
//   from the host; kept if the container is killed). The image's config
//   names these paths, so they are fixed here too.
// - Logs: /run/msh/swift/swift.log through an rsyslogd of its own (Swift
//   logs only to syslog); a server's stderr (a crash before its logger is
//   set up) goes to /run/msh/swift/<server>.log.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';

export const SWIFT_DIR = '/run/msh/swift';
export const PROXY_PORT = 8080;
/** The tempauth account the image configures (user_msh_backup = backup .admin). */
export const SWIFT_USER = 'msh:backup';
export const SWIFT_KEY = 'backup';
export const AUTH_PATH = '/auth/v1.0';

const SERVERS = [
  { name: 'account', port: 6202 },
  { name: 'container', port: 6201 },
  { name: 'object', port: 6200 },
  { name: 'proxy', port: PROXY_PORT },
] as const;
const MEMCACHED_PORT = 11211;

// Every address in the image's Swift config (rings, memcache) is numeric, so
// eventlet's green DNS resolver is never used; not importing it (dnspython)
// saves ~60 ms of each server's ~250 ms of imports (`python3 -X importtime`).
const SERVER_ENV = { ...process.env, EVENTLET_NO_GREENDNS: 'yes' };

export interface SwiftOptions {
  /** How long to wait for everything to answer (default 60 s: Swift's Python start takes 5-15 s on a loaded host). */
  readonly timeoutMs?: number;
  readonly log?: (line: string) => void;
}

export interface SwiftStatus {
  /** Time until ready (or to find it running). */
  readonly ms: number;
  /** What had to be started (empty: everything was already running). */
  readonly started: string[];
}

function httpStatus(port: number, path: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, headers, timeout: 3000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

const healthy = (port: number) => httpStatus(port, '/healthcheck').then((s) => s === 200);
const authWorks = () => httpStatus(PROXY_PORT, AUTH_PATH, { 'x-auth-user': SWIFT_USER, 'x-auth-key': SWIFT_KEY }).then((s) => s === 200);

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port, timeout: 1000 });
    const done = (ok: boolean) => (s.destroy(), resolve(ok));
    s.on('connect', () => done(true));
    s.on('timeout', () => done(false));
    s.on('error', () => done(false));
  });
}

function alive(pidFile: string): boolean {
  try {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 && existsSync(`/proc/${pid}`);
  } catch {
    return false;
  }
}

function tail(file: string, lines = 10): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Spawns a daemon detached with its output to logFile; the returned getter says why it died, if it did. */
function daemon(cmd: string, args: string[], logFile: string, env: NodeJS.ProcessEnv = process.env): () => string | null {
  const fd = openSync(logFile, 'a');
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', fd, fd], env });
  closeSync(fd);
  let exited: string | null = null;
  child.once('exit', (code, signal) => {
    exited = `${cmd} exited (${signal ?? code}); ${logFile}:\n${tail(logFile)}`;
  });
  child.once('error', (err) => {
    exited = `${cmd} could not start: ${err.message}`;
  });
  child.unref();
  return () => exited;
}

/** Makes sure Swift answers on 0.0.0.0:8080 (and its storage servers on loopback); idempotent. */
export async function startSwift(opts: SwiftOptions = {}): Promise<SwiftStatus> {
  const t0 = performance.now();
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const log = opts.log ?? (() => undefined);
  const started: string[] = [];
  const deaths: (() => string | null)[] = [];

  if (!existsSync('/etc/swift/proxy-server.conf')) throw new Error('/etc/swift/proxy-server.conf missing: the image has no Swift (rebuild it: scripts/build-image.sh)');
  // The servers run as root (the image's config): the run dir may be 0700.
  mkdirSync(join(SWIFT_DIR, 'node', 'd1'), { recursive: true });

  const rsyslogPid = join(SWIFT_DIR, 'rsyslogd.pid');
  if (!alive(rsyslogPid) || !existsSync('/dev/log')) {
    deaths.push(daemon('rsyslogd', ['-n', '-f', '/etc/swift/rsyslog.conf', '-i', rsyslogPid], join(SWIFT_DIR, 'rsyslogd.log')));
    started.push('rsyslogd');
  }
  if (!(await listening(MEMCACHED_PORT))) {
    deaths.push(daemon('memcached', ['-u', 'memcache', '-l', '127.0.0.1', '-p', String(MEMCACHED_PORT), '-m', '16'], join(SWIFT_DIR, 'memcached.log')));
    started.push('memcached');
  }
  for (const s of SERVERS) {
    if (await healthy(s.port)) continue;
    // Bound but slow to answer (a loaded host): a second copy could not bind, only wait.
    if (await listening(s.port)) {
      log(`swift: ${s.name} server listens on ${s.port} but its healthcheck does not answer yet; waiting for it`);
      continue;
    }
    deaths.push(daemon(`swift-${s.name}-server`, [`/etc/swift/${s.name}-server.conf`], join(SWIFT_DIR, `${s.name}.log`), SERVER_ENV));
    started.push(s.name);
  }
  if (started.length > 0) log(`swift: starting ${started.join(', ')}`);

  const deadline = t0 + timeoutMs;
  for (;;) {
    const dead = deaths.map((d) => d()).find((d) => d !== null);
    if (dead) throw new Error(`swift did not start: ${dead}`);
    const up = await Promise.all(SERVERS.map((s) => healthy(s.port)));
    if (up.every(Boolean) && (await authWorks())) break;
    if (performance.now() > deadline) {
      const down = SERVERS.filter((_, i) => !up[i]).map((s) => `${s.name} (:${s.port})`);
      throw new Error(`swift not ready within ${timeoutMs} ms: ${down.length ? `no healthcheck from ${down.join(', ')}` : `tempauth gives no token (memcached?)`}; ${join(SWIFT_DIR, 'swift.log')}:\n${tail(join(SWIFT_DIR, 'swift.log'))}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const ms = performance.now() - t0;
  log(started.length > 0 ? `swift ready in ${ms.toFixed(0)} ms (proxy on 0.0.0.0:${PROXY_PORT})` : 'swift already running');
  return { ms, started };
}
