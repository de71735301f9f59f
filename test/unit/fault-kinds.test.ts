// Fault kinds decide from measurements whether they took effect: each proof
// on counters or engine states built by hand, both ways.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FaultEnv } from '../../harness/faults/kind.js';
import { captureProof, impairProof, MIN_CAPTURE_SAMPLES } from '../../harness/faults/kinds/impair.js';
import { now } from '../../harness/observe/history.js';
import type { WireFlow } from '../../harness/observe/wan-delay.js';
import { directionEffect, inFlightMs } from '../../harness/faults/kinds/link-effect.js';
import { cutProof } from '../../harness/faults/kinds/partition.js';
import { faultKind, faultOptions, type FaultSpec } from '../../harness/faults/registry.js';
import type { ContainerState, Runtime } from '../../harness/runtime/runtime.js';
import { parseScenario } from '../../harness/scenario/load.js';
import type { Scenario } from '../../harness/scenario/schema.js';
import { faultTarget } from '../../harness/scenario/schedule.js';
import { planTopology } from '../../harness/topology/plan.js';
import type { DirectionStats } from '../../harness/wan/control.js';
import type { Impairment } from '../../harness/wan/impairment.js';

const dir = (o: Partial<DirectionStats> = {}): DirectionStats => ({ received: 0, forwarded: 0, droppedLoss: 0, droppedDown: 0, droppedQueue: 0, droppedForeign: 0, sendErrors: 0, bytes: 0, bytesForwarded: 0, meanDelayMs: null, ...o }) as DirectionStats;
const imp = (o: Partial<{ latencyMs: number; jitterMs: number; lossPct: number; bandwidthKbit: number | null }> = {}) => ({ latencyMs: 20, jitterMs: 0, lossPct: 0, bandwidthKbit: null, down: false, ...o });

describe('link effect', () => {
  it('takes the difference of two counter snapshots, with the mean delay of the packets forwarded between them', () => {
    const e = directionEffect(dir({ received: 10, forwarded: 10, meanDelayMs: 20, bytesForwarded: 1000 }), dir({ received: 30, forwarded: 20, droppedDown: 5, droppedLoss: 3, droppedQueue: 2, meanDelayMs: 60, bytesForwarded: 3000 }));
    expect(e).toEqual({ received: 20, forwarded: 10, droppedDown: 5, droppedLoss: 3, droppedQueue: 2, bytesForwarded: 2000, meanDelayMs: 100 });
    expect(directionEffect(dir({ forwarded: 4, meanDelayMs: 5 }), dir({ forwarded: 4, meanDelayMs: 5 })).meanDelayMs).toBeNull();
  });
  it('waits out delayed packets, and a rate limiter backlog behind a bandwidth limit', () => {
    expect(inFlightMs(imp({ latencyMs: 20, jitterMs: 5 }))).toBe(75);
    expect(inFlightMs(imp({ latencyMs: 10, bandwidthKbit: 24 }))).toBe(1060);
  });
});

describe('partition proof', () => {
  it('holds when the cut direction dropped what was offered and forwarded nothing', () => {
    expect(cutProof('east->west', directionEffect(dir(), dir({ received: 40, droppedDown: 40 })))).toEqual({ ok: true, dropped: 40, text: '40 packets dropped east->west, none forwarded' });
  });
  it('fails when a packet crossed the cut', () => {
    expect(cutProof('east->west', directionEffect(dir(), dir({ received: 40, droppedDown: 39, forwarded: 1 })))).toEqual({ ok: false, dropped: 39, text: 'east->west: 1 packets forwarded during the cut' });
  });
  it('reports a direction nobody sent on without failing it', () => {
    expect(cutProof('west->east', directionEffect(dir(), dir()))).toEqual({ ok: true, dropped: 0, text: 'west->east: no packet offered during the cut, none forwarded' });
  });
});

describe('impair proof', () => {
  const seen = (o: Partial<DirectionStats>) => directionEffect(dir(), dir(o));
  it('holds when the mean delay is the latency asked', () => {
    expect(impairProof('a->b', imp({ latencyMs: 100 }), seen({ received: 150, forwarded: 150, meanDelayMs: 100.7 }), 4000)).toEqual({ ok: true, text: 'a->b: 150 forwarded, mean delay 100.7 ms, 0 % lost' });
  });
  it('fails when the delay is short of, or well over, what was asked', () => {
    expect(impairProof('a->b', imp({ latencyMs: 100 }), seen({ received: 150, forwarded: 150, meanDelayMs: 98.5 }), 4000).text).toMatch(/mean delay 98.5 ms < 100 ms asked/);
    expect(impairProof('a->b', imp({ latencyMs: 100, jitterMs: 10 }), seen({ received: 150, forwarded: 150, meanDelayMs: 130.5 }), 4000).text).toMatch(/mean delay 130.5 ms > 100 \+ 10 ms asked/);
    // Behind a bandwidth limit queueing adds delay: only the lower bound holds.
    expect(impairProof('a->b', imp({ latencyMs: 100, bandwidthKbit: 10_000 }), seen({ received: 150, forwarded: 150, meanDelayMs: 300, bytesForwarded: 1000 }), 4000).ok).toBe(true);
  });
  it('needs losses seen wherever loss was asked (too few packets to show it shows nothing), and none where none was asked', () => {
    expect(impairProof('a->b', imp({ lossPct: 10 }), seen({ received: 30, forwarded: 30, meanDelayMs: 20 }), 4000).text).toMatch(/no loss in 30 packets at 10 % asked/);
    expect(impairProof('a->b', imp({ lossPct: 10 }), seen({ received: 29, forwarded: 29, meanDelayMs: 20 }), 4000)).toEqual({ ok: false, text: 'a->b: 29 forwarded, mean delay 20 ms, 0 % lost: no loss seen: 29 packets are too few to show 10 % loss' });
    expect(impairProof('a->b', imp({ lossPct: 10 }), seen({ received: 29, forwarded: 28, droppedLoss: 1, meanDelayMs: 20 }), 4000).ok).toBe(true);
    expect(impairProof('a->b', imp({ lossPct: 10 }), seen({ received: 30, forwarded: 27, droppedLoss: 3, meanDelayMs: 20 }), 4000)).toEqual({ ok: true, text: 'a->b: 27 forwarded, mean delay 20 ms, 10 % lost' });
    expect(impairProof('a->b', imp(), seen({ received: 30, forwarded: 28, droppedLoss: 2, meanDelayMs: 20 }), 4000).text).toMatch(/2 packets lost with no loss asked/);
  });
  it('fails when more went through than the bandwidth allows, and when nothing crossed', () => {
    // 1 MB in 4 s is 2000 kbit/s.
    expect(impairProof('a->b', imp({ bandwidthKbit: 1000 }), seen({ received: 900, forwarded: 900, meanDelayMs: 40, bytesForwarded: 1_000_000 }), 4000).text).toMatch(/2000 kbit\/s forwarded > 1000 kbit\/s asked/);
    expect(impairProof('a->b', imp({ bandwidthKbit: 2000 }), seen({ received: 900, forwarded: 900, meanDelayMs: 40, bytesForwarded: 1_000_000 }), 4000).ok).toBe(true);
    expect(impairProof('a->b', imp(), seen({}), 4000)).toEqual({ ok: false, text: 'a->b: no packet crossed while impaired, so nothing shows the impairment' });
  });
});

