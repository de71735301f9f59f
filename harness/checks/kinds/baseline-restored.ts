// HARNESS-BASELINE-RESTORED: after healing, the topology's network state
// (links, addresses, routes, FDB, relay settings) equals the snapshot taken
// before the first fault.
import { z } from 'zod';
import type { BaselineEvent } from '../../observe/history.js';
import type { Checker } from '../context.js';
import type { CheckKind, SpecOf } from '../kind.js';
import { checkFields } from '../options.js';
import { faultWindows } from '../series.js';

const options = z.strictObject({
  ...checkFields('baseline-restored'),
});

/** Passes only if the post-heal comparison ran and found nothing changed. */
const check: Checker<SpecOf<typeof options>> = (history) => {
  const compare = history.filter((e): e is BaselineEvent => e.kind === 'baseline' && e.type === 'compare');
  if (compare.length === 0) return { status: 'unknown', summary: 'no post-heal comparison was recorded (run aborted?)', evidence: {} };
  // The comparison leaves out every node found dead; only a site loss that took its site explains one.
  const lost = history.flatMap((e) => (e.kind === 'phase' && e.phase === 'verify-heal:excluded-lost-nodes' && Array.isArray(e.detail?.['lost']) ? (e.detail['lost'] as unknown[]).map(String) : []));
  const takenSites = new Set(faultWindows(history).filter((f) => f.faultKind === 'site-loss').flatMap((f) => f.target.sites));
  const died = lost.filter((ref) => !takenSites.has(ref.split('/')[0]!)).map((ref) => `node ${ref} is gone, and no site loss took it`);
  const diffs = [...died, ...compare.flatMap((c) => c.differences)];
  return diffs.length === 0
    ? { status: 'pass', summary: 'links, addresses, routes, FDB and relay settings equal the pre-fault snapshot', evidence: { comparisons: compare.length } }
    : { status: 'fail', summary: `${diffs.length} difference(s) after healing: ${diffs.slice(0, 3).join('; ')}`, evidence: { differences: diffs } };
};

export const baselineRestored: CheckKind<typeof options> = {
  options,
  requirements: ['HARNESS-BASELINE-RESTORED'],
  needs: { faults: true },
  check,
};
