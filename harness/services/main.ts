// The site services process: the APIs of one emulated OpenStack site, run
// inside the site's controller container (the all-in-one node):
//
//   node /opt/msh/dist/services/main.js --site east --vtep 198.18.1.2 [--port 9696]
//
// Starts MariaDB if it is not running, creates the schema, reconciles the
// kernel (bridges, vxlan devices, FDB and neigh entries) with the database,
// then serves the network API on TCP and on <run-dir>/network.sock. The
// identity API (Keystone v3, identity/) is served on TCP 5000 and
// <run-dir>/identity.sock from the `keystone` database, which
// --identity-db can put on another server (a Galera node, a replica); it
// bootstraps itself (admin, default domain, this region's endpoints) at
// every start. --auth-url puts the auth middleware in front of every API
// (network, compute, volume, image). One log line per request in <run-dir>/services.log; pid in
// <run-dir>/services.pid.
// SIGTERM/SIGINT: stop listening, close the database pool, exit 0 (the
// database and the kernel state stay, as they would in DevStack).
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseIp } from '../scenario/cidr.js';
import { serve, type Served } from './http.js';
import { DEFAULT_MARIADB, ensureMariadb, openDatabase } from './mariadb.js';
import { IDENTITY_PORT } from './identity/api.js';
import { parseDbSpec } from './identity/db.js';
import { DEFAULT_SCRYPT_LN } from './identity/password.js';
import { PROVIDERS, type ProviderName } from './identity/providers.js';
import { AuthMiddleware } from './identity/middleware.js';
import { siteServices } from './identity/site-services.js';
import type { SiteService } from './identity/bootstrap.js';
import { startIdentity, type IdentityOptions } from './identity/start.js';
import { deviceInfo } from './network/agent.js';
import { NETWORK_PORT, networkApi } from './network/api.js';
import { NetworkService } from './network/service.js';
import { COMPUTE_PORT, IMAGE_PORT, startComputeAndImage, type ComputeImageOptions } from './compute/start.js';
import { VOLUME_FLAGS, VOLUME_USAGE, startVolume, volumeOptions, type VolumeOptions } from './volume/start.js';
import { swiftBackupTarget } from './volume/swift-target.js';
import { PROXY_PORT, startSwift } from './object/swift.js';

