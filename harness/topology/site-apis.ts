// Which API each site's services process serves for a scenario, and, with a
// centralized Keystone, waiting until every other region has registered its
// APIs in the central catalog (services/identity/register-region.ts).
import { join } from 'node:path';
import { IdentityClient } from '../clients/identity.js';
import { pollUntil } from '../clients/unix-http.js';
import { MshError } from '../scenario/errors.js';
import type { Scenario } from '../scenario/schema.js';
import type { Plan } from './plan.js';

/** Each site API the services process may serve, and the flag or block that turns it on. */
export const SITE_APIS = [
  { name: 'identity', port: 5000, path: '/v3', on: (s: Scenario, site: string) => s.identity !== undefined && (s.identity.placement === 'distributed' || s.identity.site === site) },
  { name: 'network', port: 9696, path: '/v2.0', on: (s: Scenario) => s.networks.length > 0 || s.identity !== undefined },
  { name: 'compute', port: 8774, path: '/v2.1', on: (s: Scenario, site: string) => s.dr !== undefined && [s.dr.primary, s.dr.backup].includes(site) },
  { name: 'volume', port: 8776, path: '/v3', on: (s: Scenario, site: string) => s.dr !== undefined && [s.dr.primary, s.dr.backup].includes(site) },
  { name: 'image', port: 9292, path: '/v2', on: (s: Scenario, site: string) => s.dr !== undefined && [s.dr.primary, s.dr.backup].includes(site) },
  { name: 'object-store', port: 8080, path: '/auth/v1.0', on: (s: Scenario, site: string) => s.dr !== undefined && s.dr.option !== 'replication' && s.dr.backup === site },
] as const;

/**
 * Centralized identity: each other region's services process registers its
 * region and APIs in the central Keystone once that answers. A deployed
 * cloud has them all: the openrc files `msh up` writes, and the catalog a
 * run's tokens carry (a PKI token's size), depend on it, so the bring-up
 * waits for it, read back from the catalog: the identity endpoint and every
 * API the region serves, each with its public endpoint.
 */
export async function waitForCentralCatalog(s: Scenario, plan: Plan, dir: string): Promise<void> {
  const id = s.identity;
  if (!id || id.placement !== 'centralized') return;
  const expected = plan.sites
    .filter((x) => x.name !== id.site && x.nodes.some((n) => n.role === 'controller'))
    // the central identity endpoint, then each API the site serves
    .map((x) => ({ region: x.name, apis: 1 + SITE_APIS.filter((a) => a.name !== 'identity' && a.on(s, x.name)).length }));
  const admin = await new IdentityClient({ socketPath: join(dir, 'sites', id.site, 'identity.sock') }).login('admin', 'admin', 'admin');
  const missing = async () => {
    for (const { region, apis } of expected) if ((await admin.listEndpoints({ region_id: region, interface: 'public' })).length < apis) return region;
    return null;
  };
  try {
    await pollUntil('every region in the central catalog', async () => ((await missing()) === null ? true : null), 60_000, 200);
  } catch {
    const region = await missing();
    if (region !== null) throw new MshError('RUNTIME', `region ${region} did not register its APIs in the central Keystone (${id.site}) within 60 s: see ${join(dir, 'sites', region, 'services.log')}`);
  }
}
