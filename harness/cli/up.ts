// msh up <scenario.yaml>: bring the topology up and leave it running.
import { parseArgs } from 'node:util';
import { newRunId } from '../engine/run.js';
import { DockerRuntime } from '../runtime/docker.js';
import { MshError } from '../scenario/errors.js';
import { deploy } from '../topology/deploy.js';
import { planTopology } from '../topology/plan.js';
import { println, type Io } from './io.js';
import { loadAll } from './scenarios.js';

export async function upCommand(args: string[], io: Io): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true });
  if (positionals.length !== 1) throw new MshError('USAGE', 'usage: msh up <scenario.yaml>');
  const [loaded] = await loadAll(positionals);
  const plan = planTopology(loaded!.scenario, newRunId());
  const d = await deploy(plan, new DockerRuntime(), { seed: loaded!.scenario.seed, keep: true });
  await d.relay.close();
  println(io.stdout, `run ${plan.runId} (${plan.scenario}) is up; namespaces ${plan.prefix}-*`);
  for (const s of plan.sites) {
    println(io.stdout, `site ${s.name}: subnet ${s.subnet}, gateway ${s.gateway}, router namespace ${s.ns}`);
    for (const n of s.nodes) println(io.stdout, `  ${n.ref}  ${n.address}/${n.prefix}  container ${n.container}  (docker exec -it ${n.container} bash)`);
  }
  for (const l of plan.links) println(io.stdout, `link ${l.name}: ${l.a.site} ${l.a.address} <-> ${l.b.site} ${l.b.address}, vni ${l.vni}, ${l.baseline.latencyMs} ms each way`);
  println(io.stdout, `tear down with: msh down ${plan.runId}`);
  return 0;
}
