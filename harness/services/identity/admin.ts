// The identity service's resources (Keystone v3 CRUD): domains, projects,
// users, groups and membership, roles and implied roles, role assignments,
// regions, services, endpoints. Views print Keystone's attributes and links.
// Disabling or deleting a user, project or domain, and changing a password,
// write a revocation event, as Keystone does.
import type { z } from 'zod';
import { assignmentView, type NameLookup, type Named } from './assignments.js';
import { badRequest, conflict, forbiddenMessage, notFound, validationError } from './errors.js';
import { hashPassword } from './password.js';
import type { IdentityService } from './service.js';
import * as store from './store.js';
import {
  DomainCreateSchema,
  DomainUpdateSchema,
  EndpointCreateSchema,
  GroupCreateSchema,
  ProjectCreateSchema,
  ProjectUpdateSchema,
  RegionCreateSchema,
  RoleCreateSchema,
  ServiceCreateSchema,
  UserCreateSchema,
  UserUpdateSchema,
} from './types.js';

/** `{"<key>": {...}}` -> the validated inner object, with Keystone's 400 messages. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown, key: string): z.infer<S> {
  const inner = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[key] : undefined;
  if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) throw validationError(key, `'${key}' is a required property`);
  const r = schema.safeParse(inner);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw validationError(issue.path.map(String).join('.') || key, issue.message);
}

const isDup = (e: unknown) => typeof e === 'object' && e !== null && (e as { errno?: number }).errno === 1062;

async function unique(kind: string, detail: string, f: () => Promise<void>): Promise<void> {
  try {
    await f();
  } catch (e) {
    if (isDup(e)) throw conflict(kind, detail);
    throw e;
  }
}

export type AssignmentTarget = 'projects' | 'domains';
export type AssignmentActor = 'users' | 'groups';

/** oslo's bool_from_string, as Keystone reads `?include_names` (the client sends `True`). */
const boolFromQuery = (v: string | null) => ['1', 't', 'true', 'on', 'y', 'yes'].includes((v ?? '').trim().toLowerCase());

export class IdentityAdmin {
  private readonly svc: IdentityService;
  private readonly db: store.Db;
  private readonly hashLn: number | undefined;

  constructor(svc: IdentityService, passwordHashLn?: number) {
    this.svc = svc;
    this.db = svc.db;
    this.hashLn = passwordHashLn;
  }

  // ---------------------------------------------------------------- views

  static domain(base: string, d: store.DomainRow) {
    return { id: d.id, name: d.name, description: d.description, enabled: d.enabled, tags: [], options: {}, links: { self: `${base}/domains/${d.id}` } };
  }
  static project(base: string, p: store.ProjectRow) {
    return {
      id: p.id, name: p.name, domain_id: p.domain_id, description: p.description, enabled: p.enabled, parent_id: p.parent_id,
      is_domain: false, tags: [], options: {}, links: { self: `${base}/projects/${p.id}` },
    };
  }
  static user(base: string, u: store.UserRow) {
    return {
      id: u.id, name: u.name, domain_id: u.domain_id, enabled: u.enabled, password_expires_at: null, options: {},
      ...(u.default_project_id ? { default_project_id: u.default_project_id } : {}),
      links: { self: `${base}/users/${u.id}` },
    };
  }
  static group(base: string, g: store.GroupRow) {
    return { id: g.id, name: g.name, domain_id: g.domain_id, description: g.description, links: { self: `${base}/groups/${g.id}` } };
  }
  static role(base: string, r: store.RoleRow) {
    return { id: r.id, name: r.name, domain_id: r.domain_id, description: r.description, options: {}, links: { self: `${base}/roles/${r.id}` } };
  }
  static region(base: string, r: store.RegionRow) {
    return { id: r.id, description: r.description, parent_region_id: r.parent_region_id, links: { self: `${base}/regions/${r.id}` } };
  }
  static service(base: string, s: store.ServiceRow) {
    return { id: s.id, type: s.type, name: s.name, description: s.description, enabled: s.enabled, links: { self: `${base}/services/${s.id}` } };
  }
  static endpoint(base: string, e: store.EndpointRow) {
    return {
      id: e.id, interface: e.interface, region_id: e.region_id, region: e.region_id, service_id: e.service_id, url: e.url, enabled: e.enabled,
      links: { self: `${base}/endpoints/${e.id}` },
    };
  }

  // ---------------------------------------------------------------- lookups that 404

