// A run's footprint on the host, found from names and labels alone, so
// `down`, `clean` and the next run's start can remove what a dead run left.
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { STATE_ROOT } from '../paths.js';
import { nsDelete, nsList } from '../net/ip.js';
import { LABEL, type Runtime } from '../runtime/runtime.js';

export const RUN_ID = /^[0-9a-f]{6}$/;
const NS_OF_RUN = /^msh-([0-9a-f]{6})-/;
/** writeState's temp dir: `.new-<run id>-<writer pid>`. */
const TEMP_OF_RUN = /^\.new-([0-9a-f]{6})-(\d+)$/;

export interface RunState {
  readonly runId: string;
  readonly scenario: string;
  readonly ownerPid: number;
  readonly keep: boolean; // left up on purpose (`msh up`): only `down`/`clean` remove it
  readonly startedAt: string;
}

export function stateDir(runId: string): string {
  return join(STATE_ROOT, runId);
}

/** What this process writes for a run it owns. */
export function ownedState(plan: { readonly runId: string; readonly scenario: string }, keep: boolean): RunState {
  return { runId: plan.runId, scenario: plan.scenario, ownerPid: process.pid, keep, startedAt: new Date().toISOString() };
}

/**
 * Every run's start reaps the runs it finds whose state it cannot read, so a
 * run's dir must never be seen without its state.json: it is written in a
 * dir of another name and renamed into place (or, when the dir exists
 * already, the file is renamed into it). Before, four runs starting at once
 * could find one another's dir between its mkdir and its write, take it for a
 * dead run's and reap it in progress (trust.test.ts, once in CI).
 */
export async function writeState(s: RunState, extra: Record<string, unknown> = {}): Promise<string> {
  const dir = stateDir(s.runId);
  const tmp = join(STATE_ROOT, `.new-${s.runId}-${process.pid}`);
  await mkdir(tmp, { recursive: true });
  await writeFile(join(tmp, 'state.json'), JSON.stringify({ ...s, ...extra }, null, 2));
  try {
    await rename(tmp, dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
    await rename(join(tmp, 'state.json'), join(dir, 'state.json'));
    await rm(tmp, { recursive: true, force: true });
  }
  return dir;
}

export async function readState(runId: string): Promise<(RunState & Record<string, unknown>) | undefined> {
  try {
    return JSON.parse(await readFile(join(stateDir(runId), 'state.json'), 'utf8')) as RunState & Record<string, unknown>;
  } catch {
    return undefined;
  }
}

export interface RunFootprint {
  readonly runId: string;
  readonly scenario: string | undefined;
  readonly containers: string[];
  readonly namespaces: string[];
  readonly state: RunState | undefined;
}

export async function listRuns(runtime: Runtime): Promise<RunFootprint[]> {
  const runs = new Map<string, { containers: string[]; namespaces: string[]; scenario?: string }>();
  const get = (id: string) => {
    let r = runs.get(id);
    if (!r) runs.set(id, (r = { containers: [], namespaces: [] }));
    return r;
  };
  for (const c of await runtime.list(LABEL.run)) {
    const r = get(c.labels[LABEL.run]!);
    r.containers.push(c.name);
    r.scenario = c.labels[LABEL.scenario];
  }
  for (const ns of await nsList()) {
    const m = NS_OF_RUN.exec(ns);
    if (m) get(m[1]!).namespaces.push(ns);
  }
  for (const d of await readdir(STATE_ROOT).catch(() => [] as string[])) {
    if (RUN_ID.test(d)) get(d);
    // A writer SIGKILLed between its temp dir's mkdir and rename: the dir is all its run left.
    const t = TEMP_OF_RUN.exec(d);
    if (t && !pidAlive(Number(t[2]))) get(t[1]!);
  }
  const out: RunFootprint[] = [];
  for (const [runId, r] of runs) {
    const state = await readState(runId);
    out.push({ runId, scenario: state?.scenario ?? r.scenario, containers: r.containers, namespaces: r.namespaces, state });
  }
  return out.sort((a, b) => a.runId.localeCompare(b.runId));
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function ownerAlive(s: RunState | undefined): boolean {
  return s !== undefined && pidAlive(s.ownerPid);
}

/** Removes every container, namespace (and the processes in it) and state dir of a run. Safe to call twice. */
export async function destroyRun(runtime: Runtime, runId: string): Promise<{ containers: number; namespaces: number }> {
  const containers = await runtime.list(LABEL.run, runId);
  await Promise.all(containers.map((c) => runtime.remove(c.id)));
  const namespaces = (await nsList()).filter((ns) => ns.startsWith(`msh-${runId}-`));
  await Promise.all(namespaces.map(nsDelete));
  await rm(stateDir(runId), { recursive: true, force: true });
  for (const d of await readdir(STATE_ROOT).catch(() => [] as string[])) {
    const t = TEMP_OF_RUN.exec(d);
    if (t?.[1] === runId && !pidAlive(Number(t[2]))) await rm(join(STATE_ROOT, d), { recursive: true, force: true });
  }
  return { containers: containers.length, namespaces: namespaces.length };
}

/** Runs whose owner died without tearing down (SIGKILL) and that were not left up on purpose. */
export async function staleRuns(runtime: Runtime): Promise<RunFootprint[]> {
  return (await listRuns(runtime)).filter((r) => !r.state?.keep && !ownerAlive(r.state));
}
