// The harness's client of a site's identity API: Keystone v3 over HTTP on
// the unix socket the services process listens on (<run-dir>/identity.sock)
// or over TCP (`url`). Responses are validated against the resource
// schemas; failures carry Keystone's error (code, title, message).
import { request } from 'node:http';
import { z } from 'zod';
import {
  DomainSchema,
  EndpointSchema,
  GroupSchema,
  KeystoneErrorSchema,
  ProjectSchema,
  RegionSchema,
  RoleAssignmentSchema,
  RoleSchema,
  ServiceSchema,
  TokenBodySchema,
  UserSchema,
  CatalogEntrySchema,
  type AuthRequest,
  type Domain,
  type DomainCreate,
  type Endpoint,
  type EndpointCreate,
  type Group,
  type GroupCreate,
  type Project,
  type ProjectCreate,
  type Region,
  type RegionCreate,
  type Role,
  type RoleAssignment,
  type Service,
  type ServiceCreate,
  type TokenBodyView,
  type User,
  type UserCreate,
  type UserUpdate,
  type ScopeRequest,
} from '../services/identity/types.js';

export type { Domain, Endpoint, Group, Project, Region, Role, RoleAssignment, Service, TokenBodyView, User, ScopeRequest } from '../services/identity/types.js';

export class IdentityClientError extends Error {
  readonly status: number;
  /** Keystone's title ("Not Found", "Unauthorized", ...) */
  readonly title: string;
  readonly detail: string;
  constructor(status: number, title: string, detail: string) {
    super(`${status} ${title}: ${detail}`);
    this.name = 'IdentityClientError';
    this.status = status;
    this.title = title;
    this.detail = detail;
  }
}

export type IdentityClientOptions = ({ readonly socketPath: string } | { readonly url: string }) & {
  /** X-Auth-Token sent with every call that needs one. */
  readonly token?: string;
  readonly timeoutMs?: number;
};

export interface Issued {
  readonly token: string;
  readonly body: TokenBodyView;
}

export type PasswordUser = { readonly id: string } | { readonly name: string; readonly domain: { readonly id: string } | { readonly name: string } };

export interface AssignmentRef {
  readonly project?: string;
  readonly domain?: string;
  readonly user?: string;
  readonly group?: string;
  readonly role: string;
}

interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

const TokenResponse = z.object({ token: TokenBodySchema });

export class IdentityClient {
  private readonly opts: IdentityClientOptions;
  readonly token: string | undefined;

  constructor(opts: IdentityClientOptions) {
    this.opts = opts;
    this.token = opts.token;
  }

  /** The same endpoint, sending `token` as X-Auth-Token. */
  withToken(token: string): IdentityClient {
    return new IdentityClient({ ...this.opts, token });
  }

  // ---------------------------------------------------------------- tokens

