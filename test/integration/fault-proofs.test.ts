// Faults prove they took effect on the real thing: relay counters for link
// faults, containers seen dead for a site loss; and a fault that cannot be
// injected leaves its checks unknown and fails the run.
import { describe, expect, it } from 'vitest';
import { passed } from '../../harness/engine/run.js';
import { leftovers } from '../support/leftovers.js';
import { detail, runFile, status } from '../support/run.js';

describe('fault proofs', () => {
  it('a pause of a node already lost with its site: not proven, its checks unknown, the run fails', async () => {
    const r = await runFile('fixtures/scenarios/fault-not-injectable.yaml');
    const lose = r.faults.find((f) => f.fault === 'lose-west')!;
    const freeze = r.faults.find((f) => f.fault === 'freeze')!;
    expect(lose.proven, lose.proof).toBe(true);
    expect(lose.proof).toMatch(/^1 nodes of west cut from the site LAN \(links read back down\) and their containers seen dead/);
    expect(freeze.proven).toBe(false);
    expect(freeze.proof).toMatch(/^injection failed: /);
    expect(status(r, 'WAN-HEARTBEAT-CONTINUITY'), detail(r)).toBe('unknown');
    expect(status(r, 'HARNESS-BASELINE-RESTORED'), detail(r)).toBe('unknown');
    expect(r.checks.every((c) => /a fault did not prove it took effect.*freeze \(pause-node\): injection failed/.test(c.summary))).toBe(true);
    expect(passed(r)).toBe(false);
    expect(await leftovers(r.runId)).toEqual([]);
  });
});
