// Effective roles of a user on a target: direct and group assignments, then
// implied roles (admin -> member -> reader, as keystone-manage bootstrap
// makes them). The closure is pure; the rows come in one query, as every
// validation recomputes them.
import * as store from './store.js';
import type { NamedRef } from './model.js';

/** Expands `direct` with every role reachable through `rules` (prior -> implied), direct roles first. */
export function expandImplied(direct: readonly NamedRef[], rules: readonly { prior: string; implied: string }[], byId: ReadonlyMap<string, NamedRef>): NamedRef[] {
  const out = new Map<string, NamedRef>(direct.map((r) => [r.id, r]));
  const queue = direct.map((r) => r.id);
  while (queue.length > 0) {
    const id = queue.shift()!;
    for (const rule of rules) {
      if (rule.prior !== id || out.has(rule.implied)) continue;
      const role = byId.get(rule.implied);
      if (!role) continue;
      out.set(role.id, role);
      queue.push(role.id);
    }
  }
  return [...out.values()];
}

export async function effectiveRoles(db: store.Db, userId: string, target: 'Project' | 'Domain' | 'System', targetId: string): Promise<NamedRef[]> {
  const g = await store.roleGrants(db, userId, target, targetId);
  const ref = (r: store.RoleRow): NamedRef => ({ id: r.id, name: r.name });
  const byId = new Map(g.implied.map((x) => [x.role.id, ref(x.role)]));
  return expandImplied(g.direct.map(ref), g.implied.map((x) => ({ prior: x.prior, implied: x.role.id })), byId);
}
