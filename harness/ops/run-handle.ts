// A run left up by `msh up`, reopened from another process: its scenario
// copy, the same plan (planTopology is deterministic for one run id), its
// containers found by label, and a client on the running relay. The verbs
// that act on a run (fault, heal, capture, logs, shell) share this.
import { join } from 'node:path';
import { DockerRuntime } from '../runtime/docker.js';
import { LABEL, type Runtime } from '../runtime/runtime.js';
import { MshError } from '../scenario/errors.js';
import { loadScenario } from '../scenario/load.js';
import type { Scenario } from '../scenario/schema.js';
import type { Deployment } from '../topology/deploy.js';
import { planTopology, type Plan } from '../topology/plan.js';
import { readState, RUN_ID, stateDir } from '../topology/state.js';
import { attachRelay } from '../wan/process.js';

export interface RunHandle {
  readonly runId: string;
  readonly dir: string;
  readonly scenario: Scenario;
  readonly plan: Plan;
  readonly runtime: Runtime;
  /** site/node -> container id, as labelled at creation. */
  readonly containers: ReadonlyMap<string, string>;
}

/** The run's scenario and plan; throws a usage error naming what to do if the run is not up. */
export async function openRun(runId: string | undefined, runtime: Runtime = new DockerRuntime()): Promise<RunHandle> {
  if (!runId || !RUN_ID.test(runId) || !(await readState(runId))) {
    throw new MshError('USAGE', `no run ${runId ?? '(none given)'} is up (msh ps lists the runs; msh up prints its id)`);
  }
  const dir = stateDir(runId);
  const { scenario } = await loadScenario(join(dir, 'scenario.yaml')).catch(() => {
    throw new MshError('USAGE', `run ${runId} has no scenario copy: it was not brought up by msh up`);
  });
  const plan = planTopology(scenario, runId);
  const containers = new Map<string, string>();
  for (const c of await runtime.list(LABEL.run, runId)) {
    const site = c.labels[LABEL.site];
    const node = c.labels[LABEL.node];
    if (site && node) containers.set(`${site}/${node}`, c.id);
  }
  return { runId, dir, scenario, plan, runtime, containers };
}

/** A Deployment over the running relay, for the engine's faultEnv; close its relay when done. */
export async function attachDeployment(h: RunHandle): Promise<Deployment> {
  const relay = await attachRelay(h.dir, 2000);
  return { plan: h.plan, stateDir: h.dir, relay, containers: h.containers };
}

/** "site/node" -> its container id, or a usage error listing the nodes. */
export function nodeContainer(h: RunHandle, ref: string | undefined): string {
  const id = ref === undefined ? undefined : h.containers.get(ref);
  if (!id) {
    const known = [...h.containers.keys()].sort().join(', ') || 'none';
    throw new MshError('USAGE', `${ref === undefined ? 'name a node as site/node' : `run ${h.runId} has no container for ${ref}`} (nodes: ${known})`);
  }
  return id;
}