describe('impair proof from the capture', () => {
  const held = (n: number, ms: number) => Array.from({ length: n }, () => ms);
  it('holds when the WAN held datagrams the latency asked, and says nothing with fewer than five', () => {
    expect(MIN_CAPTURE_SAMPLES).toBe(5);
    expect(captureProof('a->b', imp({ latencyMs: 100 }), [100.2, 100.1, 100.4, 100.3, 99.9])).toEqual({ ok: true, text: 'a->b: the WAN held 5 datagrams a median 100.2 ms', datagrams: 5, medianMs: 100.2 });
    expect(captureProof('a->b', imp({ latencyMs: 100 }), held(4, 5))).toBeNull();
  });
  it('takes the median, the lower of the middle two for an even count', () => {
    expect(captureProof('a->b', imp({ latencyMs: 100 }), [100, 300, 101, 102, 99, 100.5])!.text).toBe('a->b: the WAN held 6 datagrams a median 100.5 ms');
    expect(captureProof('a->b', imp({ latencyMs: 100 }), [100.123, 100.126, 100.124, 100.125, 100.127])!.medianMs).toBe(100.13);
    expect(captureProof('a->b', imp({ latencyMs: 100 }), [5, 5, 100, 101, 102, 103, 104])!.text).toMatch(/median 101 ms$/);
  });
  it('fails a WAN that held datagrams for less than the latency minus the jitter, by over 1 ms', () => {
    expect(captureProof('a->b', imp({ latencyMs: 100 }), held(9, 99))?.ok).toBe(true);
    expect(captureProof('a->b', imp({ latencyMs: 100 }), held(9, 98.9))).toEqual({ ok: false, text: 'a->b: the WAN held 9 datagrams a median 98.9 ms: median 98.9 ms < 100 ms asked', datagrams: 9, medianMs: 98.9 });
    expect(captureProof('a->b', imp({ latencyMs: 100, jitterMs: 30 }), held(9, 69))?.ok).toBe(true);
    expect(captureProof('a->b', imp({ latencyMs: 100, jitterMs: 30 }), held(9, 68.9))?.ok).toBe(false);
  });
  it('fails a WAN that held them over latency + jitter + 20 ms, unless a bandwidth limit queues them', () => {
    expect(captureProof('a->b', imp({ latencyMs: 100, jitterMs: 10 }), held(9, 130))?.ok).toBe(true);
    expect(captureProof('a->b', imp({ latencyMs: 100, jitterMs: 10 }), held(9, 130.1))).toMatchObject({ ok: false, text: 'a->b: the WAN held 9 datagrams a median 130.1 ms: median 130.1 ms > 100 + 10 ms asked' });
    expect(captureProof('a->b', imp({ latencyMs: 100, bandwidthKbit: 1000 }), held(9, 900))?.ok).toBe(true);
  });
});

