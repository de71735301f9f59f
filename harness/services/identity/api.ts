// Keystone v3 routes over the IdentityService and IdentityAdmin.
//
// Tokens: POST/GET/HEAD/DELETE /v3/auth/tokens, GET /v3/auth/catalog,
// GET /v3/auth/tokens/OS-PKI/revoked, GET /v3/OS-SIMPLE-CERT/certificates
// (the PKI public key). Every resource route needs an X-Auth-Token holding
// the admin role. Database errors that mean "unavailable" or "read-only"
// come back as 503 with the cause (db.ts), never as a crash.
// Unix socket only: GET /msh/identity-stats.
import { ApiError, Router, type Handler, type Reply, type RouteRequest, type ServiceDefinition } from '../http.js';
import { IdentityAdmin, type AssignmentActor, type AssignmentTarget } from './admin.js';
import { classifyDbError } from './db.js';
import { keystoneErrorBody, notFound, tokenNotFound } from './errors.js';
import type { IdentityService } from './service.js';
import * as store from './store.js';

export const IDENTITY_PORT = 5000;

function header(req: RouteRequest, name: string): string | undefined {
  const h = req.headers[name];
  return typeof h === 'string' && h !== '' ? h : undefined;
}

function baseUrl(req: RouteRequest): string {
  return `http://${req.transport === 'unix' ? 'localhost' : (req.headers.host ?? `localhost:${IDENTITY_PORT}`)}/v3`;
}

const flag = (q: URLSearchParams, name: string) => q.has(name) && !['0', 'false', 'False'].includes(q.get(name) ?? '');

/** oslo's `strutils.bool_from_string(value)` (default False), as Keystone reads `?allow_expired`. */
export function boolFromString(value: string | null): boolean {
  return ['1', 't', 'true', 'on', 'y', 'yes'].includes((value ?? '').trim().toLowerCase());
}

export interface IdentityApiOptions {
  /** The PKI public key (PEM), served at /v3/OS-SIMPLE-CERT/certificates. */
  readonly publicKeyPem?: string;
  readonly passwordHashLn?: number;
}

