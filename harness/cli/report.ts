// msh report <run dir or result.json...> [--format table|json]: identity runs side by side.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Table from 'cli-table3';
import { identityComparison } from '../report/compare.js';
import type { ResultFile } from '../report/write.js';
import { MshError } from '../scenario/errors.js';
import { println, type Io } from './io.js';

async function readResult(path: string): Promise<ResultFile> {
  const file = (await stat(path).catch(() => null))?.isDirectory() ? join(path, 'result.json') : path;
  try {
    return JSON.parse(await readFile(file, 'utf8')) as ResultFile;
  } catch (err) {
    throw new MshError('USAGE', `${file}: not a readable result.json (${(err as Error).message})`);
  }
}

export async function reportCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { format: { type: 'string', default: 'table' } } });
  if (positionals.length === 0) throw new MshError('USAGE', 'usage: msh report <run dir or result.json...> [--format table|json]');
  const rows = identityComparison(await Promise.all(positionals.map(readResult)));
  if (rows.length === 0) throw new MshError('USAGE', 'none of these runs has an identity block to compare');
  if (values.format === 'json') {
    println(io.stdout, JSON.stringify(rows, null, 2));
    return 0;
  }
  const t = new Table({
    head: ['scenario', 'model', 'token B', 'validate p50/p99 ms', 'identity pkts /1000 val. (WAN)', 'replication pkts /1000 val.', 'revocation window', 'verdicts'],
    style: { head: [], border: [] },
    wordWrap: true,
    colWidths: [16, 18, 8, 22, 12, 12, 20, 34],
  });
  for (const r of rows) t.push([r.scenario, r.model, r.tokenBytes ?? '-', r.validation, r.identityPktsPer1000 ?? '-', r.replicationPktsPer1000 ?? '-', r.revocation || '-', r.verdicts]);
  println(io.stdout, t.toString());
  return 0;
}
