// The identity service on the real thing: a controller container from
// msh/base:current running dist/services/main.js (MariaDB, the network API
// and the identity API in one process), driven through the typed client
// over the bind-mounted unix sockets. Each token provider in turn (the
// process is restarted with --token-provider; the database stays), the
// auth middleware in front of the network API, and a read-only identity
// database.
//
// Runs the compiled code: build first (npx tsc -p tsconfig.json).
// MSH_IDENTITY_BENCH_N (default 30) sets the latency sample per provider.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestController, type TestController } from '../support/controller.js';
import { DIST, MOUNT } from '../../harness/paths.js';
import { DockerRuntime } from '../../harness/runtime/docker.js';
import type { BenchResult } from '../../harness/services/identity/bench.js';
import { IdentityClient, IdentityClientError, type Issued } from '../../harness/clients/identity.js';
import type { AuthStats } from '../../harness/services/identity/middleware.js';
import { registerRegion } from '../../harness/services/identity/register-region.js';

const VTEP = '198.18.1.2';
const ADMIN_PW = 'secret-admin';
const ALICE_PW = 'alice-pw';
/** east: this site. The service user of the middleware logs in at "west" (127.0.0.2, the same process). */
const EAST_URL = 'http://127.0.0.1:5000/v3/';
const WEST_URL = 'http://127.0.0.2:5000/v3/';
const BENCH_N = Number(process.env['MSH_IDENTITY_BENCH_N'] ?? 30);

const runtime = new DockerRuntime();
const tag = randomBytes(3).toString('hex');
const name = `msh-test-identity-${tag}`;
const runDir = mkdtempSync('/tmp/msh-test-identity-');
const anon = new IdentityClient({ socketPath: join(runDir, 'identity.sock') });
let admin: IdentityClient;
let controller: TestController | undefined;

const ids = { alice: '', group: '', project: '' };
const figures: string[] = [];

async function inside(cmd: readonly string[]): Promise<string> {
  const r = await runtime.exec(name, cmd);
  if (r.exitCode !== 0) throw new Error(`${cmd.join(' ')} in ${name}: exit ${r.exitCode}: ${r.stderr}`);
  return r.stdout;
}

function servicesPid(dir = runDir): number | null {
  const f = join(dir, 'services.pid');
  return existsSync(f) ? Number(readFileSync(f, 'utf8').trim()) : null;
}

async function waitFor(what: string, cond: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A raw request on one of the run dir's sockets. */
function raw(sock: string, method: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: join(runDir, sock), method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode ?? 0, body: text === '' ? undefined : (JSON.parse(text) as unknown) });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

async function startServices(provider: string): Promise<number> {
  const t0 = performance.now();
  await execa('docker', [
    'exec', '-d', name, 'node', `${MOUNT}/dist/services/main.js`, '--site', 'east', '--vtep', VTEP,
    '--token-provider', provider, '--bootstrap-password', ADMIN_PW, '--bootstrap-public-url', EAST_URL,
    '--auth-url', WEST_URL.replace(/\/$/, ''), '--auth-region', 'east', '--auth-revocation-interval', '1',
  ]);
  await anon.waitReady(60_000, 20);
  await waitFor('the network API', async () => existsSync(join(runDir, 'network.sock')) && (await raw('network.sock', 'GET', '/v2.0/networks').catch(() => null)) !== null);
  admin = await anon.login('admin', ADMIN_PW, 'admin');
  return performance.now() - t0;
}

async function stopServices(dir = runDir): Promise<void> {
  const pid = servicesPid(dir);
  if (pid === null) return;
  await inside(['kill', '-TERM', String(pid)]);
  await waitFor('the services process to exit', async () => (await runtime.exec(name, ['test', '-e', `/proc/${pid}`])).exitCode !== 0);
}

async function expectKeystoneError(p: Promise<unknown>, status: number, message?: RegExp): Promise<void> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(IdentityClientError);
  expect((err as IdentityClientError).status).toBe(status);
  if (message) expect((err as IdentityClientError).detail).toMatch(message);
}

const aliceScope = () => ({ project: { id: ids.project } });
const issueAlice = (opts: { nocatalog?: boolean } = {}) => anon.issuePassword({ name: 'alice', domain: { id: 'default' } }, ALICE_PW, aliceScope(), opts);

