// Scenario file -> typed Scenario, or an MshError listing every problem with
// its file:line:col. Parsing keeps the YAML document so each schema issue can
// be pointed at the exact node it is about.
import { readFile } from 'node:fs/promises';
import { isMap, isPair, isScalar, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { MshError, type Located } from './errors.js';
import { checkReferences } from './references.js';
import { scenarioSchema, type Scenario } from './schema.js';

export interface LoadedScenario {
  readonly file: string;
  readonly scenario: Scenario;
}

export async function loadScenario(file: string): Promise<LoadedScenario> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new MshError('SCENARIO_UNREADABLE', `${file}: cannot read the scenario file (${(err as NodeJS.ErrnoException).code ?? String(err)})`, [], { cause: err });
  }
  return parseScenario(file, text);
}

export function parseScenario(file: string, text: string): LoadedScenario {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number, message: string): Located => {
    const p = lc.linePos(offset);
    return { file, line: p.line, col: p.col, message };
  };

  if (doc.errors.length > 0) {
    throw invalid(file, doc.errors.map((e) => at(e.pos[0], `YAML syntax: ${e.message.split('\n')[0]}`)));
  }
  const raw: unknown = doc.toJS();
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw invalid(file, [at(0, 'a scenario file is a YAML mapping with name, duration, sites, ... (see scenarios/wan-heartbeat.yaml)')]);
  }

  const parsed = scenarioSchema.safeParse(raw);
  if (!parsed.success) {
    throw invalid(file, parsed.error.issues.map((i) => locateZodIssue(doc, i, at)));
  }
  const refs = checkReferences(parsed.data);
  if (refs.length > 0) {
    throw invalid(file, refs.map((r) => at(nodeAt(doc, r.path)?.range?.[0] ?? 0, r.message)));
  }
  return { file, scenario: parsed.data };
}

function invalid(file: string, issues: Located[]): MshError {
  issues.sort((a, b) => a.line - b.line || a.col - b.col);
  return new MshError('SCENARIO_INVALID', `${file}: ${issues.length} problem${issues.length === 1 ? '' : 's'}`, issues);
}

/** The deepest YAML node that exists along a path. */
function nodeAt(doc: Document, path: readonly PropertyKey[]): Node | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n) as unknown[], true);
    if (node && typeof node === 'object' && 'range' in node) return node as Node;
  }
  return undefined;
}

function locateZodIssue(doc: Document, issue: z.core.$ZodIssue, at: (o: number, m: string) => Located): Located {
  const node = nodeAt(doc, issue.path);
  const offset = node?.range?.[0] ?? 0;
  const where = issue.path.length > 0 ? issue.path.map(String).join('.') : 'top level';

  if (issue.code === 'unrecognized_keys' && isMap(node)) {
    const known = knownKeys(issue);
    const key = issue.keys[0]!;
    const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key);
    const keyOffset = isPair(pair) && isScalar(pair.key) ? (pair.key.range?.[0] ?? offset) : offset;
    const hint = nearest(key, known);
    return at(keyOffset, `unknown key "${key}" in ${where}${hint ? `: did you mean "${hint}"?` : ''}${known.length ? ` (allowed: ${known.join(', ')})` : ''}`);
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) {
    return at(offset, `missing "${String(issue.path.at(-1))}" in ${issue.path.slice(0, -1).map(String).join('.') || 'top level'}: add it`);
  }
  if (issue.code === 'invalid_value') {
    return at(offset, `${where}: expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`);
  }
  if (issue.code === 'invalid_union' && 'note' in issue && issue.note === 'No matching discriminator') {
    const kinds = unionKinds(issue.path);
    return at(offset, `${where}: unknown kind "${String(doc.getIn([...issue.path.filter((k) => k !== 'kind'), 'kind']))}"; use one of ${kinds.join(', ')}`);
  }
  return at(offset, `${where}: ${issue.message}`);
}

function knownKeys(issue: z.core.$ZodIssue): string[] {
  // zod's unrecognized_keys issue does not carry the allowed keys; the schema
  // shape does. Walk the schema along the issue's path to find it.
  const shape = shapeAt(scenarioSchema, issue.path);
  return shape ? Object.keys(shape) : [];
}

function shapeAt(schema: z.ZodType, path: readonly PropertyKey[]): Record<string, unknown> | undefined {
  const def = (schemaAt(schema, path) as { def?: { type?: string; shape?: Record<string, unknown> } }).def;
  return def?.type === 'object' ? def.shape : undefined;
}

/** Walks zod's schema definition along a data path (objects and arrays). */
function schemaAt(schema: unknown, path: readonly PropertyKey[]): unknown {
  let s = schema;
  for (const key of path) {
    s = unwrap(s);
    const def = (s as { def?: Record<string, unknown> }).def;
    if (def?.type === 'object') s = (def.shape as Record<string, unknown>)[String(key)];
    else if (def?.type === 'array') s = def.element;
    else break;
  }
  return unwrap(s);
}

function unwrap(s: unknown): unknown {
  for (;;) {
    const def = (s as { def?: { type?: string; innerType?: unknown } }).def;
    if (def && (def.type === 'optional' || def.type === 'default') && def.innerType) s = def.innerType;
    else return s;
  }
}

/** The `kind` values a discriminated union at this path accepts. */
function unionKinds(path: readonly PropertyKey[]): string[] {
  const options = (schemaAt(scenarioSchema, path) as { def?: { options?: unknown[] } }).def?.options ?? [];
  return options.flatMap((o) => {
    const kind = (o as { def?: { shape?: { kind?: { def?: { values?: unknown[] } } } } }).def?.shape?.kind?.def?.values;
    return (kind ?? []).map(String);
  });
}

function nearest(word: string, options: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const o of options) {
    const d = editDistance(word.toLowerCase(), o.toLowerCase());
    if (d < bestD) [best, bestD] = [o, d];
  }
  return bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