  async issue(auth: AuthRequest, opts: { nocatalog?: boolean } = {}): Promise<Issued> {
    const r = await this.raw('POST', `/v3/auth/tokens${opts.nocatalog ? '?nocatalog' : ''}`, auth, false);
    const body = this.parse(r, 'POST /v3/auth/tokens', TokenResponse).token;
    const token = r.headers['x-subject-token'];
    if (typeof token !== 'string') throw new Error('POST /v3/auth/tokens: no X-Subject-Token header');
    return { token, body };
  }
  issuePassword(user: PasswordUser, password: string, scope?: ScopeRequest, opts: { nocatalog?: boolean } = {}): Promise<Issued> {
    return this.issue({ auth: { identity: { methods: ['password'], password: { user: { ...user, password } } }, ...(scope ? { scope } : {}) } }, opts);
  }
  issueToken(token: string, scope?: ScopeRequest, opts: { nocatalog?: boolean } = {}): Promise<Issued> {
    return this.issue({ auth: { identity: { methods: ['token'], token: { id: token } }, ...(scope ? { scope } : {}) } }, opts);
  }
  /** Logs in and returns a client using the token (project scope by name in the default domain, Keystone's usual admin login). */
  async login(username: string, password: string, project: string, domain = 'default'): Promise<IdentityClient> {
    const t = await this.issuePassword({ name: username, domain: { id: domain } }, password, { project: { name: project, domain: { id: domain } } }, { nocatalog: true });
    return this.withToken(t.token);
  }
  async validate(subject: string, opts: { nocatalog?: boolean } = {}): Promise<TokenBodyView> {
    const r = await this.raw('GET', `/v3/auth/tokens${opts.nocatalog ? '?nocatalog' : ''}`, undefined, true, { 'X-Subject-Token': subject });
    return this.parse(r, 'GET /v3/auth/tokens', TokenResponse).token;
  }
  /** HEAD /v3/auth/tokens: true for 200, false for 404. */
  async check(subject: string): Promise<boolean> {
    const r = await this.raw('HEAD', '/v3/auth/tokens', undefined, true, { 'X-Subject-Token': subject });
    if (r.status === 200) return true;
    if (r.status === 404) return false;
    throw new IdentityClientError(r.status, `HTTP${r.status}`, 'HEAD /v3/auth/tokens');
  }
  async revoke(subject: string): Promise<void> {
    this.expectEmpty(await this.raw('DELETE', '/v3/auth/tokens', undefined, true, { 'X-Subject-Token': subject }), 'DELETE /v3/auth/tokens');
  }
  async catalog(): Promise<z.infer<typeof CatalogEntrySchema>[]> {
    return (await this.get('/v3/auth/catalog', z.object({ catalog: z.array(CatalogEntrySchema) }))).catalog;
  }
  async revokedTokens(): Promise<{ id: string; expires: string }[]> {
    return (await this.get('/v3/auth/tokens/OS-PKI/revoked', z.object({ revoked: z.array(z.object({ id: z.string(), expires: z.string() })) }))).revoked;
  }
  /** Unix socket only: the service's counters. */
  async stats(): Promise<{ provider: string; issued: number; validated: number; rejected: number; revoked: number; tokenWrites: number }> {
    return this.get('/msh/identity-stats', z.object({ provider: z.string(), issued: z.number(), validated: z.number(), rejected: z.number(), revoked: z.number(), tokenWrites: z.number() }));
  }

  // ---------------------------------------------------------------- resources

  async createDomain(d: DomainCreate): Promise<Domain> {
    return (await this.send('POST', '/v3/domains', { domain: d }, z.object({ domain: DomainSchema }))).domain;
  }
  async listDomains(): Promise<Domain[]> {
    return (await this.get('/v3/domains', z.object({ domains: z.array(DomainSchema) }))).domains;
  }
  async updateDomain(id: string, d: Partial<DomainCreate>): Promise<Domain> {
    return (await this.send('PATCH', `/v3/domains/${enc(id)}`, { domain: d }, z.object({ domain: DomainSchema }))).domain;
  }
  async deleteDomain(id: string): Promise<void> {
    await this.del(`/v3/domains/${enc(id)}`);
  }

  async createProject(p: ProjectCreate): Promise<Project> {
    return (await this.send('POST', '/v3/projects', { project: p }, z.object({ project: ProjectSchema }))).project;
  }
  async listProjects(f: { name?: string; domain_id?: string } = {}): Promise<Project[]> {
    return (await this.get(`/v3/projects${qs(f)}`, z.object({ projects: z.array(ProjectSchema) }))).projects;
  }
  async getProject(id: string): Promise<Project> {
    return (await this.get(`/v3/projects/${enc(id)}`, z.object({ project: ProjectSchema }))).project;
  }
  async deleteProject(id: string): Promise<void> {
    await this.del(`/v3/projects/${enc(id)}`);
  }

