// The auth middleware in front of each site's network API, configured as a
// deployer would configure keystonemiddleware: the service user logs in at
// the one auth URL (the auth site's Keystone), and tokens are validated at
// the identity endpoint of `region_name`. It is on in every scenario with an
// identity service (every site API validates tokens, as in OpenStack); it
// logs in lazily, so a scenario that never calls a site API over TCP sends
// nothing more on the WAN.
import type { IdentitySpec, Scenario } from '../scenario/schema.js';
import { controllerOf, IDENTITY_PORT, runsKeystone } from './identity.js';
import type { Plan } from './plan.js';

/** Site APIs validate tokens wherever there is an identity service to validate them. */
export function middlewareOn(s: Scenario): boolean {
  return s.identity !== undefined;
}

/**
 * The region whose identity endpoint a site's middleware validates at
 * (keystonemiddleware's region_name). `local`: the site's own Keystone, or
 * the central one where the site has none (the catalog then lists no
 * identity endpoint for the site). `auth-site`: the auth URL's region, what
 * keystonemiddleware did before region_name (bug 1488347).
 */
export function middlewareRegion(id: IdentitySpec, site: string): string {
  return id.middlewareRegion === 'local' && runsKeystone(id, site) ? site : id.site;
}

/** The services process options for the middleware in one site (pure); none when it is off. */
export function authMiddlewareArgs(s: Scenario, site: string, plan: Plan): string[] {
  const id = s.identity;
  if (!id || !middlewareOn(s) || !controllerOf(plan, site)) return [];
  const auth = controllerOf(plan, id.site)!;
  return [
    '--auth-url',
    `http://${auth.address}:${IDENTITY_PORT}/v3`,
    '--auth-region',
    middlewareRegion(id, site),
    '--auth-cache-time',
    String(Math.round(id.middlewareCache / 1000)),
    // The harness's own calls on network.sock (overlays, stats) carry no token.
    '--auth-exempt-unix',
  ];
}