  async domainOr404(id: string) {
    return (await store.getDomain(this.db, id)) ?? Promise.reject(notFound('domain', id));
  }
  async projectOr404(id: string) {
    return (await store.getProject(this.db, id)) ?? Promise.reject(notFound('project', id));
  }
  async userOr404(id: string) {
    return (await store.getUser(this.db, id)) ?? Promise.reject(notFound('user', id));
  }
  async groupOr404(id: string) {
    return (await store.getGroup(this.db, id)) ?? Promise.reject(notFound('group', id));
  }
  async roleOr404(id: string) {
    return (await store.getRole(this.db, id)) ?? Promise.reject(notFound('role', id));
  }
  async regionOr404(id: string) {
    return (await store.getRegion(this.db, id)) ?? Promise.reject(notFound('region', id));
  }
  async serviceOr404(id: string) {
    return (await store.getService(this.db, id)) ?? Promise.reject(notFound('service', id));
  }
  async endpointOr404(id: string) {
    return (await store.getEndpoint(this.db, id)) ?? Promise.reject(notFound('endpoint', id));
  }

  // ---------------------------------------------------------------- domains

  async createDomain(body: unknown): Promise<store.DomainRow> {
    const r = parseBody(DomainCreateSchema, body, 'domain');
    const row: store.DomainRow = { id: r.id ?? this.svc.newId(), name: r.name, description: r.description ?? '', enabled: r.enabled ?? true };
    await unique('domain', `Duplicate entry found with name ${r.name}`, () => store.insertDomain(this.db, row));
    return row;
  }
  async updateDomain(id: string, body: unknown): Promise<store.DomainRow> {
    const d = await this.domainOr404(id);
    const r = parseBody(DomainUpdateSchema, body, 'domain');
    const row = { ...d, name: r.name ?? d.name, description: r.description ?? d.description, enabled: r.enabled ?? d.enabled };
    await unique('domain', `Duplicate entry found with name ${row.name}`, () => store.updateDomain(this.db, row));
    if (d.enabled && !row.enabled) await this.svc.revokeFor({ domainId: id });
    return row;
  }
  async deleteDomain(id: string): Promise<void> {
    const d = await this.domainOr404(id);
    if (d.enabled) throw forbiddenMessage('Cannot delete a domain that is enabled, please disable it first.');
    for (const p of await store.listProjects(this.db, { domain_id: id })) await this.deleteProject(p.id);
    for (const u of await store.listUsers(this.db, { domain_id: id })) await store.deleteUser(this.db, u.id);
    for (const g of await store.listGroups(this.db, { domain_id: id })) await store.deleteGroup(this.db, g.id);
    await store.deleteAssignmentsOnTarget(this.db, id);
    await store.deleteDomain(this.db, id);
    await this.svc.revokeFor({ domainId: id });
  }

  // ---------------------------------------------------------------- projects

  async createProject(body: unknown): Promise<store.ProjectRow> {
    const r = parseBody(ProjectCreateSchema, body, 'project');
    const domainId = r.domain_id ?? 'default';
    await this.domainOr404(domainId);
    const row: store.ProjectRow = { id: this.svc.newId(), name: r.name, domain_id: domainId, description: r.description ?? '', enabled: r.enabled ?? true, parent_id: r.parent_id ?? domainId };
    await unique('project', `Duplicate entry found with name ${r.name} at domain ID ${domainId}`, () => store.insertProject(this.db, row));
    return row;
  }
  async updateProject(id: string, body: unknown): Promise<store.ProjectRow> {
    const p = await this.projectOr404(id);
    const r = parseBody(ProjectUpdateSchema, body, 'project');
    const row = { ...p, name: r.name ?? p.name, description: r.description ?? p.description, enabled: r.enabled ?? p.enabled };
    await unique('project', `Duplicate entry found with name ${row.name} at domain ID ${p.domain_id}`, () => store.updateProject(this.db, row));
    if (p.enabled && !row.enabled) await this.svc.revokeFor({ projectId: id });
    return row;
  }
  async deleteProject(id: string): Promise<void> {
    await this.projectOr404(id);
    await store.deleteAssignmentsOnTarget(this.db, id);
    await store.deleteProject(this.db, id);
    await this.svc.revokeFor({ projectId: id });
  }

  // ---------------------------------------------------------------- users

  async createUser(body: unknown): Promise<store.UserRow> {
    const r = parseBody(UserCreateSchema, body, 'user');
    const domainId = r.domain_id ?? 'default';
    await this.domainOr404(domainId);
    const hash = r.password == null ? null : await hashPassword(r.password, this.hashLn);
    const row: store.UserRow = { id: this.svc.newId(), name: r.name, domain_id: domainId, enabled: r.enabled ?? true, password_hash: hash, default_project_id: r.default_project_id ?? null };
    await unique('user', `Duplicate entry found with name ${r.name} at domain ID ${domainId}`, () => store.insertUser(this.db, row));
    return row;
  }
  async updateUser(id: string, body: unknown): Promise<store.UserRow> {
    const u = await this.userOr404(id);
    const r = parseBody(UserUpdateSchema, body, 'user');
    const passwordChanged = r.password !== undefined;
    const hash = r.password === undefined ? u.password_hash : r.password === null ? null : await hashPassword(r.password, this.hashLn);
    const row = {
      ...u,
      name: r.name ?? u.name,
      enabled: r.enabled ?? u.enabled,
      password_hash: hash,
      default_project_id: r.default_project_id === undefined ? u.default_project_id : r.default_project_id,
    };
    await unique('user', `Duplicate entry found with name ${row.name} at domain ID ${u.domain_id}`, () => store.updateUser(this.db, row));
    if (passwordChanged || (u.enabled && !row.enabled)) await this.svc.revokeFor({ userId: id });
    return row;
  }
  async deleteUser(id: string): Promise<void> {
    await this.userOr404(id);
    await store.deleteUser(this.db, id);
    await this.svc.revokeFor({ userId: id });
  }

