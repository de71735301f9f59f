// msh run <scenario.yaml...> [--out DIR] [--seed N] [--tag T] [--shard I/N] [--jobs N] [--json]
import { mkdir, rm, symlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pLimit from 'p-limit';
import { passed, runScenario } from '../engine/run.js';
import type { HistoryEvent } from '../observe/history.js';
import { PROJECT_ROOT } from '../paths.js';
import { verdictTable } from '../report/table.js';
import { DockerRuntime } from '../runtime/docker.js';
import { MshError } from '../scenario/errors.js';
import type { LoadedScenario } from '../scenario/load.js';
import { println, type Io } from './io.js';
import { loadAll, scenarioFiles, withTag } from './scenarios.js';

export async function runCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { out: { type: 'string' }, seed: { type: 'string' }, tag: { type: 'string' }, shard: { type: 'string' }, jobs: { type: 'string', short: 'j' }, json: { type: 'boolean' } },
  });
  const json = values.json === true;
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !Number.isInteger(seed)) throw new MshError('USAGE', `--seed must be an integer, got "${values.seed}"`);
  const tagged = withTag(await loadAll(await scenarioFiles(positionals)), values.tag);
  if (tagged.length === 0) throw new MshError('USAGE', `no scenario has tag "${values.tag}" (see \`msh list\`)`);
  const selected = values.shard === undefined ? tagged : shard(tagged, values.shard);

  const jobs = values.jobs === undefined ? 1 : Number(values.jobs);
  if (!Number.isInteger(jobs) || jobs < 1) throw new MshError('USAGE', `--jobs must be a whole number >= 1, got "${values.jobs}"`);

  const abort = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    println(io.stderr, `\n${sig}: healing faults, tearing down and writing the report so far...`);
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  // Each run has its own namespaces, address plan and containers (all named by
  // its run id), so independent scenarios can share the host; with more than
  // one at a time every text line carries its scenario's name.
  const limit = pLimit(jobs);
  const prefix = (name: string) => (jobs > 1 ? `[${name}] ` : '');
  const one = async (loaded: LoadedScenario): Promise<boolean> => {
    if (abort.signal.aborted) return false;
    const name = loaded.scenario.name;
    const outDir = values.out ? (selected.length > 1 ? join(values.out, name) : values.out) : join(PROJECT_ROOT, 'reports', `${stamp}-${name}`);
    if (json) println(io.stdout, JSON.stringify({ type: 'scenario', scenario: name, file: loaded.file, outDir }));
    else println(io.stdout, `${prefix(name)}== ${name} (${loaded.file}) -> ${outDir}`);
    const onEvent = json ? (e: HistoryEvent) => println(io.stdout, JSON.stringify({ type: 'event', scenario: name, event: e })) : progress(io, prefix(name));
    const result = await runScenario(loaded, new DockerRuntime(), { outDir: resolve(outDir), ...(seed !== undefined ? { seed } : {}), signal: abort.signal, onEvent });
    if (!values.out) await pointLatest(outDir);
    if (json) {
      const verdicts = result.verdicts.filter((v) => v.status !== 'skip').map((v) => ({ id: v.id, status: v.status }));
      println(io.stdout, JSON.stringify({ type: 'result', scenario: name, outDir, passed: passed(result), verdicts, faults: result.faults, ...(result.error ? { error: result.error } : {}) }));
    } else {
      // One write per block, so a table is never interleaved with another run's lines.
      const lines = [verdictTable(name, result.verdicts, io.stdout.isTTY === true)];
      for (const f of result.faults.filter((x) => x.proven)) lines.push(`${prefix(name)}fault ${f.fault} (${f.kind}, ${f.target}): took effect: ${f.proof}`);
      lines.push(`${prefix(name)}report: ${outDir}/summary.md`);
      println(io.stdout, lines.join('\n'));
      for (const f of result.faults.filter((x) => !x.proven)) println(io.stderr, `${prefix(name)}fault ${f.fault} (${f.kind}, ${f.target}): NOT PROVEN, its checks are unknown: ${f.proof}`);
      if (result.error) println(io.stderr, `${prefix(name)}run error: ${result.error}`);
    }
    return passed(result);
  };
  let settled: PromiseSettledResult<boolean>[];
  try {
    // A run that throws stops the others (they heal, tear down and report) before the error surfaces.
    const guarded = (l: LoadedScenario) => one(l).catch((err: unknown) => {
      abort.abort();
      throw err;
    });
    settled = await Promise.allSettled(selected.map((l) => limit(() => guarded(l))));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const thrown = settled.find((r) => r.status === 'rejected');
  if (thrown) throw thrown.reason;
  if (abort.signal.aborted) return 130;
  return settled.every((r) => r.status === 'fulfilled' && r.value) ? 0 : 1;
}

/**
 * Shard i of n (1-based) of a suite, for CI jobs that split it: scenarios in
 * file order, every n-th from the i-th. The shards are disjoint and their
 * union is the suite, so their JUnit files together are one serial run's.
 */
export function shard<T extends { readonly file: string }>(all: readonly T[], spec: string): T[] {
  const m = /^(\d+)\/(\d+)$/.exec(spec);
  const i = Number(m?.[1]);
  const n = Number(m?.[2]);
  if (!m || n < 1 || i < 1 || i > n) throw new MshError('USAGE', `--shard takes I/N with 1 <= I <= N (e.g. --shard 2/3), got "${spec}"`);
  return [...all].sort((a, b) => a.file.localeCompare(b.file)).filter((_, k) => k % n === i - 1);
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
