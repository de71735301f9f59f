// Known-bad runs for requirements that had none (test/verdict-matrix.yaml):
// a real deployment, broken the way the fixture says, must make the
// requirement FAIL with its evidence.
import { describe, expect, it } from 'vitest';
import type { Observation } from '../../harness/checks/kinds/remote-port-fdb.js';
import { detail, evidenceOf, runFile, status } from '../support/run.js';

describe('known-bad runs for the verdict matrix gaps', () => {
  it('known-bad: L2 population lost behind the API: the kernel does not follow the remote port', async () => {
    const r = await runFile('fixtures/scenarios/ha-remote-port-l2pop-lost.yaml');
    expect(r.error, detail(r)).toBeUndefined();
    expect(status(r, 'HA-REMOTE-PORT-L2POP'), detail(r)).toBe('fail');
    const ev = evidenceOf<{ steps: { step: string; answer: string | null }[]; observations: Observation[] }>(r, 'HA-REMOTE-PORT-L2POP');
    // Every API step still answered: only the kernel disagrees.
    expect(ev.steps.map((s) => s.answer), detail(r)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    // While the port existed, its FDB and flooding entries were missing (measured: after create and after update).
    const exists = ev.observations.filter((o) => o.portExists);
    expect(exists.length).toBeGreaterThanOrEqual(2);
    const missing = exists.filter((o) => !o.mac && !o.flood);
    expect(missing.length, JSON.stringify(ev.observations)).toBeGreaterThanOrEqual(1);
    // The fault's proof: the kernel's FDB read back empty, the entries it removed counted.
    const f = r.faults.find((x) => x.fault === 'l2pop-lost')!;
    expect(f.proven, f.proof).toBe(true);
    const removed = Number(/removed (\d+) remote FDB entries/.exec(f.proof)?.[1] ?? 0);
    expect(removed, f.proof).toBeGreaterThanOrEqual(2);
  });

  it('known-bad: a fault whose heal leaves a link device down: the baseline comparison finds it', async () => {
    const r = await runFile('fixtures/scenarios/baseline-left-dirty.yaml');
    expect(r.error, detail(r)).toBeUndefined();
    expect(status(r, 'HARNESS-BASELINE-RESTORED'), detail(r)).toBe('fail');
    const { differences } = evidenceOf<{ differences: string[] }>(r, 'HARNESS-BASELINE-RESTORED');
    // Measured: the device's state and the two routes the kernel dropped with it.
    expect(differences.length, differences.join('\n')).toBeGreaterThanOrEqual(1);
    expect(differences.some((d) => /^site east if l0: .* up .* -> .* down /.test(d)), differences.join('\n')).toBe(true);
    expect(differences.filter((d) => /^site east route .*: gone \(was .*dev l0\)$/.test(d)), differences.join('\n')).toHaveLength(2);
    // The injector did what it says, both times: down, and left down.
    const f = r.faults.find((x) => x.fault === 'dirty')!;
    expect(f.proven, f.proof).toBe(true);
    expect(f.proof).toMatch(/l0 in east read back down; heal skipped on purpose: l0 in east read back still down/);
  });

  it('known-bad: overlapping backup networks crossed on their VNIs in one region: no member ever hears its own peer', async () => {
    const r = await runFile('fixtures/scenarios/ha-overlapping-ip-crossed.yaml');
    expect(r.error, detail(r)).toBeUndefined();
    expect(status(r, 'HA-OVERLAPPING-IP'), detail(r)).toBe('fail');
    const { rows } = evidenceOf<{ rows: { vnf: string; addresses: string[]; vnis: Record<string, number>; peersHeard: number; peerPairs: number; setups: number; served: number; status: string }[] }>(r, 'HA-OVERLAPPING-IP');
    expect(rows.map((x) => [x.vnf, x.status]), detail(r)).toEqual([
      ['vnf1', 'fail'],
      ['vnf2', 'fail'],
    ]);
    // The same addresses, and the two networks crossed in west.
    expect(rows[0]!.addresses).toEqual(rows[1]!.addresses);
    expect(rows.map((x) => x.vnis)).toEqual([
      { east: 5001, west: 5003 },
      { east: 5003, west: 5001 },
    ]);
    for (const x of rows) {
      // The decisive evidence: no member ever heard its peer (its heartbeats went to the other tenant's VM).
      expect([x.peersHeard, x.peerPairs], detail(r)).toEqual([0, 2]);
      // The calls were made (measured 30 per VNF in 8 s); served alone would not tell: measured 30/30 and
      // 29/30, both members of each VNF active and one of them holding the VIP.
      expect(x.setups, detail(r)).toBeGreaterThan(20);
    }
  });
});
