/**
 * CPU-seconds a command burns, and where: `node dist/bench/cpu.js [--json out.json] -- <command...>`
 * (e.g. `-- node bin/msh.js run scenarios/ha-l3.yaml --out /tmp/x`).
 *
 * Why sampling /proc and the cgroups instead of `docker stats`: containers die
 * at teardown, before any end-of-run query, and `docker stats` costs dockerd
 * CPU of its own. Every SAMPLE_MS this reads, for every process, utime+stime
 * from /proc/<pid>/stat and keeps the last value seen per pid (a process's
 * time only grows), and for every msh container the cgroup's cpuacct.usage
 * (which also holds processes too short-lived to be sampled, such as a
 * `docker exec`'s client). Processes are grouped by where they run: the
 * command's own process tree on the host (the harness, the WAN relay, tcpdump,
 * ip), each container (by its msh.site/msh.node labels) split by program, and
 * the Docker daemons (dockerd, containerd, shims), whose time is a delta over
 * the run and is shared with anything else on the machine that uses Docker.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const SAMPLE_MS = 200;
const TICK = 100; // USER_HZ on Linux

interface Proc {
  pid: number;
  ppid: number;
  cpu: number; // seconds
  comm: string;
  container: string | null; // docker id
  label: string;
}

function readProc(pid: number): Proc | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const f = stat.slice(close + 2).split(' ');
    // fields after comm: state(0) ppid(1) ... utime(11) stime(12)
    const ppid = Number(f[1]);
    const cpu = (Number(f[11]) + Number(f[12])) / TICK;
    const cg = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
    const m = /cpuacct[^:]*:\/docker\/([0-9a-f]{64})/.exec(cg) ?? /0::\/.*docker[-/]([0-9a-f]{64})/.exec(cg);
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
    return { pid, ppid, cpu, comm, container: m?.[1] ?? null, label: programLabel(comm, args) };
  } catch {
    return null; // gone between readdir and read
  }
}

/** A short name for what a process runs: the script for node, else the command's basename. */
export function programLabel(comm: string, args: string[]): string {
  const base = (s: string): string => s.slice(s.lastIndexOf('/') + 1);
  if (comm === 'node' || comm.startsWith('node') || comm === 'MainThread') {
    const script = args.slice(1).find((a) => a.endsWith('.js'));
    if (script) {
      const parts = script.split('/');
      return `node ${parts.slice(-2).join('/')}`;
    }
    return `node ${args.slice(1, 3).join(' ')}`.trim();
  }
  if (args[0] && /python/.test(base(args[0])) && args[1]) return `${base(args[0])} ${base(args[1])}`;
  return comm;
}

interface ContainerInfo {
  name: string;
  /** The msh.owner-pid label: the harness process that made the container. */
  owner: number;
}

