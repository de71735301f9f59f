// msh logs <run> <site>/<node>: the container's output, the events of the VNF
// agents `msh up` left running in it and, for a controller, its site's
// services.log (the run dir is bind-mounted at /run/msh).
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KEPT_LOG_DIR } from '../engine/kept-agents.js';
import { nodeContainer, openRun } from '../ops/run-handle.js';
import { MshError } from '../scenario/errors.js';
import { println, type Io } from './io.js';

// The docker CLI demultiplexes the engine's stdout/stderr frames (Runtime.logs returns them raw).
function dockerLogs(container: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('docker', ['logs', container], { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => (err ? reject(new Error(`docker logs ${container}: ${stderr.trim() || err.message}`)) : resolve(stdout + stderr)));
  });
}

export async function logsCommand(args: string[], io: Io): Promise<number> {
  const [runId, ref, ...extra] = args;
  if (runId === undefined || ref === undefined || extra.length > 0) throw new MshError('USAGE', 'usage: msh logs <run> <site>/<node>');
  const h = await openRun(runId);
  const id = nodeContainer(h, ref);
  const site = ref.split('/')[0]!;
  const plan = h.plan.sites.flatMap((s) => s.nodes).find((n) => n.ref === ref);
  println(io.stdout, `== container ${plan?.container ?? id} (docker logs)`);
  io.stdout.write(await dockerLogs(id));
  const kept = await h.runtime
    .exec(id, ['sh', '-c', `for f in ${KEPT_LOG_DIR}/*.jsonl; do [ -e "$f" ] && printf '== %s (in the container)\\n' "$f" && cat "$f"; done; true`])
    .catch(() => null);
  if (kept?.stdout) println(io.stdout, kept.stdout);
  if (plan?.role === 'controller') {
    const file = join(h.dir, 'sites', site, 'services.log');
    println(io.stdout, `== ${file}`);
    io.stdout.write(await readFile(file, 'utf8').catch(() => '(no services log yet)\n'));
  }
  return 0;
}
