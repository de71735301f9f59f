// Effective roles of a user on a target: direct and group assignments, then
// implied roles (admin -> member -> reader, as keystone-manage bootstrap
// makes them). The closure is pure; the lookups are one query per level.
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
  const direct = (await store.directRoles(db, userId, target, targetId)).map((r) => ({ id: r.id, name: r.name }));
  if (direct.length === 0) return [];
  const rules = await store.listImpliedRoles(db);
  if (rules.length === 0) return direct;
  const implied = new Set(rules.map((r) => r.implied));
  const byId = new Map<string, NamedRef>();
  for (const r of await store.listRoles(db)) if (implied.has(r.id)) byId.set(r.id, { id: r.id, name: r.name });
  return expandImplied(direct, rules, byId);
}
