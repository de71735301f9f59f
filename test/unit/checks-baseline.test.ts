import { describe, expect, it } from 'vitest';
import { baselineRestored } from '../../harness/checks/kinds/baseline-restored.js';
import { compareSnapshots } from '../../harness/observe/baseline.js';
import type { CheckContext } from '../../harness/checks/context.js';

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
