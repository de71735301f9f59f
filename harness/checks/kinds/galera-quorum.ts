// ID-GALERA-MINORITY: during a partition, the Galera nodes on the minority
// side leave the Primary component within the limit and accept no write,
// the majority stays Primary, and every node is Primary (and synced) again
// within the limit of healing. Read from the wsrep probes of each node.
import { z } from 'zod';
import type { HistoryEvent, OpEvent } from '../../observe/history.js';
import type { IdentityRequestsSpec } from '../../scenario/schema.js';
import type { Checker } from '../context.js';
import { outcome } from '../identity-history.js';
import type { CheckKind, SpecOf } from '../kind.js';
import { checkFields, limit } from '../options.js';
import { answered, faultWindows, ops, round } from '../series.js';
import { components, partitionCuts } from '../site-faults.js';
import type { Status } from '../verdict.js';

const options = z.strictObject({
  ...checkFields('galera-quorum'),
  limit: limit('How soon a minority node must leave the Primary component, and every node be Primary again after healing (default 10s)'),
});

export const QUORUM_LIMIT_MS = 10_000;

/** What a site's node last reported at or before time t. */
function statusAt(h: readonly HistoryEvent[], site: string, t: number): Readonly<Record<string, unknown>> | undefined {
  return ops(h, `wsrep@${site}`, 'wsrep').filter((e) => e.t <= t).at(-1)?.value;
}

const synced = (v: Readonly<Record<string, unknown>> | undefined) => v?.status === 'Primary' && v.ready === true;

function firstStatus(h: readonly HistoryEvent[], site: string, from: number, to: number, want: (v: Readonly<Record<string, unknown>>) => boolean): number | undefined {
  return ops(h, `wsrep@${site}`, 'wsrep').find((e) => e.t >= from && e.t < to && want(e.value ?? {}))?.t;
}

const check: Checker<SpecOf<typeof options>> = (h, ctx) => {
  const limit = ctx.spec.limit ?? QUORUM_LIMIT_MS;
  const galeraSites = [...new Set(h.filter((e): e is OpEvent => e.kind === 'op' && e.f === 'wsrep').map((e) => e.process.slice('wsrep@'.length)))];
  if (galeraSites.length === 0) return { status: 'unknown', summary: 'no Galera status was recorded', evidence: {} };
  const cuts = partitionCuts(faultWindows(h));
  if (cuts.length === 0) return { status: 'skip', summary: 'no partition in this run', evidence: {} };
  const writes = ctx.scenario.workload.find((w): w is IdentityRequestsSpec => w.kind === 'writes');
  const rows = cuts.flatMap((cut) => {
    const comps = components(ctx.scenario, cut.links, galeraSites);
    return comps.map((members) => {
      const majority = members.length * 2 > galeraSites.length;
      const rowsBySite = members.map((site) => {
        // A node whose probe cannot reach it says nothing about its component: only a reported state counts.
        const lost = firstStatus(h, site, cut.start, cut.end, (v) => v.status !== 'Primary' && v.status !== 'unreachable');
        const unreachable = firstStatus(h, site, cut.start, cut.end, (v) => v.status === 'unreachable');
        // Back means Primary and ready (synced again), not merely re-admitted.
        const back = synced(statusAt(h, site, cut.end)) ? cut.end : firstStatus(h, site, cut.end, Infinity, synced);
        const acceptedWrites = writes
          ? answered(h, `${writes.name}@${site}`, 'write').filter((r) => r.e.type === 'ok' && r.sent >= (lost ?? cut.start + limit) && r.sent < cut.end).length
          : 0;
        return { site, statusAtEnd: statusAt(h, site, cut.end)?.status ?? null, nonPrimaryAfterMs: lost === undefined ? null : round(lost - cut.start), unreachableAfterMs: unreachable === undefined ? null : round(unreachable - cut.start), primaryAgainAfterHealMs: back === undefined ? null : round(back - cut.end), acceptedWrites };
      });
      const blind = rowsBySite.filter((r) => r.unreachableAfterMs !== null && r.nonPrimaryAfterMs === null);
      const seen = rowsBySite.filter((r) => !blind.includes(r));
      const problems = majority
        ? seen.flatMap((r) => (r.nonPrimaryAfterMs !== null ? [`${r.site} (majority) left the Primary component`] : []))
        : seen.flatMap((r) => [
            ...(r.nonPrimaryAfterMs === null || r.nonPrimaryAfterMs > limit ? [`${r.site} (minority) stayed Primary${r.nonPrimaryAfterMs === null ? ' for the whole partition' : ` for ${r.nonPrimaryAfterMs} ms`}: split brain`] : []),
            ...(r.acceptedWrites ? [`${r.site} (minority) accepted ${r.acceptedWrites} write(s) during the partition`] : []),
          ]);
      const rejoin = rowsBySite.filter((r) => r.primaryAgainAfterHealMs === null || r.primaryAgainAfterHealMs > limit);
      if (rejoin.length) problems.push(`${rejoin.map((r) => r.site).join(', ')} not Primary again within ${limit} ms of healing`);
      const unknownWhy = blind.length ? `${blind.map((r) => r.site).join(', ')} unreachable by its probe during the partition: its Galera state is not known` : null;
      const status: Status = problems.length ? 'fail' : unknownWhy ? 'unknown' : 'pass';
      return { cut: [...cut.links].sort(), durationMs: round(cut.end - cut.start), members, side: majority ? 'majority' : 'minority', sites: rowsBySite, problems, unknownWhy, status };
    });
  });
  const text = (r: (typeof rows)[number]) =>
    r.problems.length || r.unknownWhy
      ? [...r.problems, ...(r.unknownWhy ? [r.unknownWhy] : [])].join('; ')
      : r.side === 'majority'
        ? `${r.members.join('+')} (majority) stayed Primary`
        : r.sites.map((s) => `${s.site} (minority) non-Primary after ${s.nonPrimaryAfterMs} ms, refused writes, Primary again ${s.primaryAgainAfterHealMs} ms after healing`).join('; ');
  return outcome(rows, text, rows.flatMap((r) => (r.unknownWhy ? [r.unknownWhy] : [])).join('; '));
};

export const galeraQuorum: CheckKind<typeof options> = {
  options,
  requirements: ['ID-GALERA-MINORITY'],
  needs: { faults: true, probes: ['wsrep'] },
  validate: (c, s) => ((s.identity?.database ?? 'local') === 'local' ? [[null, `check "${c.name}" (galera-quorum) needs a Galera identity database: set identity.database`]] : []),
  check,
};
