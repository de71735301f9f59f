// Scenario file -> typed Scenario, or an MshError listing every problem with
// its file:line:col. Parsing keeps the YAML document so each schema issue can
// be pointed at the exact node it is about.
import { readFile } from 'node:fs/promises';
import { isAlias, isCollection, isMap, isNode, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node, type YAMLError } from 'yaml';
import type { z } from 'zod';
import { MshError, type Located } from './errors.js';
import { checkReferences } from './references.js';
import { scenarioSchema, type Scenario } from './schema.js';
import { nearest } from './suggest.js';

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
  // logLevel 'error': yaml's warnings (e.g. about collection keys) would go
  // to stderr; every problem is reported through the issues instead.
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true, logLevel: 'error' });
  const at = (offset: number, message: string): Located => {
    const p = lc.linePos(offset);
    return { file, line: p.line, col: p.col, message };
  };

  if (doc.errors.length > 0) {
    throw invalid(file, doc.errors.map((e) => yamlError(doc, text, e, at)));
  }
  let raw: unknown;
  try {
    raw = doc.toJS();
  } catch (err) {
    // yaml resolves aliases only here: an undefined anchor or an alias bomb throws.
    const bad = unresolvedAlias(doc);
    throw invalid(file, [
      bad
        ? at(bad.offset, `YAML alias *${bad.name} refers to no anchor above it: define &${bad.name} before using it, or write the value out`)
        : at(0, `YAML aliases: ${(err as Error).message}: write the values out instead of using aliases`),
    ]);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw invalid(file, [at(doc.contents?.range?.[0] ?? 0, 'a scenario file is a YAML mapping with name, duration, sites, ... (see scenarios/wan-heartbeat.yaml)')]);
  }

  const parsed = scenarioSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues;
    // A misspelt required key shows up twice: as an unknown key and as the
    // key it was meant to be, missing. Report only the unknown key: its
    // "did you mean" says what to change, at the line to change.
    const misspelt = new Set(
      issues.flatMap((i) =>
        i.code === 'unrecognized_keys' ? i.keys.map((k) => nearest(k, knownKeys(doc, i.path))).flatMap((h) => (h ? [pathKey([...i.path, h])] : [])) : [],
      ),
    );
    const badNames = badDefinitions(doc, issues);
    const kept = issues.filter((i) => !(isMissing(doc, i.path) && misspelt.has(pathKey(i.path))) && !usesBadName(doc, i, badNames));
    throw invalid(file, kept.flatMap((i) => locateZodIssue(doc, i, at)));
  }
  const refs = checkReferences(parsed.data);
  if (refs.length > 0) {
    throw invalid(file, refs.map((r) => at(nodeAt(doc, r.path)?.range?.[0] ?? 0, r.message)));
  }
  return { file, scenario: parsed.data };
}

/**
 * Site and node names (as site/node) whose definition breaks the naming
 * rule. A name like vnf_b breaks it again wherever it is used (a member
 * west/vnf_b): that is the same mistake, reported where the name is defined.
 */
function badDefinitions(doc: Document, issues: readonly z.core.$ZodIssue[]): Set<string> {
  const bad = new Set<string>();
  for (const { code, path: p } of issues) {
    if (code !== 'invalid_format') continue;
    if (p.length === 3 && p[0] === 'sites' && p[2] === 'name') bad.add(String(doc.getIn(p as unknown[])));
    if (p.length === 5 && p[0] === 'sites' && p[2] === 'nodes' && p[4] === 'name') bad.add(`${String(doc.getIn(['sites', p[1], 'name']))}/${String(doc.getIn(p as unknown[]))}`);
  }
  return bad;
}

