// make bench, identity section (issue 4): validation throughput and latency
// of the identity service pinned to one core, per token provider, and the
// bring-up time of a 3-site Galera identity database on the emulated WAN.
//
// Validation: one controller container (msh/base, the project mounted as in
// a run) created with Docker's cpuset on one CPU, so the services process
// AND its MariaDB (started by it, in the same container cgroup) share that
// core: everything a validation costs is on it. The load comes from this
// process, pinned with taskset to the other CPUs for the section, over the
// bind-mounted identity.sock (the harness's own way in: containers have no
// Docker network, so the host has no TCP route to port 5000). The unix
// socket spares the service the TCP loopback stack, nothing else: same
// server, router and handlers as TCP.
//
// Load generator: no npm load generator is a dependency, and the issue
// asks for no new one, so a small closed loop: N clients, each one request
// at a time on its own keep-alive connection (node:http Agent, keepAlive,
// maxSockets N), for a warm-up then a fixed window; a request counts if it
// completes inside the window.
import { readFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { FAST_BRINGUP_TIMERS, GALERA_LAYOUT, isoMs } from '../db/galera.js';
import { hostPath } from '../db/sql.js';
import { newRunId } from '../engine/run.js';
import { now, openHistory } from '../observe/history.js';
import { MOUNT, PROJECT_ROOT, imageRef } from '../paths.js';
import { LABEL, type Runtime } from '../runtime/runtime.js';
import { loadScenario } from '../scenario/load.js';
import { summarize, type LatencySummary } from '../services/identity/bench.js';
import { IdentityClient } from '../clients/identity.js';
import { PROVIDERS, type ProviderName } from '../services/identity/providers.js';
import { deploy, siteDir, undeploy, type Deployment } from '../topology/deploy.js';
import { controllerOf, runsKeystone, startIdentityDb } from '../topology/identity.js';
import { bringUp } from '../engine/bring-up.js';
import { planTopology } from '../topology/plan.js';
import { destroyRun, writeState } from '../topology/state.js';

const ADMIN_PW = 'bench-admin';
/** The one-client pass: enough for a p99 of ~1000 samples at a few ms each. */
const SERIAL_MS = 2000;

export interface ValidationOptions {
  /** Docker cpuset of the service container (one CPU). */
  readonly cpu: string;
  readonly clients: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly providers: readonly ProviderName[];
}

/** One closed-loop load: N clients for a window. */
export interface LoadFigures {
  readonly clients: number;
  readonly windowMs: number;
  readonly ok: number;
  readonly errors: number;
  readonly rps: number;
  readonly latency: LatencySummary;
  /** CPU time of the container (service + MariaDB) per validated request, from its cpuacct cgroup; null if unreadable. */
  readonly cpuMsPerRequest: number | null;
  /** Share of the pinned CPU used by anything but the container during the window (others' runs on the shared host); null if unreadable. */
  readonly othersOnCore: number | null;
}

/** CPU counters at one instant: the container's cgroup, and the pinned CPU's busy time from /proc/stat (ns). */
interface CpuSample {
  readonly container: number | null;
  readonly core: number | null;
}

/** Busy time of one CPU from /proc/stat (user nice system irq softirq steal; guest is inside user), in ns. */
async function coreBusyNs(cpu: string): Promise<number | null> {
  const line = (await readFile('/proc/stat', 'utf8').catch(() => '')).split('\n').find((l) => l.startsWith(`cpu${cpu} `));
  const f = line?.trim().split(/\s+/).slice(1).map(Number);
  if (!f || f.length < 8) return null;
  const [user, nice, system, , , irq, softirq, steal] = f as [number, number, number, number, number, number, number, number];
  // USER_HZ is 100 on Linux whatever the kernel's HZ.
  return (user + nice + system + irq + softirq + steal) * 1e7;
}

export interface ValidationFigures {
  readonly provider: ProviderName;
  /** One client, one request at a time: latency without queueing (Keystone's 8 / 590 ms figures are of this kind). */
  readonly serial: LoadFigures;
  /** `clients` clients: throughput of the one core (latency then includes queueing). */
  readonly loaded: LoadFigures;
}

export interface ValidationResult {
  readonly cpuset: string;
  /** Where the load generator ran (its affinity during the section), or null if it could not be pinned. */
  readonly clientCpus: string | null;
  readonly loadavg: string;
  readonly figures: readonly ValidationFigures[];
}

/** One GET /v3/auth/tokens; resolves with the status once the body is read. */
function validateOnce(agent: Agent, socketPath: string, caller: string, subject: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, agent, method: 'GET', path: '/v3/auth/tokens', headers: { 'X-Auth-Token': caller, 'X-Subject-Token': subject } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** N closed-loop clients: warm-up, then a measured window. */
async function drive(socketPath: string, caller: string, subject: string, o: Pick<ValidationOptions, 'clients' | 'warmupMs' | 'durationMs'>, sampleCpu: () => Promise<CpuSample>): Promise<LoadFigures> {
  const agent = new Agent({ keepAlive: true, maxSockets: o.clients });
  const t0 = performance.now();
  const from = t0 + o.warmupMs;
  const to = from + o.durationMs;
  const latencies: number[] = [];
  let errors = 0;
  // An object, not a let: TypeScript does not see assignments made inside the clients' closures.
  const mark: { cpu: Promise<CpuSample> | null } = { cpu: null };
  const client = async () => {
    while (performance.now() < to) {
      const s = performance.now();
      // The first client past the warm-up samples the cgroup's CPU counter.
      if (s >= from && mark.cpu === null) mark.cpu = sampleCpu();
      const status = await validateOnce(agent, socketPath, caller, subject).catch(() => -1);
      const e = performance.now();
      if (e < from || e > to) continue;
      if (status === 200) latencies.push(e - s);
      else errors++;
    }
  };
  try {
    await Promise.all(Array.from({ length: o.clients }, client));
  } finally {
    agent.destroy();
  }
  const end = await sampleCpu();
  const start = await (mark.cpu ?? Promise.resolve<CpuSample>({ container: null, core: null }));
  const containerNs = start.container !== null && end.container !== null ? end.container - start.container : null;
  const coreNs = start.core !== null && end.core !== null ? end.core - start.core : null;
  return {
    clients: o.clients,
    windowMs: o.durationMs,
    ok: latencies.length,
    errors,
    rps: latencies.length / (o.durationMs / 1000),
    latency: summarize(latencies),
    cpuMsPerRequest: containerNs !== null && latencies.length > 0 ? containerNs / 1e6 / latencies.length : null,
    // The container may have run nowhere else (cpuset): what the core did beyond it was someone else's.
    othersOnCore: containerNs !== null && coreNs !== null ? Math.max(0, coreNs - containerNs) / (o.durationMs * 1e6) : null,
  };
}

/** Pins every thread of this process to `cpus` (taskset -a); returns a function restoring the old mask, or null if taskset failed. */
async function pinSelf(list: string): Promise<(() => Promise<void>) | null> {
  const cur = await execa('taskset', ['-p', String(process.pid)], { reject: false });
  const mask = /:\s*([0-9a-f,]+)\s*$/i.exec(cur.stdout)?.[1];
  if (cur.exitCode !== 0 || mask === undefined) return null;
  const r = await execa('taskset', ['-a', '-p', '-c', list, String(process.pid)], { reject: false });
  if (r.exitCode !== 0) return null;
  return async () => void (await execa('taskset', ['-a', '-p', mask, String(process.pid)], { reject: false }));
}

async function waitUntil(what: string, cond: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const t0 = performance.now();
  while (!(await cond())) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts the services process (identity only, local MariaDB) with a provider; returns the admin client. */
async function startServices(runtime: Runtime, id: string, runDir: string, provider: ProviderName): Promise<IdentityClient> {
  await runtime.spawn(id, ['node', `${MOUNT}/dist/services/main.js`, '--site', 'bench', '--no-network', '--token-provider', provider, '--bootstrap-password', ADMIN_PW]);
  const anon = new IdentityClient({ socketPath: join(runDir, 'identity.sock') });
  // A first start runs MariaDB's install-db; the image may be busy with others' runs.
  await anon.waitReady(90_000, 50);
  return anon.login('admin', ADMIN_PW, 'admin');
}

async function stopServices(runtime: Runtime, id: string, runDir: string): Promise<void> {
  const pid = (await readFile(join(runDir, 'services.pid'), 'utf8').catch(() => '')).trim();
  if (pid === '') return;
  await runtime.exec(id, ['kill', '-TERM', pid]);
  await waitUntil('the services process to exit', async () => (await runtime.exec(id, ['test', '-e', `/proc/${pid}`])).exitCode !== 0, 15_000);
}

/** Validation throughput and latency per provider, the service on one core. */
export async function validationBench(runtime: Runtime, o: ValidationOptions): Promise<ValidationResult> {
  const runId = newRunId();
  const stateDir = await writeState({ runId, scenario: 'bench-identity', ownerPid: process.pid, keep: false, startedAt: new Date().toISOString() });
  const runDir = await siteDir(stateDir, 'bench');
  const others = cpus()
    .map((_, i) => String(i))
    .filter((c) => c !== o.cpu);
  let unpin: (() => Promise<void>) | null = null;
  try {
    const id = await runtime.create({
      name: `msh-${runId}-bench-identity`,
      image: imageRef('base'),
      hostname: 'controller-bench',
      // Run labels: destroyRun removes it here, and a later run reaps it if this process dies.
      labels: { [LABEL.run]: runId, [LABEL.scenario]: 'bench-identity', [LABEL.owner]: String(process.pid), [LABEL.keep]: 'false' },
      binds: [`${PROJECT_ROOT}:${MOUNT}:ro`, `${runDir}:/run/msh`],
      cpusetCpus: o.cpu,
    });
    await runtime.start(id);
    // cgroup v1 (cgroupfs driver) and v2 paths of the container's CPU counter.
    const cpuFiles = [`/sys/fs/cgroup/cpuacct/docker/${id}/cpuacct.usage`, `/sys/fs/cgroup/system.slice/docker-${id}.scope/cpu.stat`, `/sys/fs/cgroup/docker/${id}/cpu.stat`];
    const containerNs = async (): Promise<number | null> => {
      for (const f of cpuFiles) {
        const text = await readFile(f, 'utf8').catch(() => null);
        if (text === null) continue;
        const v2 = /usage_usec (\d+)/.exec(text);
        return v2 ? Number(v2[1]) * 1000 : Number(text.trim());
      }
      return null;
    };
    const cpusetFile = [`/sys/fs/cgroup/cpuset/docker/${id}/cpuset.cpus`, `/sys/fs/cgroup/system.slice/docker-${id}.scope/cpuset.cpus.effective`];
    let cpuset = o.cpu;
    for (const f of cpusetFile) {
      const t = await readFile(f, 'utf8').catch(() => null);
      if (t !== null) {
        cpuset = t.trim();
        break;
      }
    }
    const sampleCpu = async (): Promise<CpuSample> => {
      const [container, core] = await Promise.all([containerNs(), /^\d+$/.test(cpuset) ? coreBusyNs(cpuset) : Promise.resolve(null)]);
      return { container, core };
    };
    if (others.length > 0) unpin = await pinSelf(others.join(','));
    const figures: ValidationFigures[] = [];
    for (const provider of o.providers) {
      const admin = await startServices(runtime, id, runDir, provider);
      // The subject: another project-scoped admin token (a user's token as a service would check it).
      const subject = await new IdentityClient({ socketPath: join(runDir, 'identity.sock') }).issuePassword({ name: 'admin', domain: { id: 'default' } }, ADMIN_PW, { project: { name: 'admin', domain: { id: 'default' } } });
      if (admin.token === undefined) throw new Error('admin login gave no token');
      const sock = join(runDir, 'identity.sock');
      // Loaded first: its warm-up and window also warm the JIT and the pool for the one-client pass.
      const loaded = await drive(sock, admin.token, subject.token, o, sampleCpu);
      const serial = await drive(sock, admin.token, subject.token, { clients: 1, warmupMs: 500, durationMs: SERIAL_MS }, sampleCpu);
      figures.push({ provider, serial, loaded });
      await stopServices(runtime, id, runDir);
    }
    return { cpuset, clientCpus: unpin ? others.join(',') : null, loadavg: (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' '), figures };
  } finally {
    await unpin?.();
    await destroyRun(runtime, runId);
  }
}

export interface GaleraRun {
  /** deploy() called -> Primary of 3, every node Synced, timers under test applied. */
  readonly totalMs: number;
  readonly deployMs: number;
  /** startIdentityDb() alone. */
  readonly dbMs: number;
  /** startGalera() called -> Primary of 3, all Synced. */
  readonly primaryMs: number;
  readonly seeded: boolean;
}

/**
 * The identity database of scenarios/id-fernet-galera.yaml (3 regions,
 * 20/30/40 ms links, one Galera member per controller), brought up as a run
 * does (deploy, then startIdentityDb) until `runs` runs used the cached
 * seed (a run that had to make the seed is reported, not counted).
 */
export async function galeraBench(runtime: Runtime, runs: number): Promise<GaleraRun[]> {
  const loaded = await loadScenario(join(PROJECT_ROOT, 'scenarios/id-fernet-galera.yaml'));
  const out: GaleraRun[] = [];
  for (let i = 0; out.filter((r) => !r.seeded).length < runs && i < runs + 1; i++) {
    const plan = planTopology(loaded.scenario, newRunId());
    const t0 = now();
    let d: Awaited<ReturnType<typeof deploy>> | undefined;
    try {
      d = await deploy(plan, runtime, { seed: loaded.scenario.seed });
      const deployMs = now() - t0;
      const t1 = now();
      const r = await startIdentityDb(loaded.scenario, d, runtime);
      const dbMs = now() - t1;
      const c = (r['clusters'] as { seeded: boolean; primaryMs: number | null }[] | undefined)?.[0];
      if (!c || c.primaryMs === null || r['nodes'] !== 3) throw new Error(`unexpected identity database bring-up: ${JSON.stringify(r)}`);
      out.push({ totalMs: now() - t0, deployMs, dbMs, primaryMs: c.primaryMs, seeded: c.seeded });
    } finally {
      if (d) await undeploy(d, runtime);
      else await destroyRun(runtime, plan.runId);
    }
  }
  return out;
}

/** One bring-up of an identity scenario, split at its phase events. */
export interface IdentityBringUp {
  /** bringUp() called -> every Keystone serving (its network API answering after it), the whole bring-up. */
  readonly totalMs: number;
  /** Namespaces, relay, containers. */
  readonly deployMs: number;
  /** Galera seed unpacked, Primary of all Synced, timers applied (the services start meanwhile). */
  readonly dbMs: number;
  /** Fernet repository set up and distributed (before the services start). */
  readonly keysMs: number;
  /** Every region's services process started until the last answers (from the Fernet keys on, overlapping dbMs). */
  readonly servicesMs: number;
  /** Per region: its Keystone's bootstrap (ms, from its log) and the runs its transaction took. */
  readonly bootstraps: readonly { readonly region: string; readonly ms: number; readonly runs: number }[];
  /** Galera members whose log says the EVS install timer expired while the cluster formed (a merge that stalled one install timeout). */
  readonly installTimeouts: number;
  readonly seeded: boolean;
}

/** Whether a Galera member's log shows a membership round that ended on the install timer. */
export const installTimedOut = (log: string) => log.includes('install timer expired');

/** "identity: bootstrap in 412 ms ... ; 2 runs of its transaction" from a services log. */
export function bootstrapFromLog(log: string): { ms: number; runs: number } | null {
  const line = log.split('\n').find((l) => l.includes('identity: bootstrap in '));
  const m = line ? /bootstrap in (\d+) ms/.exec(line) : null;
  if (!line || !m) return null;
  return { ms: Number(m[1]), runs: Number(/; (\d+) runs of its transaction/.exec(line)?.[1] ?? 1) };
}

/**
 * Brings an identity scenario up `runs` times as `msh run` does (the same
 * bringUp, phase events recorded) and tears it down; checks after each that
 * every Keystone answers on its socket (not timed). A run that made the
 * Galera seed is reported, not counted.
 */
export async function identityBringUpBench(runtime: Runtime, file: string, runs: number): Promise<IdentityBringUp[]> {
  const loaded = await loadScenario(join(PROJECT_ROOT, file));
  const s = loaded.scenario;
  const out: IdentityBringUp[] = [];
  for (let i = 0; out.filter((r) => !r.seeded).length < runs && i < runs + 1; i++) {
    const plan = planTopology(s, newRunId());
    const at = new Map<string, number>();
    let dbDetail: Record<string, unknown> = {};
    let d: Deployment | undefined;
    try {
      const t0 = now();
      const up = await bringUp(s, plan, runtime, openHistory(), {
        seed: s.seed,
        phase: (name, detail) => {
          at.set(name, now());
          if (name === 'bring-up:identity-db-ready' && detail) dbDetail = detail;
        },
        deployed: (x) => (d = x),
      });
      d = up.d;
      const t = (name: string) => {
        const v = at.get(name);
        if (v === undefined) throw new Error(`${file}: bring-up recorded no ${name} phase`);
        return v;
      };
      const regions = plan.sites.filter((x) => s.identity && runsKeystone(s.identity, x.name) && controllerOf(plan, x.name)).map((x) => x.name);
      const bootstraps = await Promise.all(
        regions.map(async (region) => {
          const dir = join(up.d.stateDir, 'sites', region);
          await new IdentityClient({ socketPath: join(dir, 'identity.sock') }).waitReady(5000);
          const b = bootstrapFromLog(await readFile(join(dir, 'services.log'), 'utf8'));
          if (!b) throw new Error(`${region}: no bootstrap line in its services log`);
          return { region, ...b };
        }),
      );
      const seeded = (dbDetail['clusters'] as { seeded: boolean }[] | undefined)?.some((c) => c.seeded) ?? false;
      const members = s.identity?.database === 'galera' ? regions : [];
      const galeraLogs = await Promise.all(members.map((region) => readFile(hostPath(join(up.d.stateDir, 'sites', region), GALERA_LAYOUT.log), 'utf8').catch(() => '')));
      out.push({
        totalMs: up.ms,
        deployMs: t('bring-up:identity-db') - t0,
        dbMs: t('bring-up:identity-db-ready') - t('bring-up:identity-db'),
        keysMs: t('bring-up:site-services') - t('bring-up:identity-db'),
        servicesMs: t('bring-up:site-services-ready') - t('bring-up:site-services'),
        bootstraps,
        installTimeouts: galeraLogs.filter(installTimedOut).length,
        seeded,
      });
    } finally {
      if (d) await undeploy(d, runtime);
      else await destroyRun(runtime, plan.runId);
    }
  }
  return out;
}

const envInt = (name: string, dflt: number) => {
  const v = process.env[name];
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v)) throw new Error(`${name} must be a whole number`);
  return Number(v);
};

const median = (xs: readonly number[]) => summarize(xs).p50;
const runsOf = (xs: readonly number[]) => xs.map((x) => x.toFixed(0)).join(', ');

const PARTS = ['validate', 'galera', 'bring-up'] as const;
type Part = (typeof PARTS)[number];

function parts(): Set<Part> {
  const v = process.env['MSH_BENCH_IDENTITY_PARTS'];
  if (v === undefined) return new Set(PARTS);
  const want = v.split(',').map((x) => x.trim());
  const bad = want.filter((x) => !(PARTS as readonly string[]).includes(x));
  if (bad.length) throw new Error(`MSH_BENCH_IDENTITY_PARTS: unknown ${bad.join(', ')} (parts: ${PARTS.join(', ')})`);
  return new Set(want as Part[]);
}

/** The identity scenarios whose whole bring-up is timed (issue 11: 3 regions < 3 s, 5 < 4 s). */
const BRING_UPS = [
  { file: 'scenarios/id-fernet-galera.yaml', label: '3 regions' },
  { file: 'scenarios/id-fernet-galera-5.yaml', label: '5 regions' },
] as const;

const loadavg = async () => (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ');

/** Rows for the whole identity bring-ups: the median and every run, where it went, and the host's load. */
async function bringUpRows(runtime: Runtime, runs: number): Promise<[string, string][]> {
  const rows: [string, string][] = [];
  for (const b of BRING_UPS) {
    const before = await loadavg();
    const all = await identityBringUpBench(runtime, b.file, runs);
    const r = all.filter((x) => !x.seeded);
    const seededRun = all.find((x) => x.seeded);
    const med = (f: (x: IdentityBringUp) => number) => median(r.map(f)).toFixed(0);
    const boot = r.flatMap((x) => x.bootstraps);
    const retried = boot.filter((x) => x.runs > 1).length;
    const stalled = r.filter((x) => x.installTimeouts > 0).length;
    rows.push(
      [
        `bring-up: identity topology, ${b.label} (${b.file}: Galera all Synced, Keystone per region answering, Fernet keys distributed), median of ${r.length}`,
        `${med((x) => x.totalMs)} ms  (runs: ${runsOf(r.map((x) => x.totalMs))})${seededRun ? `; a first run made the Galera seed: ${seededRun.totalMs.toFixed(0)} ms, not counted` : ''}`,
      ],
      [
        `  ${b.label}: where it goes (medians)`,
        `deploy ${med((x) => x.deployMs)} ms, then side by side: identity DB ${med((x) => x.dbMs)} ms | keys ${med((x) => x.keysMs)} ms + site services ${med((x) => x.servicesMs)} ms` +
          ` (of which Keystone bootstrap p50 ${median(boot.map((x) => x.ms)).toFixed(0)} ms, max ${Math.max(...boot.map((x) => x.ms)).toFixed(0)} ms;` +
          ` ${retried} of ${boot.length} bootstraps ran their transaction again after another region's commit;` +
          ` ${stalled} of ${r.length} bring-ups waited for Galera's install timer, ${isoMs(String(FAST_BRINGUP_TIMERS['evs.install_timeout'])) / 1000} s, in a membership round)`,
      ],
      [`  ${b.label}: host load average (1, 5, 15 min) before / after`, `${before} / ${await loadavg()}`],
    );
  }
  return rows;
}

/**
 * The identity section's table rows. MSH_BENCH_IDENTITY_CPU (default 1),
 * MSH_BENCH_IDENTITY_CLIENTS (8), MSH_BENCH_IDENTITY_SECONDS (5, after a
 * 1 s warm-up), MSH_BENCH_GALERA_RUNS (3) and MSH_BENCH_BRINGUP_RUNS (5)
 * change the defaults; MSH_BENCH_IDENTITY_PARTS (validate,galera,bring-up)
 * picks the parts.
 */
export async function identityRows(runtime: Runtime): Promise<[string, string][]> {
  const only = parts();
  const rows: [string, string][] = [];
  if (only.has('validate')) rows.push(...(await validationRows(runtime)));
  if (only.has('galera')) rows.push(...(await galeraRows(runtime)));
  if (only.has('bring-up')) rows.push(...(await bringUpRows(runtime, envInt('MSH_BENCH_BRINGUP_RUNS', 5))));
  return rows;
}

async function validationRows(runtime: Runtime): Promise<[string, string][]> {
  const cpu = String(envInt('MSH_BENCH_IDENTITY_CPU', cpus().length > 1 ? 1 : 0));
  const v = await validationBench(runtime, {
    cpu,
    clients: envInt('MSH_BENCH_IDENTITY_CLIENTS', 8),
    warmupMs: 1000,
    durationMs: envInt('MSH_BENCH_IDENTITY_SECONDS', 5) * 1000,
    providers: PROVIDERS,
  });
  const rows: [string, string][] = [];
  const load = (l: LoadFigures) =>
    `${l.rps.toFixed(0)} req/s, p50 ${l.latency.p50.toFixed(2)} ms, p99 ${l.latency.p99.toFixed(2)} ms` +
    `${l.cpuMsPerRequest !== null ? `, ${l.cpuMsPerRequest.toFixed(2)} CPU-ms/req` : ''}${l.errors ? `, ${l.errors} errors` : ''} (n=${l.ok})` +
    `${l.othersOnCore !== null ? `; others on the core ${(l.othersOnCore * 100).toFixed(0)}%` : ''}`;
  for (const f of v.figures) {
    rows.push(
      [`validate on one core, ${f.provider}: ${f.loaded.clients} clients, ${f.loaded.windowMs / 1000} s`, load(f.loaded)],
      [`validate on one core, ${f.provider}: 1 client, ${f.serial.windowMs / 1000} s`, load(f.serial)],
    );
  }
  rows.push(
    ['validate: how', `GET /v3/auth/tokens, keep-alive, over identity.sock; service + MariaDB on CPU ${v.cpuset} (cpuset), load on CPU ${v.clientCpus ?? 'any (taskset failed)'}`],
    ['validate: cache', 'none: both tokens fully validated per request (Keystone, REFERENCE.md: ~8 ms cache on, ~590 ms off)'],
    ['host load average (1, 5, 15 min) after the validation runs', v.loadavg],
  );
  return rows;
}

async function galeraRows(runtime: Runtime): Promise<[string, string][]> {
  const rows: [string, string][] = [];
  const g = await galeraBench(runtime, envInt('MSH_BENCH_GALERA_RUNS', 3));
  const cached = g.filter((r) => !r.seeded);
  const seededRun = g.find((r) => r.seeded);
  rows.push(
    [
      `bring-up: 3-site Galera identity DB, deploy -> Primary of 3 Synced (median of ${cached.length})`,
      `${median(cached.map((r) => r.totalMs)).toFixed(0)} ms  (runs: ${runsOf(cached.map((r) => r.totalMs))}); real, rsync SST (REFERENCE.md): 10.6-13.2 s`,
    ],
    [
      '  of which startIdentityDb (seed unpack, mariadbd, Primary, timers)',
      `${median(cached.map((r) => r.dbMs)).toFixed(0)} ms  (runs: ${runsOf(cached.map((r) => r.dbMs))}); Primary at ${median(cached.map((r) => r.primaryMs)).toFixed(0)} ms` +
        `${seededRun ? `; a first run made the seed: ${seededRun.totalMs.toFixed(0)} ms, not counted` : '; seed cached'}`,
    ],
  );
  return rows;
}
