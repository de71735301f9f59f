import { execa } from 'execa';
import { readFile, stat } from 'node:fs/promises';

/**
 * What a run left on the host, by name: containers and namespaces whose name
 * carries the run id (or any run's, with no id); with an id also its state
 * dir, its netns mounts and every process whose command line names the run
 * (the relay's control socket lives in the state dir).
 */
export async function leftovers(runId?: string): Promise<string[]> {
  const pattern = runId ? `msh-${runId}-` : 'msh-';
  const ps = await execa('docker', ['ps', '-a', '--format', '{{.Names}}'], { reject: false });
  const ns = await execa('ip', ['netns', 'list'], { reject: false });
  const named = [...ps.stdout.split('\n'), ...ns.stdout.split('\n').map((l) => l.split(' ')[0]!)].filter((n) => n.startsWith(pattern) && !n.startsWith('msh-test-'));
  if (!runId) return named;
  const stateDir = `/tmp/msh-runs/${runId}`;
  const dir = await stat(stateDir).then(() => [`dir ${stateDir}`], () => []);
  const mounts = (await readFile('/proc/mounts', 'utf8')).split('\n').filter((l) => l.includes(pattern) || l.includes(stateDir)).map((l) => `mount ${l.split(' ')[1]}`);
  const procs = await execa('ps', ['-eo', 'pid=,args='], { reject: false });
  const mine = String(process.pid);
  const running = procs.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => (l.includes(stateDir) || l.includes(pattern)) && !l.startsWith(`${mine} `) && !/\bps -eo\b/.test(l))
    .map((l) => `process ${l}`);
  return [...named, ...dir, ...mounts, ...running];
}
