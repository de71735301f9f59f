// make bench: figures, not pass/fail. Bring-up and teardown of the two-site
// topology and of a 10-site ring (median of 3), failover distribution, the
// identity service's validation throughput on one core and a 3-site Galera
// identity database's bring-up (identity.ts), and the harness's peak RSS.
// MSH_BENCH_ONLY=identity (or dr, or suite) runs that section alone; dr.ts: backup
// throughput across 10 and 100 mbit, RPO/RTO per DR option; suite.ts: a tag's
// wall time through the CLI at several --jobs (MSH_BENCH_SUITE, MSH_BENCH_JOBS).
import Table from 'cli-table3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newRunId, runScenario } from '../engine/run.js';
import { now } from '../observe/history.js';
import { PROJECT_ROOT } from '../paths.js';
import { DockerRuntime } from '../runtime/docker.js';
import { loadScenario, parseScenario } from '../scenario/load.js';
import type { Scenario } from '../scenario/schema.js';
import { deploy, undeploy } from '../topology/deploy.js';
import { planTopology } from '../topology/plan.js';
import { quantile } from '../checks/series.js';
import { identityRows } from './identity.js';
import { drRows } from './dr.js';
import { suiteRows } from './suite.js';

const RUNS = 3;

export function ringScenario(n: number): Scenario {
  const sites = Array.from({ length: n }, (_, i) => `  - { name: s${i}, subnet: 198.18.${i + 1}.0/24, nodes: [{ name: n }] }`).join('\n');
  const links = Array.from({ length: n }, (_, i) => `  - { name: l${i}, between: [s${i}, s${(i + 1) % n}], latency: 5ms }`).join('\n');
  return parseScenario('ring', `name: ring-${n}\nduration: 1s\nsites:\n${sites}\nlinks:\n${links}\n`).scenario;
}

async function bringUpTeardown(s: Scenario): Promise<{ up: number[]; down: number[] }> {
  const runtime = new DockerRuntime();
  const up: number[] = [];
  const down: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const plan = planTopology(s, newRunId());
    let t = now();
    const d = await deploy(plan, runtime, { seed: 1 });
    up.push(now() - t);
    t = now();
    await undeploy(d, runtime);
    down.push(now() - t);
  }
  return { up, down };
}

const median = (xs: number[]) => quantile([...xs].sort((a, b) => a - b), 0.5);
const fmt = (xs: number[]) => `${median(xs).toFixed(0)} ms  (runs: ${xs.map((x) => x.toFixed(0)).join(', ')})`;

/** N real site losses: outage (first new call served) and takeover times from each run's verdict evidence. */
async function failovers(n: number): Promise<{ outage: number[]; takeover: number[]; resolution: number; bringUp: number[] }> {
  const loaded = await loadScenario(join(PROJECT_ROOT, 'fixtures/scenarios/ha-failover-bench.yaml'));
  const out = { outage: [] as number[], takeover: [] as number[], resolution: NaN, bringUp: [] as number[] };
  for (let i = 0; i < n; i++) {
    const dir = await mkdtemp(join(tmpdir(), 'msh-bench-'));
    const r = await runScenario(loaded, new DockerRuntime(), { outDir: dir, seed: loaded.scenario.seed + i });
    await rm(dir, { recursive: true, force: true });
    const row = (r.verdicts.find((v) => v.id === 'HA-NEW-CALLS-1S')?.checks[0]?.evidence.rows as { outageMs: number | null; takeoverMs: number | null; resolutionMs: number }[] | undefined)?.[0];
    if (row?.outageMs != null) out.outage.push(row.outageMs);
    if (row?.takeoverMs != null) out.takeover.push(row.takeoverMs);
    if (row) out.resolution = row.resolutionMs;
    if (r.timings.bringUpMs !== undefined) out.bringUp.push(r.timings.bringUpMs);
  }
  return out;
}

const FAILOVERS = Number(process.env.MSH_BENCH_FAILOVERS ?? 20);
const ONLY = process.env.MSH_BENCH_ONLY;
if (ONLY !== undefined && ONLY !== 'identity' && ONLY !== 'dr' && ONLY !== 'suite') throw new Error(`MSH_BENCH_ONLY=${ONLY}: the sections that run alone are identity, dr and suite`);
/** Which tag the suite section times (`default` takes ~9 min one at a time), and at which --jobs. */
const SUITE_TAG = process.env.MSH_BENCH_SUITE ?? 'smoke';
const SUITE_JOBS = (process.env.MSH_BENCH_JOBS ?? '1,3').split(',').map(Number);

async function main(): Promise<void> {
  if (ONLY === undefined) await topologyAndFailover();
  // Their own tables: these figures are not medians of 3 bring-ups.
  if (ONLY === undefined || ONLY === 'identity') {
    const identity = new Table({ head: ['identity figure', 'measured in this run'], style: { head: [], border: [] } });
    identity.push(...(await identityRows(new DockerRuntime())));
    process.stdout.write(identity.toString() + '\n');
  }
  if (ONLY === undefined || ONLY === 'dr') {
    const dr = new Table({ head: ['DR figure', 'measured in this run'], style: { head: [], border: [] }, colWidths: [60, 60], wordWrap: true });
    dr.push(...(await drRows(new DockerRuntime())));
    process.stdout.write(dr.toString() + '\n');
  }
  if (ONLY === undefined || ONLY === 'suite') {
    const suite = new Table({ head: ['suite figure', 'measured in this run'], style: { head: [], border: [] }, colWidths: [45, 75], wordWrap: true });
    suite.push(...(await suiteRows(SUITE_TAG, SUITE_JOBS)));
    process.stdout.write(suite.toString() + '\n');
  }
}

async function topologyAndFailover(): Promise<void> {
  const two = (await loadScenario(join(PROJECT_ROOT, 'scenarios/wan-heartbeat.yaml'))).scenario;
  const table = new Table({ head: ['figure', 'median of 3'], style: { head: [], border: [] } });
  for (const [label, s] of [
    ['two sites, 1 link, 2 containers', two],
    ['10-site ring, 10 links, 10 containers', ringScenario(10)],
  ] as const) {
    const r = await bringUpTeardown(s);
    table.push([`bring-up: ${label}`, fmt(r.up)], [`teardown: ${label}`, fmt(r.down)]);
  }
  const f = await failovers(FAILOVERS);
  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
  const dist = (xs: number[]) => `median ${quantile(sorted(xs), 0.5).toFixed(0)} ms, p99 ${quantile(sorted(xs), 0.99).toFixed(0)} ms, max ${Math.max(...xs).toFixed(0)} ms (n=${xs.length})`;
  table.push(
    [`failover: new calls served again after active-site loss (${FAILOVERS} runs, 50 ms x 3 heartbeats, witness)`, dist(f.outage)],
    ['failover: standby active after the loss (VNF role events)', dist(f.takeover)],
    ['failover measurement resolution (one new call every)', `${f.resolution} ms; timestamps sub-ms, one kernel clock`],
    ['bring-up: HA topology (3 sites, 3 controllers with MariaDB + API, 4 VMs, overlays via the API)', fmt(f.bringUp.slice(0, 3))],
  );
  table.push(['peak RSS of the harness process', `${(process.resourceUsage().maxRSS / 1024).toFixed(1)} MiB`]);
  process.stdout.write(table.toString() + '\n');
}

await main();
