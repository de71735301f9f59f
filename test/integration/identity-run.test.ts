// Multisite identity on the real thing: Keystones per region on a Galera
// identity database over an emulated WAN; the centralized model is the
// known-bad configuration for local validation.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScenario, type RunResult } from '../../harness/engine/run.js';
import { DockerRuntime } from '../../harness/runtime/docker.js';
import { loadScenario } from '../../harness/scenario/load.js';
import { leftovers } from '../support/leftovers.js';

async function run(file: string): Promise<RunResult> {
  return runScenario(await loadScenario(file), new DockerRuntime(), { outDir: await mkdtemp(join(tmpdir(), 'msh-id-')) });
}
const status = (r: RunResult, id: string) => r.verdicts.find((v) => v.id === id)!.status;
const detail = (r: RunResult) => JSON.stringify(r.verdicts.filter((v) => v.status !== 'skip').map((v) => [v.id, v.status, v.checks.map((c) => c.summary)]), null, 1);

describe('multisite identity', () => {
  it('distributed Fernet on Galera: valid everywhere, validated locally, revoked everywhere', async () => {
    const r = await run('scenarios/id-fernet-galera.yaml');
    expect(r.error, detail(r)).toBeUndefined();
    for (const id of ['ID-VALIDATE-EVERYWHERE', 'ID-LOCAL-VALIDATION', 'ID-REVOCATION']) expect(status(r, id), `${id}\n${detail(r)}`).toBe('pass');
    expect(await leftovers(r.runId)).toEqual([]);
  });

  it('known-bad: a centralized Keystone makes validation cross regions', async () => {
    const r = await run('scenarios/id-fernet-centralized.yaml');
    expect(r.error, detail(r)).toBeUndefined();
    expect(status(r, 'ID-LOCAL-VALIDATION'), detail(r)).toBe('fail');
  });
});
