// Identity across sites, as the scenario's identity block says: which sites
// run a Keystone, where its database lives (local, or one Galera cluster of
// the controllers: only the identity database is replicated, every other
// service database stays local), and a shared Fernet key repository.
import { join } from 'node:path';
import { startGalera, type GaleraCluster } from '../services/db/galera.js';
import { distribute, rotate } from '../services/identity/keys.js';
import { readdir } from 'node:fs/promises';
import type { Runtime } from '../runtime/runtime.js';
import type { IdentitySpec, Scenario } from '../scenario/schema.js';
import type { Deployment } from './deploy.js';
import type { NodePlan, Plan } from './plan.js';

export const IDENTITY_PORT = 5000;
const GALERA_PORT = 3307; // beside the site's own MariaDB, which keeps the other services' databases
const DB_USER = 'keystone';
const DB_PASSWORD = 'keystone-db';
const SCHEMA = `CREATE DATABASE IF NOT EXISTS keystone;
CREATE USER IF NOT EXISTS '${DB_USER}'@'%' IDENTIFIED BY '${DB_PASSWORD}';
GRANT ALL ON keystone.* TO '${DB_USER}'@'%';`;

export function controllerOf(plan: Plan, site: string): NodePlan | undefined {
  return plan.sites.find((s) => s.name === site)?.nodes.find((n) => n.role === 'controller');
}

/** Does this site run a Keystone? */
export function runsKeystone(id: IdentitySpec, site: string): boolean {
  return id.placement === 'distributed' || id.site === site;
}

/** Site services options for identity in one site (pure). */
export function identityArgs(s: Scenario, site: string): string[] {
  const id = s.identity;
  if (!id || !runsKeystone(id, site)) return ['--region', site, '--no-identity'];
  return [
    '--region',
    site,
    '--token-provider',
    id.provider,
    ...(id.database === 'galera' ? ['--identity-db', `${DB_USER}:${DB_PASSWORD}@127.0.0.1:${GALERA_PORT}/keystone`] : []),
  ];
}

/** The identity endpoint a region's services validate against: their own Keystone, or the central one. */
export function identityUrl(plan: Plan, id: IdentitySpec, region: string): string {
  const ctl = controllerOf(plan, runsKeystone(id, region) ? region : id.site)!;
  return `http://${ctl.address}:${IDENTITY_PORT}`;
}

export async function startIdentityDb(s: Scenario, d: Deployment, runtime: Runtime): Promise<GaleraCluster | undefined> {
  if (s.identity?.database !== 'galera') return undefined;
  const nodes = d.plan.sites.flatMap((site) => {
    const ctl = controllerOf(d.plan, site.name);
    return ctl ? [{ container: d.containers.get(ctl.ref)!, address: ctl.address, site: site.name }] : [];
  });
  return startGalera(runtime, nodes, { schema: SCHEMA, layout: { port: GALERA_PORT }, runId: d.plan.runId, clusterName: `msh-${d.plan.runId}-identity` });
}

/** keystone-manage fernet_rotate in one region, then (done right) distribute to every other. */
export async function rotateFernetKeys(d: Deployment, site: string, toAll: boolean): Promise<Record<string, unknown>> {
  const repo = (x: string) => join(d.stateDir, 'sites', x, 'fernet-keys');
  await rotate(repo(site));
  const others = toAll ? d.plan.sites.filter((x) => x.name !== site && controllerOf(d.plan, x.name)).map((x) => x.name) : [];
  for (const x of others) await distribute(repo(site), repo(x));
  return { site, distributedTo: others, keys: (await readdir(repo(site))).sort() };
}

/** Fernet across regions needs one key repository: copy the auth site's to every other Keystone. */
export async function shareFernetKeys(s: Scenario, d: Deployment): Promise<string[]> {
  const id = s.identity;
  if (!id || id.provider !== 'fernet' || id.placement !== 'distributed') return [];
  const repo = (site: string) => join(d.stateDir, 'sites', site, 'fernet-keys');
  const others = d.plan.sites.filter((x) => x.name !== id.site && controllerOf(d.plan, x.name)).map((x) => x.name);
  for (const site of others) await distribute(repo(id.site), repo(site));
  return others;
}
