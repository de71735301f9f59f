// The seed's manual trigger, scheduled: the operator decides the primary is
// lost and has the DR runner restore the VNF in the backup site. Proof: the
// runner reached the backup site's APIs and carried the restore out; what
// came back (booted, serving, which cut) is measured and judged by the checks.
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
    // The trigger took effect once the runner acted in the backup site (failover throws if it cannot reach it);
    // whether the VNF came back is for the checks to judge, not a condition of the trigger.
    const r = await env.dr.failover(f.site);
    const outcome = r.servingAt !== null ? `serving again (cut ${r.seqs.join('/')})` : `not serving: ${r.booted} of ${r.members} VMs booted`;
    return {
      proof: { ok: true, summary: `restore in ${f.site} triggered and carried out from ${r.restoredFrom || 'nothing'}: ${outcome}`, measured: { ...r } },
    };
  },
};
