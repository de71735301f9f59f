// msh report <run dir or result.json...> [--format table|json]: identity runs
// side by side, and DR runs side by side (RPO and RTO per option).
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Table from 'cli-table3';
import { identityComparison } from '../report/compare.js';
import { drComparison } from '../report/dr-compare.js';
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
  const results = await Promise.all(positionals.map(readResult));
  const rows = identityComparison(results);
  const dr = drComparison(results);
  if (rows.length === 0 && dr.length === 0) throw new MshError('USAGE', 'none of these runs has an identity or a dr block to compare');
  if (values.format === 'json') {
    println(io.stdout, JSON.stringify(dr.length > 0 && rows.length === 0 ? dr : rows.length > 0 && dr.length === 0 ? rows : { identity: rows, dr }, null, 2));
    return 0;
  }
  const n = (x: number | null) => x ?? '-';
  if (rows.length > 0) {
    const t = new Table({
      head: ['scenario', 'model', 'token B', 'validate p50/p99 ms', 'issue p50/p99 ms', 'identity pkts /1000 val. (WAN)', 'replication pkts, KB /1000 val.', 'replication KB /1000 issued', 'revocation window', 'verdicts'],
      style: { head: [], border: [] },
      wordWrap: true,
      colWidths: [16, 16, 7, 18, 18, 11, 13, 11, 18, 30],
    });
    for (const r of rows) {
      const replication = r.replicationPktsPer1000 === null ? '-' : `${r.replicationPktsPer1000} pkts, ${r.replicationKBPer1000} KB`;
      t.push([r.scenario, r.model, n(r.tokenBytes), r.validation, r.issue || '-', n(r.identityPktsPer1000), replication, n(r.replicationKBPer1000Issued), r.revocation || '-', r.verdicts]);
    }
    println(io.stdout, t.toString());
  }
  if (dr.length > 0) {
    const t = new Table({
      head: ['scenario', 'option', 'RPO txns (ms)', 'RTO ms', 'decision ms', 'restore ms', 'cuts', 'held max ms', 'backups', 'verdicts'],
      style: { head: [], border: [] },
      wordWrap: true,
      colWidths: [22, 24, 10, 8, 9, 9, 16, 8, 18, 24],
    });
    for (const r of dr) t.push([r.scenario, r.option, r.rpoTransactions === null ? '-' : `${r.rpoTransactions}${r.rpoMs === null ? '' : ` (${r.rpoMs})`}`, n(r.rtoMs), n(r.decisionMs), n(r.restoreMs), r.cuts, n(r.quiescedMaxMs), r.backups, r.verdicts]);
    println(io.stdout, t.toString());
  }
  return 0;
}
