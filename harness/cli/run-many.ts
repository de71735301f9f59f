// Runs planned scenario runs, N slots at a time (an identity or DR run takes two:
// engine/slots.ts), printing progress and each run's
// verdicts: the loop behind `msh run` and `msh soak`. SIGINT/SIGTERM stop
// every run in flight (each heals, tears down and writes its report so far).
import { mkdir, rm, symlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Semaphore } from 'async-mutex';
import { passed, runScenario, type RunResult } from '../engine/run.js';
import { slots } from '../engine/slots.js';
import type { HistoryEvent } from '../observe/history.js';
import { PROJECT_ROOT } from '../paths.js';
import { verdictTable } from '../report/table.js';
import { DockerRuntime } from '../runtime/docker.js';
import { MshError } from '../scenario/errors.js';
import type { LoadedScenario } from '../scenario/load.js';
import { println, type Io } from './io.js';

export interface PlannedRun {
  readonly loaded: LoadedScenario;
  readonly outDir: string;
  /** Shown in progress lines when several runs share the terminal (default: the scenario's name). */
  readonly label?: string;
}

export interface RunManyOptions {
  readonly jobs: number;
  readonly json: boolean;
  readonly seed?: number;
  /** Point reports/latest at each finished run. */
  readonly latest: boolean;
}

export function parseJobs(value: string | undefined): number {
  const jobs = value === undefined ? 1 : Number(value);
  if (!Number.isInteger(jobs) || jobs < 1) throw new MshError('USAGE', `--jobs must be a whole number >= 1, got "${value}"`);
  return jobs;
}

/** Each finished run with what was planned for it (runs an abort kept from starting are left out). */
export async function runMany<P extends PlannedRun>(planned: readonly P[], io: Io, opts: RunManyOptions): Promise<{ runs: { planned: P; result: RunResult }[]; aborted: boolean }> {
  const { json, seed } = opts;
  const abort = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    println(io.stderr, `\n${sig}: healing faults, tearing down and writing the report so far...`);
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Each run has its own namespaces, address plan and containers (all named by
  // its run id), so independent runs can share the host; with more than one
  // at a time every text line carries its run's label.
  const one = async ({ loaded, outDir, label }: PlannedRun): Promise<RunResult | undefined> => {
    if (abort.signal.aborted) return undefined;
    const name = loaded.scenario.name;
    const prefix = opts.jobs > 1 ? `[${label ?? name}] ` : '';
    if (json) println(io.stdout, JSON.stringify({ type: 'scenario', scenario: name, file: loaded.file, outDir }));
    else println(io.stdout, `${prefix}== ${name} (${loaded.file}) -> ${outDir}`);
    const onEvent = json ? (e: HistoryEvent) => println(io.stdout, JSON.stringify({ type: 'event', scenario: name, event: e })) : progress(io, prefix);
    const result = await runScenario(loaded, new DockerRuntime(), { outDir: resolve(outDir), ...(seed !== undefined ? { seed } : {}), signal: abort.signal, onEvent });
    if (opts.latest) await pointLatest(outDir);
    if (json) {
      const verdicts = result.verdicts.filter((v) => v.status !== 'skip').map((v) => ({ id: v.id, status: v.status }));
      println(io.stdout, JSON.stringify({ type: 'result', scenario: name, outDir, passed: passed(result), verdicts, faults: result.faults, ...(result.error ? { error: result.error } : {}) }));
    } else {
      // One write per block, so a table is never interleaved with another run's lines.
      const lines = [verdictTable(name, result.verdicts, io.stdout.isTTY === true)];
      for (const f of result.faults.filter((x) => x.proven)) lines.push(`${prefix}fault ${f.fault} (${f.kind}, ${f.target}): took effect: ${f.proof}`);
      lines.push(`${prefix}report: ${outDir}/summary.md, ${outDir}/report.html`);
      println(io.stdout, lines.join('\n'));
      for (const f of result.faults.filter((x) => !x.proven)) println(io.stderr, `${prefix}fault ${f.fault} (${f.kind}, ${f.target}): NOT PROVEN, its checks are unknown: ${f.proof}`);
      if (result.error) println(io.stderr, `${prefix}run error: ${result.error}`);
    }
    return result;
  };
  let settled: PromiseSettledResult<RunResult | undefined>[];
  try {
    // A run that throws stops the others (they heal, tear down and report) before the error surfaces.
    const guarded = (p: PlannedRun) =>
      one(p).catch((err: unknown) => {
        abort.abort();
        throw err;
      });
    settled = await inSlots(planned, opts.jobs, (p) => slots(p.loaded.scenario), guarded);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const thrown = settled.find((r) => r.status === 'rejected');
  if (thrown) throw thrown.reason;
  const runs = settled.flatMap((r, k) => (r.status === 'fulfilled' && r.value ? [{ planned: planned[k]!, result: r.value }] : []));
  return { runs, aborted: abort.signal.aborted };
}

/**
 * Runs `run` on every item, `capacity` slots shared: an item holds
 * `weight(item)` of them (at most all) while it runs; items start in order,
 * each waiting until its slots are free (a heavy one is not overtaken).
 */
export function inSlots<T, R>(items: readonly T[], capacity: number, weight: (item: T) => number, run: (item: T) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  const free = new Semaphore(capacity);
  return Promise.allSettled(items.map((item) => free.runExclusive(() => run(item), Math.min(capacity, weight(item)))));
}

async function pointLatest(outDir: string): Promise<void> {
  const link = join(PROJECT_ROOT, 'reports', 'latest');
  await mkdir(join(PROJECT_ROOT, 'reports'), { recursive: true });
  await rm(link, { force: true });
  await symlink(resolve(outDir), link).catch(() => {});
}

/** Phases and faults as they happen, and a heartbeat of the run every 5 s. */
function progress(io: Io, prefix: string): (e: HistoryEvent) => void {
  const start = performance.now();
  let ops = 0;
  let last = start;
  const elapsed = () => `${prefix}[${((performance.now() - start) / 1000).toFixed(1).padStart(6)} s]`;
  return (e) => {
    if (e.kind === 'phase') println(io.stdout, `${elapsed()} ${e.phase}${e.detail ? ' ' + JSON.stringify(e.detail) : ''}`);
    else if (e.kind === 'fault') println(io.stdout, `${elapsed()} fault ${e.fault} ${e.type} (${e.faultKind} ${e.target.key}): ${e.proof.ok ? '' : 'NOT PROVEN: '}${e.proof.summary}`);
    else if (e.kind === 'fault-capture') println(io.stdout, `${elapsed()} fault ${e.fault} seen in the WAN capture (${e.faultKind}): ${e.proof.ok ? '' : 'NOT PROVEN: '}${e.proof.summary}`);
    else if (e.kind === 'baseline' && e.type === 'compare') println(io.stdout, `${elapsed()} baseline ${e.differences.length === 0 ? 'restored' : `differs: ${e.differences.join('; ')}`}`);
    else if (e.kind === 'op') {
      ops += 1;
      if (performance.now() - last > 5000) {
        last = performance.now();
        println(io.stdout, `${elapsed()} ${ops} workload events`);
      }
    }
  };
}
