// msh ps: every run on this host (left up, running, or left behind by a
// dead owner): since when, whether its owner lives, whether it is kept,
// each container's state and the faults injected by hand.
import { parseArgs } from 'node:util';
import { readHandFaults } from '../ops/hand-faults.js';
import { DockerRuntime } from '../runtime/docker.js';
import { LABEL } from '../runtime/runtime.js';
import { listRuns, ownerAlive, stateDir } from '../topology/state.js';
import { println, type Io } from './io.js';

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
    for (const f of r.faults) println(io.stdout, `  fault ${f.name} (${f.kind}) since ${f.since}${f.proven ? '' : ', NOT PROVEN'}${f.heals ? '' : ' (no heal: until msh down)'}`);
  }
  return 0;
}
