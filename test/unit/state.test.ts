// A run's state dir never appears without its state.json (another run's start
// would take it for a dead run's and reap it), and rewriting keeps the rest.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { STATE_ROOT } from '../../harness/paths.js';
import type { Runtime } from '../../harness/runtime/runtime.js';
import { destroyRun, readState, staleRuns, stateDir, writeState } from '../../harness/topology/state.js';

const runId = randomBytes(3).toString('hex');
const base = { runId, scenario: 'unit', ownerPid: process.pid, keep: false, startedAt: '2026-12-03T00:00:00Z' };

afterEach(() => rm(stateDir(runId), { recursive: true, force: true }));

describe('writeState', () => {
  it('creates the dir with its state in one step, and rewrites it in a dir that holds more', async () => {
    const dir = await writeState(base);
    expect(dir).toBe(stateDir(runId));
    expect(await readState(runId)).toEqual(base);
    await writeFile(join(dir, 'history.jsonl'), 'kept\n');
    await writeState({ ...base, keep: true }, { plan: { sites: 3 } });
    expect(await readState(runId)).toEqual({ ...base, keep: true, plan: { sites: 3 } });
    expect(await readFile(join(dir, 'history.jsonl'), 'utf8')).toBe('kept\n');
    expect((await readdir(STATE_ROOT)).filter((d) => d.startsWith(`.new-${runId}`))).toEqual([]);
  });
});

describe('a writer killed before its rename', () => {
  const noContainers = { list: async () => [], remove: async () => undefined } as unknown as Runtime;
  const other = randomBytes(3).toString('hex');
  const dead = join(STATE_ROOT, `.new-${runId}-${2 ** 22 + 1}`); // above any pid_max: never alive
  const live = join(STATE_ROOT, `.new-${other}-${process.pid}`);
  afterEach(() => Promise.all([dead, live].map((d) => rm(d, { recursive: true, force: true }))));

  it('left only its temp dir: a stale run that destroyRun removes; the temp dir of a live writer is left alone', async () => {
    await mkdir(dead, { recursive: true });
    await mkdir(live, { recursive: true });
    const stale = (await staleRuns(noContainers)).map((r) => r.runId);
    expect(stale).toContain(runId);
    expect(stale).not.toContain(other);
    await destroyRun(noContainers, runId);
    await destroyRun(noContainers, other);
    const left = await readdir(STATE_ROOT);
    expect(left).not.toContain(`.new-${runId}-${2 ** 22 + 1}`);
    expect(left).toContain(`.new-${other}-${process.pid}`);
  });
});
