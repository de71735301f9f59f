// Running a scenario file for real in a test, and reading its verdicts.
import { runScenario, type RunResult } from '../../harness/engine/run.js';
import { DockerRuntime } from '../../harness/runtime/docker.js';
import { loadScenario } from '../../harness/scenario/load.js';
import { testDir } from './temp-dir.js';

export async function runFile(file: string): Promise<RunResult> {
  return runScenario(await loadScenario(file), new DockerRuntime(), { outDir: await testDir('msh-test-report') });
}

export const status = (r: RunResult, id: string): string => r.verdicts.find((v) => v.id === id)!.status;

/** The decided verdicts and their summaries, for assertion messages. */
export const detail = (r: RunResult): string =>
  JSON.stringify(r.verdicts.filter((v) => v.status !== 'skip').map((v) => [v.id, v.status, v.checks.map((c) => c.summary)]), null, 1);

/** The evidence of the check named `check` (or the first check) deciding requirement `id`. */
export function evidenceOf<T = Record<string, unknown>>(r: RunResult, id: string, check?: string): T {
  const v = r.verdicts.find((x) => x.id === id)!;
  const c = check === undefined ? v.checks[0] : v.checks.find((x) => x.check === check);
  if (!c) throw new Error(`no check ${check ?? ''} decided ${id}: ${detail(r)}`);
  return c.evidence as T;
}
