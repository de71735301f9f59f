// DR-OPT1-QUIESCE-ORDER, DR-OPT1-UNQUIESCE-REVERSE, DR-OPT1-VOLUMES-FROM-COMPUTE:
// in every protection cycle the runner first got each VM's volumes from
// compute, then quiesced the VMs in the desired order, each one held (its
// guest's own freeze event) before the next was asked, and unquiesced them
// in reverse. Judged on the guests' events as well as the runner's calls:
// a 202 from the API is not a frozen guest.
import { z } from 'zod';
import type { OpEvent } from '../../observe/history.js';
import type { Checker } from '../context.js';
import { cycles, drOf, guestEvents, memberOf, needsDr, num } from '../dr-history.js';
import type { CheckKind, SpecOf } from '../kind.js';
import { checkFields } from '../options.js';

const options = z.strictObject({
  ...checkFields('dr-quiesce-order'),
  order: z.array(z.number().int().min(0)).optional().meta({ description: 'The desired quiesce order, by VM index (default 0, 1, ...: the order the VNF\'s transactions touch its VMs)' }),
});

const members = (list: readonly OpEvent[]) => list.map((e) => num(e.value?.['member']) ?? -1);
const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i]);

const check: Checker<SpecOf<typeof options>> = (h, ctx) => {
  const d = drOf(ctx);
  if (d.option !== 'quiesce-group-snapshot') return { status: 'skip', summary: `option ${d.option} does not quiesce the VMs as a group`, evidence: {} };
  const want = ctx.spec.order ?? [...Array(d.members).keys()];
  const freezes = guestEvents(h, 'freeze', d.primary);
  const thaws = guestEvents(h, 'thaw', d.primary);
  const judged: Record<string, unknown>[] = [];
  const problems: string[] = [];
  for (const [cycle, steps] of cycles(h)) {
    const ok = steps.filter((e) => e.type === 'ok');
    const snapshot = ok.find((e) => e.f === 'group-snapshot');
    if (!snapshot) continue; // a cycle cut short before its snapshot decides nothing here
    const quiesces = ok.filter((e) => e.f === 'quiesce');
    const unquiesces = ok.filter((e) => e.f === 'unquiesce');
    const first = quiesces[0]?.t ?? snapshot.t;
    const fetched = ok.filter((e) => e.f === 'get-volumes' && e.t <= first);
    const start = num(quiesces[0]?.value?.['started']) ?? first;
    const end = unquiesces.at(-1)?.t ?? snapshot.t;
    const frozen = freezes.filter((e) => e.t >= start && e.t <= snapshot.t);
    const thawed = thaws.filter((e) => e.t >= snapshot.t && e.t <= end + 1000);
    const row = { cycle, quiesced: members(quiesces), unquiesced: members(unquiesces), guestFroze: frozen.map((e) => memberOf(e.process)), guestThawed: thawed.map((e) => memberOf(e.process)), volumesFromCompute: fetched.length };
    judged.push(row);
    if (fetched.length < d.members) problems.push(`cycle ${cycle}: volumes of ${fetched.length} of ${d.members} VMs were got from compute before quiescing`);
    if (!same(row.quiesced, want)) problems.push(`cycle ${cycle}: quiesced ${row.quiesced.join(',') || 'no VM'}, the desired order is ${want.join(',')}`);
    else if (!same(row.guestFroze as number[], want)) problems.push(`cycle ${cycle}: the guests froze in the order ${row.guestFroze.join(',') || '(none)'}, not ${want.join(',')}`);
    if (!same(row.unquiesced, [...want].reverse())) problems.push(`cycle ${cycle}: unquiesced ${row.unquiesced.join(',') || 'no VM'}, the reverse of the desired order is ${[...want].reverse().join(',')}`);
    else if (!same(row.guestThawed as number[], [...want].reverse())) problems.push(`cycle ${cycle}: the guests thawed in the order ${row.guestThawed.join(',') || '(none)'}, not ${[...want].reverse().join(',')}`);
    // Each VM held before the next was asked: its freeze precedes the next quiesce request.
    for (let k = 0; k + 1 < quiesces.length; k++) {
      const f = frozen.find((e) => memberOf(e.process) === row.quiesced[k]);
      const next = num(quiesces[k + 1]!.value?.['started']) ?? quiesces[k + 1]!.t;
      if (f && f.t > next) problems.push(`cycle ${cycle}: VM ${row.quiesced[k]} froze after VM ${row.quiesced[k + 1]} was asked to quiesce`);
    }
  }
  const evidence = { desired: want, cycles: judged };
  if (judged.length === 0) return { status: 'unknown', summary: 'no protection cycle reached its group snapshot: nothing to judge', evidence };
  if (problems.length > 0) return { status: 'fail', summary: problems[0]!, evidence: { ...evidence, problems } };
  return { status: 'pass', summary: `${judged.length} cycles: volumes from compute, quiesced ${want.join(',')} (each guest frozen before the next), unquiesced ${[...want].reverse().join(',')}`, evidence };
};

export const drQuiesceOrder: CheckKind<typeof options> = {
  options,
  requirements: ['DR-OPT1-QUIESCE-ORDER', 'DR-OPT1-UNQUIESCE-REVERSE', 'DR-OPT1-VOLUMES-FROM-COMPUTE'],
  needs: {},
  validate: (c, s) => needsDr(c.name, s),
  check,
};
