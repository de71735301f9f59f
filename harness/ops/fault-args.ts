// `msh fault <run> <kind> --opt value ...` -> a fault spec, validated by the
// kind's own zod schema (the same one scenario files go through), so an
// option means the same on the command line as in YAML. Pure: unit-tested.
import type { z } from 'zod';
import { faultKind, faultOptions, type FaultSpec } from '../faults/registry.js';
import { MshError, type Located } from '../scenario/errors.js';
import type { Scenario } from '../scenario/schema.js';
import { nearest, suggest } from '../scenario/suggest.js';

/** Every fault kind the registry knows, in registry order. */
export const FAULT_KINDS: readonly string[] = faultOptions.options.map((o) => String(o.shape.kind.value));

/** Scenario fields that mean nothing on the command line: the kind is an argument, a fault by hand starts now and lasts until healed. */
const NOT_BY_HAND = ['kind', 'at', 'after', 'duration'];

/** Where a problem is: the command line, and the 1-based position of the argument it is about. */
const at = (col: number, message: string): Located => ({ file: 'command line', line: 1, col, message });

export interface ParsedFault {
  readonly spec: FaultSpec;
}

/** `--key value`, `--key=value`, or a bare `--flag` (true); numbers stay strings unless they look like one. */
function options(args: readonly string[], first: number): { values: Record<string, unknown>; col: Record<string, number>; problems: Located[] } {
  const values: Record<string, unknown> = {};
  const col: Record<string, number> = {};
  const problems: Located[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const pos = first + i;
    if (!a.startsWith('--') || a.length === 2) {
      problems.push(at(pos, `unexpected argument "${a}": options are written --name value`));
      continue;
    }
    const eq = a.indexOf('=');
    const key = eq > 0 ? a.slice(2, eq) : a.slice(2);
    let v: string | true;
    if (eq > 0) v = a.slice(eq + 1);
    else if (i + 1 < args.length && !args[i + 1]!.startsWith('--')) v = args[++i]!;
    else v = true;
    // Counts and ports are numbers in the schema; units ("20ms") stay strings for their parsers.
    values[key] = typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
    col[key] = pos;
  }
  return { values, col, problems };
}

/**
 * Parse `<kind> [--opt value...]` (args after the run id). `first` is the
 * position of `kind` on the command line, for the errors' columns. A fault
 * by hand lasts until `msh heal`: name and duration default (the kind name,
 * 0) since the schema wants them.
 */
export function parseFaultArgs(args: readonly string[], first = 2): ParsedFault {
  const [kind, ...rest] = args;
  if (kind === undefined || kind.startsWith('--')) throw new MshError('USAGE', `name a fault kind: one of ${FAULT_KINDS.join(', ')}`);
  if (!FAULT_KINDS.includes(kind)) throw new MshError('USAGE', `unknown fault kind "${kind}"${suggest(kind, FAULT_KINDS, 'kinds')}`);
  const { values, col, problems } = options(rest, first + 1);
  const schema = faultOptions.options.find((o) => o.shape.kind.value === kind)! as unknown as z.ZodObject;
  const known = Object.keys(schema.shape).filter((k) => !NOT_BY_HAND.includes(k));
  for (const k of NOT_BY_HAND) {
    if (k in values) problems.push(at(col[k]!, `--${k} is not an option by hand: ${k === 'kind' ? 'the kind is the argument before the options' : k === 'duration' ? 'the fault lasts until msh heal' : 'the fault starts now'}`));
  }
  const input: Record<string, unknown> = { name: kind.slice(0, 15).replace(/-$/, ''), duration: 0, ...values, kind };
  for (const k of NOT_BY_HAND) if (k !== 'kind') delete input[k];
  input['duration'] = 0;
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    // As the scenario loader: a misspelt option is reported once, as the typo, not also as missing.
    const meant = new Set(parsed.error.issues.flatMap((i) => (i.code === 'unrecognized_keys' ? i.keys.map((k) => nearest(k, known)) : [])));
    for (const i of parsed.error.issues) {
      if (i.code === 'unrecognized_keys') {
        for (const key of i.keys) {
          const hint = nearest(key, known);
          problems.push(at(col[key] ?? first, `unknown option --${key}${hint ? `: did you mean --${hint}?` : ''} (options of ${kind}: ${known.map((k) => `--${k}`).join(', ')})`));
        }
        continue;
      }
      const key = String(i.path[0] ?? '');
      if (i.code === 'invalid_value' && key in values) {
        const allowed = i.values.map(String);
        const hint = nearest(String(values[key]), allowed);
        problems.push(at(col[key]!, `--${key} ${JSON.stringify(values[key])}: ${hint ? `did you mean "${hint}"? ` : ''}expected one of ${allowed.join(', ')}`));
        continue;
      }
      const missing = i.code === 'invalid_type' && !(key in input);
      if (missing && meant.has(key)) continue;
      problems.push(at(col[key] ?? first, missing ? `missing --${key}: ${kind} needs it` : `--${key}${key in values ? ` ${JSON.stringify(values[key])}` : ''}: ${i.message}`));
    }
  }
  if (problems.length > 0) throw invalid(problems);
  return { spec: parsed.data as FaultSpec };
}

/** The kind's own checks against the run's scenario (the link exists, the node is one of its nodes, ...). */
export function checkAgainst(spec: FaultSpec, scenario: Scenario, args: readonly string[], first = 2): void {
  const issues = faultKind(spec).validate(spec, scenario);
  if (issues.length === 0) return;
  const colOf = (field: string | null) => {
    const i = field === null ? -1 : args.findIndex((a) => a === `--${field}` || a.startsWith(`--${field}=`));
    return i < 0 ? first : first + i;
  };
  throw invalid(issues.map(([field, message]) => at(colOf(field), message)));
}

function invalid(problems: Located[]): MshError {
  problems.sort((a, b) => a.col - b.col);
  return new MshError('USAGE', `${problems.length} problem${problems.length === 1 ? '' : 's'} with the fault's options`, problems);
}