/** The same checks for every provider. Returns one issued token. */
async function tokenLifecycle(provider: string, wrong: string): Promise<Issued> {
  const t = await issueAlice();
  expect(t.body).toMatchObject({
    methods: ['password'],
    user: { id: ids.alice, name: 'alice', domain: { id: 'default', name: 'Default' } },
    project: { id: ids.project, name: 'demo', domain: { id: 'default', name: 'Default' } },
    is_domain: false,
  });
  // member via the group, reader implied by member
  expect(t.body.roles?.map((r) => r.name).sort()).toEqual(['member', 'reader']);
  expect(t.body.audit_ids).toHaveLength(1);
  expect(t.body.catalog?.length).toBeGreaterThan(0);

  // validate: 200 with Keystone's body (minus the catalog with ?nocatalog)
  const v = await admin.validate(t.token, { nocatalog: true });
  const { catalog: _c, ...withoutCatalog } = t.body;
  expect(v).toEqual(withoutCatalog);
  expect(await admin.check(t.token)).toBe(true);
  // the token's own user may validate it too
  expect((await anon.withToken(t.token).validate(t.token)).catalog).toEqual(t.body.catalog);

  // a wrong token: 404 in Keystone's shape
  const r = await raw('identity.sock', 'GET', '/v3/auth/tokens', { 'X-Auth-Token': admin.token!, 'X-Subject-Token': wrong });
  expect(r.status).toBe(404);
  expect(r.body).toMatchObject({ error: { code: 404, title: 'Not Found' } });
  expect(await admin.check(wrong)).toBe(false);
  // no X-Auth-Token: 401
  expect((await raw('identity.sock', 'GET', '/v3/auth/tokens', { 'X-Subject-Token': t.token })).status).toBe(401);

  // token method: rescope (here to the same project) keeps the expiry, chains the audit ids
  const re = await anon.issueToken(t.token, aliceScope());
  expect(re.body.methods).toEqual(['token', 'password']);
  expect(re.body.expires_at).toBe(t.body.expires_at);
  expect(re.body.audit_ids).toEqual([expect.stringMatching(/^[\w-]{22}$/), t.body.audit_ids[0]]);
  expect(await admin.check(re.token)).toBe(true);
  // an unscoped token rescoped to the project
  const unscoped = await anon.issuePassword({ id: ids.alice }, ALICE_PW);
  expect(unscoped.body.project).toBeUndefined();
  expect(unscoped.body.catalog).toBeUndefined();
  expect((await anon.issueToken(unscoped.token, aliceScope())).body.project?.id).toBe(ids.project);
  // wrong password
  await expectKeystoneError(anon.issuePassword({ id: ids.alice }, 'nope', aliceScope()), 401, /requires authentication/);

  // revoke: 204, then 404 everywhere (the event is in the database); the rescoped child lives on
  await admin.revoke(t.token);
  await expectKeystoneError(admin.validate(t.token), 404, /Failed to validate token/);
  expect(await admin.check(t.token)).toBe(false);
  await expectKeystoneError(anon.issueToken(t.token, aliceScope()), 404);
  expect(await admin.check(re.token)).toBe(true);
  const events = await inside(['mariadb', '-N', '-e', `SELECT COUNT(*) FROM keystone.revocation_event WHERE audit_id = '${t.body.audit_ids[0]}'`]);
  expect(events.trim()).toBe('1');

  const stats = await anon.stats();
  expect(stats.provider).toBe(provider);
  return re;
}

async function benchmark(provider: string): Promise<BenchResult> {
  const out = await inside(['node', `${MOUNT}/dist/services/identity/bench.js`, '--user', 'alice', '--password', ALICE_PW, '--project', 'demo', '--admin-password', ADMIN_PW, '--n', String(BENCH_N)]);
  const r = JSON.parse(out.trim().split('\n').pop()!) as BenchResult;
  expect(r.provider).toBe(provider);
  const f = (s: BenchResult['issue']) => `p50 ${s.p50} ms, p99 ${s.p99} ms`;
  figures.push(`${provider}: ${r.tokenBytes} bytes (${r.regions} regions); issue ${f(r.issue)}; validate ${f(r.validate)}; validate ?nocatalog ${f(r.validateNocatalog)} (n=${r.issue.n})`);
  return r;
}

async function authStats(): Promise<AuthStats> {
  const r = await raw('network.sock', 'GET', '/msh/auth-stats');
  expect(r.status).toBe(200);
  return r.body as AuthStats;
}

