// Faults by hand: what `msh fault` keeps and how `msh heal` re-derives the
// heal from it, over a fake relay and engine (the kinds' own injections run).
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FaultEnv } from '../../harness/faults/kind.js';
import { healByHand, injectByHand, readHandFaults } from '../../harness/ops/hand-faults.js';
import { parseFaultArgs } from '../../harness/ops/fault-args.js';
import { openHistory, type FaultEvent } from '../../harness/observe/history.js';
import type { ContainerState, Runtime } from '../../harness/runtime/runtime.js';
import { parseScenario } from '../../harness/scenario/load.js';
import { planTopology } from '../../harness/topology/plan.js';
import type { DirectionStats, LinkStats } from '../../harness/wan/control.js';
import type { Impairment } from '../../harness/wan/impairment.js';
import { wanPair } from '../support/topologies.js';

const SCENARIO = parseScenario(
  'h.yaml',
  `name: h
duration: 1s
${wanPair('5ms')}
`,
).scenario;
const plan = planTopology(SCENARIO, 'abcdef');

const dir = (o: Partial<DirectionStats> = {}): DirectionStats => ({ received: 0, forwarded: 0, droppedLoss: 0, droppedDown: 0, droppedQueue: 0, droppedForeign: 0, sendErrors: 0, bytes: 0, bytesForwarded: 0, meanDelayMs: null, delayTotalMs: 0, maxLatenessMs: 0, ...o });

/** A relay and engine over fakes: `counters` are the successive stats reads; the relay may refuse to restore. */
function fakeEnv(o: { counters: LinkStats[]; stuckDown?: boolean }) {
  let held = { aToB: plan.links[0]!.baseline, bToA: plan.links[0]!.baseline };
  let reads = 0;
  let paused = false;
  const runtime = {
    pause: async () => void (paused = true),
    unpause: async () => void (paused = false),
    state: async (): Promise<ContainerState> => ({ running: true, paused }),
  } as unknown as Runtime;
  const env: FaultEnv = {
    plan,
    runtime,
    container: (ref) => `c:${ref}`,
    link: (name) => plan.links.find((l) => l.name === name)!,
    setLink: async (_l, a: Impairment, b: Impairment) => {
      if (!(o.stuckDown && !a.down)) held = { aToB: a, bToA: b };
    },
    linkSettings: async () => held,
    linkStats: async () => o.counters[Math.min(reads++, o.counters.length - 1)]!,
    setDown: async () => undefined,
    deviceStates: async (_ns, devs) => Object.fromEntries(devs.map((d) => [d, 'down' as const])),
  };
  return env;
}

describe('faults by hand', () => {
  let run = '';
  beforeEach(async () => void (run = await mkdtemp(join(tmpdir(), 'msh-hand-'))));
  afterEach(async () => rm(run, { recursive: true, force: true }));

  const stats = (aToB: Partial<DirectionStats>) => ({ aToB: dir(aToB), bToA: dir() });

  it('keeps a partition with the counters after injection, and its heal restores the baseline and counts the window', async () => {
    // Reads: the kind's own (after settling), ours right after (the window's start), the heal's.
    const env = fakeEnv({ counters: [stats({ received: 5, forwarded: 5 }), stats({ received: 5, forwarded: 5 }), stats({ received: 45, forwarded: 5, droppedDown: 40 })] });
    const history = openHistory();
    const { spec } = parseFaultArgs(['partition', '--link', 'wan1', '--name', 'cut']);
    const r = await injectByHand(spec, env, run, history);
    expect(r).toMatchObject({ heals: true, proof: { ok: true } });
    expect((await env.linkSettings(plan.links[0]!)).aToB.down).toBe(true);
    const [kept] = await readHandFaults(run);
    expect(kept).toMatchObject({ name: 'cut', spec: { kind: 'partition', link: 'wan1' }, before: { aToB: { received: 5 } } });
    const proof = await healByHand(kept!, env, run, history);
    expect(proof.ok).toBe(true);
    expect(proof.summary).toBe('wan1 back to baseline (read back: 5 ms, up); 40 packets dropped east->west, none forwarded; west->east: no packet offered during the cut, none forwarded');
    expect(await readdir(join(run, 'faults'))).toEqual([]);
    expect(history.events().map((e) => [(e as FaultEvent).type, (e as FaultEvent).fault, (e as FaultEvent).proof.ok])).toEqual([['start', 'cut', true], ['heal', 'cut', true]]);
  });

  it('fails the heal when the relay does not read back the baseline, or a packet crossed the cut', async () => {
    const env = fakeEnv({ counters: [stats({}), stats({}), stats({ received: 10, forwarded: 1, droppedDown: 9 })], stuckDown: true });
    const history = openHistory();
    await injectByHand(parseFaultArgs(['partition', '--link', 'wan1', '--name', 'cut']).spec, env, run, history);
    const proof = await healByHand((await readHandFaults(run))[0]!, env, run, history);
    expect(proof.ok).toBe(false);
    expect(proof.summary).toMatch(/^wan1 read back .*"down":true.*, not its baseline; east->west: 1 packets forwarded during the cut/);
  });

  it('refuses a second fault on the same link, and a name already in use', async () => {
    const env = fakeEnv({ counters: [stats({})] });
    const history = openHistory();
    await injectByHand(parseFaultArgs(['partition', '--link', 'wan1', '--name', 'cut']).spec, env, run, history);
    await expect(injectByHand(parseFaultArgs(['impair', '--link', 'wan1', '--latency', '50ms']).spec, env, run, history)).rejects.toThrow('fault cut (partition) already acts on link wan1: heal it first (msh heal abcdef cut)');
    await expect(injectByHand(parseFaultArgs(['pause-node', '--node', 'east/hb', '--name', 'cut']).spec, env, run, history)).rejects.toThrow('a fault named cut is already injected');
  });

  it('heals a paused node by unpausing it and reading its state back', async () => {
    const env = fakeEnv({ counters: [stats({})] });
    const history = openHistory();
    const r = await injectByHand(parseFaultArgs(['pause-node', '--node', 'west/hb', '--name', 'frz']).spec, env, run, history);
    expect(r.proof.summary).toBe('west/hb seen paused');
    expect(await healByHand((await readHandFaults(run))[0]!, env, run, history)).toMatchObject({ ok: true, summary: 'west/hb seen running again', measured: { pausedUntilHeal: true, running: true, paused: false } });
  });
  it('does not prove a pause that something thawed before the heal', async () => {
    const env = fakeEnv({ counters: [stats({})] });
    const history = openHistory();
    await injectByHand(parseFaultArgs(['pause-node', '--node', 'west/hb', '--name', 'frz2']).spec, env, run, history);
    await env.runtime.unpause(env.container('west/hb'));
    const healed = await healByHand((await readHandFaults(run)).find((x) => x.spec.name === 'frz2')!, env, run, history);
    expect(healed).toMatchObject({ ok: false, summary: 'west/hb was no longer paused when the heal came (running: true): not paused for the whole window' });
  });
});
