// Suite wall time (issue 11's "make bench prints ... the suite's wall time"):
// a tag's scenarios run through the real CLI, one at a time and N at a time,
// with how many passed, so a speed-up that costs verdicts shows in one table.
import { execa } from 'execa';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../paths.js';

export interface SuiteFigure {
  readonly tag: string;
  readonly jobs: number;
  readonly wallMs: number;
  readonly runs: number;
  readonly passed: number;
  readonly failed: readonly string[];
  readonly load: number;
}

export async function suiteWallTime(tag: string, jobs: number): Promise<SuiteFigure> {
  const out = await mkdtemp(join(tmpdir(), 'msh-bench-suite-'));
  const load = loadavg()[0]!;
  const t0 = performance.now();
  const r = await execa('node', [join(PROJECT_ROOT, 'bin/msh.js'), 'run', '--tag', tag, '--jobs', String(jobs), '--out', out, '--json'], { reject: false, cwd: PROJECT_ROOT });
  const wallMs = performance.now() - t0;
  await rm(out, { recursive: true, force: true });
  const results = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { type: string; scenario?: string; passed?: boolean; verdicts?: { id: string; status: string }[] })
    .filter((e) => e.type === 'result');
  const failed = results.filter((e) => !e.passed).map((e) => `${e.scenario}: ${(e.verdicts ?? []).filter((v) => v.status !== 'pass').map((v) => `${v.id} ${v.status}`).join(', ') || 'run error'}`);
  return { tag, jobs, wallMs, runs: results.length, passed: results.length - failed.length, failed, load };
}

export async function suiteRows(tag: string, jobsList: readonly number[]): Promise<string[][]> {
  const rows: string[][] = [];
  for (const jobs of jobsList) {
    const f = await suiteWallTime(tag, jobs);
    rows.push([
      `suite \`msh run --tag ${f.tag} --jobs ${f.jobs}\``,
      `${(f.wallMs / 1000).toFixed(1)} s wall, ${f.passed}/${f.runs} scenarios passed (1-min load ${f.load.toFixed(1)} at start)${f.failed.length ? `; not passed: ${f.failed.join('; ')}` : ''}`,
    ]);
  }
  return rows;
}