describe('impair by the capture', () => {
  const kind = () => faultKind(spec({ kind: 'impair', link: 'ew', latency: 100 }));
  const plan = () => planTopology(SCENARIO, 'abcdef');
  const vni = () => plan().links[0]!.vni;
  const flow = (dir: 'aToB' | 'bToA', samples: [number, number][], o: Partial<WireFlow> = {}): WireFlow => ({ linkVni: vni(), dir, tenantVni: null, proto: 17, port: 7000, samples, unmatched: 0, dropped: 0, ...o });
  const every = (from: number, n: number, ms: number): [number, number][] => Array.from({ length: n }, (_, i) => [from + i * 10, ms]);
  const measured = { link: 'ew', aToB: imp({ latencyMs: 100 }), bToA: imp({ latencyMs: 100 }), appliedAt: 1000 };

  it('judges each direction on the datagrams that reached the relay between the injection and the heal', () => {
    const wire = [flow('aToB', [...every(900, 10, 5), ...every(1000, 10, 100.5), ...every(2000, 10, 5)]), flow('bToA', every(1500, 6, 101))];
    expect(kind().byCapture!(measured, 2000, wire, plan())).toEqual({
      ok: true,
      summary: 'capture: east->west: the WAN held 10 datagrams a median 100.5 ms; west->east: the WAN held 6 datagrams a median 101 ms',
      measured: { link: 'ew', from: 1000, to: 2000, aToB: { datagrams: 10, medianMs: 100.5 }, bToA: { datagrams: 6, medianMs: 101 } },
    });
  });
  it('pools every flow of the link in a direction, and leaves out other links and the other direction', () => {
    const wire = [flow('aToB', every(1000, 3, 100)), flow('aToB', every(1100, 3, 100), { port: 5000, tenantVni: 5001 }), flow('aToB', every(1000, 9, 5), { linkVni: vni() + 1 }), flow('bToA', every(1000, 4, 5))];
    expect(kind().byCapture!(measured, 2000, wire, plan())).toMatchObject({ ok: true, summary: 'capture: east->west: the WAN held 6 datagrams a median 100 ms', measured: { bToA: null } });
  });
  it('is not proven when the WAN did not hold what the relay says it did', () => {
    const wire = [flow('aToB', every(1000, 10, 100)), flow('bToA', every(1000, 10, 20))];
    const p = kind().byCapture!(measured, 2000, wire, plan())!;
    expect(p.ok).toBe(false);
    expect(p.summary).toBe('capture: east->west: the WAN held 10 datagrams a median 100 ms; west->east: the WAN held 10 datagrams a median 20 ms: median 20 ms < 100 ms asked');
  });
  it('says nothing with too few datagrams in the window, an unknown link or a proof of another shape', () => {
    expect(kind().byCapture!(measured, 2000, [flow('aToB', every(1000, 4, 100)), flow('bToA', every(2000, 9, 100))], plan())).toBeNull();
    expect(kind().byCapture!({ ...measured, link: 'nope' }, 2000, [flow('aToB', every(1000, 9, 100))], plan())).toBeNull();
    expect(kind().byCapture!({ link: 'ew', error: 'relay down' }, 2000, [flow('aToB', every(1000, 9, 100))], plan())).toBeNull();
  });
  it('runs to the end of the capture for a fault never healed', () => {
    expect(kind().byCapture!(measured, Infinity, [flow('aToB', every(5000, 9, 100))], plan())).toMatchObject({ ok: true });
  });
});

const SCENARIO = parseScenario(
  'f.yaml',
  `
name: f
duration: 20s
sites:
  - { name: east, subnet: 198.18.1.0/24, nodes: [{ name: ctl, role: controller }, { name: hb }] }
  - { name: west, subnet: 198.18.2.0/24, nodes: [{ name: ctl, role: controller }] }
links:
  - { name: ew, between: [east, west], latency: 5ms }
identity: { provider: fernet, placement: distributed, site: east, database: galera }
`,
).scenario;

/** A fault environment over fakes: containers by ref, states the test scripts, and what the kinds asked for. */
function fakeEnv(o: { states?: (ref: string, calls: number) => ContainerState; links?: Record<string, 'up' | 'down' | 'absent'>; killFails?: boolean; setDownFails?: boolean; identity?: FaultEnv['identity']; relayIgnores?: boolean; relayHolds?: (a: Impairment, b: Impairment) => { aToB: Impairment; bToA: Impairment }; counters?: [DirectionStats, DirectionStats][] } = {}) {
  const asked: string[] = [];
  const calls = new Map<string, number>();
  let held = { aToB: imp({ latencyMs: 5 }), bToA: imp({ latencyMs: 5 }) };
  let stats = 0;
  const refOf = (id: string) => id.replace(/^c:/, '');
  const runtime = {
    kill: async (id: string) => {
      asked.push(`kill ${refOf(id)}`);
      if (o.killFails) throw new Error('no such container');
    },
    pause: async (id: string) => void asked.push(`pause ${refOf(id)}`),
    unpause: async (id: string) => void asked.push(`unpause ${refOf(id)}`),
    state: async (id: string) => {
      const ref = refOf(id);
      calls.set(ref, (calls.get(ref) ?? 0) + 1);
      return (o.states ?? (() => ({ running: false, paused: false, finishedAt: 1000 })))(ref, calls.get(ref)!);
    },
  } as unknown as Runtime;
  const env: FaultEnv = {
    plan: planTopology(SCENARIO, 'abcdef'),
    runtime,
    container: (ref) => `c:${ref}`,
    link: (name) => {
      const l = planTopology(SCENARIO, 'abcdef').links.find((x) => x.name === name);
      if (!l) throw new Error(`no link ${name}`);
      return l;
    },
    setLink: async (_l, a, b) => {
      asked.push(`set ${a.down ? 'down' : 'up'}/${b.down ? 'down' : 'up'}`);
      if (!o.relayIgnores) held = o.relayHolds ? o.relayHolds(a, b) : { aToB: a, bToA: b };
    },
    linkSettings: async () => held,
    linkStats: async () => {
      const [a, b] = o.counters?.[stats++] ?? [dir(), dir()];
      return { aToB: a, bToA: b };
    },
    setDown: async (ns, devs) => {
      asked.push(`down ${ns} ${devs.join(',')}`);
      if (o.setDownFails) throw new Error('ip: permission denied');
    },
    deviceStates: async (_ns, devs) => Object.fromEntries(devs.map((d) => [d, o.links?.[d] ?? 'down'])),
    ...(o.identity ? { identity: o.identity } : {}),
  };
  return { env, asked };
}

const spec = (o: Record<string, unknown>) => ({ name: 'f', duration: 1000, ...o }) as unknown as FaultSpec;

