// DR-BOOT-VOLUME-RESTORABLE, DR-DATA-VOLUMES-RESTORABLE, DR-RESTORE-BACKUP-SITE,
// DR-BOOT-ATTACH, DR-OPT3-PROMOTE: after the failover trigger, every VM of the
// VNF was rebuilt in the backup site from what the backup site held (restored
// backups or promoted replicas), booted from its restored boot volume (the
// guest says its configuration came from that volume, not from the request),
// got its restored data volume attached, and the VNF served again there.
import { z } from 'zod';
import type { Checker } from '../context.js';
import { drOf, drSteps, failoverOf, guestEvents, memberOf, needsDr, num } from '../dr-history.js';
import type { CheckKind, SpecOf } from '../kind.js';
import { checkFields } from '../options.js';
import { round } from '../series.js';

const options = z.strictObject({
  ...checkFields('dr-restore'),
});

const check: Checker<SpecOf<typeof options>> = (h, ctx) => {
  const d = drOf(ctx);
  const trigger = failoverOf(h);
  if (!trigger) return { status: 'skip', summary: 'no failover was triggered: nothing was restored to judge', evidence: {} };
  const to = trigger.target.sites[0]!;
  const failed = [...['restore', 'promote', 'boot', 'attach'].flatMap((f) => drSteps(h, f, to))].filter((e) => e.type === 'fail');
  const evidence: Record<string, unknown> = { site: to, option: d.option };
  if (failed.length > 0) {
    const e = failed[0]!;
    return { status: 'fail', summary: `${e.f} failed in ${to}: ${String(e.value?.['error'] ?? '')}`, evidence: { ...evidence, failed: failed.map((x) => ({ step: x.f, ...x.value })) } };
  }
  // The restore point: the newest cycle whose every protected backup completed before the trigger (from the primary's records).
  const done = drSteps(h, 'backup', d.primary).filter((b) => b.type === 'ok' && b.t < trigger.injectedAt);
  const complete = [...new Set(done.map((b) => num(b.value?.['cycle'])))]
    .filter((c): c is number => c !== null && [...Array(d.members).keys()].every((i) => d.volumes.every((role) => done.some((b) => num(b.value?.['cycle']) === c && b.value?.['member'] === i && b.value?.['role'] === role))))
    .sort((a, b) => b - a);
  const point = complete[0] ?? null;
  evidence['restorePoint'] = point;
  const members: Record<string, unknown>[] = [];
  const problems: string[] = [];
  const starts = guestEvents(h, 'start', to);
  const attaches = guestEvents(h, 'attach', to);
  for (let i = 0; i < d.members; i++) {
    const restores = drSteps(h, 'restore', to).filter((e) => e.value?.['member'] === i && e.type === 'ok');
    const boot = drSteps(h, 'boot', to).find((e) => e.value?.['member'] === i && e.type === 'ok');
    const attach = drSteps(h, 'attach', to).find((e) => e.value?.['member'] === i && e.type === 'ok');
    const start = starts.find((e) => memberOf(e.process) === i);
    const attached = attaches.find((e) => memberOf(e.process) === i);
    const source = start?.value?.['from'];
    members.push({ member: i, restored: restores.map((r) => ({ role: r.value?.['role'], backup: r.value?.['name'] })), bootVolume: boot?.value?.['bootVolume'] ?? null, dataVolume: attach?.value?.['volume'] ?? null, configSource: source ?? null, dataSeq: attached?.value?.['seq'] ?? null });
    if (d.option !== 'replication') {
      for (const role of ['boot', 'data']) {
        const r = restores.find((x) => x.value?.['role'] === role);
        if (!r) problems.push(`VM ${i}: its ${role} volume was not restored from a backup in ${to}`);
        else if (point === null) problems.push(`VM ${i}: its ${role} volume was restored, but no protection cycle completed every backup before the trigger`);
        else if (num(r.value?.['cycle']) !== point) problems.push(`VM ${i}: its ${role} volume was restored from ${String(r.value?.['name'])}, not from cycle ${point}, the newest whose backups all completed`);
      }
    }
    if (!boot) problems.push(`VM ${i} was not booted in ${to}`);
    else if (!start) problems.push(`VM ${i}'s guest never started in ${to}`);
    else if (source !== 'boot-volume') problems.push(`VM ${i}'s guest took its configuration from ${String(source ?? 'nowhere')}, not from its restored boot volume`);
    if (!attach || !attached) problems.push(`VM ${i}'s restored data volume was not attached and read in ${to}`);
  }
  evidence['members'] = members;
  if (d.option === 'replication') {
    const promote = drSteps(h, 'promote', to).find((e) => e.type === 'ok');
    evidence['promote'] = promote?.value ?? null;
    if (!promote) problems.push(`the replicas in ${to} were never promoted`);
  }
  const serving = guestEvents(h, 'serving', to)[0];
  const restored = guestEvents(h, 'restored', to)[0];
  evidence['restoredSeqs'] = restored?.value?.['seqs'] ?? null;
  if (!serving) problems.push(`the VNF never committed a transaction in ${to} after the restore`);
  if (problems.length > 0) return { status: 'fail', summary: problems[0]!, evidence: { ...evidence, problems } };
  const tookMs = round(serving!.t - trigger.injectedAt, 0);
  evidence['servingAt'] = serving!.t;
  evidence['triggerToServingMs'] = tookMs;
  evidence['firstSeq'] = num(serving!.value?.['seq']);
  const how = d.option === 'replication' ? 'promoted replicas' : 'backups restored from the backup site\'s object store';
  return { status: 'pass', summary: `${d.members} VMs rebuilt in ${to} from ${how}, booted from their restored boot volumes, data attached; serving ${tookMs} ms after the trigger`, evidence };
};

export const drRestore: CheckKind<typeof options> = {
  options,
  requirements: ['DR-BOOT-VOLUME-RESTORABLE', 'DR-DATA-VOLUMES-RESTORABLE', 'DR-RESTORE-BACKUP-SITE', 'DR-BOOT-ATTACH', 'DR-OPT3-PROMOTE'],
  needs: { faults: true },
  validate: (c, s) => needsDr(c.name, s),
  check,
};
