// msh schema: the JSON Schema of scenario files. msh requirements: the catalog,
// or with --matrix the verdict matrix (which scenario runs show each
// requirement passing and failing, and what the tests assert).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CATALOG } from '../checks/catalog.js';
import { PROJECT_ROOT } from '../paths.js';
import { MATRIX_FILE, matrixTable, missingSides, parseMatrix, verdictMatrix } from '../report/matrix.js';
import { MshError } from '../scenario/errors.js';
import { scenarioJsonSchema } from '../scenario/schema.js';
import { println, type Io } from './io.js';

export async function schemaCommand(_args: string[], io: Io): Promise<number> {
  println(io.stdout, JSON.stringify(scenarioJsonSchema(), null, 2));
  return 0;
}

export async function requirementsCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args, options: { matrix: { type: 'boolean', default: false }, format: { type: 'string', default: 'table' } } });
  if (values.format !== 'table' && values.format !== 'json') throw new MshError('USAGE', `--format is table or json, not "${values.format}"`);
  if (!values.matrix) {
    if (values.format === 'json') println(io.stdout, JSON.stringify(CATALOG, null, 2));
    else for (const r of CATALOG) println(io.stdout, `${r.id}\t${r.source} (${r.section})\t${r.statement}`);
    return 0;
  }
  const file = join(PROJECT_ROOT, MATRIX_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new MshError('USAGE', `no verdict matrix here (${MATRIX_FILE} is part of the source checkout, with the tests it describes)`);
  }
  const rows = verdictMatrix(parseMatrix(text), CATALOG);
  if (values.format === 'json') {
    println(io.stdout, JSON.stringify(rows, null, 2));
    return 0;
  }
  println(io.stdout, matrixTable(rows));
  const missing = missingSides(rows);
  println(io.stdout, `${CATALOG.length} requirements; ${missing.length ? `no run yet for: ${missing.join(', ')}` : 'every one has a known-good and a known-bad run'}. Checked by test/unit/verdict-matrix.test.ts.`);
  return 0;
}