  // ---------------------------------------------------------------- groups

  async createGroup(body: unknown): Promise<store.GroupRow> {
    const r = parseBody(GroupCreateSchema, body, 'group');
    const domainId = r.domain_id ?? 'default';
    await this.domainOr404(domainId);
    const row: store.GroupRow = { id: this.svc.newId(), name: r.name, domain_id: domainId, description: r.description ?? '' };
    await unique('group', `Duplicate entry found with name ${r.name} at domain ID ${domainId}`, () => store.insertGroup(this.db, row));
    return row;
  }
  async deleteGroup(id: string): Promise<void> {
    await this.groupOr404(id);
    await store.deleteGroup(this.db, id);
  }
  async addMember(groupId: string, userId: string): Promise<void> {
    await this.groupOr404(groupId);
    await this.userOr404(userId);
    await store.addMember(this.db, groupId, userId);
  }
  async checkMember(groupId: string, userId: string): Promise<void> {
    await this.groupOr404(groupId);
    await this.userOr404(userId);
    if (!(await store.isMember(this.db, groupId, userId))) throw notFound('user', `${userId} in group ${groupId}`);
  }
  async removeMember(groupId: string, userId: string): Promise<void> {
    await this.checkMember(groupId, userId);
    await store.removeMember(this.db, groupId, userId);
  }

  // ---------------------------------------------------------------- roles

  async createRole(body: unknown): Promise<store.RoleRow> {
    const r = parseBody(RoleCreateSchema, body, 'role');
    const row: store.RoleRow = { id: this.svc.newId(), name: r.name, domain_id: null, description: r.description ?? '' };
    await unique('role', `Duplicate entry found with name ${r.name}`, () => store.insertRole(this.db, row));
    return row;
  }
  async deleteRole(id: string): Promise<void> {
    await this.roleOr404(id);
    await store.deleteRole(this.db, id);
  }
  async implyRole(prior: string, implied: string): Promise<{ prior: store.RoleRow; implied: store.RoleRow }> {
    const [p, i] = [await this.roleOr404(prior), await this.roleOr404(implied)];
    if (p.id === i.id) throw badRequest('A role cannot imply itself.');
    await store.addImpliedRole(this.db, p.id, i.id);
    return { prior: p, implied: i };
  }

  // ---------------------------------------------------------------- assignments

