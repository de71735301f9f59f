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

/** A number, or a string in a unit the parser reads; its error says what to write instead. */
function unit(what: string, example: string, parse: (v: string | number) => number | null, description: string) {
  return z
    .union([z.number(), z.string()], { error: `expected ${what}: write e.g. ${example}` })
    .transform((v, ctx) => {
      const parsed = parse(v);
      if (parsed === null) {
        ctx.addIssue({ code: 'custom', message: `"${v}" is not ${what}: write e.g. ${example}` });
        return z.NEVER;
      }
      return parsed;
    })
    .meta({ description });
}

export const duration = unit('a duration', '50ms, 10s or 2m', parseDuration, 'A duration: 50ms, 1.5s, 2m, or a number of milliseconds');
export const percent = unit('a percentage', '0.5% (0 to 100)', parsePercent, 'A loss rate: 0.5% or a number of percent');
export const rate = unit('a bandwidth', '512kbit, 10mbit or 1gbit', parseRate, 'A bandwidth: 512kbit, 10mbit, 1gbit, or a number of kbit/s');

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

