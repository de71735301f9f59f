// The seed's manual trigger, scheduled: the operator decides the primary is
// lost and has the DR runner restore the VNF in the backup site. Proof: the
// restored VNF committed a transaction there (its own event, read from the
// backup site), and when.
import { z } from 'zod';
import { duration, name, timing } from '../../scenario/fields.js';
import type { FaultKind } from '../kind.js';
import { siteExists } from './targets.js';

const options = z.strictObject({
  kind: z.literal('dr-failover'),
  ...timing,
  duration: duration.optional().meta({ description: 'Ignored: a failover is not undone' }),
  site: name('site name').meta({ description: "Where to restore: the scenario's dr.backup" }),
});

export const drFailover: FaultKind<typeof options> = {
  options,
  heals: false,
  action: true,
  target: (f) => ({ key: `dr ${f.site}`, sites: [f.site] }),
  validate: (f, s) => {
    if (!s.dr) return [[null, `fault "${f.name}" triggers a DR failover, but the scenario has no dr block: add one (vnf, primary, backup, option), or remove this fault`]];
    const issues = siteExists(f, s);
    if (issues.length === 0 && f.site !== s.dr.backup) issues.push(['site', `fault "${f.name}" restores in "${f.site}", but dr.backup is "${s.dr.backup}": the backups and replicas are there; write site: ${s.dr.backup}`]);
    return issues;
  },
  inject: async (f, env) => {
    if (!env.dr) throw new Error('no DR runner: the scenario has no dr block');
    const r = await env.dr.failover(f.site);
    const ok = r.servingAt > 0 && r.seqs.length > 0;
    return {
      proof: {
        ok,
        summary: ok ? `VNF restored in ${f.site} from ${r.restoredFrom} (cut ${r.seqs.join('/')}), serving again` : `restore in ${f.site} finished but the VNF reported no restored cut`,
        measured: { ...r },
      },
    };
  },
};
