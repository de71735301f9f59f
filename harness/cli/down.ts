// msh down [run-id|scenario]: tears down runs left up, from labels and names alone.
// msh clean: removes everything any run left behind (runs still in progress are kept).
import { parseArgs } from 'node:util';
import { DockerRuntime } from '../runtime/docker.js';
import { MshError } from '../scenario/errors.js';
import { destroyRun, listRuns, ownerAlive } from '../topology/state.js';
import { println, type Io } from './io.js';

export async function downCommand(args: string[], io: Io): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true });
  const runtime = new DockerRuntime();
  const runs = (await listRuns(runtime)).filter((r) => (positionals.length === 0 ? r.state?.keep !== false : positionals.includes(r.runId) || positionals.includes(r.scenario ?? '')));
  if (runs.length === 0 && positionals.length > 0) throw new MshError('USAGE', `no run matches ${positionals.join(', ')} (see \`docker ps -a --filter label=msh.run\`)`);
  for (const r of runs) {
    const n = await destroyRun(runtime, r.runId);
    println(io.stdout, `down ${r.runId} (${r.scenario ?? '?'}): ${n.containers} containers, ${n.namespaces} namespaces removed`);
  }
  return 0;
}

export async function cleanCommand(_args: string[], io: Io): Promise<number> {
  const runtime = new DockerRuntime();
  // A run whose `msh run` is still alive is in progress, not left behind:
  // removing it would break that run (two runs at once must never clean up each other).
  const all = await listRuns(runtime);
  const live = all.filter((r) => r.state?.keep === false && ownerAlive(r.state));
  for (const r of live) println(io.stdout, `kept ${r.runId} (${r.scenario ?? '?'}): in progress, owned by pid ${r.state?.ownerPid}`);
  const runs = all.filter((r) => !live.includes(r));
  for (const r of runs) {
    const n = await destroyRun(runtime, r.runId);
    println(io.stdout, `removed ${r.runId} (${r.scenario ?? '?'}): ${n.containers} containers, ${n.namespaces} namespaces`);
  }
  if (runs.length === 0 && live.length === 0) println(io.stdout, 'nothing to clean');
  return 0;
}
