#!/usr/bin/env node
// Per-file summary of a Stryker JSON report (mutation-testing-report-schema):
// killed, timeout, survived, no coverage, the mutation score, and the score
// without StringLiteral mutants (mostly messages a human reads, which the unit
// tests rarely pin word for word).
//
//   node scripts/mutation-summary.mjs [report.json] [--survivors] [--only GLOBS]
//
// Score = (killed + timeout) / (killed + timeout + survived + no coverage),
// as Stryker computes it; compile and runtime errors and ignored mutants do
// not count. --survivors also lists every surviving and uncovered mutant.
// --only takes Stryker's --mutate list (comma-separated paths or globs) and
// shows just those files: an incremental run keeps every file's results.
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const survivors = args.includes('--survivors');
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? (args[onlyAt + 1] ?? '').split(',').filter(Boolean).map(globToRegExp) : [];
const file = args.find((a, i) => !a.startsWith('--') && (onlyAt < 0 || i !== onlyAt + 1)) ?? 'reports/mutation/mutation.json';

/** `**` any path, `*` any name part, `?` one character; a plain path matches itself. */
function globToRegExp(glob) {
  const body = glob
    .replace(/:\d+(:\d+)?-\d+(:\d+)?$/, '') // Stryker's file.ts:10-20 line ranges
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*\*\//g, '\u0000')
    .replace(/\*\*/g, '\u0001')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]')
    .replace(/\u0000/g, '(.*/)?')
    .replace(/\u0001/g, '.*');
  return new RegExp(`^${body}$`);
}
const shown = (name) => only.length === 0 || only.some((re) => re.test(name));

let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch (err) {
  console.error(`mutation-summary: cannot read ${file}: ${err.message}`);
  process.exit(1);
}

function count(mutants) {
  const c = { killed: 0, timeout: 0, survived: 0, noCoverage: 0, errors: 0, ignored: 0 };
  for (const m of mutants) {
    switch (m.status) {
      case 'Killed': c.killed++; break;
      case 'Timeout': c.timeout++; break;
      case 'Survived': c.survived++; break;
      case 'NoCoverage': c.noCoverage++; break;
      case 'CompileError':
      case 'RuntimeError': c.errors++; break;
      default: c.ignored++; // Ignored, Pending
    }
  }
  return c;
}

function score(c) {
  const valid = c.killed + c.timeout + c.survived + c.noCoverage;
  return valid === 0 ? 'n/a' : ((100 * (c.killed + c.timeout)) / valid).toFixed(2);
}

const rows = [];
const all = [];
const files = Object.entries(report.files ?? {})
  .filter(([name]) => shown(name))
  .sort(([a], [b]) => a.localeCompare(b));
for (const [name, f] of files) {
  const mutants = f.mutants ?? [];
  all.push(...mutants);
  rows.push(row(name, mutants));
}
rows.push(row('all files', all));

function row(name, mutants) {
  const c = count(mutants);
  const noStrings = count(mutants.filter((m) => m.mutatorName !== 'StringLiteral'));
  return [name, c.killed, c.timeout, c.survived, c.noCoverage, c.errors, mutants.length, score(c), score(noStrings)];
}

const header = ['file', 'killed', 'timeout', 'survived', 'no cov', 'errors', 'mutants', 'score %', 'score % w/o strings'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
const line = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
rows.forEach((r, i) => {
  if (i === rows.length - 1) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  console.log(line(r));
});

if (survivors) {
  console.log('');
  for (const [name, f] of files) {
    for (const m of f.mutants ?? []) {
      if (m.status !== 'Survived' && m.status !== 'NoCoverage') continue;
      const at = `${name}:${m.location.start.line}:${m.location.start.column}`;
      console.log(`${at}  ${m.status}  ${m.mutatorName}  -> ${JSON.stringify(m.replacement ?? '')}`);
    }
  }
}
