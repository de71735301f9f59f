// The whole pipeline on the real thing: a short WAN scenario must pass every
// requirement it decides; the known-bad one must fail the WAN checks.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { passed } from '../../harness/engine/run.js';
import { parseHistory } from '../../harness/observe/history.js';
import { leftovers } from '../support/leftovers.js';
import { detail, evidenceOf, runFile, status } from '../support/run.js';

describe('msh run, end to end', () => {
  it('a faithful WAN passes fidelity, partition gap, continuity and baseline checks', async () => {
    const r = await runFile('fixtures/scenarios/wan-short.yaml');
    const why = detail(r);
    expect(r.error, why).toBeUndefined();
    expect(status(r, 'WAN-FIDELITY'), why).toBe('pass');
    expect(status(r, 'WAN-PARTITION-GAP'), why).toBe('pass');
    expect(status(r, 'WAN-HEARTBEAT-CONTINUITY'), why).toBe('pass');
    expect(status(r, 'HARNESS-BASELINE-RESTORED'), why).toBe('pass');
    expect(passed(r)).toBe(true);
    // The WAN's own delay, from the capture: measured 20.08-20.31 ms for 20 and 100.06-100.23 for 100, 52-132 datagrams a hop and phase.
    type Fidelity = { rows: { phase: string; expectedMs: number; medianMs: number; samples: number }[]; roundTrips: { medianMs: number; wireMs: number | null }[] };
    const fidelity = evidenceOf<Fidelity>(r, 'WAN-FIDELITY');
    expect(fidelity.rows.map((x) => [x.phase, x.expectedMs])).toEqual([['baseline', 20], ['baseline', 20], ['baseline', 20], ['baseline', 20], ['slow', 100], ['slow', 100], ['baseline', 20], ['baseline', 20]]);
    for (const x of fidelity.rows) {
      expect(x.medianMs, why).toBeGreaterThanOrEqual(x.expectedMs - 0.5);
      expect(x.medianMs, why).toBeLessThan(x.expectedMs * 1.05);
      expect(x.samples, why).toBeGreaterThan(30);
    }
    // The heartbeats' round trips hold the wire and then the endpoints.
    for (const t of fidelity.roundTrips) expect(t.medianMs, why).toBeGreaterThan(t.wireMs!);

    // The report files, and a history that holds what happened.
    const history = parseHistory(await readFile(join(r.outDir, 'history.jsonl'), 'utf8'));
    const faults = history.filter((e) => e.kind === 'fault');
    expect(faults.map((e) => e.kind === 'fault' && `${e.fault}:${e.type}`)).toEqual(['cut:start', 'cut:heal', 'slow:start', 'slow:heal']);
    // The relay's counters prove each impairment took effect while it was on.
    const cutHeal = faults[1]!;
    expect(cutHeal.kind === 'fault' && (cutHeal.proof.measured.effect as { aToB: { droppedDown: number } }).aToB.droppedDown).toBeGreaterThan(20);
    const slowHeal = faults[3]!;
    const meanDelay = slowHeal.kind === 'fault' && (slowHeal.proof.measured.effect as { aToB: { meanDelayMs: number } }).aToB.meanDelayMs;
    expect(meanDelay).toBeGreaterThan(45);
    // The capture proves it again, from both sides of the relay: how long the WAN held each datagram while impaired.
    const byCapture = history.filter((e) => e.kind === 'fault-capture');
    expect(byCapture.map((e) => e.kind === 'fault-capture' && [e.fault, e.injectedAt, e.proof.ok])).toEqual([['slow', faults[2]!.t, true]]);
    const held = byCapture[0]!.kind === 'fault-capture' ? (byCapture[0]!.proof.measured as Record<'aToB' | 'bToA', { datagrams: number; medianMs: number }>) : undefined;
    for (const d of [held!.aToB, held!.bToA]) {
      expect(d.medianMs, why).toBeGreaterThanOrEqual(99.5);
      expect(d.medianMs, why).toBeLessThan(105);
      expect(d.datagrams, why).toBeGreaterThan(30);
    }
    // The medians' bounds are asserted above (99.99 ms is a faithful 100): the text only has to carry them.
    expect(r.faults.find((f) => f.fault === 'slow')!.proof).toMatch(/; capture: east->west: the WAN held \d+ datagrams a median \d+(\.\d+)? ms; west->east: /);
    expect(history.filter((e) => e.kind === 'op').length).toBeGreaterThan(500);

    const result = JSON.parse(await readFile(join(r.outDir, 'result.json'), 'utf8')) as { scenario: { name: string }; verdicts: { id: string; status: string; source: string; section: string }[] };
    expect(result.scenario.name).toBe('wan-short');
    expect(result.verdicts.find((v) => v.id === 'WAN-FIDELITY')).toMatchObject({ status: 'pass', source: 'docs/ARCHITECTURE.md' });
    const junit = await readFile(join(r.outDir, 'junit.xml'), 'utf8');
    // One testcase per catalog requirement; the four this scenario decides pass, the rest are skipped.
    expect(junit).toMatch(new RegExp(`<testsuite name="wan-short" tests="${r.verdicts.length}" failures="0" errors="0" skipped="${r.verdicts.length - 4}"`));
    expect(await readFile(join(r.outDir, 'summary.md'), 'utf8')).toMatch(/\| WAN-PARTITION-GAP \| PASS \|/);
    expect(await leftovers(r.runId)).toEqual([]);
  });

  it('a saturated bottleneck and a paused receiver make the WAN checks fail', async () => {
    const r = await runFile('fixtures/scenarios/wan-known-bad.yaml');
    const why = detail(r);
    expect(r.error, why).toBeUndefined();
    expect(status(r, 'WAN-FIDELITY'), why).toBe('fail');
    // Heartbeats queue in the relay behind each other: measured medians 97-1029 ms a hop for 10 ms configured.
    const rows = evidenceOf<{ rows: { expectedMs: number; medianMs: number; status: string }[] }>(r, 'WAN-FIDELITY').rows;
    expect(rows.length, why).toBeGreaterThanOrEqual(2);
    expect(rows.every((x) => x.expectedMs === 10 && x.status === 'fail' && x.medianMs > 50), why).toBe(true);
    expect(Math.max(...rows.map((x) => x.medianMs)), why).toBeGreaterThan(300);
    expect(status(r, 'WAN-PARTITION-GAP'), why).toBe('fail');
    expect(passed(r)).toBe(false);
    expect(await leftovers(r.runId)).toEqual([]);
  });

  it('a 40 % lossy link loses heartbeats outside any fault: continuity fails', async () => {
    const r = await runFile('fixtures/scenarios/wan-lossy-link.yaml');
    const why = detail(r);
    expect(r.error, why).toBeUndefined();
    expect(status(r, 'WAN-HEARTBEAT-CONTINUITY'), why).toBe('fail');
    const rows = evidenceOf<{ rows: { direction: string; worstGapMs: number; limitMs: number; gapsOverLimit: number }[] }>(r, 'WAN-HEARTBEAT-CONTINUITY').rows;
    // Measured: 11 and 10 gaps over the 150 ms limit, worst 351 and 249 ms.
    expect(rows.length).toBe(2);
    for (const x of rows) {
      expect(x.gapsOverLimit, why).toBeGreaterThan(2);
      expect(x.worstGapMs, why).toBeGreaterThan(x.limitMs);
    }
    expect(await leftovers(r.runId)).toEqual([]);
  });
});
