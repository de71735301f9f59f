import { describe, expect, it } from 'vitest';
import { soakReport, type SoakRun } from '../../harness/report/soak.js';

const run = (k: number, statuses: Record<string, 'pass' | 'fail' | 'unknown' | 'skip'>, extra: Partial<SoakRun> = {}): SoakRun => ({
  run: k,
  outDir: `/r/run-${k}`,
  verdicts: Object.entries(statuses).map(([id, status]) => ({ id, status, summary: `${id} ${status} in run ${k}` })),
  faults: [{ fault: 'cut', proven: true }],
  ...extra,
});

describe('soakReport', () => {
  it('no flip when every run gave every requirement the same status', () => {
    const r = soakReport([run(1, { A: 'pass', B: 'fail', C: 'skip' }), run(2, { A: 'pass', B: 'fail', C: 'skip' })]);
    expect(r).toEqual({ runs: 2, decided: ['A', 'B'], flips: [] });
  });

  it('a flip names the runs of each status, the most common first, with one run\'s evidence', () => {
    const r = soakReport([run(1, { A: 'pass', B: 'pass' }), run(2, { A: 'fail', B: 'pass' }), run(3, { A: 'pass', B: 'pass' })]);
    expect(r.flips).toEqual([
      {
        subject: 'A',
        outcomes: [
          { status: 'pass', runs: [1, 3], example: 'A pass in run 1' },
          { status: 'fail', runs: [2], example: 'A fail in run 2' },
        ],
      },
    ]);
  });

  it('a fault proven in some runs only, and a run error in one run, are flips too', () => {
    const r = soakReport([run(1, { A: 'pass' }), run(2, { A: 'pass' }, { faults: [{ fault: 'cut', proven: false }], error: 'boom' })]);
    expect(r.flips.map((f) => f.subject)).toEqual(['fault cut proven', 'run error']);
    expect(r.flips[1]!.outcomes).toEqual([
      { status: 'none', runs: [1], example: '' },
      { status: 'error', runs: [2], example: 'boom' },
    ]);
    expect(r.decided).toEqual(['A']);
  });

  it('skip in one run and pass in another is a flip (the precondition did not always occur)', () => {
    const r = soakReport([run(1, { A: 'skip' }), run(2, { A: 'pass' })]);
    expect(r.flips).toHaveLength(1);
    expect(r.decided).toEqual(['A']);
  });
});
