// msh run <scenario.yaml...> [--out DIR] [--seed N] [--tag T] [--shard I/N] [--json]
import { mkdir, rm, symlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { passed, runScenario } from '../engine/run.js';
import type { HistoryEvent } from '../observe/history.js';
import { PROJECT_ROOT } from '../paths.js';
import { verdictTable } from '../report/table.js';
import { DockerRuntime } from '../runtime/docker.js';
import { MshError } from '../scenario/errors.js';
import { println, type Io } from './io.js';
import { loadAll, scenarioFiles, withTag } from './scenarios.js';

export async function runCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { out: { type: 'string' }, seed: { type: 'string' }, tag: { type: 'string' }, shard: { type: 'string' }, json: { type: 'boolean' } },
  });
  const json = values.json === true;
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !Number.isInteger(seed)) throw new MshError('USAGE', `--seed must be an integer, got "${values.seed}"`);
  const tagged = withTag(await loadAll(await scenarioFiles(positionals)), values.tag);
  if (tagged.length === 0) throw new MshError('USAGE', `no scenario has tag "${values.tag}" (see \`msh list\`)`);
  const selected = values.shard === undefined ? tagged : shard(tagged, values.shard);

  const abort = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    println(io.stderr, `\n${sig}: healing faults, tearing down and writing the report so far...`);
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  let ok = true;
  try {
    for (const loaded of selected) {
      if (abort.signal.aborted) break;
      const name = loaded.scenario.name;
      const outDir = values.out ? (selected.length > 1 ? join(values.out, name) : values.out) : join(PROJECT_ROOT, 'reports', `${stamp}-${name}`);
      if (json) println(io.stdout, JSON.stringify({ type: 'scenario', scenario: name, file: loaded.file, outDir }));
      else println(io.stdout, `== ${name} (${loaded.file}) -> ${outDir}`);
      const onEvent = json ? (e: HistoryEvent) => println(io.stdout, JSON.stringify({ type: 'event', scenario: name, event: e })) : progress(io);
      const result = await runScenario(loaded, new DockerRuntime(), { outDir: resolve(outDir), ...(seed !== undefined ? { seed } : {}), signal: abort.signal, onEvent });
      if (!values.out) await pointLatest(outDir);
      ok = ok && passed(result);
      if (json) {
        const verdicts = result.verdicts.filter((v) => v.status !== 'skip').map((v) => ({ id: v.id, status: v.status }));
        println(io.stdout, JSON.stringify({ type: 'result', scenario: name, outDir, passed: passed(result), verdicts, faults: result.faults, ...(result.error ? { error: result.error } : {}) }));
        continue;
      }
      println(io.stdout, verdictTable(name, result.verdicts, io.stdout.isTTY === true));
      for (const f of result.faults) println(f.proven ? io.stdout : io.stderr, `fault ${f.fault} (${f.kind}, ${f.target}): ${f.proven ? 'took effect' : 'NOT PROVEN, its checks are unknown'}: ${f.proof}`);
      if (result.error) println(io.stderr, `run error: ${result.error}`);
      println(io.stdout, `report: ${outDir}/summary.md`);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (abort.signal.aborted) return 130;
  return ok ? 0 : 1;
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
function progress(io: Io): (e: HistoryEvent) => void {
  const start = performance.now();
  let ops = 0;
  let last = start;
  const elapsed = () => `[${((performance.now() - start) / 1000).toFixed(1).padStart(6)} s]`;
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
