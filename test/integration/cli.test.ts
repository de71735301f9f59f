// The CLI as a user drives it: a real process, real signals, real cleanup.
import { execa } from 'execa';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseHistory } from '../../harness/observe/history.js';
import { DockerRuntime } from '../../harness/runtime/docker.js';
import { staleRuns } from '../../harness/topology/state.js';
import { leftovers } from '../support/leftovers.js';
import { testDir } from '../support/temp-dir.js';

const msh = (args: string[], opts = {}) => execa('node', ['bin/msh.js', ...args], { reject: false, ...opts });

/** Starts a run and resolves once its workload phase began (wrapped: the subprocess is a thenable). */
async function startRun(outDir: string) {
  const child = execa('node', ['bin/msh.js', 'run', 'fixtures/scenarios/wan-short.yaml', '--out', outDir], { reject: false, buffer: true });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('workload')) resolve();
    });
    child.once('exit', () => reject(new Error('run ended before its workload started')));
  });
  return { child };
}

describe('msh CLI', () => {
  it('SIGINT mid-run heals, tears down, and keeps the results written so far', async () => {
    const out = await testDir('msh-sigint');
    const { child } = await startRun(out);
    await new Promise((r) => setTimeout(r, 1500));
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode).toBe(130);
    const result = JSON.parse(await readFile(join(out, 'result.json'), 'utf8')) as { aborted: boolean; runId: string };
    expect(result.aborted).toBe(true);
    const history = parseHistory(await readFile(join(out, 'history.jsonl'), 'utf8'));
    expect(history.some((e) => e.kind === 'op')).toBe(true);
    expect(history.at(-1)).toMatchObject({ kind: 'phase', phase: 'done' });
    expect(await leftovers(result.runId)).toEqual([]);
  });

  it('a SIGKILLed run is found as stale and removed by msh clean', async () => {
    const out = await testDir('msh-sigkill');
    const { child } = await startRun(out);
    child.kill('SIGKILL');
    await child;
    const runId = (parseHistory(await readFile(join(out, 'history.jsonl'), 'utf8')).find((e) => e.kind === 'phase' && e.phase === 'bring-up') as unknown as { detail: { runId: string } }).detail.runId;
    expect((await leftovers(runId)).length).toBeGreaterThan(0);
    expect((await staleRuns(new DockerRuntime())).map((s) => s.runId)).toContain(runId);
    const clean = await msh(['clean']);
    expect(clean.exitCode).toBe(0);
    expect(clean.stdout).toContain(runId);
    expect(await leftovers(runId)).toEqual([]);
    await expect(stat(`/tmp/msh-runs/${runId}`)).rejects.toThrow();
  });

  it('up leaves a topology running and down removes it from labels alone', async () => {
    const up = await msh(['up', 'fixtures/scenarios/wan-short.yaml']);
    expect(up.exitCode, up.stderr).toBe(0);
    const runId = /^run ([0-9a-f]{6})/.exec(up.stdout)![1]!;
    expect(up.stdout).toMatch(/east\/hb {2}198\.18\.1\.2\/24/);
    const ping = await execa('docker', ['exec', `msh-${runId}-east-hb`, 'ping', '-c', '2', '-i', '0.2', '198.18.2.2'], { reject: false });
    expect(ping.exitCode).toBe(0);
    // A later run's start must not reap a topology left up on purpose.
    expect((await staleRuns(new DockerRuntime())).map((s) => s.runId)).not.toContain(runId);
    const down = await msh(['down', runId]);
    expect(down.exitCode).toBe(0);
    expect(await leftovers(runId)).toEqual([]);
  });

  it('run --json streams one JSON object per line: the scenario, its events as they happen, its result', async () => {
    const out = await testDir('msh-json');
    const r = await msh(['run', 'fixtures/scenarios/wan-short.yaml', '--out', out, '--json']);
    const lines = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; event?: { kind: string; fault?: string; type?: string }; passed?: boolean; verdicts?: unknown[]; faults?: { proven: boolean }[] });
    expect(lines[0]).toMatchObject({ type: 'scenario', scenario: 'wan-short', outDir: out });
    const faults = lines.filter((l) => l.type === 'event' && l.event!.kind === 'fault').map((l) => `${l.event!.fault}:${l.event!.type}`);
    expect(faults).toEqual(['cut:start', 'cut:heal', 'slow:start', 'slow:heal']);
    const result = lines.at(-1)!;
    // On failure, which verdicts failed; their evidence is in the kept out dir's summary.md.
    expect(result, `${out}: ${JSON.stringify(result.verdicts)}`).toMatchObject({ type: 'result', scenario: 'wan-short', passed: true });
    expect(result.verdicts).toContainEqual({ id: 'WAN-PARTITION-GAP', status: 'pass' });
    expect(result.faults!.every((f) => f.proven)).toBe(true);
    expect(r.exitCode).toBe(0);
  });
});
