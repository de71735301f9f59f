// msh ps: every run on this host (left up, running, or left behind by a
// dead owner): since when, whether its owner lives, whether it is kept,
// each container's state, the roles of the VNFs `msh up` left running and
// the faults injected by hand.
import { parseArgs } from 'node:util';
import { keptVnfRoles, rolesText, type KeptVnf } from '../engine/kept-agents.js';
import { readHandFaults } from '../ops/hand-faults.js';
import { openRun } from '../ops/run-handle.js';
import { DockerRuntime } from '../runtime/docker.js';
import { LABEL } from '../runtime/runtime.js';
import { listRuns, ownerAlive, stateDir } from '../topology/state.js';
import { println, type Io } from './io.js';

async function keptRoles(runId: string, runtime: DockerRuntime): Promise<KeptVnf[]> {
  const h = await openRun(runId, runtime).catch(() => null);
  return h && h.scenario.vnfs.length > 0 ? keptVnfRoles(h.scenario, h.containers, runtime) : [];
}

export async function psCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args, options: { format: { type: 'string', default: 'table' } } });
  const runtime = new DockerRuntime();
  const runs = await Promise.all(
    (await listRuns(runtime)).map(async (r) => ({
      run: r.runId,
      scenario: r.scenario ?? null,
      since: r.state?.startedAt ?? null,
      ownerPid: r.state?.ownerPid ?? null,
      ownerAlive: ownerAlive(r.state),
      keep: r.state?.keep ?? false,
      containers: (await runtime.list(LABEL.run, r.runId))
        .map((c) => ({ node: `${c.labels[LABEL.site] ?? '?'}/${c.labels[LABEL.node] ?? '?'}`, state: c.state === 'running' || c.state === 'paused' ? c.state : 'dead', name: c.name }))
        .sort((a, b) => a.node.localeCompare(b.node)),
      // Kept runs only: a run's own VNFs (msh run) report into its history, not into these logs.
      vnfs: r.state?.keep ? await keptRoles(r.runId, runtime) : [],
      faults: (await readHandFaults(stateDir(r.runId))).map((f) => ({ name: f.name, kind: f.spec.kind, since: new Date(f.startedAt).toISOString(), heals: !f.permanent, proven: f.proof.ok, target: f.spec })),
    })),
  );
  if (values.format === 'json') {
    println(io.stdout, JSON.stringify(runs, null, 2));
    return 0;
  }
  if (runs.length === 0) println(io.stdout, 'no runs (msh up <scenario> starts one)');
  for (const r of runs) {
    println(io.stdout, `${r.run}  ${r.scenario ?? '?'}  since ${r.since ?? '?'}  owner ${r.ownerPid ?? '?'} ${r.ownerAlive ? 'alive' : 'gone'}  ${r.keep ? 'kept (msh down to remove)' : 'not kept'}`);
    for (const c of r.containers) println(io.stdout, `  ${c.node.padEnd(20)} ${c.state.padEnd(8)} ${c.name}`);
    for (const v of r.vnfs) println(io.stdout, `  vnf ${v.vnf}: ${rolesText(v)}`);
    for (const f of r.faults) println(io.stdout, `  fault ${f.name} (${f.kind}) since ${f.since}${f.proven ? '' : ', NOT PROVEN'}${f.heals ? '' : ' (no heal: until msh down)'}`);
  }
  return 0;
}