describe('identity API on a real controller container', () => {
  let startMs = NaN;

  beforeAll(async () => {
    if (!existsSync(join(DIST, 'services', 'identity', 'api.js'))) throw new Error('dist/services/identity missing: run npx tsc -p tsconfig.json first');
    controller = await startTestController(runtime, name, 'identity-api', runDir, VTEP);
    startMs = await startServices('fernet');
    console.log(`services process with identity (fernet): start -> identity and network answering: ${startMs.toFixed(0)} ms`);
  });

  afterAll(async () => {
    if (figures.length) console.log(`identity figures (inside the container, TCP loopback):\n  ${figures.join('\n  ')}`);
    await controller?.remove();
    rmSync(runDir, { recursive: true, force: true });
  });

  it('bootstraps: default domain, admin (admin, member, reader), region east, the identity service and its three endpoints', async () => {
    const log = readFileSync(join(runDir, 'services.log'), 'utf8');
    expect(log).toMatch(/identity: fernet key repository \/run\/msh\/fernet-keys created/);
    expect(log).toMatch(/identity: bootstrap in \d+ ms .*created domain default, project admin, role reader, role member, role admin, user admin, region east, service keystone/);
    expect((await admin.listDomains()).map((d) => [d.id, d.name])).toEqual([['default', 'Default']]);
    expect((await admin.listRoles()).map((r) => r.name)).toEqual(['reader', 'member', 'admin']);
    expect((await admin.listRegions()).map((r) => r.id)).toEqual(['east']);
    const [svc] = await admin.listServices({ type: 'identity' });
    expect((await admin.listEndpoints({ service_id: svc!.id })).map((e) => [e.interface, e.region_id, e.url]).sort()).toEqual([
      ['admin', 'east', EAST_URL],
      ['internal', 'east', EAST_URL],
      ['public', 'east', EAST_URL],
    ]);
    const t = await anon.issuePassword({ name: 'admin', domain: { id: 'default' } }, ADMIN_PW, { project: { name: 'admin', domain: { id: 'default' } } });
    expect(t.body.roles?.map((r) => r.name)).toEqual(['admin', 'member', 'reader']);
    // system scope and domain scope need their own assignments
    expect((await anon.issuePassword({ id: t.body.user.id }, ADMIN_PW, { system: { all: true } })).body.system).toEqual({ all: true });
    await expectKeystoneError(anon.issuePassword({ id: t.body.user.id }, ADMIN_PW, { domain: { id: 'default' } }), 401, /has no access to domain default/);
  });

  it('creates users, groups, membership, projects, roles and group role assignments; non-admins are refused', async () => {
    const alice = await admin.createUser({ name: 'alice', password: ALICE_PW });
    const group = await admin.createGroup({ name: 'operators' });
    await admin.addUserToGroup(group.id, alice.id);
    const project = await admin.createProject({ name: 'demo', description: 'alice works here' });
    Object.assign(ids, { alice: alice.id, group: group.id, project: project.id });
    expect(alice).toMatchObject({ name: 'alice', domain_id: 'default', enabled: true, password_expires_at: null });
    expect(project).toMatchObject({ name: 'demo', domain_id: 'default', parent_id: 'default', is_domain: false });
    expect((await admin.listGroupUsers(group.id)).map((u) => u.id)).toEqual([alice.id]);

    // no role yet: scoping to the project is refused
    await expectKeystoneError(issueAlice(), 401, /has no access to project/);
    const member = await admin.roleId('member');
    await admin.grant({ project: project.id, group: group.id, role: member });
    expect(await admin.hasGrant({ project: project.id, group: group.id, role: member })).toBe(true);
    expect(await admin.hasGrant({ project: project.id, user: alice.id, role: member })).toBe(false);
    expect(await admin.listRoleAssignments({ 'scope.project.id': project.id })).toEqual([
      { role: { id: member }, group: { id: group.id }, scope: { project: { id: project.id } }, links: { assignment: expect.stringContaining(`/projects/${project.id}/groups/${group.id}/roles/${member}`) } },
    ]);
    // a user-on-project form, on a second project
    const other = await admin.createProject({ name: 'other' });
    await admin.grant({ project: other.id, user: alice.id, role: await admin.roleId('reader') });
    expect((await anon.issuePassword({ id: alice.id }, ALICE_PW, { project: { id: other.id } })).body.roles?.map((r) => r.name)).toEqual(['reader']);

    // errors in Keystone's shape
    await expectKeystoneError(admin.createUser({ name: 'alice', password: 'x' }), 409, /Duplicate entry/);
    await expectKeystoneError(admin.getProject('0'.repeat(32)), 404, /Could not find project/);
    const aliceToken = (await issueAlice({ nocatalog: true })).token;
    await expectKeystoneError(anon.withToken(aliceToken).listUsers(), 403, /identity:list_users/);
    await expectKeystoneError(anon.listUsers(), 401);
  });

  it('fernet: issue, validate, wrong token, revoke, rescope; tokens under 255 bytes; nothing written per token', async () => {
    const rowsBefore = Number(await inside(['mariadb', '-N', '-e', 'SELECT COUNT(*) FROM keystone.token']));
    const t = await tokenLifecycle('fernet', `gAAAAAB${'x'.repeat(176)}`);
    expect(t.token).toMatch(/^gAAAAA[\w-]+$/);
    expect(t.token.length).toBeLessThan(255);
    expect(Number(await inside(['mariadb', '-N', '-e', 'SELECT COUNT(*) FROM keystone.token']))).toBe(rowsBefore);
    await benchmark('fernet');
  });

  it("lists every region's endpoints in the catalog (the identity database holds all regions)", async () => {
    await registerRegion(admin, 'west', [{ type: 'identity', name: 'keystone', url: WEST_URL }]);
    const t = await issueAlice();
    const regions = new Set(t.body.catalog!.flatMap((s) => s.endpoints.map((e) => e.region_id)));
    expect([...regions].sort()).toEqual(['east', 'west']);
    expect((await admin.catalog()).flatMap((s) => s.endpoints).filter((e) => e.region_id === 'west').map((e) => e.url)).toEqual([WEST_URL, WEST_URL, WEST_URL]);
  });

  it('registers a region as a site without its own Keystone does: two sites at once make one service, again adds nothing, a moved site moves its endpoints', async () => {
    const at = (host: number) => [{ type: 'placement', name: 'placement', url: `http://198.18.9.${host}:8778` }];
    const endpointsOf = async (serviceId: string, region: string) =>
      (await admin.listEndpoints({ service_id: serviceId, region_id: region })).map((e) => `${e.interface} ${e.url}`).sort();
    const [a, b] = await Promise.all([registerRegion(admin, 'reg-a', at(1)), registerRegion(admin, 'reg-b', at(2))]);
    const services = await admin.listServices({ type: 'placement' });
    expect(services).toHaveLength(1);
    expect([...a, ...b].filter((x) => x.startsWith('service '))).toEqual(['service placement']);
    expect(a.filter((x) => !x.startsWith('service '))).toEqual(['region reg-a', 'endpoint placement admin reg-a', 'endpoint placement internal reg-a', 'endpoint placement public reg-a']);
    const id = services[0]!.id;
    expect(await endpointsOf(id, 'reg-a')).toEqual(['admin', 'internal', 'public'].map((i) => `${i} http://198.18.9.1:8778`));
    expect(await endpointsOf(id, 'reg-b')).toEqual(['admin', 'internal', 'public'].map((i) => `${i} http://198.18.9.2:8778`));
    expect(await registerRegion(admin, 'reg-a', at(1))).toEqual([]);
    expect(await registerRegion(admin, 'reg-a', at(3))).toEqual(['endpoint placement admin reg-a', 'endpoint placement internal reg-a', 'endpoint placement public reg-a']);
    expect(await endpointsOf(id, 'reg-a')).toEqual(['admin', 'internal', 'public'].map((i) => `${i} http://198.18.9.3:8778`));
    // the later tests count the catalog's regions: regions without endpoints are not in it
    await admin.deleteService(id);
  });

  it('puts the auth middleware in front of the network API: 401 without a token, 200 with one, cached, validated in its own region', async () => {
    const none = await raw('network.sock', 'GET', '/v2.0/networks');
    expect(none).toEqual({ status: 401, body: { error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } } });
    expect((await raw('network.sock', 'GET', '/v2.0/networks', { 'X-Auth-Token': 'not-a-token' })).status).toBe(401);

    const t = await issueAlice({ nocatalog: true });
    const first = await raw('network.sock', 'GET', '/v2.0/networks', { 'X-Auth-Token': t.token });
    expect(first).toEqual({ status: 200, body: { networks: [] } });
    const second = await raw('network.sock', 'GET', '/v2.0/networks', { 'X-Auth-Token': t.token });
    expect(second.status).toBe(200);

    const st = await authStats();
    // one validation for the two requests with this token (+1 for 'not-a-token'), all at east's endpoint
    expect(st.validations).toEqual({ total: 2, byUrl: { 'http://127.0.0.1:5000/v3/auth/tokens': 2 } });
    expect(st.cache.hits).toBe(1);
    expect(st.validationUrl).toBe('http://127.0.0.1:5000/v3');
    // the service user logged in once at the auth URL (west); nothing else went there
    expect(Object.keys(st.calls).filter((k) => k.includes('127.0.0.2'))).toEqual(['POST http://127.0.0.2:5000/v3/auth/tokens']);
    expect(st.calls['POST http://127.0.0.2:5000/v3/auth/tokens']).toBe(1);
    // the project the network API sees is the token's
    const net = await raw('network.sock', 'POST', '/v2.0/networks', { 'X-Auth-Token': t.token, 'X-Project-Id': 'forged', 'Content-Type': 'application/json' }).catch(() => null);
    expect(net?.status).toBe(400); // no body: the request reached the network API itself
    // and over TCP the stats are not exposed
    const tcp = await inside(['node', '-e', `fetch('http://127.0.0.1:9696/msh/auth-stats',{headers:{'X-Auth-Token':'${t.token}'}}).then(r=>console.log(r.status))`]);
    expect(tcp.trim()).toBe('404');
  });

  it('uuid: the same lifecycle; every issued token is a row in the token table', async () => {
    await stopServices();
    await startServices('uuid');
    const rowsBefore = Number(await inside(['mariadb', '-N', '-e', 'SELECT COUNT(*) FROM keystone.token']));
    const t = await tokenLifecycle('uuid', 'f'.repeat(32));
    expect(t.token).toMatch(/^[0-9a-f]{32}$/);
    const stats = await anon.stats();
    const rows = Number(await inside(['mariadb', '-N', '-e', 'SELECT COUNT(*) FROM keystone.token']));
    expect(rows - rowsBefore).toBe(stats.issued - 1); // the admin login of startServices came before rowsBefore
    expect(await inside(['mariadb', '-N', '-e', `SELECT valid FROM keystone.token WHERE id = '${t.token}'`])).toMatch(/^1/);
    // the middleware validates uuid tokens online
    expect((await raw('network.sock', 'GET', '/v2.0/networks', { 'X-Auth-Token': t.token })).status).toBe(200);
    expect((await authStats()).validations.total).toBe(1);
    await benchmark('uuid');
  });

  it('pki: the same lifecycle; > 1600 bytes with a 5-region catalog; the middleware validates offline and honours the revocation list', async () => {
    await stopServices();
    await startServices('pki');
    for (const [i, region] of ['north', 'south', 'central'].entries()) await registerRegion(admin, region, [{ type: 'identity', name: 'keystone', url: `http://198.18.${i + 3}.2:5000/v3/` }]);
    const t = await tokenLifecycle('pki', 'PKI_eyJ0b2tlbiI6e30.AAAA');
    expect(t.token.startsWith('PKI_')).toBe(true);
    expect(new Set(t.body.catalog!.flatMap((s) => s.endpoints.map((e) => e.region_id))).size).toBe(5);
    expect(t.token.length).toBeGreaterThan(1600);
    const revokedList = await admin.revokedTokens();
    expect(revokedList).toHaveLength(1);

    const fresh = await issueAlice({ nocatalog: true });
    expect((await raw('network.sock', 'GET', '/v2.0/networks', { 'X-Auth-Token': fresh.token })).status).toBe(200);
    expect((await raw('network.sock', 'GET', '/v2.0/networks', { 'X-Auth-Token': fresh.token })).status).toBe(200);
    let st = await authStats();
    expect(st.validations.total).toBe(0); // offline
    expect(st.offline.validated).toBe(1);
    expect(Object.keys(st.calls).sort()).toEqual([
      'GET http://127.0.0.1:5000/v3/OS-SIMPLE-CERT/certificates',
      'GET http://127.0.0.1:5000/v3/auth/tokens/OS-PKI/revoked',
      'POST http://127.0.0.2:5000/v3/auth/tokens',
    ]);
    await admin.revoke(fresh.token);
    await new Promise((r) => setTimeout(r, 1100)); // --auth-revocation-interval 1
    expect((await raw('network.sock', 'GET', '/v2.0/networks', { 'X-Auth-Token': fresh.token })).status).toBe(401);
    st = await authStats();
    expect(st.offline.rejected).toBe(1);
    figures.push(`pki token with the 5-region catalog (identity x 3 interfaces per region): ${t.token.length} bytes`);
    await benchmark('pki');
  });

  it('on a read-only identity database (a replica): Fernet tokens still issue and validate, writes (and uuid issues) answer 503 with the cause', async () => {
    // A second MariaDB with grant tables (the site's runs --skip-grant-tables, where read_only binds nobody).
    // Its data and socket stay inside the container: the bind-mounted run dir is 0700 root, closed to mysql.
    const data = '/var/lib/msh-ro';
    const sock = '/run/msh-ro/mysqld.sock';
    const ro = '/run/msh/ro';
    await inside(['sh', '-c', [
      'set -e',
      `mkdir -p ${data} /run/msh-ro ${ro} && chown -R mysql:mysql ${data} /run/msh-ro`,
      `mariadb-install-db --no-defaults --user=mysql --datadir=${data} --auth-root-authentication-method=socket >/tmp/msh-ro-install.log 2>&1`,
      `(setsid mariadbd --no-defaults --user=mysql --datadir=${data} --socket=${sock} --port=3307 --bind-address=127.0.0.1 --skip-log-bin --skip-name-resolve --innodb-buffer-pool-size=16M </dev/null >/tmp/msh-ro.log 2>&1 &)`,
      `i=0; until mariadb --socket=${sock} -e 'SELECT 1' >/dev/null 2>&1; do i=$((i+1)); [ $i -lt 300 ] || { tail /tmp/msh-ro.log >&2; exit 5; }; sleep 0.05; done`,
      `mariadb --socket=${sock} -e "CREATE USER keystone@'127.0.0.1' IDENTIFIED BY 'ks'; GRANT ALL ON keystone.* TO keystone@'127.0.0.1'"`,
    ].join('\n')]);
    const args = ['--site', 'east', '--no-network', '--run-dir', `${ro}/run`, '--identity-port', '5001', '--identity-db', 'keystone:ks@127.0.0.1:3307', '--bootstrap-password', ADMIN_PW, '--fernet-key-repository', `${ro}/keys`];
    const client = new IdentityClient({ socketPath: join(runDir, 'ro', 'run', 'identity.sock') });
    // first as the writable master: schema and bootstrap; then read-only
    await execa('docker', ['exec', '-d', name, 'node', `${MOUNT}/dist/services/main.js`, ...args]);
    await client.waitReady(30_000, 20);
    await stopServices(join(runDir, 'ro', 'run'));
    await inside(['mariadb', `--socket=${sock}`, '-e', 'SET GLOBAL read_only = ON']);
    await execa('docker', ['exec', '-d', name, 'node', `${MOUNT}/dist/services/main.js`, ...args]);
    await client.waitReady(30_000, 20);
    const log = readFileSync(join(runDir, 'ro', 'run', 'services.log'), 'utf8');
    expect(log).toMatch(/bootstrap in \d+ ms on keystone@127\.0\.0\.1:3307\/keystone: nothing to create/);

    const adm = await client.login('admin', ADMIN_PW, 'admin');
    const t = await client.issuePassword({ name: 'admin', domain: { id: 'default' } }, ADMIN_PW, { project: { name: 'admin', domain: { id: 'default' } } });
    expect((await adm.validate(t.token)).user.name).toBe('admin');
    await expectKeystoneError(adm.createUser({ name: 'bob', password: 'x' }), 503, /read-only \(ER_OPTION_PREVENTS_STATEMENT 1290: .*read-only.*\); writes must go to a keystone whose database is the master/);
    await expectKeystoneError(adm.revoke(t.token), 503, /read-only/);
    // still serving
    expect(await adm.check(t.token)).toBe(true);
    await stopServices(join(runDir, 'ro', 'run'));

    // uuid tokens cannot even be issued there: each one is a write
    await execa('docker', ['exec', '-d', name, 'node', `${MOUNT}/dist/services/main.js`, ...args, '--token-provider', 'uuid']);
    await client.waitReady(30_000, 20);
    await expectKeystoneError(client.issuePassword({ name: 'admin', domain: { id: 'default' } }, ADMIN_PW, { project: { name: 'admin', domain: { id: 'default' } } }), 503, /read-only/);
    await stopServices(join(runDir, 'ro', 'run'));
  });
});
