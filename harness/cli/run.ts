// msh run <scenario.yaml...> [--out DIR] [--seed N] [--tag T] [--shard I/N] [--jobs N] [--json]
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { passed } from '../engine/run.js';
import { PROJECT_ROOT } from '../paths.js';
import { MshError } from '../scenario/errors.js';
import type { Io } from './io.js';
import { parseJobs, runMany } from './run-many.js';
import { loadAll, scenarioFiles, withTag } from './scenarios.js';
import { reportStamp } from '../report/write.js';

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

  const jobs = parseJobs(values.jobs);

  const stamp = reportStamp(new Date());
  const planned = selected.map((loaded) => {
    const name = loaded.scenario.name;
    return { loaded, outDir: values.out ? (selected.length > 1 ? join(values.out, name) : values.out) : join(PROJECT_ROOT, 'reports', `${stamp}-${name}`) };
  });
  const { runs, aborted } = await runMany(planned, io, { jobs, json, latest: !values.out, ...(seed !== undefined ? { seed } : {}) });
  if (aborted) return 130;
  return runs.every((r) => passed(r.result)) ? 0 : 1;
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
