import { describe, expect, it } from 'vitest';
import { baselineRestored } from '../../harness/checks/kinds/baseline-restored.js';
import { compareSnapshots } from '../../harness/observe/baseline.js';
import type { CheckContext } from '../../harness/checks/context.js';
import { fault } from '../support/faults.js';

const ctx = {} as CheckContext; // the baseline checker reads only the history

describe('baseline-restored', () => {
  it('passes when the post-heal comparison found nothing', () => {
    expect(baselineRestored.check([{ t: 1, kind: 'baseline', type: 'compare', differences: [] }], ctx).status).toBe('pass');
  });
  it('fails when a route or a relay setting did not come back', () => {
    const diffs = compareSnapshots(
      { 'site east route 198.18.2.0/24': '198.19.1.2 dev l0', 'relay link wan1': '{"down":false}' },
      { 'relay link wan1': '{"down":true}' },
    );
    expect(diffs).toEqual(['relay link wan1: {"down":false} -> {"down":true}', 'site east route 198.18.2.0/24: gone (was 198.19.1.2 dev l0)']);
    const r = baselineRestored.check([{ t: 1, kind: 'baseline', type: 'compare', differences: diffs }], ctx);
    expect(r.status).toBe('fail');
    expect(r.summary).toMatch(/2 difference/);
  });
  it('is unknown when no comparison ran', () => {
    expect(baselineRestored.check([], ctx).status).toBe('unknown');
  });
});

// The evidence and what the kind declares (mutation testing: each assertion
// failed on a changed checker that the tests above let through).
describe('baseline-restored: evidence', () => {
  const snapshot = { t: 0, kind: 'baseline', type: 'snapshot', differences: ['not a comparison'] } as const;
  it('counts the comparisons it passed on, reading comparisons only', () => {
    const r = baselineRestored.check([snapshot, { t: 1, kind: 'baseline', type: 'compare', differences: [] }, { t: 2, kind: 'baseline', type: 'compare', differences: [] }], ctx);
    expect(r).toEqual({ status: 'pass', summary: 'links, addresses, routes, FDB and relay settings equal the pre-fault snapshot', evidence: { comparisons: 2 } });
    expect(baselineRestored.check([snapshot], ctx)).toEqual({ status: 'unknown', summary: 'no post-heal comparison was recorded (run aborted?)', evidence: {} });
  });
  it('lists every difference of every comparison, the first three in the summary', () => {
    const r = baselineRestored.check([snapshot, { t: 1, kind: 'baseline', type: 'compare', differences: ['a', 'b'] }, { t: 2, kind: 'baseline', type: 'compare', differences: ['c', 'd'] }], ctx);
    expect(r).toEqual({ status: 'fail', summary: '4 difference(s) after healing: a; b; c', evidence: { differences: ['a', 'b', 'c', 'd'] } });
  });
  it('a node the comparison left out because it was found dead fails the check unless a site loss took its site', () => {
    const compare = { t: 10, kind: 'baseline', type: 'compare', differences: [] } as const;
    const lost = { t: 11, kind: 'phase', phase: 'verify-heal:excluded-lost-nodes', detail: { lost: ['east/ctl', 'west/vnf-b'] } } as const;
    const died = baselineRestored.check([compare, lost], ctx);
    expect(died).toEqual({
      status: 'fail',
      summary: '2 difference(s) after healing: node east/ctl is gone, and no site loss took it; node west/vnf-b is gone, and no site loss took it',
      evidence: { differences: ['node east/ctl is gone, and no site loss took it', 'node west/vnf-b is gone, and no site loss took it'] },
    });
    const eastLost = fault({ kind: 'site-loss', site: 'east' }, 5);
    expect(baselineRestored.check([...eastLost, compare, lost], ctx).summary).toBe('1 difference(s) after healing: node west/vnf-b is gone, and no site loss took it');
    expect(baselineRestored.check([...eastLost, ...fault({ kind: 'site-loss', site: 'west' }, 6, undefined, { name: 'w' }), compare, lost], ctx).status).toBe('pass');
    // Only that phase's list counts: another phase, the phase without a list, other events.
    expect(baselineRestored.check([compare, { ...lost, phase: 'verify-heal' }], ctx).status).toBe('pass');
    expect(baselineRestored.check([compare, { t: 11, kind: 'phase', phase: 'verify-heal:excluded-lost-nodes' }], ctx).status).toBe('pass');
    expect(baselineRestored.check([compare, { ...lost, detail: { lost: 'east/ctl' } }], ctx).status).toBe('pass');
    expect(baselineRestored.check([compare, { t: 11, kind: 'op', process: 'x', type: 'info', f: 'verify-heal:excluded-lost-nodes', value: { lost: ['east/ctl'] } }], ctx).status).toBe('pass');
    // Another fault kind on the site explains nothing.
    expect(baselineRestored.check([...fault({ kind: 'revoke-token', site: 'east' }, 5), compare, { ...lost, detail: { lost: ['east/ctl'] } }], ctx).status).toBe('fail');
  });
  it('needs proven fault windows and decides HARNESS-BASELINE-RESTORED only', () => {
    expect(baselineRestored.needs).toEqual({ faults: true });
    expect(baselineRestored.requirements).toEqual(['HARNESS-BASELINE-RESTORED']);
  });
});
