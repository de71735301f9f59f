// Change a link's delay, jitter, loss or bandwidth for a while. Proof: what
// the relay applied to the packets it forwarded in the window, measured: mean
// delay no less than the latency asked (and, without a bandwidth limit, no
// more than latency + jitter + 20 ms), losses seen when enough packets crossed
// to expect at least three, the forwarded byte rate within the bandwidth.
// Those are the relay's own counters; when the WAN is captured, the capture's
// account of the same window is a second proof (byCapture): how long the
// WAN held each datagram, both sides of the relay on one kernel clock.
import { z } from 'zod';
import { quantile, round } from '../../checks/series.js';
import { now } from '../../observe/history.js';
import type { WireFlow } from '../../observe/wan-delay.js';
import { impairmentFields, name, timing } from '../../scenario/fields.js';
import { ImpairmentSchema } from '../../wan/control.js';
import { sameImpairment, type Impairment } from '../../wan/impairment.js';
import { sleep, type FaultKind, type Proof } from '../kind.js';
import { linkExists } from './targets.js';
import { inFlightMs, windowEffect, type DirectionEffect } from './link-effect.js';

const options = z.strictObject({
  kind: z.literal('impair'),
  ...timing,
  link: name('link name'),
  ...impairmentFields,
});

/** Whether the counters of one direction show the impairment (pure, exported for tests). */
export function impairProof(label: string, want: Impairment, e: DirectionEffect, windowMs: number): { ok: boolean; text: string } {
  if (e.forwarded === 0) return { ok: false, text: `${label}: no packet crossed while impaired, so nothing shows the impairment` };
  const problems: string[] = [];
  const delay = e.meanDelayMs ?? 0;
  if (delay < want.latencyMs - 1) problems.push(`mean delay ${delay} ms < ${want.latencyMs} ms asked`);
  if (want.bandwidthKbit === null && delay > want.latencyMs + want.jitterMs + 20) problems.push(`mean delay ${delay} ms > ${want.latencyMs} + ${want.jitterMs} ms asked`);
  const lossPct = e.received > 0 ? (100 * e.droppedLoss) / e.received : 0;
  // Loss asked and none seen is no evidence of it, however few packets crossed (too few to show it is still nothing shown).
  if (want.lossPct > 0 && e.droppedLoss === 0) {
    problems.push((e.received * want.lossPct) / 100 >= 3 ? `no loss in ${e.received} packets at ${want.lossPct} % asked` : `no loss seen: ${e.received} packets are too few to show ${want.lossPct} % loss`);
  }
  if (want.lossPct === 0 && e.droppedLoss > 0) problems.push(`${e.droppedLoss} packets lost with no loss asked`);
  const kbit = windowMs > 0 ? (e.bytesForwarded * 8) / windowMs : 0;
  if (want.bandwidthKbit !== null && kbit > want.bandwidthKbit * 1.2) problems.push(`${Math.round(kbit)} kbit/s forwarded > ${want.bandwidthKbit} kbit/s asked`);
  const seen = `${label}: ${e.forwarded} forwarded, mean delay ${delay} ms, ${Math.round(lossPct * 100) / 100} % lost`;
  return problems.length ? { ok: false, text: `${seen}: ${problems.join(', ')}` } : { ok: true, text: seen };
}

/** Fewer datagrams than this in a direction's window say nothing either way. */
export const MIN_CAPTURE_SAMPLES = 5;

/**
 * Whether what the capture saw the WAN hold in one direction contradicts the
 * impairment (pure, exported for tests); null with too few datagrams. The
 * median (as the checks take it: the lower of the middle two), against bounds a faithful relay cannot cross whatever the draw:
 * never below latency - jitter (uniform jitter), and without a bandwidth
 * limit never above latency + jitter, with the relay proof's 1 ms and 20 ms.
 */
export function captureProof(label: string, want: Impairment, delays: readonly number[]): { ok: boolean; text: string; datagrams: number; medianMs: number } | null {
  if (delays.length < MIN_CAPTURE_SAMPLES) return null;
  const median = round(quantile([...delays].sort((a, b) => a - b), 0.5));
  const problems: string[] = [];
  if (median < want.latencyMs - want.jitterMs - 1) problems.push(`median ${median} ms < ${want.latencyMs} ms asked`);
  if (want.bandwidthKbit === null && median > want.latencyMs + want.jitterMs + 20) problems.push(`median ${median} ms > ${want.latencyMs} + ${want.jitterMs} ms asked`);
  const seen = `${label}: the WAN held ${delays.length} datagrams a median ${median} ms`;
  const counted = { datagrams: delays.length, medianMs: median };
  return problems.length ? { ok: false, text: `${seen}: ${problems.join(', ')}`, ...counted } : { ok: true, text: seen, ...counted };
}

