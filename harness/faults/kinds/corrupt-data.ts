// A propagating software fault: one VM of the DR VNF starts writing corrupt
// data (its application state goes bad). Replication carries it to the backup
// site; a backup taken before it does not. Proof: the VM's volume, read back
// from the site's disk, holds the corrupt mark.
import { z } from 'zod';
import { duration, timing } from '../../scenario/fields.js';
import type { FaultKind } from '../kind.js';

const options = z.strictObject({
  kind: z.literal('corrupt-data'),
  ...timing,
  duration: duration.optional().meta({ description: 'Ignored: corrupt data stays written' }),
  member: z.number().int().min(0).default(0).meta({ description: 'Which VM of the DR VNF goes bad, by index' }),
});

export const corruptData: FaultKind<typeof options> = {
  options,
  heals: false,
  action: true,
  target: (f) => ({ key: `dr-data ${f.member}`, sites: [] }),
  validate: (f, s) => {
    if (!s.dr) return [[null, `fault "${f.name}" corrupts the DR VNF's data, but the scenario has no dr block: add one, or remove this fault`]];
    return f.member < s.dr.members ? [] : [['member', `fault "${f.name}" corrupts VM ${f.member}, but the DR VNF has ${s.dr.members} (0 to ${s.dr.members - 1})`]];
  },
  inject: async (f, env) => {
    if (!env.dr) throw new Error('no DR runner: the scenario has no dr block');
    const r = await env.dr.corrupt(f.member);
    return { proof: { ok: true, summary: `VM ${f.member}'s volume read back holding corrupt data from transaction ${r.seq}`, measured: { member: f.member, ...r }, from: r.at } };
  },
};
