// Identity across sites, as the scenario's identity block says: which sites
// run a Keystone, where its database lives (local; one Galera cluster of
// the controllers; star mode; multi-cluster mode: only the identity
// database is replicated, every other service database stays local), and a
// shared Fernet key repository.
//
// Star and multi-cluster modes give a Keystone two database endpoints: it
// reads its own site's server (a read-only replica, or a member of a
// read-only follower cluster) and writes to a member of the master cluster
// over the WAN. So a revocation reaches those regions only by replication,
// which is what the revocation check then measures per region.
import { join } from 'node:path';
import { startGalera, type DbNodeSpec, type GaleraOptions } from '../db/galera.js';
import { planMultiCluster, startMultiCluster } from '../db/multi-cluster.js';
import { planStar, replicaLayout, startStar, type PlannedNode } from '../db/replica.js';
import { distribute, rotate, setup } from '../services/identity/keys.js';
import { IDENTITY_SCHEMA } from '../services/identity/store.js';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import type { IdentityActions } from '../faults/kind.js';
import type { Runtime } from '../runtime/runtime.js';
import type { IdentitySpec, Scenario } from '../scenario/schema.js';
import type { Deployment } from './deploy.js';
import type { NodePlan, Plan } from './plan.js';

export const IDENTITY_PORT = 5000;
const GALERA_PORT = 3307; // beside the site's own MariaDB, which keeps the other services' databases
const DB_USER = 'keystone';
const DB_PASSWORD = 'keystone-db';
/**
 * Made once, in the Galera seed (db/galera.ts; replicas and follower
 * clusters start from it too): the database, its account, and Keystone's
 * tables, as `keystone-manage db_sync` run once for the whole deployment.
 * Created at bring-up instead, each table is a DDL statement replicated in
 * total order across the WAN before the first Keystone can start; the
 * services still create any table missing (store.ts migrate).
 */
const SCHEMA = [
  'CREATE DATABASE IF NOT EXISTS keystone CHARACTER SET utf8mb4',
  `CREATE USER IF NOT EXISTS '${DB_USER}'@'%' IDENTIFIED BY '${DB_PASSWORD}'`,
  `GRANT ALL ON keystone.* TO '${DB_USER}'@'%'`,
  'USE keystone',
  ...IDENTITY_SCHEMA,
].join(';\n') + ';\n';

export function controllerOf(plan: Plan, site: string): NodePlan | undefined {
  return plan.sites.find((s) => s.name === site)?.nodes.find((n) => n.role === 'controller');
}

/** Does this site run a Keystone? */
export function runsKeystone(id: IdentitySpec, site: string): boolean {
  return id.placement === 'distributed' || id.site === site;
}

/** Where a Keystone reads and writes its database (--identity-db, --identity-db-write). */
export interface DbEndpoints {
  readonly read: string;
  /** null: writes go where reads do */
  readonly write: string | null;
}

export interface StarReplica {
  readonly site: string;
  /** 1, 2: its layout (port 3307 + slot) in the site's controller */
  readonly slot: number;
  readonly port: number;
  /** The master site whose member it follows. */
  readonly masterSite: string;
}

export interface ClusterFollow {
  /** The follower cluster (index into `clusters`, >= 1). */
  readonly cluster: number;
  /** Its member (site) that replicates... */
  readonly site: string;
  /** ...from this site of the first cluster. */
  readonly masterSite: string;
}

/** The identity database's layout, decided before anything runs. */
export interface IdentityDbPlan {
  readonly mode: IdentitySpec['database'];
  /** Galera clusters, as site lists; star: the master cluster; multi-cluster: the first takes the writes. */
  readonly clusters: readonly (readonly string[])[];
  readonly replicas: readonly StarReplica[];
  readonly follows: readonly ClusterFollow[];
  /** Per Keystone site; a site not listed uses its own MariaDB. */
  readonly endpoints: Readonly<Record<string, DbEndpoints>>;
}

const dbSpec = (host: string, port: number) => `${DB_USER}:${DB_PASSWORD}@${host}:${port}/keystone`;

/** Sites with a controller, in scenario order. */
function controllerSites(plan: Plan): string[] {
  return plan.sites.filter((x) => controllerOf(plan, x.name)).map((x) => x.name);
}

