import { execa } from 'execa';

/** Containers and namespaces whose name carries this run id (or any run, with no id). */
export async function leftovers(runId?: string): Promise<string[]> {
  const pattern = runId ? `msh-${runId}-` : 'msh-';
  const ps = await execa('docker', ['ps', '-a', '--format', '{{.Names}}'], { reject: false });
  const ns = await execa('ip', ['netns', 'list'], { reject: false });
  return [...ps.stdout.split('\n'), ...ns.stdout.split('\n').map((l) => l.split(' ')[0]!)].filter((n) => n.startsWith(pattern) && !n.startsWith('msh-test-'));
}
