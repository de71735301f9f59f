// Trusting the cleanup (issue 11, "Trust it"): a harness killed with SIGKILL
// anywhere leaves nothing that the next `msh clean` or `msh run` does not
// remove, and two runs at once neither collide nor clean up each other.
import { execa, type ResultPromise } from 'execa';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseHistory, type HistoryEvent } from '../../harness/observe/history.js';
import { leftovers } from '../support/leftovers.js';
import { testDir } from '../support/temp-dir.js';

const SCENARIO = 'fixtures/scenarios/kill-anywhere.yaml';
const msh = (args: string[]) => execa('node', ['bin/msh.js', ...args], { reject: false });

async function history(out: string): Promise<HistoryEvent[]> {
  return parseHistory(await readFile(join(out, 'history.jsonl'), 'utf8').catch(() => ''));
}
const phases = (h: HistoryEvent[]) => h.flatMap((e) => (e.kind === 'phase' ? [e.phase] : []));
const runIdOf = (h: HistoryEvent[]) => {
  const e = h.find((x) => x.kind === 'phase' && x.phase === 'bring-up');
  return e?.kind === 'phase' ? (e.detail?.runId as string | undefined) : undefined;
};

/** Moments of a run to kill it at: after each of these is recorded (or at spawn), plus a delay. */
const MOMENTS = ['spawn', 'bring-up', 'bring-up:namespaces', 'bring-up:relay', 'bring-up:containers', 'bring-up:site-services', 'bring-up:overlays', 'workload', 'fault:start', 'fault:heal', 'verify-heal', 'teardown'] as const;
const label = (e: HistoryEvent) => (e.kind === 'phase' ? e.phase : e.kind === 'fault' ? `fault:${e.type}` : undefined);

/** Deterministic delays (mulberry32) so a failure names a kill point that can be tried again. */
function delays(seed: number, n: number, maxMs: number): number[] {
  let a = seed;
  return Array.from({ length: n }, () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.round((((t ^ (t >>> 14)) >>> 0) / 4294967296) * maxMs);
  });
}

interface KillPoint {
  readonly after: (typeof MOMENTS)[number];
  readonly delayMs: number;
}

interface Killed extends KillPoint {
  readonly out: string;
  readonly runId: string | undefined;
  readonly lastSeen: string | undefined;
}

async function runAndKill(p: KillPoint): Promise<Killed> {
  const out = await testDir('msh-kill');
  const child: ResultPromise = execa('node', ['bin/msh.js', 'run', SCENARIO, '--out', out], { reject: false });
  let exited = false;
  void child.finally(() => (exited = true));
  while (p.after !== 'spawn' && !exited && !(await history(out)).some((e) => label(e) === p.after)) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, p.delayMs));
  child.kill('SIGKILL');
  await child;
  const h = await history(out);
  return { ...p, out, runId: runIdOf(h), lastSeen: h.map(label).filter(Boolean).at(-1) };
}

describe('cleanup you can trust', () => {
  it('SIGKILL at 20 points across a run: msh clean, or the next msh run, leaves nothing behind', async () => {
    // 5 rounds of 4 runs killed at once (4 at a time also loads the host as a busy CI would).
    const at = delays(20261202, 20, 400).map((delayMs, i): KillPoint => ({ after: MOMENTS[i % MOMENTS.length]!, delayMs }));
    const killed: Killed[] = [];
    for (let round = 0; round < 5; round++) {
      const batch = await Promise.all(at.slice(round * 4, round * 4 + 4).map(runAndKill));
      killed.push(...batch);
      const ids = batch.flatMap((k) => (k.runId ? [k.runId] : []));
      if (round < 4) {
        const clean = await msh(['clean']);
        expect(clean.exitCode, clean.stderr).toBe(0);
      } else {
        // The last round is left for the next run's start to reap, which must then pass on its own.
        const out = await testDir('msh-after-kill');
        const next = await msh(['run', SCENARIO, '--out', out]);
        expect(next.exitCode, next.stdout + next.stderr).toBe(0);
        const reaped = (await history(out)).flatMap((e) => (e.kind === 'phase' && e.phase === 'reaped-stale-run' ? [e.detail?.runId] : []));
        for (const id of ids) expect(reaped).toContain(id);
        const nextId = runIdOf(await history(out));
        expect(nextId && (await leftovers(nextId))).toEqual([]);
      }
      for (const k of batch) expect(k.runId ? await leftovers(k.runId) : [], `killed ${k.delayMs} ms after ${k.after} (last recorded: ${k.lastSeen})`).toEqual([]);
    }
    // The kills landed across the run, not all in one phase.
    const landed = new Set(killed.map((k) => k.lastSeen ?? 'nothing recorded'));
    expect(landed.size, [...landed].join(', ')).toBeGreaterThanOrEqual(8);
    for (const m of ['bring-up:containers', 'workload', 'fault:start', 'teardown']) expect([...landed], m).toContain(m);
  }, 300_000);

  it('two msh run at once, and a msh clean during them: both pass, neither loses a resource', async () => {
    const outs = [await testDir('msh-two-a'), await testDir('msh-two-b')];
    const runs = outs.map((out) => execa('node', ['bin/msh.js', 'run', SCENARIO, '--out', out], { reject: false }));
    // Once both are in their workload, a third command cleans: it must keep both.
    const deadline = Date.now() + 60_000;
    while (!(await Promise.all(outs.map(history))).every((h) => phases(h).includes('workload')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const clean = await msh(['clean']);
    expect(clean.exitCode).toBe(0);
    expect(clean.stdout.match(/^kept [0-9a-f]{6} \(kill-anywhere\): in progress/gm)?.length).toBe(2);
    const [a, b] = await Promise.all(runs);
    expect(a!.exitCode, a!.stdout + a!.stderr).toBe(0);
    expect(b!.exitCode, b!.stdout + b!.stderr).toBe(0);
    const ids = await Promise.all(outs.map(async (o) => runIdOf(await history(o))));
    expect(new Set(ids).size).toBe(2);
    for (const [k, out] of outs.entries()) {
      const h = await history(out);
      // Neither reaped the other, and each one's fault took effect on its own relay.
      const reaped = h.flatMap((e) => (e.kind === 'phase' && e.phase === 'reaped-stale-run' ? [e.detail?.runId] : []));
      expect(reaped).not.toContain(ids[1 - k]);
      const heal = h.find((e) => e.kind === 'fault' && e.type === 'heal');
      expect(heal?.kind === 'fault' && heal.proof.ok).toBe(true);
      expect(ids[k]).toMatch(/^[0-9a-f]{6}$/);
      expect(await leftovers(ids[k])).toEqual([]);
    }
  }, 120_000);

  it('msh soak repeats a scenario and reports no flip when every run agrees', async () => {
    const out = await testDir('msh-soak');
    const r = await msh(['soak', SCENARIO, '--runs', '2', '--jobs', '2', '--out', out]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/kill-anywhere +│ 2 +│ none of 2 requirements/);
    const [report] = JSON.parse(await readFile(join(out, 'soak.json'), 'utf8')) as { scenario: string; runs: number; decided: string[]; flips: unknown[] }[];
    expect(report).toEqual({ scenario: 'kill-anywhere', runs: 2, decided: ['WAN-PARTITION-GAP', 'HARNESS-BASELINE-RESTORED'], flips: [] });
    for (const k of [1, 2]) expect(JSON.parse(await readFile(join(out, 'kill-anywhere', `run-${k}`, 'result.json'), 'utf8'))).toMatchObject({ aborted: false });
  }, 120_000);
});
