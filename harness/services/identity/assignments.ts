// One row of GET /v3/role_assignments as Keystone renders it, with the names
// `?include_names` adds (the client's `role assignment list --names` prints
// user@domain, project@domain and the role's name, and fails with `'name'`
// when they are missing). Pure: the caller resolves the names.
import type { AssignmentRow } from './store.js';

export interface Named {
  readonly name: string;
  /** the owning domain, for users, groups and projects */
  readonly domain?: { readonly id: string; readonly name: string };
}

/** Names of the ids an assignment mentions; null: render ids only (no `include_names`). */
export type NameLookup = (kind: 'role' | 'user' | 'group' | 'project' | 'domain', id: string) => Named | undefined;

export function assignmentView(a: AssignmentRow, base: string, names: NameLookup | null) {
  const actorKey = a.type.startsWith('User') ? ('user' as const) : ('group' as const);
  const ref = (kind: 'role' | 'user' | 'group' | 'project' | 'domain', id: string) => {
    const n = names?.(kind, id);
    // A dangling id (deleted since) keeps its id only, as Keystone skips what it cannot find.
    return n ? { id, name: n.name, ...(n.domain ? { domain: { id: n.domain.id, name: n.domain.name } } : {}) } : { id };
  };
  const scope = a.type.endsWith('Project')
    ? { project: ref('project', a.target_id) }
    : a.type.endsWith('Domain')
      ? { domain: ref('domain', a.target_id) }
      : { system: { all: true as const } };
  const scopePath = a.type.endsWith('Project') ? `projects/${a.target_id}` : a.type.endsWith('Domain') ? `domains/${a.target_id}` : 'system';
  return {
    role: ref('role', a.role_id),
    [actorKey]: ref(actorKey, a.actor_id),
    scope,
    links: { assignment: `${base}/${scopePath}/${actorKey}s/${a.actor_id}/roles/${a.role_id}` },
  };
}
