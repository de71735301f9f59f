// Checks that need the whole scenario: names that must exist, names that
// must be unique, addresses that must not collide, schedules that must fit.
import { CATALOG, requirement } from '../checks/catalog.js';
import { overlaps, parseCidr } from './cidr.js';
import type { Scenario } from './schema.js';
import { faultTarget, isAction, resolveSchedule } from './schedule.js';
import { faultKind } from '../faults/registry.js';
import { checkKind } from '../checks/registry.js';
import { checkHaReferences } from './references-ha.js';
import { checkDrReferences } from '../dr/references.js';
import { formatMs } from './units.js';
import { suggest } from './suggest.js';

export interface RefIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

export function checkReferences(s: Scenario): RefIssue[] {
  const issues: RefIssue[] = [];
  const add = (path: (string | number)[], message: string) => issues.push({ path, message });

  unique(s.sites, 'sites', 'site', add);
  unique(s.links, 'links', 'link', add);
  unique(s.workload, 'workload', 'workload', add);
  // Faults start after each other by name: with a name defined twice, the schedule is not known.
  const faultNamesUnique = unique(s.faults, 'faults', 'fault', add);
  unique(s.checks, 'checks', 'check', add);
  s.sites.forEach((site, i) => unique(site.nodes, `sites.${i}.nodes`, 'node', add, ` in site "${site.name}"`));

  const sites = new Set(s.sites.map((x) => x.name));
  const nodes = new Set(s.sites.flatMap((x) => x.nodes.map((n) => `${x.name}/${n.name}`)));
  const workloads = new Set(s.workload.map((w) => w.name));

  s.sites.forEach((a, i) => {
    const ca = parseCidr(a.subnet)!;
    for (let j = 0; j < i; j++) {
      if (overlaps(ca, parseCidr(s.sites[j]!.subnet)!)) {
        add(['sites', i, 'subnet'], `subnet ${a.subnet} of site "${a.name}" overlaps ${s.sites[j]!.subnet} of site "${s.sites[j]!.name}": give each site its own range`);
      }
    }
    const hosts = 2 ** (32 - ca.prefix) - 3; // network, broadcast, gateway
    if (a.nodes.length > hosts) add(['sites', i, 'subnet'], `site "${a.name}" has ${a.nodes.length} nodes but ${a.subnet} holds ${hosts}: use a larger subnet`);
  });

  const pairs = new Map<string, string>();
  s.links.forEach((l, i) => {
    l.between.forEach((end, k) => {
      if (!sites.has(end)) add(['links', i, 'between', k], `link "${l.name}" joins "${end}", which is not a site${suggest(end, [...sites], 'sites')}`);
    });
    if (l.between[0] === l.between[1]) add(['links', i, 'between'], `link "${l.name}" joins site "${l.between[0]}" to itself: name two different sites`);
    const key = [...l.between].sort().join('|');
    const twin = pairs.get(key);
    if (twin !== undefined) add(['links', i, 'between'], `links "${twin}" and "${l.name}" join the same two sites: keep one`);
    pairs.set(key, l.name);
  });

  s.workload.forEach((w, i) => {
    if (w.kind !== 'heartbeat') return; // the HA kinds are checked in references-ha.ts
    for (const field of ['from', 'to'] as const) {
      if (!nodes.has(w[field])) add(['workload', i, field], `workload "${w.name}" uses node "${w[field]}", which does not exist${suggest(w[field], [...nodes], 'nodes')}`);
    }
    if (w.from === w.to) add(['workload', i, 'to'], `heartbeat "${w.name}" goes from ${w.from} to itself: name two different nodes`);
    if (w.interval < 5) add(['workload', i, 'interval'], `heartbeat interval ${formatMs(w.interval)} is below the 5 ms the harness can resolve: use 5ms or more`);
  });

  s.faults.forEach((f, i) => {
    for (const [field, message] of faultKind(f).validate(f, s)) add(field ? ['faults', i, field] : ['faults', i], message);
    if (faultKind(f).heals && (f.duration ?? 0) <= 0) add(['faults', i, 'duration'], `fault "${f.name}" lasts 0 ms: give it a positive duration`);
  });

  const sched = faultNamesUnique ? resolveSchedule(s.faults) : { ok: true as const, faults: [] };
  if (!sched.ok) {
    add(['faults', sched.index, sched.field], sched.message);
  } else {
    for (const t of sched.faults) {
      if (Number.isFinite(t.endMs) ? t.endMs > s.duration : t.startMs >= s.duration) {
        add(['faults', t.index, 'duration'], `fault "${t.fault.name}" runs ${formatMs(t.startMs)}-${formatMs(t.endMs)}, past the scenario's duration of ${formatMs(s.duration)}: start it earlier, shorten it, or lengthen the scenario`);
      }
    }
    const byTarget = new Map<string, typeof sched.faults>();
    for (const t of sched.faults.filter((x) => !isAction(x.fault))) byTarget.set(faultTarget(t.fault).key, [...(byTarget.get(faultTarget(t.fault).key) ?? []), t]);
    for (const [target, list] of byTarget) {
      for (let k = 1; k < list.length; k++) {
        const prev = list[k - 1]!;
        const cur = list[k]!;
        if (cur.startMs < prev.endMs) {
          add(['faults', cur.index, cur.fault.at !== undefined ? 'at' : 'after'], `faults "${prev.fault.name}" and "${cur.fault.name}" overlap on ${target} (${formatMs(cur.startMs)} < ${formatMs(prev.endMs)}): each heals what it changed, so schedule them one after the other`);
        }
      }
    }
  }

  const vnfs = [...new Set(s.vnfs.map((v) => v.name))];
  s.checks.forEach((c, i) => {
    const kind = checkKind(c.kind);
    const decides = kind.requirements;
    c.requirements.forEach((id, k) => {
      if (!requirement(id)) add(['checks', i, 'requirements', k], `requirement "${id}" is not in the catalog: use one of its IDs (${CATALOG.map((r) => r.id).join(', ')}; \`msh requirements\` lists them)`);
      else if (!decides.includes(id)) add(['checks', i, 'requirements', k], `a ${c.kind} check cannot decide ${id}: it decides ${decides.join(', ')}`);
    });
    for (const [field, message] of kind.validate?.(c, s) ?? []) add(field ? ['checks', i, field] : ['checks', i], message);
    const named = 'workload' in c ? c.workload : undefined;
    if (named !== undefined && !workloads.has(named)) add(['checks', i, 'workload'], `check "${c.name}" reads workload "${named}", which does not exist${suggest(named, [...workloads], 'workloads')}`);
    else {
      for (const need of kind.needs.workloads ?? []) {
        if (s.workload.some((w) => w.kind === need && (named === undefined || w.name === named))) continue;
        add(['checks', i], `check "${c.name}" (${c.kind}) reads ${/^[aeiou]/.test(need) ? 'an' : 'a'} ${need} workload${named !== undefined ? ` named "${named}"` : ''}: add one (kind: ${need})`);
      }
    }
    const vnf = 'vnf' in c ? c.vnf : undefined;
    if (vnf !== undefined && !vnfs.includes(vnf)) add(['checks', i, 'vnf'], `check "${c.name}" reads VNF "${vnf}", which does not exist${suggest(vnf, vnfs, 'VNFs')}`);
  });
  issues.push(...checkHaReferences(s));
  issues.push(...checkDrReferences(s));
  return issues;
}

/** Reports every name defined twice; true if there is none. */
function unique(
  items: readonly { name: string }[],
  path: string,
  what: string,
  add: (path: (string | number)[], message: string) => void,
  within = '',
): boolean {
  const seen = new Set<string>();
  let ok = true;
  items.forEach((it, i) => {
    if (seen.has(it.name)) {
      add([...path.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p)), i, 'name'], `${what} "${it.name}" is defined twice${within}: rename or remove one (names must be unique)`);
      ok = false;
    }
    seen.add(it.name);
  });
  return ok;
}
