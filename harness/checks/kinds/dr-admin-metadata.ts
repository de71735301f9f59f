// DR-ADMIN-METADATA-REF (the seed's gap 2): a volume the backend manages for
// DR (a promoted replica) keeps the backend's real reference in its admin
// metadata, and that reference, read back, names the backend object that
// holds the volume (its file in the site is there).
import { z } from 'zod';
import type { Checker } from '../context.js';
import { drOf, drSteps, failoverOf, needsDr } from '../dr-history.js';
import type { CheckKind, SpecOf } from '../kind.js';
import { checkFields } from '../options.js';

const options = z.strictObject({
  ...checkFields('dr-admin-metadata'),
});

interface Promoted {
  readonly id?: unknown;
  readonly name?: unknown;
  readonly adminMetadata?: Record<string, unknown> | null;
  readonly backendFileExists?: unknown;
}

const check: Checker<SpecOf<typeof options>> = (h, ctx) => {
  const d = drOf(ctx);
  if (d.option !== 'replication') return { status: 'skip', summary: `option ${d.option} restores new volumes from backups: no volume is handed over by the backend`, evidence: {} };
  const trigger = failoverOf(h);
  if (!trigger) return { status: 'skip', summary: 'no failover was triggered: no replica was promoted', evidence: {} };
  const promote = drSteps(h, 'promote', trigger.target.sites[0]!).find((e) => e.type === 'ok');
  if (!promote) return { status: 'unknown', summary: 'the replicas were never promoted: no volume to read back', evidence: {} };
  const all = (Array.isArray(promote.value?.['volumes']) ? promote.value['volumes'] : []) as Promoted[];
  const mine = all.filter((v) => typeof v.name === 'string' && v.name.startsWith(`${d.vnf}-`));
  const rows = mine.map((v) => ({ name: v.name, backendRef: v.adminMetadata?.['backend_ref'] ?? null, backendPath: v.adminMetadata?.['backend_path'] ?? null, backendFileExists: v.backendFileExists === true }));
  const evidence = { volumes: rows };
  if (rows.length < 2 * d.members) return { status: 'fail', summary: `${rows.length} of the VNF's ${2 * d.members} volumes were promoted`, evidence };
  const noRef = rows.filter((r) => typeof r.backendRef !== 'string' || r.backendRef === '');
  if (noRef.length > 0) return { status: 'fail', summary: `${noRef.length} promoted volumes carry no backend reference in their admin metadata (first: ${String(noRef[0]!.name)})`, evidence };
  const dangling = rows.filter((r) => !r.backendFileExists);
  if (dangling.length > 0) return { status: 'fail', summary: `${dangling.length} promoted volumes' backend reference names no object in the site (first: ${String(dangling[0]!.name)} -> ${String(dangling[0]!.backendPath)})`, evidence };
  return { status: 'pass', summary: `all ${rows.length} promoted volumes keep their backend reference in admin metadata, each read back present`, evidence };
};

export const drAdminMetadata: CheckKind<typeof options> = {
  options,
  requirements: ['DR-ADMIN-METADATA-REF'],
  needs: { faults: true },
  validate: (c, s) => needsDr(c.name, s),
  check,
};
