// Revoke the token under test in one region's identity API. Proof: a
// read-back in that region (HEAD /v3/auth/tokens, repeated until it does)
// answers 404, and when.
import { z } from 'zod';
import { duration, name, timing } from '../../scenario/fields.js';
import type { FaultKind } from '../kind.js';
import { siteExists } from './targets.js';

const options = z.strictObject({
  kind: z.literal('revoke-token'),
  ...timing,
  duration: duration.optional().meta({ description: 'Ignored: a revoked token stays revoked' }),
  site: name('site name').meta({ description: 'The region whose identity API receives the DELETE' }),
});

export const revokeToken: FaultKind<typeof options> = {
  options,
  heals: false,
  action: true,
  target: (f) => ({ key: `identity ${f.site}`, sites: [f.site] }),
  validate: (f, s) => [
    ...siteExists(f, s),
    ...(s.identity ? [] : [[null, `fault "${f.name}" revokes a token, but the scenario has no identity block to issue one: add one (provider, placement, site, database), or remove this fault`] as const]),
  ],
  inject: async (f, env) => {
    if (!env.identity) throw new Error('no token to revoke: the scenario has no tokens workload');
    const r = await env.identity.revoke(f.site);
    const ok = r.readBack === 404;
    return {
      proof: {
        ok,
        summary: ok
          ? `revoked in ${r.revokedIn}; read back there: 404${r.reads && r.reads > 1 ? ` (after ${r.readBackMs} ms, ${r.reads} reads)` : ''}`
          : `revoked in ${r.revokedIn}, but a read-back there answered ${r.readBack}, not 404${r.reads ? ` (${r.reads} reads in ${r.readBackMs} ms)` : ''}`,
        measured: { ...r },
      },
    };
  },
};
