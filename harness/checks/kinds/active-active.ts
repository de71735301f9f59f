// HA-ACTIVE-ACTIVE: an active/active VNF is written as VNFs on the same
// members with crossed priorities (each member the preferred active of one
// VIP, the standby of the other). Before the fault, call state must have
// been replicated both ways (each VIP's standby received changes from its
// active); after each site loss, every VIP must serve new calls again within
// the limit, whichever member it lost: the one whose active survived must
// not stall either.
import { z } from 'zod';
import type { CallsSpec, Scenario, VnfSpec } from '../../scenario/schema.js';
import type { Checker } from '../context.js';
import type { CheckKind, SpecOf } from '../kind.js';
import { checkFields, limit, vnf } from '../options.js';
import { faultWindows, ops } from '../series.js';
import { agentId, DEFAULT_LIMIT_MS, newCallsServed, outageVerdict, summarize, vnfOf } from '../vnf-history.js';

const options = z.strictObject({
  ...checkFields('active-active'),
  vnf: vnf.meta({ description: 'One VNF of the crossed pair (default: the first); the VNFs on the same members are judged with it' }),
  limit: limit('How soon every VIP must serve new calls again after a site loss (default 1s)'),
});

const sameMembers = (a: VnfSpec, b: VnfSpec) => a.members.length === b.members.length && a.members.every((m) => b.members.includes(m));

/** The VNFs that share the check's VNF's members (it included). */
export function crossed(s: Scenario, v: VnfSpec): VnfSpec[] {
  return s.vnfs.filter((x) => sameMembers(x, v));
}

const check: Checker<SpecOf<typeof options>> = (h, ctx) => {
  const v = vnfOf(ctx);
  const limit = ctx.spec.limit ?? DEFAULT_LIMIT_MS;
  const group = crossed(ctx.scenario, v);
  const losses = faultWindows(h).filter((f) => f.faultKind === 'site-loss');
  const firstFault = losses[0]?.start ?? Infinity;
  // State replicated both ways: each VIP's standbys heard changes from its preferred active before any loss.
  const replication = group.flatMap((x) =>
    x.members.slice(1).map((standby) => {
      const changes = ops(h, `${x.name}@${standby}`, 'replication')
        .filter((e) => e.t < firstFault && e.value?.from === agentId(x.members[0]!))
        .reduce((n, e) => n + Number(e.value?.changes ?? 0), 0);
      return { vnf: x.name, from: x.members[0]!, to: standby, changes };
    }),
  );
  const rows = losses.flatMap((f, i) =>
    group.map((x) => {
      const w = ctx.scenario.workload.find((y): y is CallsSpec => y.kind === 'calls' && y.vnf === x.name);
      if (!w) return { fault: f.fault, vnf: x.name, outageMs: null, status: 'unknown', why: `no call workload against ${x.name}` } as const;
      const served = newCallsServed(ops(h, `${w.name}@${w.from}`, 'call-setup'), f.start, losses[i + 1]?.start ?? Infinity, x.members.filter((m) => !f.target.sites.includes(m.split('/')[0]!)));
      return { fault: f.fault, vnf: x.name, ...served, ...outageVerdict(served, limit) } as const;
    }),
  );
  const oneWay = replication.filter((r) => r.changes === 0);
  const evidence = { group: group.map((x) => x.name), replication, rows, limitMs: limit };
  if (losses.length === 0) return { status: 'skip', summary: 'no site loss in this run', evidence };
  if (oneWay.length > 0) return { status: 'fail', summary: `state not replicated both ways before the loss: ${oneWay.map((r) => `${r.vnf} ${r.from} -> ${r.to}: no change`).join('; ')}`, evidence };
  const text = (r: (typeof rows)[number]) => (r.status === 'unknown' ? `${r.vnf}: ${r.why}` : `${r.fault}: ${r.vnf} served new calls again after ${r.outageMs === null ? 'never' : `${r.outageMs} ms`} (limit ${limit} ms)`);
  const o = summarize(rows, text, 'a VIP had no call workload');
  const both = replication.map((r) => `${r.vnf} ${r.from} -> ${r.to}: ${r.changes} changes`).join(', ');
  return { ...o, summary: `${o.summary}; replicated both ways before the loss (${both})`, evidence };
};

export const activeActive: CheckKind<typeof options> = {
  options,
  requirements: ['HA-ACTIVE-ACTIVE'],
  needs: { faults: true },
  validate: (c, s) => {
    const v = c.vnf ? s.vnfs.find((x) => x.name === c.vnf) : s.vnfs[0];
    if (!v) return [];
    const group = crossed(s, v);
    const actives = new Set(group.map((x) => x.members[0]));
    return group.length >= 2 && actives.size === group.length
      ? []
      : [['vnf', `check "${c.name}" (active-active) needs VNFs on the same members with a different first (preferred active) member each, e.g. vnf1 [east/a, west/b] and vnf2 [west/b, east/a]`] as const];
  },
  check,
};
