// make bench: figures, not pass/fail. Bring-up and teardown of the two-site
// topology and of a 10-site ring (median of 3), and the harness's peak RSS.
import Table from 'cli-table3';
import { join } from 'node:path';
import { newRunId } from '../engine/run.js';
import { now } from '../observe/history.js';
import { PROJECT_ROOT } from '../paths.js';
import { DockerRuntime } from '../runtime/docker.js';
import { loadScenario, parseScenario } from '../scenario/load.js';
import type { Scenario } from '../scenario/schema.js';
import { deploy, undeploy } from '../topology/deploy.js';
import { planTopology } from '../topology/plan.js';
import { quantile } from '../checks/series.js';

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

async function main(): Promise<void> {
  const two = (await loadScenario(join(PROJECT_ROOT, 'scenarios/wan-heartbeat.yaml'))).scenario;
  const table = new Table({ head: ['figure', 'median of 3'], style: { head: [], border: [] } });
  for (const [label, s] of [
    ['two sites, 1 link, 2 containers', two],
    ['10-site ring, 10 links, 10 containers', ringScenario(10)],
  ] as const) {
    const r = await bringUpTeardown(s);
    table.push([`bring-up: ${label}`, fmt(r.up)], [`teardown: ${label}`, fmt(r.down)]);
  }
  table.push(['peak RSS of the harness process', `${(process.resourceUsage().maxRSS / 1024).toFixed(1)} MiB`]);
  process.stdout.write(table.toString() + '\n');
}

await main();
