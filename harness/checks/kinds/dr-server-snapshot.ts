// DR-OPT2-SERVER-SNAPSHOT and DR-OPT2-IMAGE-CLEANUP: in each cycle every VM
// was snapshotted through compute (its guest frozen by compute itself during
// the call), the image's metadata listed its volumes' snapshots, volumes were
// made from them; then every temporary image was deleted and read back gone.
import { z } from 'zod';
import type { Checker } from '../context.js';
import { cycles, drOf, guestEvents, memberOf, needsDr, num, primaryLossOf } from '../dr-history.js';
import type { CheckKind, SpecOf } from '../kind.js';
import { checkFields } from '../options.js';

const options = z.strictObject({
  ...checkFields('dr-server-snapshot'),
});

const check: Checker<SpecOf<typeof options>> = (h, ctx) => {
  const d = drOf(ctx);
  if (d.option !== 'server-snapshot') return { status: 'skip', summary: `option ${d.option} takes no compute snapshots`, evidence: {} };
  const freezes = guestEvents(h, 'freeze', d.primary);
  const rows: Record<string, unknown>[] = [];
  const problems: string[] = [];
  const lossAt = primaryLossOf(h, d)?.start ?? Infinity;
  const cutShort: number[] = [];
  for (const [cycle, steps] of cycles(h)) {
    const snaps = steps.filter((e) => e.f === 'server-snapshot' && e.type === 'ok');
    // A cycle the primary's loss cut short: its images died with the site, nothing was left to clean.
    // Only if nothing had failed before the loss: a failure then is the cycle's own.
    const failed = steps.filter((e) => e.type === 'fail');
    if (failed.some((e) => e.t >= lossAt) && !failed.some((e) => e.t < lossAt)) {
      cutShort.push(cycle);
      continue;
    }
    if (snaps.length < d.members) {
      problems.push(`cycle ${cycle}: ${snaps.length} of ${d.members} VMs were snapshotted through compute`);
      continue;
    }
    const fromSnaps = steps.filter((e) => e.f === 'volume-from-snapshot' && e.type === 'ok');
    const deletes = steps.filter((e) => e.f === 'image-delete');
    for (const s of snaps) {
      const m = num(s.value?.['member']);
      const started = num(s.value?.['started']) ?? s.t;
      const froze = freezes.some((e) => memberOf(e.process) === m && e.t >= started && e.t <= s.t);
      const ids = Array.isArray(s.value?.['snapshots']) ? (s.value['snapshots'] as string[]) : [];
      const made = fromSnaps.filter((e) => ids.includes(String(e.value?.['snapshot'])));
      const image = String(s.value?.['image']);
      const del = deletes.find((e) => e.value?.['image'] === image);
      rows.push({ cycle, member: m, image, snapshots: ids.length, volumesMade: made.length, frozeInCall: froze, deleted: del?.type === 'ok' ? del.value?.['readBack'] : null });
      if (!froze) problems.push(`cycle ${cycle}: VM ${String(m)}'s guest was not frozen during its compute snapshot`);
      if (ids.length < 2) problems.push(`cycle ${cycle}: VM ${String(m)}'s image lists ${ids.length} volume snapshots, not its boot and data volumes`);
      else if (made.length < ids.length) problems.push(`cycle ${cycle}: ${made.length} of ${ids.length} of VM ${String(m)}'s snapshots became volumes`);
      if (!del || del.type !== 'ok' || del.value?.['readBack'] !== 404) problems.push(`cycle ${cycle}: VM ${String(m)}'s temporary image ${image} was not deleted (read back ${String(del?.value?.['readBack'] ?? 'never')})`);
    }
  }
  const evidence = { snapshots: rows, cutShortByLoss: cutShort };
  if (problems.length > 0) return { status: 'fail', summary: problems[0]!, evidence: { ...evidence, problems } };
  if (rows.length === 0) return { status: 'unknown', summary: 'no cycle snapshotted every VM before the primary was lost: nothing to judge', evidence };
  return { status: 'pass', summary: `${rows.length} compute snapshots: each VM frozen by compute, its volume snapshots in the image, volumes made from them, the image deleted (read back 404)`, evidence };
};

export const drServerSnapshot: CheckKind<typeof options> = {
  options,
  requirements: ['DR-OPT2-SERVER-SNAPSHOT', 'DR-OPT2-IMAGE-CLEANUP'],
  // The primary's loss excuses the cycles it cut short: only a loss proven to have happened may.
  needs: { faults: true },
  validate: (c, s) => needsDr(c.name, s),
  check,
};
