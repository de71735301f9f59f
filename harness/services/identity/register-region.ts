// A site without a Keystone of its own (centralized identity) registers its
// region and the APIs it serves in the central Keystone, as a deployer does
// with `openstack region create` and `openstack endpoint create`: without
// it the central catalog lists only the auth site's region, and the standard
// client in this region finds no network (or compute, volume...) endpoint.
// Through the admin REST API, with the credentials the site's auth
// middleware already has, once the central Keystone answers (it serves only
// after its own bootstrap, so its services exist by then).
import type { IdentityClient } from '../../clients/identity.js';
import type { SiteService } from './bootstrap.js';

const INTERFACES = ['admin', 'internal', 'public'] as const;

/**
 * Idempotent: an endpoint already at its URL is kept, one at another URL
 * (the site re-addressed) is replaced. Returns what it created.
 *
 * Two sites may register a type the central site does not serve at the
 * same moment and both create the service; both then keep the first one
 * listed (Keystone lists services in creation order) and the other deletes
 * its own, before either adds an endpoint to it.
 */
export async function registerRegion(admin: IdentityClient, region: string, services: readonly SiteService[]): Promise<string[]> {
  const created: string[] = [];
  if (!(await admin.listRegions()).some((r) => r.id === region)) {
    await admin.createRegion({ id: region });
    created.push(`region ${region}`);
  }
  for (const s of services) {
    let service = (await admin.listServices({ type: s.type }))[0];
    if (!service) {
      const mine = await admin.createService({ type: s.type, name: s.name });
      service = (await admin.listServices({ type: s.type }))[0]!;
      if (service.id === mine.id) created.push(`service ${s.name}`);
      else await admin.deleteService(mine.id);
    }
    for (const iface of INTERFACES) {
      const existing = await admin.listEndpoints({ service_id: service.id, region_id: region, interface: iface });
      if (existing.some((e) => e.url === s.url)) continue;
      for (const e of existing) await admin.deleteEndpoint(e.id);
      await admin.createEndpoint({ interface: iface, service_id: service.id, url: s.url, region_id: region });
      created.push(`endpoint ${s.type} ${iface} ${region}`);
    }
  }
  return created;
}