/**
 * Multi-cluster's default grouping: consecutive pairs of controller sites
 * (a last odd one on its own), the smallest clusters that still survive
 * the loss of a site's member for reads.
 */
export function defaultClusters(sites: readonly string[]): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < sites.length; i += 2) out.push(sites.slice(i, i + 2));
  return out;
}

/** Which server each Keystone reads and writes, which replica follows which master (pure). */
export function planIdentityDb(id: IdentitySpec, plan: Plan): IdentityDbPlan {
  const sites = controllerSites(plan);
  const address = (site: string) => controllerOf(plan, site)!.address;
  const local = dbSpec('127.0.0.1', GALERA_PORT);
  const none = { clusters: [], replicas: [], follows: [], endpoints: {} };
  switch (id.database) {
    case 'local':
      return { mode: 'local', ...none };
    case 'galera':
      return { mode: 'galera', ...none, clusters: [sites], endpoints: Object.fromEntries(sites.map((x) => [x, { read: local, write: null }])) };
    case 'star': {
      const masters = id.masters ?? sites.slice(0, 2);
      const slaves = sites.filter((x) => !masters.includes(x));
      const spec = (site: string): PlannedNode => ({ container: site, site });
      // Two replicas per slave site; with two master sites, one from each (planStar).
      const pairs = planStar({ masters: masters.map(spec), replicas: slaves.flatMap((x) => [spec(x), spec(x)]) });
      const replicas = pairs.map((p) => ({ site: p.replica.site, slot: p.slot, port: replicaLayout(p.slot).port, masterSite: masters[p.master]! }));
      const endpoints: Record<string, DbEndpoints> = Object.fromEntries(masters.map((x) => [x, { read: local, write: null }]));
      for (const r of replicas) if (r.slot === 1) endpoints[r.site] = { read: dbSpec('127.0.0.1', r.port), write: dbSpec(address(r.masterSite), GALERA_PORT) };
      return { mode: 'star', ...none, clusters: [masters], replicas, endpoints };
    }
    case 'multi-cluster': {
      const clusters = id.clusters ?? defaultClusters(sites);
      const follows = planMultiCluster(clusters.map((c) => c.length)).map((l) => ({ cluster: l.cluster, site: clusters[l.cluster]![l.member]!, masterSite: clusters[0]![l.master]! }));
      const endpoints: Record<string, DbEndpoints> = Object.fromEntries(clusters[0]!.map((x) => [x, { read: local, write: null }]));
      for (const f of follows) for (const x of clusters[f.cluster]!) endpoints[x] = { read: local, write: dbSpec(address(f.masterSite), GALERA_PORT) };
      return { mode: 'multi-cluster', ...none, clusters, follows, endpoints };
    }
  }
}

/** Site services options for identity in one site (pure). */
export function identityArgs(s: Scenario, site: string, plan: Plan): string[] {
  const id = s.identity;
  if (!id || !runsKeystone(id, site)) return ['--region', site, '--no-identity'];
  const db = planIdentityDb(id, plan).endpoints[site];
  return [
    '--region',
    site,
    '--token-provider',
    id.provider,
    ...(db ? ['--identity-db', db.read, ...(db.write ? ['--identity-db-write', db.write] : [])] : []),
  ];
}

/** The identity endpoint a region's services validate against: their own Keystone, or the central one. */
export function identityUrl(plan: Plan, id: IdentitySpec, region: string): string {
  const ctl = controllerOf(plan, runsKeystone(id, region) ? region : id.site)!;
  return `http://${ctl.address}:${IDENTITY_PORT}`;
}

const ms = (x: number | null | undefined) => (x == null ? null : Math.round(x));

/**
 * Starts the identity database the plan describes; returns what the
 * bring-up phase logs (per cluster and replica, its timings).
 */