function inspect(id: string): ContainerInfo {
  try {
    const out = execFileSync('docker', ['inspect', '--format', '{{.Name}}|{{index .Config.Labels "msh.owner-pid"}}', id], { encoding: 'utf8' }).trim();
    const [name, owner] = out.split('|');
    return { name: (name ?? id).replace(/^\//, ''), owner: Number(owner) };
  } catch {
    return { name: id.slice(0, 12), owner: -1 };
  }
}

function cgroupUsage(id: string): number | null {
  for (const p of [`/sys/fs/cgroup/cpuacct/docker/${id}/cpuacct.usage`, `/sys/fs/cgroup/cpu,cpuacct/docker/${id}/cpuacct.usage`]) {
    try {
      return Number(readFileSync(p, 'utf8').trim()) / 1e9;
    } catch {
      /* next layout */
    }
  }
  try {
    const stat = readFileSync(`/sys/fs/cgroup/system.slice/docker-${id}.scope/cpu.stat`, 'utf8');
    const m = /usage_usec (\d+)/.exec(stat);
    return m ? Number(m[1]) / 1e6 : null;
  } catch {
    return null;
  }
}

const DAEMONS = /^(dockerd|containerd|containerd-shim.*|docker-proxy|runc)$/;

export interface CpuReport {
  wallS: number;
  exitCode: number | null;
  loadAvg: [number, number];
  hostTree: Record<string, number>;
  containers: Record<string, { cgroupS: number; programs: Record<string, number> }>;
  containersTotalS: number;
  hostTreeTotalS: number;
  dockerDaemonsDeltaS: number;
  totalS: number;
}

export async function measure(cmd: string[]): Promise<CpuReport> {
  const procs = new Map<number, Proc>(); // last seen, keyed by pid (pid reuse within a run is negligible at 200 ms)
  const daemonStart = new Map<number, number>();
  const daemonLast = new Map<number, number>();
  const infos = new Map<string, ContainerInfo>();
  const cg = new Map<string, number>();
  const load0 = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  const t0 = performance.now();
  const child = spawn(cmd[0]!, cmd.slice(1), { stdio: 'inherit' });
  const root = child.pid!;
  const tree = new Set<number>([root]);

  // A process on its way out has an empty cmdline: keep the name it had.
  const keepName = (p: Proc): void => {
    const before = procs.get(p.pid);
    if (before && before.comm === p.comm && before.label.length > p.label.length) p.label = before.label;
  };
  const sample = (): void => {
    for (const e of readdirSync('/proc')) {
      if (!/^\d+$/.test(e)) continue;
      const pid = Number(e);
      if (pid === process.pid) continue;
      const p = readProc(pid);
      if (!p) continue;
      if (DAEMONS.test(p.comm) && !p.container) {
        if (!daemonStart.has(pid)) daemonStart.set(pid, p.cpu);
        daemonLast.set(pid, p.cpu);
        continue;
      }
      if (p.container) {
        let info = infos.get(p.container);
        if (!info) {
          info = inspect(p.container);
          infos.set(p.container, info);
        }
        // Only the containers this command's harness made: others run their own tests here.
        if (!tree.has(info.owner)) continue;
        const u = cgroupUsage(p.container);
        if (u !== null) cg.set(p.container, Math.max(cg.get(p.container) ?? 0, u));
        keepName(p);
        procs.set(pid, p);
        continue;
      }
      if (tree.has(p.ppid) || tree.has(pid)) {
        tree.add(pid);
        keepName(p);
        procs.set(pid, p);
      }
    }
  };
  // The tree grows as processes start; a parent seen after its child misses the
  // child for one sample only.
  const timer = setInterval(sample, SAMPLE_MS);
  sample();
  const exitCode = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  clearInterval(timer);
  const wallS = (performance.now() - t0) / 1000;
  const load1 = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);

  // The command itself: its own rusage covers what it waited for (children reaped).
  const hostTree: Record<string, number> = {};
  const containers: CpuReport['containers'] = {};
  for (const p of procs.values()) {
    if (p.container) {
      const name = infos.get(p.container)?.name ?? p.container.slice(0, 12);
      const c = (containers[name] ??= { cgroupS: cg.get(p.container) ?? 0, programs: {} });
      c.programs[p.label] = (c.programs[p.label] ?? 0) + p.cpu;
    } else {
      hostTree[p.label] = (hostTree[p.label] ?? 0) + p.cpu;
    }
  }
  for (const [id, u] of cg) {
    const name = infos.get(id)?.name ?? id.slice(0, 12);
    const c = (containers[name] ??= { cgroupS: u, programs: {} });
    c.cgroupS = u;
    const seen = Object.values(c.programs).reduce((a, b) => a + b, 0);
    if (u - seen > 0.05) c.programs['(short-lived)'] = u - seen;
  }
  let daemons = 0;
  for (const [pid, last] of daemonLast) daemons += last - (daemonStart.get(pid) ?? last);
  const containersTotalS = Object.values(containers).reduce((a, c) => a + c.cgroupS, 0);
  const hostTreeTotalS = Object.values(hostTree).reduce((a, b) => a + b, 0);
  return {
    wallS,
    exitCode,
    loadAvg: [load0, load1],
    hostTree,
    containers,
    containersTotalS,
    hostTreeTotalS,
    dockerDaemonsDeltaS: daemons,
    totalS: containersTotalS + hostTreeTotalS + daemons,
  };
}

/** Per-program totals across containers: where the time goes, whatever the node. */
export function byProgram(r: CpuReport): [string, number][] {
  const sum = new Map<string, number>();
  for (const c of Object.values(r.containers)) for (const [p, s] of Object.entries(c.programs)) sum.set(`container: ${p}`, (sum.get(`container: ${p}`) ?? 0) + s);
  for (const [p, s] of Object.entries(r.hostTree)) sum.set(`host: ${p}`, (sum.get(`host: ${p}`) ?? 0) + s);
  sum.set('docker daemons (delta, shared)', r.dockerDaemonsDeltaS);
  return [...sum].sort((a, b) => b[1] - a[1]);
}

export function formatReport(r: CpuReport): string {
  const f = (x: number): string => x.toFixed(2).padStart(7);
  const lines = [
    `wall ${r.wallS.toFixed(1)} s, exit ${r.exitCode}, load ${r.loadAvg[0]} -> ${r.loadAvg[1]}`,
    `CPU-s: total ${r.totalS.toFixed(2)} = containers ${r.containersTotalS.toFixed(2)} + host tree ${r.hostTreeTotalS.toFixed(2)} + docker daemons ${r.dockerDaemonsDeltaS.toFixed(2)}`,
    ...byProgram(r).map(([p, s]) => `${f(s)}  ${p}`),
    'per container (cgroup):',
    ...Object.entries(r.containers)
      .sort((a, b) => b[1].cgroupS - a[1].cgroupS)
      .map(([n, c]) => `${f(c.cgroupS)}  ${n}  (${Object.entries(c.programs).sort((a, b) => b[1] - a[1]).map(([p, s]) => `${p} ${s.toFixed(2)}`).join(', ')})`),
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ options: { json: { type: 'string' } }, allowPositionals: true });
  if (positionals.length === 0) throw new Error('usage: cpu.js [--json out.json] -- <command...>');
  const r = await measure(positionals);
  process.stderr.write(`${formatReport(r)}\n`);
  if (values.json) writeFileSync(values.json, `${JSON.stringify(r, null, 2)}\n`);
  process.exitCode = r.exitCode ?? 1;
}

if (process.argv[1]?.endsWith('bench/cpu.js')) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  });
}