describe('site-loss', () => {
  const f = spec({ kind: 'site-loss', site: 'east' });
  it('cuts every node of the site from its LAN and kills its containers; proven when both are read back', async () => {
    const { env, asked } = fakeEnv({ states: (ref) => ({ running: false, paused: false, finishedAt: ref === 'east/ctl' ? 1000 : 1040 }) });
    const r = await faultKind(f).inject(f, env);
    expect(asked.sort()).toEqual(['down msh-abcdef-east n0,n1', 'kill east/ctl', 'kill east/hb']);
    expect(r.proof.ok).toBe(true);
    expect(r.proof.summary).toBe('2 nodes of east cut from the site LAN (links read back down) and their containers seen dead, the last 40 ms after the first');
    expect(r.proof.stopped).toEqual({ 'east/ctl': 1000, 'east/hb': 1040 });
    expect(r.proof.from).toBeLessThanOrEqual(1000);
    expect(r.heal).toBeUndefined();
  });
  it('is not proven while a node is still linked to the site LAN, or a kill is refused', async () => {
    const linked = await faultKind(f).inject(f, fakeEnv({ links: { n1: 'up' } }).env);
    expect(linked.proof).toMatchObject({ ok: false, summary: 'site east not lost: east/hb still linked to the site LAN' });
    const refused = await faultKind(f).inject(f, fakeEnv({ killFails: true }).env);
    expect(refused.proof.ok).toBe(false);
    expect(refused.proof.summary).toMatch(/^site east not lost: east\/ctl: no such container; east\/hb: no such container$/);
  });
  it('waits until every container is seen dead', async () => {
    const { env } = fakeEnv({ states: (ref, n) => (ref === 'east/hb' && n < 3 ? { running: true, paused: false } : { running: false, paused: false, finishedAt: 2000 + n }) });
    const r = await faultKind(f).inject(f, env);
    expect(r.proof.ok).toBe(true);
    expect(r.proof.stopped).toEqual({ 'east/ctl': 2001, 'east/hb': 2003 });
  });
});

describe('partition', () => {
  const f = spec({ kind: 'partition', link: 'ew', direction: 'both' });
  it('is proven by the relay settings read back down and, over the window, nothing forwarded', async () => {
    const { env, asked } = fakeEnv({ counters: [[dir(), dir()], [dir({ received: 30, droppedDown: 30 }), dir()]] });
    const r = await faultKind(f).inject(f, env);
    expect(r.proof).toMatchObject({ ok: true, summary: 'relay set both down on ew (read back); counting from 55 ms later' });
    const healed = await r.heal!();
    expect(healed).toMatchObject({ ok: true, summary: '30 packets dropped east->west, none forwarded; west->east: no packet offered during the cut, none forwarded' });
    expect(asked).toEqual(['set down/down', 'set up/up']);
    const quiet = await (await faultKind(f).inject(f, fakeEnv().env)).heal!();
    expect(quiet).toMatchObject({ ok: true, summary: 'east->west: no packet offered during the cut, none forwarded; west->east: no packet offered during the cut, none forwarded; no packet was offered in any cut direction: proven by the read-back alone' });
  });
  it('is not proven when the relay does not hold the cut, or forwarded across it', async () => {
    const ignored = await faultKind(f).inject(f, fakeEnv({ relayIgnores: true }).env);
    expect(ignored.proof).toMatchObject({ ok: false, summary: 'relay settings for ew read back {"aToB":false,"bToA":false}, not both down' });
    const leak = await (await faultKind(f).inject(f, fakeEnv({ counters: [[dir(), dir()], [dir({ received: 30, droppedDown: 28, forwarded: 2 }), dir()]] }).env)).heal!();
    expect(leak).toMatchObject({ ok: false, summary: 'east->west: 2 packets forwarded during the cut; west->east: no packet offered during the cut, none forwarded' });
  });
});

describe('impair', () => {
  const f = spec({ kind: 'impair', link: 'ew', latency: 100 });
  it('sets the impairment both ways, restores the baseline at heal, and judges the window on the counters', async () => {
    const slow = dir({ received: 150, forwarded: 150, meanDelayMs: 100.4 });
    const { env, asked } = fakeEnv({ counters: [[dir(), dir()], [slow, slow]] });
    const r = await faultKind(f).inject(f, env);
    expect(r.proof).toMatchObject({ ok: true, summary: 'relay set {"latencyMs":100,"jitterMs":0,"lossPct":0,"bandwidthKbit":null,"down":false} on ew (read back)' });
    const healed = await r.heal!();
    expect(healed.ok).toBe(true);
    expect(healed.summary).toBe('east->west: 150 forwarded, mean delay 100.4 ms, 0 % lost; west->east: 150 forwarded, mean delay 100.4 ms, 0 % lost');
    expect(asked).toEqual(['set up/up', 'set up/up']);
  });
  it('is not proven when the relay does not hold what was set, either way', async () => {
    const ignored = await faultKind(f).inject(f, fakeEnv({ relayIgnores: true }).env);
    expect(ignored.proof.ok).toBe(false);
    const baseline = '{"latencyMs":5,"jitterMs":0,"lossPct":0,"bandwidthKbit":null,"down":false}';
    expect(ignored.proof.summary).toBe(`relay settings for ew read back {"aToB":${baseline},"bToA":${baseline}}, not {"latencyMs":100,"jitterMs":0,"lossPct":0,"bandwidthKbit":null,"down":false} both ways`);
    const oneWay = await faultKind(f).inject(f, fakeEnv({ relayHolds: (a) => ({ aToB: a, bToA: { ...a, latencyMs: 99 } }) }).env);
    expect(oneWay.proof.ok).toBe(false);
    for (const field of [{ jitterMs: 1 }, { lossPct: 1 }, { bandwidthKbit: 1000 }, { down: true }]) {
      const off = await faultKind(f).inject(f, fakeEnv({ relayHolds: (a) => ({ aToB: { ...a, ...field }, bToA: a }) }).env);
      expect(off.proof.ok, JSON.stringify(field)).toBe(false);
    }
  });
  it('holds with traffic one way only, and fails when a direction contradicts the settings or nothing crossed', async () => {
    const slow = dir({ received: 150, forwarded: 150, meanDelayMs: 100.4 });
    const oneWay = await (await faultKind(f).inject(f, fakeEnv({ counters: [[dir(), dir()], [slow, dir()]] }).env)).heal!();
    expect(oneWay.ok).toBe(true);
    const fast = await (await faultKind(f).inject(f, fakeEnv({ counters: [[dir(), dir()], [slow, dir({ received: 150, forwarded: 150, meanDelayMs: 5 })]] }).env)).heal!();
    expect(fast.ok).toBe(false);
    expect(fast.summary).toMatch(/west->east: 150 forwarded, mean delay 5 ms, 0 % lost: mean delay 5 ms < 100 ms asked$/);
    const quiet = await (await faultKind(f).inject(f, fakeEnv().env)).heal!();
    expect(quiet.ok).toBe(false);
  });
});

