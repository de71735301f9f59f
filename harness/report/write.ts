// Writes a run's report files next to its history. Each file is written to a
// temporary name and renamed, so a reader never sees half a report.
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunResult } from '../engine/run.js';
import type { LoadedScenario } from '../scenario/load.js';
import { junitXml } from './junit.js';
import { summaryMarkdown } from './markdown.js';

export interface RunMeta {
  readonly seed: number;
  readonly started: Date;
  readonly finished: Date;
}

export interface ResultFile {
  readonly scenario: LoadedScenario['scenario'] & { file: string };
  readonly runId: string;
  readonly seed: number;
  readonly started: string;
  readonly finished: string;
  readonly aborted: boolean;
  readonly error?: string;
  readonly timings: RunResult['timings'];
  readonly verdicts: RunResult['verdicts'];
}

export async function writeAtomic(path: string, text: string): Promise<void> {
  await writeFile(`${path}.tmp`, text);
  await rename(`${path}.tmp`, path);
}

export async function writeReport(r: RunResult, loaded: LoadedScenario, meta: RunMeta): Promise<void> {
  const file: ResultFile = {
    scenario: { ...loaded.scenario, file: loaded.file },
    runId: r.runId,
    seed: meta.seed,
    started: meta.started.toISOString(),
    finished: meta.finished.toISOString(),
    aborted: r.aborted,
    ...(r.error ? { error: r.error } : {}),
    timings: r.timings,
    verdicts: r.verdicts,
  };
  await writeAtomic(join(r.outDir, 'result.json'), JSON.stringify(file, null, 2) + '\n');
  await writeAtomic(join(r.outDir, 'junit.xml'), junitXml(file));
  await writeAtomic(join(r.outDir, 'summary.md'), summaryMarkdown(file));
}