const USAGE = `usage: node dist/services/main.js --site NAME --vtep IPV4 [options]
  --port N             network API TCP port (default ${NETWORK_PORT})
  --host ADDR          TCP listen address (default 0.0.0.0)
  --run-dir DIR        sockets, log, pid file (default /run/msh)
  --dev IFACE          underlay device of the VXLAN devices (default eth0)
  --underlay-mtu N     MTU of the site LAN (default 1450); networks get N - 50
  --no-arp-responder   no 'proxy' on vxlan devices and no neigh entries
  --vni-range A:B      VNIs for networks that name none (default 1001:2000)
  --project-id ID      project of requests that name none
  --db-socket PATH     MariaDB socket (default ${DEFAULT_MARIADB.socket})
  --no-network         do not serve the network API (then --vtep is not needed)
identity (Keystone v3):
  --no-identity        do not serve the identity API
  --identity-port N    TCP port (default ${IDENTITY_PORT})
  --identity-db SPEC   identity database: a socket path or [user[:password]@]host[:port][/db]
                       (default: the site's MariaDB, database keystone)
  --identity-db-write SPEC  where writes (and schema, bootstrap) go when --identity-db
                       is a read-only replica: a master, same syntax (default: --identity-db)
  --region NAME        this site's region (default: --site)
  --token-provider P   ${PROVIDERS.join('|')} (default fernet)
  --token-expiration S token lifetime in seconds (default 3600)
  --fernet-key-repository DIR  (default <run-dir>/fernet-keys; fernet_setup if empty)
  --fernet-max-active-keys N   (default 3)
  --pki-key-dir DIR    Ed25519 signing key pair (default <run-dir>/pki-keys; made if missing)
  --password-hash-rounds N     scrypt log2(N) (default ${DEFAULT_SCRYPT_LN})
  --bootstrap-username NAME    (default admin)
  --bootstrap-password PW      (default admin)
  --bootstrap-project-name N   (default admin)
  --bootstrap-role-name N      (default admin)
  --bootstrap-service-name N   (default keystone)
  --bootstrap-public-url URL   (default http://<vtep or 127.0.0.1>:<identity-port>/v3/)
  --bootstrap-internal-url URL (default: the public URL)
  --bootstrap-admin-url URL    (default: the public URL)
auth middleware in front of every API served here (network, compute, volume, image; off unless --auth-url is given):
  --auth-url URL       keystone where the service user logs in (e.g. http://198.18.1.2:5000/v3)
  --auth-region NAME   region whose identity endpoint validates tokens (default: --region)
  --auth-interface I   public|internal|admin (default internal)
  --auth-user NAME / --auth-password PW / --auth-project NAME
                       service credentials (default: the bootstrap admin's)
  --auth-cache-time S  token cache lifetime (default 300)
  --auth-revocation-interval S  PKI revocation list refresh (default 10)
  --auth-exempt-unix   requests on network.sock skip the middleware
compute (Nova v2.1, guests are dr-guest processes) and image (Glance v2):
  --compute            serve the compute API on TCP 8774 and <run-dir>/compute.sock (needs --image)
  --compute-port N     (default 8774)
  --image              serve the image API on TCP 9292 and <run-dir>/image.sock
  --image-port N       (default 9292)
  --volume-backend-module PATH  compute's volumes from a module exporting createVolumeBackend({runDir})
                       (tests; the volume service's own backend is wired here once it exists)
object store (real OpenStack Swift, the backup site's; config and rings in the image):
  --object-store       start Swift if not running (account/container/object servers on loopback,
                       proxy on 0.0.0.0:${PROXY_PORT}, tempauth user msh:backup key backup; data, logs
                       under /run/msh/swift, fixed by the image); it outlives this process, like MariaDB
${VOLUME_USAGE}`;

interface Options {
  site: string;
  /** this site's region (the catalog's) */
  region: string;
  vtep: string | null;
  network: boolean;
  identity: IdentityOptions | null;
  auth: {
    url: string;
    region: string;
    iface: 'public' | 'internal' | 'admin';
    user: string;
    password: string;
    project: string;
    cacheTime: number;
    revocationInterval: number;
    exemptUnix: boolean;
  } | null;
  port: number;
  host: string;
  runDir: string;
  dev: string;
  underlayMtu: number;
  arpResponder: boolean;
  vniRange: [number, number];
  projectId: string;
  dbSocket: string;
  computeImage: ComputeImageOptions;
  volume: VolumeOptions | null;
  objectStore: boolean;
}

function fail(msg: string): never {
  process.stderr.write(`${msg}\n${USAGE}\n`);
  process.exit(2);
}

/** An unknown or malformed option is reported as usage (exit 2), not as a stack trace. */
function usageErrors<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    return fail((err as Error).message);
  }
}