describe('pause-node', () => {
  const f = spec({ kind: 'pause-node', node: 'east/hb' });
  it('is proven by the engine reporting it paused, then running again', async () => {
    const { env, asked } = fakeEnv({ states: (_r, n) => (n <= 2 ? { running: true, paused: true } : { running: true, paused: false }) });
    const r = await faultKind(f).inject(f, env);
    expect(r.proof).toMatchObject({ ok: true, summary: 'east/hb seen paused' });
    expect(await r.heal!()).toEqual({ ok: true, summary: 'east/hb seen running again', measured: { node: 'east/hb', pausedUntilHeal: true, running: true, paused: false } });
    expect(asked).toEqual(['pause east/hb', 'unpause east/hb']);
  });
  it('is not proven when the engine does not report the pause, or the thaw', async () => {
    const r = await faultKind(f).inject(f, fakeEnv({ states: () => ({ running: true, paused: false }) }).env);
    expect(r.proof).toMatchObject({ ok: false, summary: 'east/hb not paused after docker pause (running: true)' });
    const stuck = await faultKind(f).inject(f, fakeEnv({ states: () => ({ running: true, paused: true }) }).env);
    expect(await stuck.heal!()).toMatchObject({ ok: false, summary: 'east/hb not running after unpause (paused: true)' });
    // Thawed by something else during the window: the heal finds it running and does not unpause it.
    const early = fakeEnv({ states: (_r, n) => (n === 1 ? { running: true, paused: true } : { running: true, paused: false }) });
    const thawed = await faultKind(f).inject(f, early.env);
    expect(await thawed.heal!()).toMatchObject({ ok: false, summary: 'east/hb was no longer paused when the heal came (running: true): not paused for the whole window' });
    expect(early.asked).toEqual(['pause east/hb']);
    const died = fakeEnv({ states: (_r, n) => (n === 1 ? { running: true, paused: true } : { running: false, paused: false }) });
    expect(await (await faultKind(f).inject(f, died.env)).heal!()).toMatchObject({ ok: false, summary: 'east/hb was no longer paused when the heal came (running: false): not paused for the whole window' });
  });
});

describe('revoke-token and rotate-keys', () => {
  const keys = { before: ['0', '1'], after: ['0', '1', '2'], primaryBefore: 'aaaaaaaaaaaa', primaryAfter: 'bbbbbbbbbbbb' };
  const identity = (readBack: number, regions: Record<string, string[]>, primaryAfter = keys.primaryAfter): FaultEnv['identity'] => ({
    revoke: async () => ({ revokedIn: 'east', readBack, readBackAt: 5 }),
    rotate: async () => ({ ...keys, primaryAfter, regions }),
  });
  it('revoke-token is proven by a 404 read back in the region', async () => {
    const f = spec({ kind: 'revoke-token', site: 'east' });
    expect((await faultKind(f).inject(f, fakeEnv({ identity: identity(404, {}) }).env)).proof).toMatchObject({ ok: true, summary: 'revoked in east; read back there: 404' });
    // A region reading an async replica refuses the token only once its own revocation came back.
    const lagging: FaultEnv['identity'] = { revoke: async () => ({ revokedIn: 'south', readBack: 404, readBackAt: 5, readBackMs: 180, reads: 4 }), rotate: async () => { throw new Error('unused'); } };
    expect((await faultKind(f).inject(f, fakeEnv({ identity: lagging }).env)).proof).toMatchObject({ ok: true, summary: 'revoked in south; read back there: 404 (after 180 ms, 4 reads)' });
    const never: FaultEnv['identity'] = { revoke: async () => ({ revokedIn: 'south', readBack: 200, readBackAt: 5, readBackMs: 5003, reads: 98 }), rotate: async () => { throw new Error('unused'); } };
    expect((await faultKind(f).inject(f, fakeEnv({ identity: never }).env)).proof).toMatchObject({ ok: false, summary: 'revoked in south, but a read-back there answered 200, not 404 (98 reads in 5003 ms)' });
    expect((await faultKind(f).inject(f, fakeEnv({ identity: identity(200, {}) }).env)).proof).toMatchObject({ ok: false, summary: 'revoked in east, but a read-back there answered 200, not 404' });
    await expect(faultKind(f).inject(f, fakeEnv().env)).rejects.toThrow(/no token to revoke/);
  });
  it('rotate-keys is proven by a new primary key, and by every region holding the rotated set when distributed', async () => {
    const f = spec({ kind: 'rotate-keys', site: 'east', distribute: true });
    const ok = await faultKind(f).inject(f, fakeEnv({ identity: identity(404, { west: ['0', '1', '2'] }) }).env);
    expect(ok.proof).toMatchObject({ ok: true, summary: 'east rotated (primary aaaaaaaa... -> bbbbbbbb..., keys 2 -> 3); distributed to west' });
    const stale = await faultKind(f).inject(f, fakeEnv({ identity: identity(404, { west: ['0', '1'] }) }).env);
    expect(stale.proof).toMatchObject({ ok: false, summary: 'east rotated (primary aaaaaaaa... -> bbbbbbbb..., keys 2 -> 3); not distributed to west' });
    const same = await faultKind(f).inject(f, fakeEnv({ identity: identity(404, { west: ['0', '1', '2'] }, keys.primaryBefore) }).env);
    expect(same.proof).toMatchObject({ ok: false, summary: 'primary key of east unchanged by the rotation' });
    const alone = spec({ kind: 'rotate-keys', site: 'east', distribute: false });
    expect((await faultKind(alone).inject(alone, fakeEnv({ identity: identity(404, {}) }).env)).proof).toMatchObject({ ok: true, summary: 'east rotated (primary aaaaaaaa... -> bbbbbbbb..., keys 2 -> 3); not distributed (as asked)' });
  });
});