export async function startIdentityDb(s: Scenario, d: Deployment, runtime: Runtime): Promise<Record<string, unknown>> {
  const id = s.identity;
  if (!id || id.database === 'local') return { mode: 'local' };
  const t0 = performance.now();
  const p = planIdentityDb(id, d.plan);
  const node = (site: string): DbNodeSpec => {
    const ctl = controllerOf(d.plan, site)!;
    // The controller's run dir (its /run/msh): the servers' sockets go there, for the host.
    return { container: d.containers.get(ctl.ref)!, address: ctl.address, site, runDir: join(d.stateDir, 'sites', site) };
  };
  const galera: GaleraOptions = { schema: SCHEMA, layout: { port: GALERA_PORT }, runId: d.plan.runId, clusterName: `msh-${d.plan.runId}-identity`, ...(id.wsrep ? { provider: id.wsrep } : {}) };
  const clusterDetail = (c: { nodes: readonly { site: string }[]; timings: { seeded: boolean; startMs: number; primaryMs: number | null } }) => ({
    sites: c.nodes.map((n) => n.site),
    seeded: c.timings.seeded,
    startMs: ms(c.timings.startMs),
    primaryMs: ms(c.timings.primaryMs),
  });
  const total = () => ({ totalMs: ms(performance.now() - t0) });
  switch (p.mode) {
    case 'star': {
      const star = await startStar(runtime, { masters: p.clusters[0]!.map(node), replicas: p.replicas.map((r) => node(r.site)) }, { galera, layout: replicaLayout });
      const replicas = star.replicas.map((r, k) => ({ ...p.replicas[k]!, runningMs: ms(r.timings.runningMs) }));
      return { mode: p.mode, nodes: star.cluster.nodes.length + replicas.length, clusters: [clusterDetail(star.cluster)], replicas, ...total() };
    }
    case 'multi-cluster': {
      const mc = await startMultiCluster(runtime, p.clusters.map((c) => c.map(node)), { galera });
      const follows = mc.links.map((l, k) => ({ ...p.follows[k]!, runningMs: ms(l.timings.runningMs) }));
      return { mode: p.mode, nodes: mc.clusters.reduce((n, c) => n + c.nodes.length, 0), clusters: mc.clusters.map(clusterDetail), follows, ...total() };
    }
    default: {
      const c = await startGalera(runtime, p.clusters[0]!.map(node), galera);
      return { mode: p.mode, nodes: c.nodes.length, clusters: [clusterDetail(c)], ...total() };
    }
  }
}

/** keystone-manage fernet_rotate in one region, then (done right) distribute to every other. */
export async function rotateFernetKeys(d: Deployment, site: string, toAll: boolean): ReturnType<IdentityActions['rotate']> {
  const repo = (x: string) => join(d.stateDir, 'sites', x, 'fernet-keys');
  const keys = async (x: string) => (await readdir(repo(x))).filter((k) => /^\d+$/.test(k)).sort((a, b) => Number(a) - Number(b));
  // The primary key is the highest index (key 0 is the staged one); named by a digest, the key itself stays out of the history.
  const primary = async (x: string) => createHash('sha256').update(await readFile(join(repo(x), String(Math.max(...(await keys(x)).map(Number)))))).digest('hex').slice(0, 16);
  const before = await keys(site);
  const primaryBefore = await primary(site);
  await rotate(repo(site));
  const others = toAll ? d.plan.sites.filter((x) => x.name !== site && controllerOf(d.plan, x.name)).map((x) => x.name) : [];
  for (const x of others) await distribute(repo(site), repo(x));
  const regions = Object.fromEntries(await Promise.all(others.map(async (x) => [x, await keys(x)] as const)));
  return { before, after: await keys(site), primaryBefore, primaryAfter: await primary(site), regions };
}

/**
 * Fernet across regions needs one key repository: the auth site's, set up
 * here (keystone-manage fernet_setup) unless it exists, copied to every
 * other Keystone. Done before the services start, so every Keystone finds
 * the shared repository at its first start and none ever holds keys of its
 * own; the regions can then start side by side.
 */
export async function shareFernetKeys(s: Scenario, d: Deployment): Promise<string[]> {
  const id = s.identity;
  if (!id || id.provider !== 'fernet' || id.placement !== 'distributed') return [];
  const repo = (site: string) => join(d.stateDir, 'sites', site, 'fernet-keys');
  await setup(repo(id.site));
  const others = d.plan.sites.filter((x) => x.name !== id.site && controllerOf(d.plan, x.name)).map((x) => x.name);
  await Promise.all(others.map((site) => distribute(repo(id.site), repo(site))));
  return others;
}