  async createUser(u: UserCreate): Promise<User> {
    return (await this.send('POST', '/v3/users', { user: u }, z.object({ user: UserSchema }))).user;
  }
  async listUsers(f: { name?: string; domain_id?: string } = {}): Promise<User[]> {
    return (await this.get(`/v3/users${qs(f)}`, z.object({ users: z.array(UserSchema) }))).users;
  }
  async getUser(id: string): Promise<User> {
    return (await this.get(`/v3/users/${enc(id)}`, z.object({ user: UserSchema }))).user;
  }
  async updateUser(id: string, u: UserUpdate): Promise<User> {
    return (await this.send('PATCH', `/v3/users/${enc(id)}`, { user: u }, z.object({ user: UserSchema }))).user;
  }
  async deleteUser(id: string): Promise<void> {
    await this.del(`/v3/users/${enc(id)}`);
  }

  async createGroup(g: GroupCreate): Promise<Group> {
    return (await this.send('POST', '/v3/groups', { group: g }, z.object({ group: GroupSchema }))).group;
  }
  async listGroups(): Promise<Group[]> {
    return (await this.get('/v3/groups', z.object({ groups: z.array(GroupSchema) }))).groups;
  }
  async deleteGroup(id: string): Promise<void> {
    await this.del(`/v3/groups/${enc(id)}`);
  }
  async addUserToGroup(groupId: string, userId: string): Promise<void> {
    this.expectEmpty(await this.raw('PUT', `/v3/groups/${enc(groupId)}/users/${enc(userId)}`), 'PUT group membership');
  }
  async removeUserFromGroup(groupId: string, userId: string): Promise<void> {
    await this.del(`/v3/groups/${enc(groupId)}/users/${enc(userId)}`);
  }
  async listGroupUsers(groupId: string): Promise<User[]> {
    return (await this.get(`/v3/groups/${enc(groupId)}/users`, z.object({ users: z.array(UserSchema) }))).users;
  }

  async createRole(name: string): Promise<Role> {
    return (await this.send('POST', '/v3/roles', { role: { name } }, z.object({ role: RoleSchema }))).role;
  }
  async listRoles(f: { name?: string } = {}): Promise<Role[]> {
    return (await this.get(`/v3/roles${qs(f)}`, z.object({ roles: z.array(RoleSchema) }))).roles;
  }
  async roleId(name: string): Promise<string> {
    const r = (await this.listRoles({ name }))[0];
    if (!r) throw new Error(`no role named ${name}`);
    return r.id;
  }

  /** PUT /v3/{projects|domains}/{id}/{users|groups}/{id}/roles/{role} */
  async grant(a: AssignmentRef): Promise<void> {
    this.expectEmpty(await this.raw('PUT', assignmentPath(a)), `PUT ${assignmentPath(a)}`);
  }
  async revokeGrant(a: AssignmentRef): Promise<void> {
    await this.del(assignmentPath(a));
  }
  async hasGrant(a: AssignmentRef): Promise<boolean> {
    const r = await this.raw('HEAD', assignmentPath(a));
    if (r.status === 204 || r.status === 200) return true;
    if (r.status === 404) return false;
    throw new IdentityClientError(r.status, `HTTP${r.status}`, `HEAD ${assignmentPath(a)}`);
  }
  async listRoleAssignments(f: Record<string, string> = {}): Promise<RoleAssignment[]> {
    return (await this.get(`/v3/role_assignments${qs(f)}`, z.object({ role_assignments: z.array(RoleAssignmentSchema) }))).role_assignments;
  }