/** True for a name-format issue on a use of a badly named site or node (not on its definition). */
function usesBadName(doc: Document, issue: z.core.$ZodIssue, bad: ReadonlySet<string>): boolean {
  if (issue.code !== 'invalid_format' || bad.size === 0) return false;
  const p = issue.path;
  const definition = p[0] === 'sites' && p.at(-1) === 'name' && (p.length === 3 || p.length === 5);
  const value = doc.getIn(p as unknown[]);
  return !definition && typeof value === 'string' && (bad.has(value) || bad.has(value.split('/')[0]!));
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

function pathKey(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

/** True when the key a path ends in is absent from its (existing) parent. */
function isMissing(doc: Document, path: readonly PropertyKey[]): boolean {
  return path.length > 0 && !doc.hasIn(path as unknown[]) && isMap(doc.getIn(path.slice(0, -1) as unknown[], true));
}

/** yaml's parse errors, reworded where yaml's own text does not say what to change. */
function yamlError(doc: Document, text: string, e: YAMLError, at: (o: number, m: string) => Located): Located {
  const offset = e.pos[0];
  if (e.code === 'DUPLICATE_KEY') {
    const key = /^[^:\n]*/.exec(text.slice(offset))![0].trim();
    return at(offset, `YAML: key "${key}" appears twice in the same mapping: remove or rename one of them`);
  }
  if (e.code === 'TAB_AS_INDENT') {
    return at(offset, 'YAML syntax: a tab is used for indentation: indent with spaces instead');
  }
  if (e.code === 'MULTIPLE_DOCS') {
    return at(offset, `YAML: a scenario file holds one document: remove this "---" and what follows, or move it to a file of its own`);
  }
  if ((e.code === 'MISSING_CHAR' || e.code === 'BAD_INDENT') && /end with a|Missing closing/.test(e.message)) {
    // An unclosed [ ], { } or quote is noticed where the file moves on,
    // often lines later; point at where it was opened instead.
    const open = unclosedAt(doc, offset);
    if (open) {
      const [start, what, close] = open;
      return at(start, `YAML syntax: this ${what} is never closed: end it with ${close}`);
    }
  }
  return at(offset, `YAML syntax: ${e.message.split('\n')[0]}: fix the YAML here (check indentation, brackets, quotes and the space after ':')`);
}

function unclosedAt(doc: Document, offset: number): [number, string, string] | undefined {
  let found: [number, string, string] | undefined;
  visit(doc, (_key, node) => {
    if (found || !node || typeof node !== 'object' || !('range' in node)) return;
    const range = (node as Node).range;
    if (!range || range[1] !== offset) return;
    if (isCollection(node) && node.flow) {
      found = isMap(node) ? [range[0], '{ mapping', '}'] : [range[0], '[ list', ']'];
    } else if (isScalar(node) && (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE')) {
      const q = node.type === 'QUOTE_DOUBLE' ? '"' : "'";
      found = [range[0], `${q}quoted${q} string`, `a closing ${q}`];
    }
    return found ? visit.BREAK : undefined;
  });
  return found;
}

/** The first alias whose anchor is not defined before it, if any. */
function unresolvedAlias(doc: Document): { name: string; offset: number } | undefined {
  const anchors = new Set<string>();
  let bad: { name: string; offset: number } | undefined;
  visit(doc, (_key, node) => {
    if (isAlias(node)) {
      if (!anchors.has(node.source)) {
        bad = { name: node.source, offset: node.range?.[0] ?? 0 };
        return visit.BREAK;
      }
    } else if (node && typeof node === 'object' && 'anchor' in node && typeof node.anchor === 'string') {
      anchors.add(node.anchor);
    }
    return undefined;
  });
  return bad;
}

const TYPE_NAMES: Record<string, string> = {
  array: 'a list',
  tuple: 'a list',
  object: 'a mapping (key: value lines)',
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
};

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing (an empty value)';
  if (isSeq(v)) return 'a list';
  if (isMap(v)) return 'a mapping';
  if (typeof v === 'string') return `the text "${v}"`;
  return `${typeof v} ${String(v)}`;
}

function locateZodIssue(doc: Document, issue: z.core.$ZodIssue, at: (o: number, m: string) => Located): Located[] {
  const node = nodeAt(doc, issue.path);
  const offset = node?.range?.[0] ?? 0;
  const where = issue.path.length > 0 ? issue.path.map(String).join('.') : 'top level';

  if (issue.code === 'unrecognized_keys' && isMap(node)) {
    const known = knownKeys(doc, issue.path);
    // In an entry of a list of kinds (faults, checks, workloads), a key another kind takes is this kind's to refuse.
    const kinds = unionAt(doc, issue.path.slice(0, -1));
    const kind = kinds ? String(doc.getIn([...issue.path, 'kind'] as unknown[])) : undefined;
    const others = new Set((kinds?.def?.options ?? []).filter((o) => !optionKinds(o).includes(kind ?? '')).flatMap(shapeKeys));
    const noun = String(issue.path.at(-2) ?? '').replace(/s$/, '');
    return issue.keys.map((key) => {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === key);
      const keyOffset = isPair(pair) && isScalar(pair.key) ? (pair.key.range?.[0] ?? offset) : offset;
      if (kind !== undefined && others.has(key)) {
        const valueOffset = isPair(pair) && isNode(pair.value) ? (pair.value.range?.[0] ?? keyOffset) : keyOffset;
        return at(valueOffset, `${where}: ${noun} kind ${kind} takes no ${key}: remove it (it takes ${known.join(', ')})`);
      }
      const hint = nearest(key, known);
      const allowed = kind !== undefined ? `kind ${kind} takes: ${known.join(', ')}` : `allowed: ${known.join(', ')}`;
      return at(keyOffset, `unknown key "${key}" in ${where}${hint ? `: did you mean "${hint}"?` : ': remove it'}${known.length ? ` (${allowed})` : ''}`);
    });
  }
  const isKind = issue.code === 'invalid_union' && 'note' in issue && issue.note === 'No matching discriminator';
  const parent = issue.path.at(-1) === 'kind' ? issue.path.slice(0, -1) : issue.path;
  if (isMissing(doc, issue.path)) {
    const within = issue.path.slice(0, -1).map(String).join('.') || 'top level';
    return [at(offset, `missing "${String(issue.path.at(-1))}" in ${within}: add it${isKind ? ` (one of ${unionKinds(doc, parent).join(', ')})` : ''}`)];
  }
  if (issue.code === 'invalid_value') {
    const value = doc.getIn(issue.path as unknown[]);
    const hint = typeof value === 'string' ? nearest(value, issue.values.map(String)) : undefined;
    return [at(offset, `${where}: ${hint ? `did you mean "${hint}"? ` : ''}expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`)];
  }
  if (isKind && unionAt(doc, parent.slice(0, -1))?.def?.error) {
    // The list says itself how an unknown kind reads (checks: as any value outside a fixed list).
    return [at(offset, `${where}: ${issue.message}`)];
  }
  if (isKind) {
    const kinds = unionKinds(doc, parent);
    const kind = String(doc.getIn([...parent, 'kind'] as unknown[]));
    const hint = nearest(kind, kinds);
    return [at(offset, `${where}: unknown kind "${kind}"; ${hint ? `did you mean "${hint}"? ` : ''}use one of ${kinds.join(', ')}`)];
  }
  if (issue.code === 'invalid_type') {
    const expected = TYPE_NAMES[issue.expected] ?? issue.expected;
    return [at(offset, `${where}: expected ${expected}, found ${describe(doc.getIn(issue.path as unknown[]))}`)];
  }
  return [at(offset, `${where}: ${issue.message}`)];
}

function knownKeys(doc: Document, path: readonly PropertyKey[]): string[] {
  // zod's unrecognized_keys issue does not carry the allowed keys; the schema
  // shape does. Walk the schema along the issue's path to find it.
  const def = (schemaAt(doc, scenarioSchema, path) as { def?: { type?: string; shape?: Record<string, unknown> } }).def;
  return def?.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

/**
 * Walks zod's schema definition along a data path (objects and arrays); at a
 * union of kinds, follows the option named by the document's `kind` there.
 */
function schemaAt(doc: Document, schema: unknown, path: readonly PropertyKey[]): unknown {
  const option = (s: unknown, n: number): unknown => {
    const def = (s as { def?: { type?: string; options?: unknown[] } }).def;
    if (def?.type !== 'union') return s;
    const kind = String(doc.getIn([...path.slice(0, n), 'kind'] as unknown[]));
    return unwrap(def.options?.find((o) => optionKinds(o).includes(kind)) ?? s);
  };
  let s = unwrap(schema);
  for (let n = 0; n < path.length; n++) {
    const def = (option(s, n) as { def?: Record<string, unknown> }).def;
    if (def?.type === 'object') s = unwrap((def.shape as Record<string, unknown>)[String(path[n])]);
    else if (def?.type === 'array') s = unwrap(def.element);
    else break;
  }
  return option(s, path.length);
}

function unwrap(s: unknown): unknown {
  for (;;) {
    const def = (s as { def?: { type?: string; innerType?: unknown } }).def;
    if (def && (def.type === 'optional' || def.type === 'default') && def.innerType) s = def.innerType;
    else return s;
  }
}

function optionKinds(option: unknown): string[] {
  const kind = (option as { def?: { shape?: { kind?: { def?: { values?: unknown[] } } } } }).def?.shape?.kind?.def?.values;
  return (kind ?? []).map(String);
}

function shapeKeys(option: unknown): string[] {
  return Object.keys((option as { def?: { shape?: Record<string, unknown> } }).def?.shape ?? {});
}

/** The union of kinds that the entries of the list at this path are, if they are. */
function unionAt(doc: Document, list: readonly PropertyKey[]): { def?: { options?: unknown[]; error?: unknown } } | undefined {
  const element = (schemaAt(doc, scenarioSchema, list) as { def?: { type?: string; element?: unknown } }).def;
  if (element?.type !== 'array') return undefined;
  const union = unwrap(element.element) as { def?: { type?: string; options?: unknown[]; error?: unknown } };
  return union.def?.type === 'union' ? union : undefined;
}

/** The `kind` values a discriminated union at this path (of the object, not its kind) accepts. */
function unionKinds(doc: Document, path: readonly PropertyKey[]): string[] {
  // Walk to the array holding the object: the union is its element schema.
  return (unionAt(doc, path.slice(0, -1))?.def?.options ?? []).flatMap(optionKinds);
}
