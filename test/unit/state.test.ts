// A run's state dir never appears without its state.json (another run's start
// would take it for a dead run's and reap it), and rewriting keeps the rest.
import { randomBytes } from 'node:crypto';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { STATE_ROOT } from '../../harness/paths.js';
import { readState, stateDir, writeState } from '../../harness/topology/state.js';

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
