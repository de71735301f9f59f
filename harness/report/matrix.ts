// The verdict matrix: for every catalog requirement, the scenario runs that
// the tests use to show it passing (known-good) and failing (known-bad), and
// what each test asserts. The data is declarative (test/verdict-matrix.yaml,
// one entry per test run); test/unit/verdict-matrix.test.ts checks it against
// the catalog, the scenario files and the test sources. Pure: text in, rows
// and a table out.
import { basename } from 'node:path';
import Table from 'cli-table3';
import { parse } from 'yaml';
import { z } from 'zod';
import type { Requirement } from '../checks/catalog.js';

/** Where the matrix lives, from the project root. */
export const MATRIX_FILE = 'test/verdict-matrix.yaml';

/** Requirement ID -> the evidence the test asserts, e.g. "outageMs > 1000" (the field first). */
const claims = z.record(z.string(), z.array(z.string()));

const run = z.strictObject({
  scenario: z.string().meta({ description: 'The scenario file the test runs, from the project root' }),
  test: z.string().meta({ description: 'The test file' }),
  name: z.string().meta({ description: 'The test name, exactly as in it(...)' }),
  pass: claims.default({}).meta({ description: 'Requirements the test asserts PASS for this run (known-good)' }),
  fail: claims.default({}).meta({ description: 'Requirements the test asserts FAIL for this run (known-bad)' }),
});

const gap = z.strictObject({ good: z.string().optional(), bad: z.string().optional() });

export const matrixFileSchema = z.strictObject({
  runs: z.array(run),
  gaps: z.record(z.string(), gap).default({}).meta({ description: 'Requirement ID -> why a side has no run yet' }),
});

export type MatrixFile = z.output<typeof matrixFileSchema>;
export type MatrixRun = MatrixFile['runs'][number];
export type Side = 'good' | 'bad';

export interface MatrixCell {
  readonly scenario: string;
  readonly test: string;
  readonly name: string;
  readonly evidence: readonly string[];
}

export interface MatrixRow {
  readonly id: string;
  readonly source: string;
  readonly section: string;
  readonly good: readonly MatrixCell[];
  readonly bad: readonly MatrixCell[];
  readonly gaps: { readonly good?: string; readonly bad?: string };
}

export function parseMatrix(text: string, file = MATRIX_FILE): MatrixFile {
  const parsed = matrixFileSchema.safeParse(parse(text));
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** One row per catalog requirement, in catalog order. */
export function verdictMatrix(m: MatrixFile, catalog: readonly Requirement[]): MatrixRow[] {
  const cells = (id: string, side: 'pass' | 'fail'): MatrixCell[] =>
    m.runs.flatMap((r) => (r[side][id] ? [{ scenario: r.scenario, test: r.test, name: r.name, evidence: r[side][id]! }] : []));
  return catalog.map((r) => ({ id: r.id, source: r.source, section: r.section, good: cells(r.id, 'pass'), bad: cells(r.id, 'fail'), gaps: m.gaps[r.id] ?? {} }));
}

/** The sides with no run, as "ID good" / "ID bad". */
export function missingSides(rows: readonly MatrixRow[]): string[] {
  return rows.flatMap((r) => (['good', 'bad'] as const).filter((s) => r[s].length === 0).map((s) => `${r.id} ${s}`));
}

/** Requirement IDs the file names that the catalog does not have. */
export function unknownIds(m: MatrixFile, catalog: readonly Requirement[]): string[] {
  const known = new Set(catalog.map((r) => r.id));
  const named = [...m.runs.flatMap((r) => [...Object.keys(r.pass), ...Object.keys(r.fail)]), ...Object.keys(m.gaps)];
  return [...new Set(named.filter((id) => !known.has(id)))];
}

export function matrixTable(rows: readonly MatrixRow[]): string {
  const t = new Table({
    head: ['requirement', 'seed section', 'side', 'scenario', 'test', 'asserts'],
    // The first column fits the longest ID: an ID cut by wrapping cannot be searched for.
    colWidths: [Math.max(27, ...rows.map((r) => r.id.length + 2)), 24, 6, 36, 52, 32],
    wordWrap: true,
    style: { head: [], border: [] },
  });
  for (const r of rows) {
    const sides = (['good', 'bad'] as const).map((side) => ({ side, cells: r[side], gap: r.gaps[side] }));
    const height = sides.reduce((n, s) => n + Math.max(1, s.cells.length), 0);
    let first = true;
    for (const s of sides) {
      const lines: Table.Cell[][] = s.cells.length
        ? s.cells.map((c) => [c.scenario.replace(/\/(?=[^/]+$)/, '/\n'), `${basename(c.test)}: ${c.name}`, [s.side === 'good' ? 'PASS' : 'FAIL', ...c.evidence].join('\n')])
        : [[{ colSpan: 3, content: `none${s.gap ? `: ${s.gap}` : ''}` }]];
      lines.forEach((cells, i) => {
        const head: Table.Cell[] = first ? [{ rowSpan: height, content: r.id }, { rowSpan: height, content: `${r.section}\n(${basename(r.source)})`, wrapOnWordBoundary: false }] : [];
        first = false;
        t.push([...head, ...(i === 0 ? [{ rowSpan: Math.max(1, s.cells.length), content: s.side }] : []), ...cells]);
      });
    }
  }
  return t.toString();
}
