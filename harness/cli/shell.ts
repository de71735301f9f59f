// msh shell <run> <site>/<node>: an interactive shell in the node's
// container. Without a terminal (CI, a pipe) it prints the command instead.
import { spawn } from 'node:child_process';
import { nodeContainer, openRun } from '../ops/run-handle.js';
import { MshError } from '../scenario/errors.js';
import { println, type Io } from './io.js';

export async function shellCommand(args: string[], io: Io): Promise<number> {
  const [runId, ref, ...extra] = args;
  if (runId === undefined || ref === undefined || extra.length > 0) throw new MshError('USAGE', 'usage: msh shell <run> <site>/<node>');
  const h = await openRun(runId);
  nodeContainer(h, ref);
  const name = h.plan.sites.flatMap((s) => s.nodes).find((n) => n.ref === ref)!.container;
  const cmd = ['docker', 'exec', '-it', name, 'bash'];
  if (!process.stdin.isTTY || !io.stdout.isTTY) {
    println(io.stdout, cmd.join(' '));
    return 0;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(cmd[0]!, cmd.slice(1), { stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code) => resolve(code ?? 1));
  });
}
