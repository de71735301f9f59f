// Before the integration tests: remove what test processes killed mid-file
// left behind (a session or CI job cut off before a file's afterAll ran):
// `msh-test-*` namespaces with the agents still running in them, containers,
// and the test files' private builds and run dirs. Only what is older than an
// hour: no test file runs that long, so another `make test` running at the
// same time keeps its own. The harness's own runs are `msh clean`'s (and
// every run's start): tests only check that those leave nothing.
import Docker from 'dockerode';
import { execa } from 'execa';
import { readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../harness/paths.js';

const STALE_MS = 60 * 60 * 1000;
const PREFIX = 'msh-test-';

async function olderThan(path: string, ms: number): Promise<boolean> {
  const s = await stat(path).catch(() => null);
  return s !== null && Date.now() - s.mtimeMs > ms;
}

async function staleNamespaces(maxAgeMs: number): Promise<string[]> {
  const ns = await execa('ip', ['netns', 'list'], { reject: false });
  const names = ns.stdout.split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.startsWith(PREFIX));
  const stale: string[] = [];
  for (const n of names) if (await olderThan(`/run/netns/${n}`, maxAgeMs)) stale.push(n);
  return stale;
}

async function staleContainers(docker: Docker, maxAgeMs: number): Promise<string[]> {
  const all = await docker.listContainers({ all: true, filters: { name: [`^${PREFIX}`] } }).catch(() => []);
  return all.filter((c) => Date.now() - c.Created * 1000 > maxAgeMs).map((c) => c.Id);
}

async function staleDirs(parent: string, prefix: string, maxAgeMs: number): Promise<string[]> {
  const names = (await readdir(parent).catch(() => [] as string[])).filter((d) => d.startsWith(prefix));
  const out: string[] = [];
  for (const d of names) if (await olderThan(join(parent, d), maxAgeMs)) out.push(join(parent, d));
  return out;
}

export default async function setup(): Promise<void> {
  await removeStaleTestResources(STALE_MS);
}

export async function removeStaleTestResources(maxAgeMs: number): Promise<void> {
  const removed: string[] = [];
  for (const n of await staleNamespaces(maxAgeMs)) {
    const pids = (await execa('ip', ['netns', 'pids', n], { reject: false })).stdout.split('\n').filter(Boolean);
    if (pids.length) await execa('kill', ['-KILL', ...pids], { reject: false });
    await execa('ip', ['netns', 'del', n], { reject: false });
    removed.push(`namespace ${n}${pids.length ? ` (${pids.length} processes)` : ''}`);
  }
  const docker = new Docker();
  for (const id of await staleContainers(docker, maxAgeMs)) {
    await docker.getContainer(id).remove({ force: true }).catch(() => undefined);
    removed.push(`container ${id.slice(0, 12)}`);
  }
  for (const d of [...(await staleDirs(join(PROJECT_ROOT, '.cache'), 'vnf-test-', maxAgeMs)), ...(await staleDirs(tmpdir(), PREFIX, maxAgeMs))]) {
    await rm(d, { recursive: true, force: true });
    removed.push(d);
  }
  if (removed.length) process.stderr.write(`removed what killed test runs left: ${removed.join(', ')}\n`);
}