describe('fault targets', () => {
  it('are typed: the key for the overlap rule, and the sites, node or link acted on', () => {
    expect(faultTarget(spec({ kind: 'site-loss', site: 'east' }))).toEqual({ key: 'site east', sites: ['east'] });
    expect(faultTarget(spec({ kind: 'pause-node', node: 'east/hb' }))).toEqual({ key: 'node east/hb', sites: ['east'], node: 'east/hb' });
    expect(faultTarget(spec({ kind: 'partition', link: 'ew', direction: 'both' }))).toEqual({ key: 'link ew', sites: [], link: 'ew' });
    expect(faultTarget(spec({ kind: 'impair', link: 'ew' }))).toEqual({ key: 'link ew', sites: [], link: 'ew' });
    expect(faultTarget(spec({ kind: 'revoke-token', site: 'west' }))).toEqual({ key: 'identity west', sites: ['west'] });
    expect(faultTarget(spec({ kind: 'rotate-keys', site: 'west' }))).toEqual({ key: 'keys west', sites: ['west'] });
  });
});

// What each kind records and decides at the edges (mutation testing: each
// assertion below failed on a changed kind that the tests above let through).
describe('fault kinds at the edges', () => {
  afterEach(() => void vi.useRealTimers());

  it('declare which heal, which are one-shot actions, and say in the schema which options they ignore', () => {
    const flags = (o: Record<string, unknown>) => {
      const k = faultKind(spec(o));
      return [k.heals, k.action];
    };
    expect(flags({ kind: 'partition', link: 'ew' })).toEqual([true, false]);
    expect(flags({ kind: 'impair', link: 'ew' })).toEqual([true, false]);
    expect(flags({ kind: 'pause-node', node: 'east/hb' })).toEqual([true, false]);
    expect(flags({ kind: 'site-loss', site: 'east' })).toEqual([false, false]);
    expect(flags({ kind: 'revoke-token', site: 'east' })).toEqual([false, true]);
    expect(flags({ kind: 'rotate-keys', site: 'east' })).toEqual([false, true]);
    for (const kind of ['site-loss', 'revoke-token', 'rotate-keys']) {
      const shape = faultKind(spec({ kind })).options.shape as Record<string, { meta(): { description?: string } | undefined }>;
      expect(shape['duration']!.meta()?.description).toMatch(/^Ignored: /);
      if (kind !== 'site-loss') expect(shape['site']!.meta()?.description).toMatch(/^The region whose /);
    }
    const rotate = faultKind(spec({ kind: 'rotate-keys' })).options.shape as Record<string, { meta(): { description?: string } | undefined }>;
    expect(rotate['distribute']!.meta()?.description).toMatch(/done right/);
  });

  it('rotate-keys distributes by default and needs distributed Fernet identity', () => {
    const parsed = faultOptions.parse({ kind: 'rotate-keys', name: 'r', at: '1s', site: 'east' });
    expect(parsed).toMatchObject({ kind: 'rotate-keys', site: 'east', distribute: true });
    const f = spec({ kind: 'rotate-keys', site: 'east' });
    expect(faultKind(f).validate(f, SCENARIO)).toEqual([]);
    const need = [[null, 'fault "f" rotates Fernet keys: it needs identity with provider: fernet and placement: distributed']];
    expect(faultKind(f).validate(f, { ...SCENARIO, identity: undefined } as unknown as Scenario)).toEqual(need);
    expect(faultKind(f).validate(f, { ...SCENARIO, identity: { ...SCENARIO.identity!, placement: 'centralized' } } as Scenario)).toEqual(need);
    expect(faultKind(f).validate(f, { ...SCENARIO, identity: { ...SCENARIO.identity!, provider: 'uuid' } } as Scenario)).toEqual(need);
  });

  it('rotate-keys finds a region whose keys differ past the first, records what it measured, and needs key repositories', async () => {
    const f = spec({ kind: 'rotate-keys', site: 'east', distribute: true });
    const rotate = async () => ({ before: ['0', '1'], after: ['0', '1', '2'], primaryBefore: 'a'.repeat(12), primaryAfter: 'b'.repeat(12), regions: { west: ['0', '1', '3'], north: ['0', '1', '2'] } });
    const r = await faultKind(f).inject(f, fakeEnv({ identity: { revoke: async () => ({ revokedIn: 'east', readBack: 404, readBackAt: 1 }), rotate } }).env);
    expect(r.proof.ok).toBe(false);
    expect(r.proof.summary).toMatch(/; not distributed to west$/);
    expect(r.proof.measured).toEqual({ ...(await rotate()), distribute: true, stale: ['west'] });
    await expect(faultKind(f).inject(f, fakeEnv().env)).rejects.toThrow(/^no Fernet key repositories to rotate$/);
  });

  it('revoke-token records the read-back it judged', async () => {
    const f = spec({ kind: 'revoke-token', site: 'east' });
    const r = await faultKind(f).inject(f, fakeEnv({ identity: { revoke: async () => ({ revokedIn: 'east', readBack: 404, readBackAt: 5 }), rotate: async () => { throw new Error('unused'); } } }).env);
    expect(r.proof.measured).toEqual({ revokedIn: 'east', readBack: 404, readBackAt: 5 });
  });

  it('pause-node records the engine states it judged', async () => {
    const f = spec({ kind: 'pause-node', node: 'east/hb' });
    const r = await faultKind(f).inject(f, fakeEnv({ states: (_r, n) => (n <= 2 ? { running: true, paused: true } : { running: true, paused: false, finishedAt: 7 }) }).env);
    expect(r.proof.measured).toEqual({ node: 'east/hb', running: true, paused: true });
    expect((await r.heal!()).measured).toEqual({ node: 'east/hb', pausedUntilHeal: true, running: true, paused: false, finishedAt: 7 });
  });

  it('site-loss acts on the site named, records what it measured, and refuses a site with no node', async () => {
    const f = spec({ kind: 'site-loss', site: 'west' });
    const { env, asked } = fakeEnv({ states: () => ({ running: false, paused: false, finishedAt: 1500 }) });
    const r = await faultKind(f).inject(f, env);
    expect(asked.sort()).toEqual(['down msh-abcdef-west n0', 'kill west/ctl']);
    expect(r.proof).toMatchObject({ ok: true, summary: '1 nodes of west cut from the site LAN (links read back down) and their containers seen dead, the last 0 ms after the first' });
    expect(r.proof.measured).toEqual({ site: 'west', cutAt: expect.any(Number), links: { n0: 'down' }, stopped: { 'west/ctl': 1500 }, alive: [], refused: [], firstDeath: 1500, lastDeath: 1500 });
    expect(r.proof.from).toBe(1500);
    const none = spec({ kind: 'site-loss', site: 'south' });
    await expect(faultKind(none).inject(none, fakeEnv().env)).rejects.toThrow(/^site south has no node to lose$/);
    const empty = fakeEnv().env;
    const plan = { ...empty.plan, sites: empty.plan.sites.map((s) => (s.name === 'west' ? { ...s, nodes: [] } : s)) };
    await expect(faultKind(f).inject(f, { ...empty, plan })).rejects.toThrow(/^site west has no node to lose$/);
  });

  it('site-loss is not proven when the links cannot be set down', async () => {
    const f = spec({ kind: 'site-loss', site: 'east' });
    const r = await faultKind(f).inject(f, fakeEnv({ setDownFails: true }).env);
    expect(r.proof).toMatchObject({ ok: false, summary: 'site east not lost: links: ip: permission denied' });
  });

  it('site-loss takes a container for dead only once the engine says it stopped and when, not by an earlier exit or an unanswered query', async () => {
    const f = spec({ kind: 'site-loss', site: 'east' });
    // Running again after an earlier exit: the engine still reports that exit's time.
    const states = (ref: string, n: number): ContainerState => {
      if (ref === 'east/ctl' && n < 3) throw new Error('engine busy');
      if (ref === 'east/hb' && n < 3) return { running: true, paused: false, finishedAt: 500 };
      return { running: false, paused: false, finishedAt: 3000 + n };
    };
    const r = await faultKind(f).inject(f, fakeEnv({ states }).env);
    expect(r.proof.ok).toBe(true);
    expect(r.proof.stopped).toEqual({ 'east/ctl': 3003, 'east/hb': 3003 });
  });

  it('site-loss gives up on a container still running after 5 s and names it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'performance'] });
    const f = spec({ kind: 'site-loss', site: 'east' });
    const pending = faultKind(f).inject(f, fakeEnv({ states: (ref) => (ref === 'east/hb' ? { running: true, paused: false } : { running: false, paused: false, finishedAt: 1000 }) }).env);
    await vi.advanceTimersByTimeAsync(5100);
    const r = await pending;
    expect(r.proof).toMatchObject({ ok: false, summary: 'site east not lost: east/hb still running after 5000 ms', from: 1000, stopped: { 'east/ctl': 1000 } });
    expect(r.proof.measured).toMatchObject({ alive: ['east/hb'], firstDeath: 1000, lastDeath: 1000 });
  });

  it('site-loss counts no death the engine gave no exit time for', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'performance'] });
    const f = spec({ kind: 'site-loss', site: 'east' });
    const pending = faultKind(f).inject(f, fakeEnv({ states: (ref) => (ref === 'east/hb' ? { running: false, paused: false } : { running: false, paused: false, finishedAt: 1000 }) }).env);
    await vi.advanceTimersByTimeAsync(5100);
    const r = await pending;
    expect(r.proof.ok).toBe(false);
    expect(r.proof.from).toBe(1000);
    expect(r.proof.stopped).toStrictEqual({ 'east/ctl': 1000 });
  });

  it('partition cuts only the direction asked, judges only that one, and records the settings and the counters', async () => {
    const one = spec({ kind: 'partition', link: 'ew', direction: 'a-to-b' });
    const { env, asked } = fakeEnv({ counters: [[dir(), dir()], [dir({ received: 30, droppedDown: 30 }), dir({ received: 5, forwarded: 5, meanDelayMs: 5 })]] });
    const r = await faultKind(one).inject(one, env);
    expect(r.proof.ok).toBe(true);
    const base = { latencyMs: 5, jitterMs: 0, lossPct: 0, bandwidthKbit: null };
    expect(r.proof.measured).toMatchObject({ link: 'ew', direction: 'a-to-b', aToB: { ...base, down: true }, bToA: { ...base, down: false } });
    const healed = await r.heal!();
    expect(healed).toMatchObject({ ok: true, summary: '30 packets dropped east->west, none forwarded' });
    expect(healed.measured).toMatchObject({ link: 'ew', restored: { ...base, down: false }, effect: { aToB: { received: 30, droppedDown: 30 }, bToA: { forwarded: 5 } } });
    const other = spec({ kind: 'partition', link: 'ew', direction: 'b-to-a' });
    const o = fakeEnv();
    await faultKind(other).inject(other, o.env);
    expect(o.asked).toEqual(['set up/down']);
    expect(asked).toEqual(['set down/up', 'set up/up']);
  });

  it('partition is not proven when the relay holds only one of the two cut directions', async () => {
    const f = spec({ kind: 'partition', link: 'ew', direction: 'both' });
    const r = await faultKind(f).inject(f, fakeEnv({ relayHolds: (a, b) => ({ aToB: a, bToA: { ...b, down: false } }) }).env);
    expect(r.proof).toMatchObject({ ok: false, summary: 'relay settings for ew read back {"aToB":true,"bToA":false}, not both down' });
  });

  it('impair waits out the slower of the old and new terms, then measures the window it held', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'performance'] });
    const f = spec({ kind: 'impair', link: 'ew', latency: 100, bandwidth: 1000 });
    const slow = dir({ received: 150, forwarded: 150, meanDelayMs: 100.4, bytesForwarded: 500_000 });
    const { env } = fakeEnv({ counters: [[dir(), dir()], [slow, dir()]] });
    let done = false;
    const injectedAt = now();
    const pending = faultKind(f).inject(f, env).then((r) => ((done = true), r));
    // Baseline 5 ms waits 55 ms; 100 ms behind a bandwidth limit waits the whole queue.
    const early = inFlightMs(imp({ latencyMs: 5 })) + 10;
    await vi.advanceTimersByTimeAsync(early);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(inFlightMs(imp({ latencyMs: 100, bandwidthKbit: 1000 })) - early);
    const r = await pending;
    const applied = { latencyMs: 100, jitterMs: 0, lossPct: 0, bandwidthKbit: 1000, down: false };
    // Applied before the in-flight wait: datagrams reaching the relay from then on are held on the new terms.
    expect(r.proof.measured).toEqual({ link: 'ew', aToB: applied, bToA: applied, appliedAt: injectedAt });
    await vi.advanceTimersByTimeAsync(4000);
    const healed = await r.heal!();
    // 500 kB in 4 s is 1000 kbit/s: within the limit.
    expect(healed).toMatchObject({ ok: true, summary: 'east->west: 150 forwarded, mean delay 100.4 ms, 0 % lost; west->east: no packet crossed while impaired, so nothing shows the impairment' });
    expect(healed.measured).toMatchObject({ link: 'ew', applied, windowMs: 4000, effect: { aToB: { forwarded: 150, bytesForwarded: 500_000 } } });
  });

  it('impair proof at its bounds: 1 ms under the latency, exactly latency + jitter + 20 ms, exactly 20 % over the bandwidth', () => {
    const seen = (o: Partial<DirectionStats>) => directionEffect(dir(), dir({ received: 100, forwarded: 100, ...o }));
    expect(impairProof('a->b', imp({ latencyMs: 100 }), seen({ meanDelayMs: 99 }), 4000).ok).toBe(true);
    expect(impairProof('a->b', imp({ latencyMs: 100 }), seen({ meanDelayMs: 98.9 }), 4000).ok).toBe(false);
    expect(impairProof('a->b', imp({ latencyMs: 100, jitterMs: 10 }), seen({ meanDelayMs: 130 }), 4000).ok).toBe(true);
    expect(impairProof('a->b', imp({ latencyMs: 100, jitterMs: 10 }), seen({ meanDelayMs: 125 }), 4000).ok).toBe(true);
    expect(impairProof('a->b', imp({ latencyMs: 100, jitterMs: 10 }), seen({ meanDelayMs: 130.1 }), 4000).ok).toBe(false);
    // 600 kB in 4 s is 1200 kbit/s: 1000 kbit/s + 20 %.
    expect(impairProof('a->b', imp({ bandwidthKbit: 1000 }), seen({ meanDelayMs: 20, bytesForwarded: 600_000 }), 4000).ok).toBe(true);
    expect(impairProof('a->b', imp({ bandwidthKbit: 1000 }), seen({ meanDelayMs: 20, bytesForwarded: 600_100 }), 4000).ok).toBe(false);
    // No bandwidth asked: any byte rate goes.
    expect(impairProof('a->b', imp(), seen({ meanDelayMs: 20, bytesForwarded: 10_000_000 }), 4000).ok).toBe(true);
    // A window of no length measures no rate.
    expect(impairProof('a->b', imp({ bandwidthKbit: 1000 }), seen({ meanDelayMs: 20, bytesForwarded: 600_000 }), 0).ok).toBe(true);
  });

  it('impair proof with packets forwarded in the window but received before it: 0 % lost', () => {
    const e = directionEffect(dir({ received: 10, forwarded: 7, meanDelayMs: 20 }), dir({ received: 10, forwarded: 10, meanDelayMs: 20 }));
    expect(impairProof('a->b', imp(), e, 4000)).toEqual({ ok: true, text: 'a->b: 3 forwarded, mean delay 20 ms, 0 % lost' });
  });

  it('link effect subtracts every drop counter of the earlier snapshot', () => {
    const e = directionEffect(dir({ droppedDown: 2, droppedLoss: 3, droppedQueue: 4 }), dir({ droppedDown: 10, droppedLoss: 10, droppedQueue: 10 }));
    expect(e).toMatchObject({ droppedDown: 8, droppedLoss: 7, droppedQueue: 6 });
  });
});