function parseOptions(argv: readonly string[]): Options {
  const { values } = usageErrors(() => parseArgs({
    args: [...argv],
    options: {
      site: { type: 'string' },
      vtep: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      'run-dir': { type: 'string' },
      dev: { type: 'string' },
      'underlay-mtu': { type: 'string' },
      'no-arp-responder': { type: 'boolean' },
      'vni-range': { type: 'string' },
      'project-id': { type: 'string' },
      'db-socket': { type: 'string' },
      'no-network': { type: 'boolean' },
      'no-identity': { type: 'boolean' },
      'object-store': { type: 'boolean' },
      'identity-port': { type: 'string' },
      'identity-db': { type: 'string' },
      'identity-db-write': { type: 'string' },
      region: { type: 'string' },
      'token-provider': { type: 'string' },
      'token-expiration': { type: 'string' },
      'fernet-key-repository': { type: 'string' },
      'fernet-max-active-keys': { type: 'string' },
      'pki-key-dir': { type: 'string' },
      'password-hash-rounds': { type: 'string' },
      'bootstrap-username': { type: 'string' },
      'bootstrap-password': { type: 'string' },
      'bootstrap-project-name': { type: 'string' },
      'bootstrap-role-name': { type: 'string' },
      'bootstrap-service-name': { type: 'string' },
      'bootstrap-public-url': { type: 'string' },
      'bootstrap-internal-url': { type: 'string' },
      'bootstrap-admin-url': { type: 'string' },
      'auth-url': { type: 'string' },
      'auth-region': { type: 'string' },
      'auth-interface': { type: 'string' },
      'auth-user': { type: 'string' },
      'auth-password': { type: 'string' },
      'auth-project': { type: 'string' },
      'auth-cache-time': { type: 'string' },
      'auth-revocation-interval': { type: 'string' },
      'auth-exempt-unix': { type: 'boolean' },
      compute: { type: 'boolean' },
      'compute-port': { type: 'string' },
      image: { type: 'boolean' },
      'image-port': { type: 'string' },
      'volume-backend-module': { type: 'string' },
      ...VOLUME_FLAGS,
    },
    strict: true,
  }));
  if (!values.site) fail('--site is required');
  const network = !values['no-network'];
  if (network && (!values.vtep || parseIp(values.vtep) === null)) fail('--vtep must be an IPv4 address');
  if (values.vtep !== undefined && parseIp(values.vtep) === null) fail('--vtep must be an IPv4 address');
  const int = (v: string | undefined, dflt: number, name: string) => {
    if (v === undefined) return dflt;
    if (!/^\d+$/.test(v)) fail(`${name} must be a number`);
    return Number(v);
  };
  const runDir = values['run-dir'] ?? '/run/msh';
  const region = values.region ?? values.site;
  const identityPort = int(values['identity-port'], IDENTITY_PORT, '--identity-port');
  const provider = values['token-provider'] ?? 'fernet';
  if (!PROVIDERS.includes(provider as ProviderName)) fail(`--token-provider must be one of ${PROVIDERS.join(', ')}`);
  for (const opt of ['identity-db', 'identity-db-write'] as const) {
    if (values[opt] === undefined) continue;
    try {
      parseDbSpec(values[opt]);
    } catch (e) {
      fail(`--${opt}: ${(e as Error).message}`);
    }
  }
  if (values['identity-db-write'] !== undefined && values['identity-db'] === undefined) fail('--identity-db-write needs --identity-db (the read server)');
  const publicUrl = values['bootstrap-public-url'] ?? `http://${values.vtep ?? '127.0.0.1'}:${identityPort}/v3/`;
  const adminUser = values['bootstrap-username'] ?? 'admin';
  const adminPassword = values['bootstrap-password'] ?? 'admin';
  const adminProject = values['bootstrap-project-name'] ?? 'admin';
  const identity: IdentityOptions | null = values['no-identity']
    ? null
    : {
        port: identityPort,
        db: values['identity-db'] ?? null,
        dbWrite: values['identity-db-write'] ?? null,
        region,
        provider: provider as ProviderName,
        tokenExpiration: int(values['token-expiration'], 3600, '--token-expiration'),
        fernetKeyRepository: values['fernet-key-repository'] ?? join(runDir, 'fernet-keys'),
        fernetMaxActiveKeys: int(values['fernet-max-active-keys'], 3, '--fernet-max-active-keys'),
        pkiKeyDir: values['pki-key-dir'] ?? join(runDir, 'pki-keys'),
        passwordHashLn: int(values['password-hash-rounds'], DEFAULT_SCRYPT_LN, '--password-hash-rounds'),
        bootstrap: {
          username: adminUser,
          password: adminPassword,
          projectName: adminProject,
          roleName: values['bootstrap-role-name'] ?? 'admin',
          serviceName: values['bootstrap-service-name'] ?? 'keystone',
          region,
          publicUrl,
          internalUrl: values['bootstrap-internal-url'] ?? publicUrl,
          adminUrl: values['bootstrap-admin-url'] ?? publicUrl,
        },
      };
  const iface = values['auth-interface'] ?? 'internal';
  if (!['public', 'internal', 'admin'].includes(iface)) fail('--auth-interface must be public, internal or admin');
  if (values['auth-url'] !== undefined && !/^http:\/\/[^/]+/.test(values['auth-url'])) fail('--auth-url must be an http:// URL');
  const auth = values['auth-url'] === undefined
    ? null
    : {
        url: values['auth-url'],
        region: values['auth-region'] ?? region,
        iface: iface as 'public' | 'internal' | 'admin',
        user: values['auth-user'] ?? adminUser,
        password: values['auth-password'] ?? adminPassword,
        project: values['auth-project'] ?? adminProject,
        cacheTime: int(values['auth-cache-time'], 300, '--auth-cache-time'),
        revocationInterval: int(values['auth-revocation-interval'], 10, '--auth-revocation-interval'),
        exemptUnix: values['auth-exempt-unix'] ?? false,
      };
  if (values['auth-region'] !== undefined && auth === null) fail('--auth-region needs --auth-url');
  if (values.compute && !values.image) fail('--compute needs --image (createImage stores its images there)');
  const range = (values['vni-range'] ?? '1001:2000').split(':').map(Number);
  if (range.length !== 2 || !range.every((x) => Number.isInteger(x) && x >= 1 && x <= 16_777_215) || range[0]! > range[1]!) fail('--vni-range must be A:B within 1..16777215');
  return {
    region,
    site: values.site,
    vtep: values.vtep ?? null,
    network,
    identity,
    auth,
    port: int(values.port, NETWORK_PORT, '--port'),
    host: values.host ?? '0.0.0.0',
    runDir,
    dev: values.dev ?? 'eth0',
    underlayMtu: int(values['underlay-mtu'], 1450, '--underlay-mtu'),
    arpResponder: !values['no-arp-responder'],
    vniRange: [range[0]!, range[1]!],
    // One identity service for all sites (one auth URL): the same default project everywhere.
    projectId: values['project-id'] ?? createHash('md5').update('msh-default-project').digest('hex'),
    dbSocket: values['db-socket'] ?? DEFAULT_MARIADB.socket,
    computeImage: {
      compute: values.compute ?? false,
      computePort: int(values['compute-port'], COMPUTE_PORT, '--compute-port'),
      image: values.image ?? false,
      imagePort: int(values['image-port'], IMAGE_PORT, '--image-port'),
      volumeBackendModule: values['volume-backend-module'] ?? null,
    },
    volume: volumeOptions(values, fail),
    objectStore: values['object-store'] ?? false,
  };
}

