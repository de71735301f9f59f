// Option fields shared by check kinds, each defined once so that a field
// reads the same (name, type, error messages) in every kind that takes it.
// A kind's own description goes on with .meta() where it reads differently.
import { z } from 'zod';
import { duration, name } from '../scenario/fields.js';

/** The fields every check has: its name, its kind and the requirements it decides. */
export const checkFields = <K extends string>(kind: K) => ({
  name: name('check name'),
  kind: z.literal(kind),
  requirements: z.array(z.string()).min(1, { message: 'a check decides at least one requirement ID' }),
});

/** The VNF a check reads (default: the scenario's first). */
export const vnf = name('vnf name').optional().meta({ description: 'The VNF judged (default: the first)' });

/** The workload a check reads, by name (default: the first of the kind it reads). */
export const workload = (kind: string) => name('workload name').optional().meta({ description: `The ${kind} workload read (default: the first)` });

/** A time bound, described by the kind that takes it. */
export const limit = (description: string) => duration.optional().meta({ description });

/** A duration (100ms) or a relative bound (10%): the kind that takes it says which, and validates it. */
export const tolerance = (description: string) =>
  z
    .union([z.number(), z.string()], { error: 'expected a duration (e.g. 100ms) or a relative bound (e.g. 10%)' })
    .optional()
    .meta({ description });
