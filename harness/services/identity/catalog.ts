// The v3 service catalog: every enabled service with its enabled endpoints in
// every region (Keystone's SQL catalog without endpoint filtering), in the
// key order Keystone prints. Pure.
import type { CatalogEntry } from './model.js';
import type { EndpointRow, ServiceRow } from './store.js';

export function buildCatalog(rows: readonly { service: ServiceRow; endpoint: EndpointRow | null }[]): CatalogEntry[] {
  const out = new Map<string, { endpoints: CatalogEntry['endpoints'][number][]; id: string; type: string; name: string }>();
  for (const { service, endpoint } of rows) {
    let entry = out.get(service.id);
    if (!entry) {
      entry = { endpoints: [], id: service.id, type: service.type, name: service.name };
      out.set(service.id, entry);
    }
    if (endpoint) {
      const region = endpoint.region_id ?? '';
      entry.endpoints.push({ id: endpoint.id, interface: endpoint.interface, region_id: region, url: endpoint.url, region });
    }
  }
  return [...out.values()].filter((e) => e.endpoints.length > 0);
}

/** The URL of `type`'s endpoint with this interface in this region, as keystoneauth's endpoint discovery picks it. */
export function endpointFor(catalog: readonly CatalogEntry[], type: string, region: string, iface: string): string | null {
  for (const svc of catalog) {
    if (svc.type !== type) continue;
    const ep = svc.endpoints.find((e) => e.region_id === region && e.interface === iface);
    if (ep) return ep.url;
  }
  return null;
}

/** The regions a catalog reaches. */
export function catalogRegions(catalog: readonly CatalogEntry[]): string[] {
  return [...new Set(catalog.flatMap((s) => s.endpoints.map((e) => e.region_id)))].sort();
}
