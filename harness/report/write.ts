// Writes a run's report files next to its history. Each file is written to a
// temporary name and renamed, so a reader never sees half a report.
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CheckResult, Verdict } from '../checks/verdict.js';
import type { LoadedScenario } from '../scenario/load.js';
import { writeHtml } from './html-write.js';
import { junitXml } from './junit.js';
import { summaryMarkdown } from './markdown.js';

/** What the run did to the topology, and whether the harness proved each took effect. */
export interface FaultRecord {
  readonly fault: string;
  readonly kind: string;
  readonly target: string;
  readonly proven: boolean;
  readonly proof: string;
}

/** The WAN capture a run wrote (a check needed it), and how tshark decodes its links' VXLAN. */
export interface CaptureRecord {
  readonly file: string;
  /** tshark's options, e.g. `-d udp.port==40000,vxlan -d udp.port==40001,vxlan` (the relay's ports, which no dissector knows). */
  readonly decodeAs: string;
}

/** One run's outcome, as the engine hands it to the report writers. */
export interface RunResult {
  readonly outDir: string;
  readonly runId: string;
  readonly verdicts: readonly Verdict[];
  readonly checks: readonly CheckResult[];
  readonly faults: readonly FaultRecord[];
  readonly aborted: boolean;
  readonly error?: string;
  readonly timings: Readonly<Record<string, number>>;
  readonly capture?: CaptureRecord;
}

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
  readonly capture?: CaptureRecord;
  readonly faults: RunResult['faults'];
  readonly verdicts: RunResult['verdicts'];
}

/** A report dir's leading timestamp, e.g. `2026-12-03T07-41-35`: sorts by time, safe in a file name. */
export function reportStamp(d: Date): string {
  return d.toISOString().replace(/[:.]/g, '-').slice(0, 19);
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
    ...(r.capture ? { capture: r.capture } : {}),
    faults: r.faults,
    verdicts: r.verdicts,
  };
  await writeAtomic(join(r.outDir, 'result.json'), JSON.stringify(file, null, 2) + '\n');
  await writeAtomic(join(r.outDir, 'junit.xml'), junitXml(file));
  await writeAtomic(join(r.outDir, 'summary.md'), summaryMarkdown(file));
  await writeHtml(r.outDir, file, writeAtomic);
}
