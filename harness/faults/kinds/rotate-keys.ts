// Rotate a region's Fernet key repository (keystone-manage fernet_rotate),
// and, done right, distribute it to every region at once. Proof: the
// primary key changed (before and after listed), and after distribution
// every region's repository holds exactly the rotated key set.
import { z } from 'zod';
import { duration, name, timing } from '../../scenario/fields.js';
import type { FaultKind } from '../kind.js';
import { siteExists } from './targets.js';

const options = z.strictObject({
  kind: z.literal('rotate-keys'),
  ...timing,
  duration: duration.optional().meta({ description: 'Ignored: a rotation is not undone' }),
  site: name('site name').meta({ description: 'The region whose Fernet key repository is rotated (keystone-manage fernet_rotate)' }),
  distribute: z.boolean().default(true).meta({ description: 'Copy the rotated repository to every other region at once (done right) or not (done wrong)' }),
});

export const rotateKeys: FaultKind<typeof options> = {
  options,
  heals: false,
  action: true,
  target: (f) => ({ key: `keys ${f.site}`, sites: [f.site] }),
  validate: (f, s) => [
    ...siteExists(f, s),
    ...(s.identity?.provider === 'fernet' && s.identity.placement === 'distributed'
      ? []
      : [[null, `fault "${f.name}" rotates Fernet keys: it needs identity with provider: fernet and placement: distributed`] as const]),
  ],
  inject: async (f, env) => {
    if (!env.identity) throw new Error('no Fernet key repositories to rotate');
    const r = await env.identity.rotate(f.site, f.distribute);
    const same = (a: readonly string[]) => a.length === r.after.length && a.every((k, i) => k === r.after[i]);
    const stale = Object.entries(r.regions).filter(([, keys]) => !same(keys)).map(([x]) => x);
    const rotated = r.primaryAfter !== r.primaryBefore;
    const ok = rotated && (!f.distribute || stale.length === 0);
    const summary = !rotated
      ? `primary key of ${f.site} unchanged by the rotation`
      : `${f.site} rotated (primary ${r.primaryBefore.slice(0, 8)}... -> ${r.primaryAfter.slice(0, 8)}..., keys ${r.before.length} -> ${r.after.length})` +
        (f.distribute ? (stale.length ? `; not distributed to ${stale.join(', ')}` : `; distributed to ${Object.keys(r.regions).join(', ') || 'no other region'}`) : '; not distributed (as asked)');
    return { proof: { ok, summary, measured: { ...r, distribute: f.distribute, stale } } };
  },
};