  async createRegion(r: RegionCreate): Promise<Region> {
    return (await this.send('POST', '/v3/regions', { region: r }, z.object({ region: RegionSchema }))).region;
  }
  async listRegions(): Promise<Region[]> {
    return (await this.get('/v3/regions', z.object({ regions: z.array(RegionSchema) }))).regions;
  }
  async createService(s: ServiceCreate): Promise<Service> {
    return (await this.send('POST', '/v3/services', { service: s }, z.object({ service: ServiceSchema }))).service;
  }
  async listServices(f: { type?: string } = {}): Promise<Service[]> {
    return (await this.get(`/v3/services${qs(f)}`, z.object({ services: z.array(ServiceSchema) }))).services;
  }
  async deleteService(id: string): Promise<void> {
    await this.del(`/v3/services/${enc(id)}`);
  }
  async createEndpoint(e: EndpointCreate): Promise<Endpoint> {
    return (await this.send('POST', '/v3/endpoints', { endpoint: e }, z.object({ endpoint: EndpointSchema }))).endpoint;
  }
  async listEndpoints(f: { interface?: string; service_id?: string; region_id?: string } = {}): Promise<Endpoint[]> {
    return (await this.get(`/v3/endpoints${qs(f)}`, z.object({ endpoints: z.array(EndpointSchema) }))).endpoints;
  }
  async deleteEndpoint(id: string): Promise<void> {
    await this.del(`/v3/endpoints/${enc(id)}`);
  }
  /** Polls until the API answers (the services process is up), or throws after timeoutMs. */
  async waitReady(timeoutMs = 30_000, intervalMs = 50): Promise<number> {
    const t0 = performance.now();
    for (;;) {
      try {
        const r = await this.raw('GET', '/v3', undefined, false);
        if (r.status === 200) return performance.now() - t0;
      } catch {
        // not listening yet
      }
      if (performance.now() - t0 > timeoutMs) throw new Error(`identity API not answering after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }

  // ---------------------------------------------------------------- transport

  private async get<S extends z.ZodType>(path: string, schema: S): Promise<z.infer<S>> {
    return this.parse(await this.raw('GET', path), `GET ${path}`, schema);
  }
  private async send<S extends z.ZodType>(method: string, path: string, body: unknown, schema: S): Promise<z.infer<S>> {
    return this.parse(await this.raw(method, path, body), `${method} ${path}`, schema);
  }
  private async del(path: string): Promise<void> {
    this.expectEmpty(await this.raw('DELETE', path), `DELETE ${path}`);
  }

  private fail(r: RawResponse, what: string): never {
    let parsed: unknown;
    try {
      parsed = JSON.parse(r.text);
    } catch {
      // not JSON
    }
    const e = KeystoneErrorSchema.safeParse(parsed);
    if (e.success) throw new IdentityClientError(r.status, e.data.error.title, e.data.error.message);
    throw new IdentityClientError(r.status, `HTTP${r.status}`, `${what}: ${r.text.slice(0, 300)}`);
  }
  private expectEmpty(r: RawResponse, what: string): void {
    if (r.status >= 400) this.fail(r, what);
  }
  private parse<S extends z.ZodType>(r: RawResponse, what: string, schema: S): z.infer<S> {
    if (r.status >= 400) this.fail(r, what);
    const p = schema.safeParse(JSON.parse(r.text));
    if (!p.success) throw new Error(`${what}: unexpected response shape: ${p.error.message}`);
    return p.data;
  }

  /** One request; `auth` adds X-Auth-Token (default true when the client has one). */
  raw(method: string, path: string, body?: unknown, auth = true, extra: Record<string, string> = {}): Promise<RawResponse> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const timeout = this.opts.timeoutMs ?? 10_000;
    const target = 'socketPath' in this.opts ? { socketPath: this.opts.socketPath } : urlTarget(this.opts.url);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          ...target,
          method,
          path,
          headers: {
            Accept: 'application/json',
            ...(auth && this.token ? { 'X-Auth-Token': this.token } : {}),
            ...extra,
            ...(payload !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } : {}),
          },
          timeout,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within ${timeout} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }
}

function urlTarget(url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || 80) };
}

function enc(s: string): string {
  return encodeURIComponent(s);
}

function qs(f: Readonly<Record<string, string | undefined>>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) if (v !== undefined) p.append(k, v);
  const s = p.toString();
  return s ? `?${s}` : '';
}

export function assignmentPath(a: AssignmentRef): string {
  const target = a.project !== undefined ? `projects/${enc(a.project)}` : a.domain !== undefined ? `domains/${enc(a.domain)}` : null;
  const actor = a.user !== undefined ? `users/${enc(a.user)}` : a.group !== undefined ? `groups/${enc(a.group)}` : null;
  if (!target || !actor) throw new Error('an assignment needs a project or domain and a user or group');
  return `/v3/${target}/${actor}/roles/${enc(a.role)}`;
}
