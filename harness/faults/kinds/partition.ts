// Cut a link, one way or both. Proof: the relay's settings read back down
// in each cut direction, and over the window (after packets already in
// flight have left) the relay forwarded no packet in any cut direction. The
// packets it dropped are counted; a link nobody sent on during the cut (an
// isolated site's quiet link, a paused sender) is proven by the read-back
// alone, and says so.
import { z } from 'zod';
import { name, timing } from '../../scenario/fields.js';
import { sleep, type FaultKind, type Proof } from '../kind.js';
import { linkExists } from './targets.js';
import { inFlightMs, windowEffect, type DirectionEffect } from './link-effect.js';

const options = z.strictObject({
  kind: z.literal('partition'),
  ...timing,
  link: name('link name'),
  direction: z.enum(['both', 'a-to-b', 'b-to-a']).default('both'),
});

/** Judge one cut direction's counters (pure, exported for tests). */
export function cutProof(label: string, e: DirectionEffect): { ok: boolean; dropped: number; text: string } {
  if (e.forwarded > 0) return { ok: false, dropped: e.droppedDown, text: `${label}: ${e.forwarded} packets forwarded during the cut` };
  if (e.droppedDown === 0) return { ok: true, dropped: 0, text: `${label}: no packet offered during the cut, none forwarded` };
  return { ok: true, dropped: e.droppedDown, text: `${e.droppedDown} packets dropped ${label}, none forwarded` };
}

export const partition: FaultKind<typeof options> = {
  options,
  heals: true,
  action: false,
  target: (f) => ({ key: `link ${f.link}`, sites: [], link: f.link }),
  validate: (f, s) => linkExists(f, s),
  inject: async (f, env) => {
    const link = env.link(f.link);
    const cut = { aToB: f.direction !== 'b-to-a', bToA: f.direction !== 'a-to-b' };
    await env.setLink(link, { ...link.baseline, down: cut.aToB }, { ...link.baseline, down: cut.bToA });
    const held = await env.linkSettings(link);
    const readBack = (['aToB', 'bToA'] as const).every((d) => held[d].down === cut[d]);
    const settled = inFlightMs(link.baseline);
    await sleep(settled);
    const before = await env.linkStats(link);
    const names = { aToB: `${link.a.site}->${link.b.site}`, bToA: `${link.b.site}->${link.a.site}` };
    return {
      proof: {
        ok: readBack,
        summary: readBack ? `relay set ${f.direction} down on ${link.name} (read back); counting from ${settled} ms later` : `relay settings for ${link.name} read back ${JSON.stringify({ aToB: held.aToB.down, bToA: held.bToA.down })}, not ${f.direction} down`, measured: { link: link.name, direction: f.direction, aToB: { ...link.baseline, down: cut.aToB }, bToA: { ...link.baseline, down: cut.bToA } } },
      heal: async (): Promise<Proof> => {
        const after = await env.linkStats(link);
        await env.setLink(link, link.baseline, link.baseline);
        const effect = windowEffect(before, after);
        const judged = (['aToB', 'bToA'] as const).filter((d) => cut[d]).map((d) => cutProof(names[d], effect[d]));
        const ok = judged.every((j) => j.ok);
        const quiet = judged.every((j) => j.dropped === 0) ? ['no packet was offered in any cut direction: proven by the read-back alone'] : [];
        return { ok, summary: [...judged.map((j) => j.text), ...quiet].join('; '), measured: { link: link.name, effect, restored: link.baseline } };
      },
    };
  },
};
