import type { BaselineEvent } from '../observe/history.js';
import type { Checker } from './context.js';

/** Passes only if the post-heal comparison ran and found nothing changed. */
export const baselineRestored: Checker = (history) => {
  const compare = history.filter((e): e is BaselineEvent => e.kind === 'baseline' && e.type === 'compare');
  if (compare.length === 0) return { status: 'unknown', summary: 'no post-heal comparison was recorded (run aborted?)', evidence: {} };
  const diffs = compare.flatMap((c) => c.differences);
  return diffs.length === 0
    ? { status: 'pass', summary: 'links, addresses, routes, FDB and relay settings equal the pre-fault snapshot', evidence: { comparisons: compare.length } }
    : { status: 'fail', summary: `${diffs.length} difference(s) after healing: ${diffs.slice(0, 3).join('; ')}`, evidence: { differences: diffs } };
};
