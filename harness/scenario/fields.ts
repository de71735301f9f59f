// Field types shared by the scenario schema and the kinds that own their
// options (faults, checks): one definition of names, durations and units,
// so every error message about them reads the same.
import { z } from 'zod';
import { parseDuration, parsePercent, parseRate } from './units.js';

const NAME = /^[a-z][a-z0-9-]{0,14}$/;
export const name = (what: string) =>
  z.string().regex(NAME, {
    message: `${what} must be 1-15 characters: a lowercase letter, then lowercase letters, digits or '-'`,
  });

/**
 * A number, or a string in a unit the parser reads; its error says what to
 * write instead. `zero`, when given, rejects a value of 0 with that message.
 */
function unit(what: string, example: string, parse: (v: string | number) => number | null, description: string, zero?: string) {
  return z
    .union([z.number(), z.string()], { error: `expected ${what}: write e.g. ${example}` })
    .transform((v, ctx) => {
      const parsed = parse(v);
      if (parsed !== null && !(zero !== undefined && parsed === 0)) return parsed;
      ctx.addIssue({ code: 'custom', message: unitProblem(v, what, example, parse, zero) });
      return z.NEVER;
    })
    .meta({ description });
}

function unitProblem(v: string | number, what: string, example: string, parse: (v: string | number) => number | null, zero?: string): string {
  const unsigned = typeof v === 'number' ? -v : v.trim().replace(/^-\s*/, '');
  const negative = (typeof v === 'number' ? v < 0 : /^\s*-/.test(v)) && parse(unsigned) !== null;
  if (negative) return `"${v}": ${what} cannot be negative: write e.g. ${example}`;
  if (zero !== undefined && (parse(v) === 0 || Number(v) === 0)) return zero;
  return `"${v}" is not ${what}: write e.g. ${example}`;
}

export const duration = unit('a duration', '50ms, 10s or 2m', parseDuration, 'A duration: 50ms, 1.5s, 2m, or a number of milliseconds');
export const percent = unit('a percentage', '0.5% (0 to 100)', parsePercent, 'A loss rate: 0.5% or a number of percent');
export const rate = unit(
  'a bandwidth',
  '512kbit, 10mbit or 1gbit',
  parseRate,
  'A bandwidth: 512kbit, 10mbit, 1gbit, or a number of kbit/s',
  'a bandwidth of 0 carries nothing: write more than 0 (e.g. 512kbit, 10mbit or 1gbit); to cut a link, use a partition fault',
);

/** A port an agent listens on: `what` says whose (e.g. "the heartbeat port"), `example` is its default. */
export const port = (what: string, example: number) =>
  z
    .number()
    .int()
    .min(1024, { error: (iss) => `${String(iss.input)} is below 1024 (a privileged port): ${what} must be 1024 to 65535, e.g. ${example}` })
    .max(65535, { error: (iss) => `${String(iss.input)} is above 65535, the largest port number: ${what} must be 1024 to 65535, e.g. ${example}` })
    .default(example);

export const nodeRef = z
  .string()
  .regex(/^[a-z][a-z0-9-]*\/[a-z][a-z0-9-]*$/, { message: 'a node is named as site/node, e.g. east/hb' });

export const impairmentFields = {
  latency: duration.optional(),
  jitter: duration.optional(),
  loss: percent.optional(),
  bandwidth: rate.optional(),
};

const after = z.strictObject({
  fault: name('fault name'),
  on: z.enum(['start', 'heal']).default('heal'),
  delay: duration.default(0),
});

/** When a fault starts and how long it lasts: every fault kind's options begin with these. */
export const timing = {
  name: name('fault name'),
  at: duration.optional().meta({ description: 'Start, from the start of the workload' }),
  after: after.optional().meta({ description: 'Start relative to another fault' }),
  duration,
};