function openLog(path: string): { line(s: string): void; close(): void } {
  const fd = openSync(path, 'a');
  return {
    // One write per line, unbuffered: a killed process keeps everything so far.
    line: (s) => void writeSync(fd, `${new Date().toISOString()} ${s}\n`),
    close: () => closeSync(fd),
  };
}

/** The VTEP address must be on the underlay device before VXLAN devices can use it; the harness wires eth0 first. */
async function waitForVtep(dev: string, vtep: string, timeoutMs: number, log: (s: string) => void): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let said = false;
  for (;;) {
    const info = await deviceInfo(dev);
    if (info?.addresses.includes(vtep)) return info.mtu;
    if (Date.now() > deadline) throw new Error(`${dev} does not hold ${vtep} after ${timeoutMs} ms`);
    if (!said) log(`waiting for ${vtep} on ${dev}`);
    said = true;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The pid in the pid file if that process is alive and is a services process (a stale file is ignored). */
function runningInstance(pidFile: string): number | null {
  try {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    if (!Number.isInteger(pid) || pid === process.pid) return null;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('services/main.js') ? pid : null;
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const o = parseOptions(process.argv.slice(2));
  mkdirSync(o.runDir, { recursive: true });
  const log = openLog(join(o.runDir, 'services.log'));
  const pidFile = join(o.runDir, 'services.pid');
  const other = runningInstance(pidFile);
  if (other !== null) {
    log.line(`services not started: already running as pid ${other}`);
    process.stderr.write(`services already running (pid ${other})\n`);
    process.exit(1);
  }
  writeFileSync(pidFile, `${process.pid}\n`);
  log.line(`services starting: site ${o.site} vtep ${o.vtep ?? '-'} pid ${process.pid}`);

  const served: Served[] = [];
  let pool: Awaited<ReturnType<typeof openDatabase>> | undefined;
  let identityPool: { end(): Promise<void> } | undefined;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.line(`services stopping (${signal})`);
    await Promise.all(served.map((s) => s.close())).catch(() => undefined);
    await pool?.end().catch(() => undefined);
    await identityPool?.end().catch(() => undefined);
    rmSync(pidFile, { force: true });
    log.line('services stopped');
    log.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  // Swift needs nothing else here and takes the longest to start (four Python
  // servers): it starts first, and is waited for where its turn comes.
  const swiftStart = o.objectStore ? startSwift({ log: log.line }) : null;
  swiftStart?.catch(() => undefined); // handled where awaited; not an unhandled rejection meanwhile
  try {
    // The site's MariaDB holds neutron, and keystone unless --identity-db names another server.
    if (o.network || (o.identity && o.identity.db === null) || o.computeImage.image) {
      const db = await ensureMariadb({ ...DEFAULT_MARIADB, socket: o.dbSocket, logFile: join(o.runDir, 'mariadb.log') });
      log.line(db.started ? `mariadb started (pid ${db.pid ?? '?'}) in ${db.ms.toFixed(0)} ms` : 'mariadb already running');
    }
    const ready: string[] = [];

    // The catalog lists every API this process serves in this region (the standard client looks them up by type).
    const services = siteServices({
      address: o.vtep ?? '127.0.0.1',
      network: o.network ? o.port : null,
      compute: o.computeImage.compute ? o.computeImage.computePort : null,
      image: o.computeImage.image ? o.computeImage.imagePort : null,
      volume: o.volume?.port ?? null,
      objectStore: o.objectStore ? PROXY_PORT : null,
    });
    if (o.identity) {
      const id = await startIdentity({ ...o.identity, bootstrap: { ...o.identity.bootstrap, services } }, o.dbSocket, log.line);
      identityPool = id.pool;
      served.push(await serve(id.definition, { host: o.host, port: o.identity.port, socketPath: join(o.runDir, 'identity.sock') }, log.line));
      ready.push(`identity (${o.identity.provider}) on ${o.host}:${o.identity.port} and ${join(o.runDir, 'identity.sock')}`);
    }

    // One auth middleware (keystonemiddleware) in front of every API this site serves, when configured.
    const auth = o.auth
      ? new AuthMiddleware({
          authUrl: o.auth.url,
          region: o.auth.region,
          interface: o.auth.iface,
          username: o.auth.user,
          password: o.auth.password,
          projectName: o.auth.project,
          cacheTimeSeconds: o.auth.cacheTime,
          revocationIntervalSeconds: o.auth.revocationInterval,
          exemptUnix: o.auth.exemptUnix,
          log: log.line,
        })
      : undefined;
    if (o.network) {
      const vtep = o.vtep!;
      pool = await openDatabase(o.dbSocket, 'neutron');
      const mtu = await waitForVtep(o.dev, vtep, 30_000, log.line);
      if (mtu !== o.underlayMtu) log.line(`warning: ${o.dev} has MTU ${mtu}, --underlay-mtu says ${o.underlayMtu}`);
      const network = new NetworkService(
        pool,
        { site: o.site, vtep, dev: o.dev, underlayMtu: o.underlayMtu, arpResponder: o.arpResponder, vniRange: o.vniRange, defaultProject: o.projectId },
        log.line,
      );
      const r = await network.start();
      log.line(`network: schema ready, kernel reconciled (${r.commands} commands)`);
      if (o.auth) log.line(`network: auth middleware on: service user ${o.auth.user} at ${o.auth.url}, validation by region ${o.auth.region} (${o.auth.iface}), cache ${o.auth.cacheTime} s`);
      served.push(await serve(networkApi(network, auth ? { auth } : {}), { host: o.host, port: o.port, socketPath: join(o.runDir, 'network.sock') }, log.line));
      ready.push(`network on ${o.host}:${o.port} and ${join(o.runDir, 'network.sock')}`);
    }
    if (swiftStart) {
      const swift = await swiftStart;
      ready.push(`object store (Swift) on 0.0.0.0:${PROXY_PORT}${swift.started.length ? ` (started in ${swift.ms.toFixed(0)} ms)` : ''}`);
    }
    const volume = o.volume
      ? await startVolume(o.volume, { site: o.site, runDir: o.runDir, host: o.host, dbSocket: o.dbSocket, projectId: o.projectId, backupTarget: swiftBackupTarget, ...(auth ? { middleware: auth.handler } : {}) }, log.line)
      : null;
    if (volume && o.volume) {
      served.push(volume);
      ready.push(`volume on ${o.host}:${o.volume.port} and ${join(o.runDir, 'volume.sock')}`);
    }
    if (o.computeImage.image) {
      // nova-compute and cinder-volume share the all-in-one node: compute calls the volume service in process.
      const ci = await startComputeAndImage(o.computeImage, { runDir: o.runDir, host: o.host, site: o.site, address: o.vtep ?? '127.0.0.1', projectId: o.projectId, dbSocket: o.dbSocket, ...(auth ? { middleware: auth.handler } : {}) }, log.line, volume?.service ?? null);
      served.push(...ci.served);
      ready.push(...ci.ready);
    }
    log.line(`services ready in ${(performance.now() - t0).toFixed(0)} ms: ${ready.join('; ') || 'nothing to serve'}`);
    // No Keystone here: this region and its APIs go into the central one's catalog.
    // As deployers of a central Keystone do (kolla-ansible's multi-region guide), the
    // region lists the central identity endpoint too: the client looks identity up by region.
    if (o.auth && !o.identity) await registerInCentralCatalog(o.auth, o.region, [{ type: 'identity', name: 'keystone', url: o.auth.url }, ...services], log.line);
  } catch (err) {
    log.line(`services failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`.replace(/\n\s*/g, ' | '));
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    await Promise.all(served.map((s) => s.close())).catch(() => undefined);
    await pool?.end().catch(() => undefined);
    await identityPool?.end().catch(() => undefined);
    rmSync(pidFile, { force: true });
    process.exit(1);
  }
}

/**
 * Retried until the central Keystone answers (it may still be starting, or
 * cut off by a fault at start-up); a site that cannot register keeps serving,
 * only its catalog entries are missing, and the log says so.
 */
async function registerInCentralCatalog(auth: NonNullable<Options['auth']>, region: string, services: readonly SiteService[], line: (s: string) => void): Promise<void> {
  // Loaded only here: the other sites' start-up does not pay for the client.
  const [{ IdentityClient }, { pollUntil }, { registerRegion }] = await Promise.all([import('../clients/identity.js'), import('../clients/unix-http.js'), import('./identity/register-region.js')]);
  try {
    const created = await pollUntil(
      `region ${region} registered at ${auth.url}`,
      async () => registerRegion(await new IdentityClient({ url: auth.url }).login(auth.user, auth.password, auth.project), region, services),
      60_000,
      500,
    );
    line(`catalog: region ${region} registered at ${auth.url}: ${created.join(', ') || 'already there'}`);
  } catch (err) {
    line(`catalog: region ${region} NOT registered: ${err instanceof Error ? err.message : String(err)}`);
  }
}

await main();