  async assignment(target: AssignmentTarget, targetId: string, actor: AssignmentActor, actorId: string, roleId: string): Promise<store.AssignmentRow> {
    if (target === 'projects') await this.projectOr404(targetId);
    else await this.domainOr404(targetId);
    if (actor === 'users') await this.userOr404(actorId);
    else await this.groupOr404(actorId);
    await this.roleOr404(roleId);
    const type = `${actor === 'users' ? 'User' : 'Group'}${target === 'projects' ? 'Project' : 'Domain'}` as store.AssignmentType;
    return { type, actor_id: actorId, target_id: targetId, role_id: roleId };
  }
  async grant(a: store.AssignmentRow): Promise<void> {
    await store.grant(this.db, a);
  }
  async checkGrant(a: store.AssignmentRow): Promise<void> {
    if (!(await store.hasGrant(this.db, a))) throw notFound('role assignment', `${a.role_id} for ${a.actor_id} on ${a.target_id}`);
  }
  async revokeGrant(a: store.AssignmentRow): Promise<void> {
    if (!(await store.revokeGrant(this.db, a))) throw notFound('role assignment', `${a.role_id} for ${a.actor_id} on ${a.target_id}`);
  }
  async rolesOn(a: Omit<store.AssignmentRow, 'role_id'>): Promise<store.RoleRow[]> {
    const rows = await store.listAssignments(this.db, { type: a.type, actor_id: a.actor_id, target_id: a.target_id });
    const out: store.RoleRow[] = [];
    for (const r of rows) {
      const role = await store.getRole(this.db, r.role_id);
      if (role) out.push(role);
    }
    return out;
  }
  /** GET /v3/role_assignments with Keystone's filters (direct assignments; `effective` is not expanded). */
  async listAssignments(base: string, q: URLSearchParams) {
    const all = await store.listAssignments(this.db, { ...(q.get('role.id') ? { role_id: q.get('role.id')! } : {}) });
    const userId = q.get('user.id');
    const groupId = q.get('group.id');
    const projectId = q.get('scope.project.id');
    const domainId = q.get('scope.domain.id');
    const rows = all
      .filter((a) => (userId === null || (a.type.startsWith('User') && a.actor_id === userId)) && (groupId === null || (a.type.startsWith('Group') && a.actor_id === groupId)))
      .filter((a) => (projectId === null || (a.type.endsWith('Project') && a.target_id === projectId)) && (domainId === null || (a.type.endsWith('Domain') && a.target_id === domainId)));
    const names = boolFromQuery(q.get('include_names')) ? await this.names(rows) : null;
    return rows.map((a) => assignmentView(a, base, names));
  }
  /** Every name the rows mention, read once each (with the owning domain's name). */
  private async names(rows: readonly store.AssignmentRow[]): Promise<NameLookup> {
    const found = new Map<string, Named>();
    const domains = new Map<string, store.DomainRow | null>();
    const domain = async (id: string) => {
      if (!domains.has(id)) domains.set(id, await store.getDomain(this.db, id));
      const d = domains.get(id);
      return d ? { id: d.id, name: d.name } : undefined;
    };
    const put = async (kind: string, id: string, row: { name: string; domain_id?: string | null } | null) => {
      if (!row) return;
      const d = row.domain_id ? await domain(row.domain_id) : undefined;
      found.set(`${kind}:${id}`, { name: row.name, ...(d ? { domain: d } : {}) });
    };
    for (const a of rows) {
      if (!found.has(`role:${a.role_id}`)) {
        const r = await store.getRole(this.db, a.role_id);
        // A global role has no domain: only its name is added.
        if (r) found.set(`role:${a.role_id}`, { name: r.name });
      }
      const actor = a.type.startsWith('User') ? 'user' : 'group';
      if (!found.has(`${actor}:${a.actor_id}`)) await put(actor, a.actor_id, actor === 'user' ? await store.getUser(this.db, a.actor_id) : await store.getGroup(this.db, a.actor_id));
      if (a.type.endsWith('Project') && !found.has(`project:${a.target_id}`)) await put('project', a.target_id, await store.getProject(this.db, a.target_id));
      if (a.type.endsWith('Domain') && !found.has(`domain:${a.target_id}`)) {
        const d = await domain(a.target_id);
        if (d) found.set(`domain:${a.target_id}`, { name: d.name });
      }
    }
    return (kind, id) => found.get(`${kind}:${id}`);
  }

  // ---------------------------------------------------------------- catalog resources

  async createRegion(body: unknown, id?: string): Promise<store.RegionRow> {
    const r = parseBody(RegionCreateSchema, body, 'region');
    const row: store.RegionRow = { id: id ?? r.id ?? this.svc.newId(), description: r.description ?? '', parent_region_id: r.parent_region_id ?? null };
    if (row.parent_region_id !== null) await this.regionOr404(row.parent_region_id);
    await unique('region', `Duplicate ID, ${row.id}`, () => store.insertRegion(this.db, row));
    return row;
  }
  async deleteRegion(id: string): Promise<void> {
    await this.regionOr404(id);
    if ((await store.listEndpoints(this.db, { region_id: id })).length > 0) throw forbiddenMessage(`Unable to delete region ${id} because it or its child regions have associated endpoints.`);
    await store.deleteRegion(this.db, id);
  }
  async createService(body: unknown): Promise<store.ServiceRow> {
    const r = parseBody(ServiceCreateSchema, body, 'service');
    const row: store.ServiceRow = { id: this.svc.newId(), type: r.type, name: r.name ?? '', description: r.description ?? '', enabled: r.enabled ?? true };
    await store.insertService(this.db, row);
    return row;
  }
  async deleteService(id: string): Promise<void> {
    await this.serviceOr404(id);
    await store.deleteService(this.db, id);
  }
  async createEndpoint(body: unknown): Promise<store.EndpointRow> {
    const r = parseBody(EndpointCreateSchema, body, 'endpoint');
    await this.serviceOr404(r.service_id);
    const region = r.region_id ?? r.region ?? null;
    if (region !== null) await this.regionOr404(region);
    const row: store.EndpointRow = { id: this.svc.newId(), interface: r.interface, service_id: r.service_id, url: r.url, region_id: region, enabled: r.enabled ?? true };
    await store.insertEndpoint(this.db, row);
    return row;
  }
  async deleteEndpoint(id: string): Promise<void> {
    await this.endpointOr404(id);
    await store.deleteEndpoint(this.db, id);
  }
}