/** What the injection's proof records: the link, the impairment applied, and when (history clock). */
const Applied = z.object({ link: z.string(), aToB: ImpairmentSchema, appliedAt: z.number() });

/** The datagrams of one direction of a link that reached the relay within [from, to): how long each was held. */
function heldIn(wire: readonly WireFlow[], vni: number, dir: WireFlow['dir'], from: number, to: number): number[] {
  return wire.filter((w) => w.linkVni === vni && w.dir === dir).flatMap((w) => w.samples.filter(([t]) => t >= from && t < to).map(([, d]) => d));
}

export const impair: FaultKind<typeof options> = {
  options,
  heals: true,
  action: false,
  target: (f) => ({ key: `link ${f.link}`, sites: [], link: f.link }),
  validate: (f, s) => [
    ...linkExists(f, s),
    ...([f.latency, f.jitter, f.loss, f.bandwidth].every((v) => v === undefined)
      ? [[null, `fault "${f.name}" changes nothing: set at least one of latency, jitter, loss or bandwidth (e.g. latency: 100ms); to cut the link, use kind: partition`] as const]
      : []),
  ],
  inject: async (f, env) => {
    const link = env.link(f.link);
    const changed: Impairment = {
      latencyMs: f.latency ?? link.baseline.latencyMs,
      jitterMs: f.jitter ?? link.baseline.jitterMs,
      lossPct: f.loss ?? link.baseline.lossPct,
      bandwidthKbit: f.bandwidth ?? link.baseline.bandwidthKbit,
      down: false,
    };
    await env.setLink(link, changed, changed);
    // Every datagram reaching the relay from here on is held on the new terms.
    const appliedAt = now();
    const held = await env.linkSettings(link);
    const readBack = (['aToB', 'bToA'] as const).every((d) => sameImpairment(held[d], changed));
    await sleep(Math.max(inFlightMs(link.baseline), inFlightMs(changed)));
    const before = await env.linkStats(link);
    const from = performance.now();
    return {
      proof: {
        ok: readBack,
        summary: readBack ? `relay set ${JSON.stringify(changed)} on ${link.name} (read back)` : `relay settings for ${link.name} read back ${JSON.stringify(held)}, not ${JSON.stringify(changed)} both ways`,
        measured: { link: link.name, aToB: changed, bToA: changed, appliedAt },
      },
      heal: async (): Promise<Proof> => {
        const after = await env.linkStats(link);
        const windowMs = performance.now() - from;
        await env.setLink(link, link.baseline, link.baseline);
        const effect = windowEffect(before, after);
        const judged = [impairProof(`${link.a.site}->${link.b.site}`, changed, effect.aToB, windowMs), impairProof(`${link.b.site}->${link.a.site}`, changed, effect.bToA, windowMs)];
        // One quiet direction (traffic only one way) is not a failure; both quiet, or any direction contradicting the settings, is.
        const contradicted = judged.filter((j) => !j.ok && !j.text.includes('no packet crossed'));
        const ok = contradicted.length === 0 && judged.some((j) => j.ok);
        return { ok, summary: judged.map((j) => j.text).join('; '), measured: { link: link.name, applied: changed, effect, windowMs: Math.round(windowMs) } };
      },
    };
  },
  byCapture: (measured, healAt, wire, plan) => {
    const applied = Applied.safeParse(measured);
    const link = applied.success ? plan.links.find((l) => l.name === applied.data.link) : undefined;
    if (!applied.success || !link) return null;
    const { aToB: want, appliedAt } = applied.data;
    const aToB = captureProof(`${link.a.site}->${link.b.site}`, want, heldIn(wire, link.vni, 'aToB', appliedAt, healAt));
    const bToA = captureProof(`${link.b.site}->${link.a.site}`, want, heldIn(wire, link.vni, 'bToA', appliedAt, healAt));
    const judged = [aToB, bToA].filter((j) => j !== null);
    if (judged.length === 0) return null;
    const counted = (j: typeof aToB) => j && { datagrams: j.datagrams, medianMs: j.medianMs };
    return { ok: judged.every((j) => j.ok), summary: `capture: ${judged.map((j) => j.text).join('; ')}`, measured: { link: link.name, from: appliedAt, to: Number.isFinite(healAt) ? healAt : null, aToB: counted(aToB), bToA: counted(bToA) } };
  },
};