export function identityApi(svc: IdentityService, opts: IdentityApiOptions = {}): ServiceDefinition {
  const admin = new IdentityAdmin(svc, opts.passwordHashLn);
  const r = new Router();
  const where = svc.config.dbWhere;
  const add = (method: string, pattern: string, h: Handler) =>
    r.add(method, pattern, async (req) => {
      try {
        return await h(req);
      } catch (e) {
        if (e instanceof ApiError) throw e;
        throw classifyDbError(e, where) ?? e;
      }
    });
  const ok = (body: unknown): Reply => ({ status: 200, body });
  const created = (body: unknown): Reply => ({ status: 201, body });
  const noContent: Reply = { status: 204 };
  const list = (req: RouteRequest, key: string, items: unknown[]): Reply => ok({ [key]: items, links: { self: `${baseUrl(req)}${req.path.replace(/^\/v3/, '')}`, previous: null, next: null } });
  /** Runs `f` once the caller is known to hold the admin role. */
  const adminOnly = (action: string, f: (req: RouteRequest, base: string) => Promise<Reply>): Handler => async (req) => {
    await svc.requireAdmin(header(req, 'x-auth-token'), action);
    return f(req, baseUrl(req));
  };
  const p = (req: RouteRequest, k: string) => req.params[k]!;

  // ---------------------------------------------------------------- versions

  const version = (req: RouteRequest) => ({
    id: 'v3.14',
    status: 'stable',
    updated: '2020-04-07T00:00:00Z',
    links: [{ rel: 'self', href: `${baseUrl(req)}/` }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
  });
  add('GET', '/', async (req) => ({ status: 300, body: { versions: { values: [version(req)] } } }));
  add('GET', '/v3', async (req) => ok({ version: version(req) }));

  // ---------------------------------------------------------------- tokens

  add('POST', '/v3/auth/tokens', async (req) => {
    const { token, body } = await svc.authenticate(req.body, flag(req.query, 'nocatalog'));
    return { status: 201, body, headers: { 'X-Subject-Token': token } };
  });
  // GET and HEAD honour ?allow_expired (Keystone's AuthTokenResource); DELETE does not.
  const check = async (req: RouteRequest, allowExpired = false) => {
    const caller = await svc.caller(header(req, 'x-auth-token'));
    const subject = header(req, 'x-subject-token');
    if (!subject) throw tokenNotFound('Could not find token: (no X-Subject-Token).');
    const v = await svc.validate(subject, { allowExpired });
    svc.requireCheckAllowed(caller, v.core, 'validate_token');
    return { v, subject, caller };
  };
  add('GET', '/v3/auth/tokens', async (req) => {
    const { v, subject } = await check(req, boolFromString(req.query.get('allow_expired')));
    return { status: 200, body: await svc.body(v, flag(req.query, 'nocatalog')), headers: { 'X-Subject-Token': subject } };
  });
  add('HEAD', '/v3/auth/tokens', async (req) => {
    const { subject } = await check(req, boolFromString(req.query.get('allow_expired')));
    return { status: 200, headers: { 'X-Subject-Token': subject } };
  });
  add('DELETE', '/v3/auth/tokens', async (req) => {
    const { v, subject } = await check(req);
    await svc.revoke(subject, v.core);
    return noContent;
  });
  add('GET', '/v3/auth/catalog', async (req) => {
    await svc.caller(header(req, 'x-auth-token'));
    return ok({ catalog: await svc.catalog(), links: { self: `${baseUrl(req)}/auth/catalog`, previous: null, next: null } });
  });
  add('GET', '/v3/auth/tokens/OS-PKI/revoked', async (req) => {
    await svc.caller(header(req, 'x-auth-token'));
    return ok({ revoked: await svc.revokedList() });
  });
  add('GET', '/v3/OS-SIMPLE-CERT/certificates', async () => {
    if (!opts.publicKeyPem) throw notFound('certificates', 'PKI is not the token provider');
    return { status: 200, body: opts.publicKeyPem, contentType: 'application/x-pem-file' };
  });
  add('GET', '/msh/identity-stats', async (req) => {
    if (req.transport !== 'unix') throw notFound('resource', req.path);
    return ok(svc.stats);
  });

  // ---------------------------------------------------------------- domains, projects, users, groups

  add('GET', '/v3/domains', adminOnly('list_domains', async (req, base) => {
    const name = req.query.get('name') ?? undefined;
    return list(req, 'domains', (await store.listDomains(svc.db, name === undefined ? {} : { name })).map((d) => IdentityAdmin.domain(base, d)));
  }));
  add('POST', '/v3/domains', adminOnly('create_domain', async (req, base) => created({ domain: IdentityAdmin.domain(base, await admin.createDomain(req.body)) })));
  add('GET', '/v3/domains/{id}', adminOnly('get_domain', async (req, base) => ok({ domain: IdentityAdmin.domain(base, await admin.domainOr404(p(req, 'id'))) })));
  add('PATCH', '/v3/domains/{id}', adminOnly('update_domain', async (req, base) => ok({ domain: IdentityAdmin.domain(base, await admin.updateDomain(p(req, 'id'), req.body)) })));
  add('DELETE', '/v3/domains/{id}', adminOnly('delete_domain', async (req) => (await admin.deleteDomain(p(req, 'id')), noContent)));

  add('GET', '/v3/projects', adminOnly('list_projects', async (req, base) => {
    const f = { ...(req.query.get('name') ? { name: req.query.get('name')! } : {}), ...(req.query.get('domain_id') ? { domain_id: req.query.get('domain_id')! } : {}) };
    return list(req, 'projects', (await store.listProjects(svc.db, f)).map((x) => IdentityAdmin.project(base, x)));
  }));
  add('POST', '/v3/projects', adminOnly('create_project', async (req, base) => created({ project: IdentityAdmin.project(base, await admin.createProject(req.body)) })));
  add('GET', '/v3/projects/{id}', adminOnly('get_project', async (req, base) => ok({ project: IdentityAdmin.project(base, await admin.projectOr404(p(req, 'id'))) })));
  add('PATCH', '/v3/projects/{id}', adminOnly('update_project', async (req, base) => ok({ project: IdentityAdmin.project(base, await admin.updateProject(p(req, 'id'), req.body)) })));
  add('DELETE', '/v3/projects/{id}', adminOnly('delete_project', async (req) => (await admin.deleteProject(p(req, 'id')), noContent)));

  add('GET', '/v3/users', adminOnly('list_users', async (req, base) => {
    const f = { ...(req.query.get('name') ? { name: req.query.get('name')! } : {}), ...(req.query.get('domain_id') ? { domain_id: req.query.get('domain_id')! } : {}) };
    return list(req, 'users', (await store.listUsers(svc.db, f)).map((x) => IdentityAdmin.user(base, x)));
  }));
  add('POST', '/v3/users', adminOnly('create_user', async (req, base) => created({ user: IdentityAdmin.user(base, await admin.createUser(req.body)) })));
  add('GET', '/v3/users/{id}', adminOnly('get_user', async (req, base) => ok({ user: IdentityAdmin.user(base, await admin.userOr404(p(req, 'id'))) })));
  add('PATCH', '/v3/users/{id}', adminOnly('update_user', async (req, base) => ok({ user: IdentityAdmin.user(base, await admin.updateUser(p(req, 'id'), req.body)) })));
  add('DELETE', '/v3/users/{id}', adminOnly('delete_user', async (req) => (await admin.deleteUser(p(req, 'id')), noContent)));
  add('GET', '/v3/users/{id}/groups', adminOnly('list_groups_for_user', async (req, base) => {
    await admin.userOr404(p(req, 'id'));
    return list(req, 'groups', (await store.groupsOfUser(svc.db, p(req, 'id'))).map((g) => IdentityAdmin.group(base, g)));
  }));

  add('GET', '/v3/groups', adminOnly('list_groups', async (req, base) => {
    const f = { ...(req.query.get('name') ? { name: req.query.get('name')! } : {}), ...(req.query.get('domain_id') ? { domain_id: req.query.get('domain_id')! } : {}) };
    return list(req, 'groups', (await store.listGroups(svc.db, f)).map((x) => IdentityAdmin.group(base, x)));
  }));
  add('POST', '/v3/groups', adminOnly('create_group', async (req, base) => created({ group: IdentityAdmin.group(base, await admin.createGroup(req.body)) })));
  add('GET', '/v3/groups/{id}', adminOnly('get_group', async (req, base) => ok({ group: IdentityAdmin.group(base, await admin.groupOr404(p(req, 'id'))) })));
  add('DELETE', '/v3/groups/{id}', adminOnly('delete_group', async (req) => (await admin.deleteGroup(p(req, 'id')), noContent)));
  add('GET', '/v3/groups/{id}/users', adminOnly('list_users_in_group', async (req, base) => {
    await admin.groupOr404(p(req, 'id'));
    return list(req, 'users', (await store.usersOfGroup(svc.db, p(req, 'id'))).map((u) => IdentityAdmin.user(base, u)));
  }));
  add('PUT', '/v3/groups/{g}/users/{u}', adminOnly('add_user_to_group', async (req) => (await admin.addMember(p(req, 'g'), p(req, 'u')), noContent)));
  add('HEAD', '/v3/groups/{g}/users/{u}', adminOnly('check_user_in_group', async (req) => (await admin.checkMember(p(req, 'g'), p(req, 'u')), noContent)));
  add('GET', '/v3/groups/{g}/users/{u}', adminOnly('check_user_in_group', async (req) => (await admin.checkMember(p(req, 'g'), p(req, 'u')), noContent)));
  add('DELETE', '/v3/groups/{g}/users/{u}', adminOnly('remove_user_from_group', async (req) => (await admin.removeMember(p(req, 'g'), p(req, 'u')), noContent)));

  // ---------------------------------------------------------------- roles and assignments

  add('GET', '/v3/roles', adminOnly('list_roles', async (req, base) => {
    const name = req.query.get('name');
    return list(req, 'roles', (await store.listRoles(svc.db, name ? { name } : {})).map((x) => IdentityAdmin.role(base, x)));
  }));
  add('POST', '/v3/roles', adminOnly('create_role', async (req, base) => created({ role: IdentityAdmin.role(base, await admin.createRole(req.body)) })));
  add('GET', '/v3/roles/{id}', adminOnly('get_role', async (req, base) => ok({ role: IdentityAdmin.role(base, await admin.roleOr404(p(req, 'id'))) })));
  add('DELETE', '/v3/roles/{id}', adminOnly('delete_role', async (req) => (await admin.deleteRole(p(req, 'id')), noContent)));
  add('PUT', '/v3/roles/{prior}/implies/{implied}', adminOnly('create_implied_role', async (req, base) => {
    const { prior, implied } = await admin.implyRole(p(req, 'prior'), p(req, 'implied'));
    const ref = (x: { id: string; name: string }) => ({ id: x.id, name: x.name, links: { self: `${base}/roles/${x.id}` } });
    return created({ role_inference: { prior_role: ref(prior), implies: ref(implied) }, links: { self: `${base}/roles/${prior.id}/implies/${implied.id}` } });
  }));

  for (const target of ['projects', 'domains'] as AssignmentTarget[]) {
    for (const actor of ['users', 'groups'] as AssignmentActor[]) {
      const one = `/v3/${target}/{t}/${actor}/{a}/roles/{r}`;
      const a = (req: RouteRequest) => admin.assignment(target, p(req, 't'), actor, p(req, 'a'), p(req, 'r'));
      add('PUT', one, adminOnly('create_grant', async (req) => (await admin.grant(await a(req)), noContent)));
      add('HEAD', one, adminOnly('check_grant', async (req) => (await admin.checkGrant(await a(req)), noContent)));
      add('GET', one, adminOnly('check_grant', async (req) => (await admin.checkGrant(await a(req)), noContent)));
      add('DELETE', one, adminOnly('revoke_grant', async (req) => (await admin.revokeGrant(await a(req)), noContent)));
      add('GET', `/v3/${target}/{t}/${actor}/{a}/roles`, adminOnly('list_grants', async (req, base) => {
        const x = await admin.assignment(target, p(req, 't'), actor, p(req, 'a'), '');
        return list(req, 'roles', (await admin.rolesOn(x)).map((role) => IdentityAdmin.role(base, role)));
      }));
    }
  }
  add('GET', '/v3/role_assignments', adminOnly('list_role_assignments', async (req, base) => list(req, 'role_assignments', await admin.listAssignments(base, req.query))));

  // ---------------------------------------------------------------- regions, services, endpoints

  add('GET', '/v3/regions', adminOnly('list_regions', async (req, base) => {
    const parent = req.query.get('parent_region_id');
    const rows = (await store.listRegions(svc.db)).filter((x) => parent === null || x.parent_region_id === parent);
    return list(req, 'regions', rows.map((x) => IdentityAdmin.region(base, x)));
  }));
  add('POST', '/v3/regions', adminOnly('create_region', async (req, base) => created({ region: IdentityAdmin.region(base, await admin.createRegion(req.body)) })));
  add('PUT', '/v3/regions/{id}', adminOnly('create_region', async (req, base) => created({ region: IdentityAdmin.region(base, await admin.createRegion(req.body, p(req, 'id'))) })));
  add('GET', '/v3/regions/{id}', adminOnly('get_region', async (req, base) => ok({ region: IdentityAdmin.region(base, await admin.regionOr404(p(req, 'id'))) })));
  add('DELETE', '/v3/regions/{id}', adminOnly('delete_region', async (req) => (await admin.deleteRegion(p(req, 'id')), noContent)));

  add('GET', '/v3/services', adminOnly('list_services', async (req, base) => {
    // ?name= and ?type= both filter (the client finds a service by name, then by type, and wants one match).
    const f = { ...(req.query.get('name') ? { name: req.query.get('name')! } : {}), ...(req.query.get('type') ? { type: req.query.get('type')! } : {}) };
    return list(req, 'services', (await store.listServices(svc.db, f)).map((x) => IdentityAdmin.service(base, x)));
  }));
  add('POST', '/v3/services', adminOnly('create_service', async (req, base) => created({ service: IdentityAdmin.service(base, await admin.createService(req.body)) })));
  add('GET', '/v3/services/{id}', adminOnly('get_service', async (req, base) => ok({ service: IdentityAdmin.service(base, await admin.serviceOr404(p(req, 'id'))) })));
  add('DELETE', '/v3/services/{id}', adminOnly('delete_service', async (req) => (await admin.deleteService(p(req, 'id')), noContent)));

  add('GET', '/v3/endpoints', adminOnly('list_endpoints', async (req, base) => {
    const q = req.query;
    const f = { ...(q.get('interface') ? { interface: q.get('interface')! } : {}), ...(q.get('service_id') ? { service_id: q.get('service_id')! } : {}), ...(q.get('region_id') ? { region_id: q.get('region_id')! } : {}) };
    return list(req, 'endpoints', (await store.listEndpoints(svc.db, f)).map((x) => IdentityAdmin.endpoint(base, x)));
  }));
  add('POST', '/v3/endpoints', adminOnly('create_endpoint', async (req, base) => created({ endpoint: IdentityAdmin.endpoint(base, await admin.createEndpoint(req.body)) })));
  add('GET', '/v3/endpoints/{id}', adminOnly('get_endpoint', async (req, base) => ok({ endpoint: IdentityAdmin.endpoint(base, await admin.endpointOr404(p(req, 'id'))) })));
  add('DELETE', '/v3/endpoints/{id}', adminOnly('delete_endpoint', async (req) => (await admin.deleteEndpoint(p(req, 'id')), noContent)));

  return { name: 'identity', router: r, errorBody: (status, _type, message) => keystoneErrorBody(status, message) };
}
