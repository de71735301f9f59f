// The catalog entries of the APIs a site's services process serves besides
// identity, as a deployer registers them (`openstack endpoint create`):
// names and URL shapes as in devstack, so the standard client finds each
// API by type in its region. Pure.
import type { SiteService } from './bootstrap.js';

/** The port of each API the process serves; null: not served here. */
export interface ServedApis {
  /** the address the site's APIs listen on for other sites (the controller's) */
  readonly address: string;
  readonly network: number | null;
  readonly compute: number | null;
  readonly image: number | null;
  readonly volume: number | null;
  readonly objectStore: number | null;
}

export function siteServices(a: ServedApis): SiteService[] {
  const at = (port: number, path = '') => `http://${a.address}:${port}${path}`;
  const out: SiteService[] = [];
  // neutron's endpoint is unversioned: the client discovers /v2.0 from GET /
  if (a.network !== null) out.push({ type: 'network', name: 'neutron', url: at(a.network) });
  if (a.compute !== null) out.push({ type: 'compute', name: 'nova', url: at(a.compute, '/v2.1') });
  if (a.image !== null) out.push({ type: 'image', name: 'glance', url: at(a.image) });
  // Cinder's v3 routes carry the project (the client fills the template in); keystoneauth
  // knows volumev3 as an alias of block-storage, so one entry serves both clients.
  if (a.volume !== null) out.push({ type: 'volumev3', name: 'cinderv3', url: at(a.volume, '/v3/%(project_id)s') });
  if (a.objectStore !== null) out.push({ type: 'object-store', name: 'swift', url: at(a.objectStore, '/v1/AUTH_%(project_id)s') });
  return out;
}
