// Neutron v2.0 routes over the NetworkService.
import { Router, type RouteRequest, type ServiceDefinition } from '../http.js';
import type { AuthMiddleware } from '../identity/middleware.js';
import { neutronErrorBody } from './errors.js';
import { filterResources, project } from './query.js';
import type { NetworkService } from './service.js';
import { NetworkSchema, PortSchema, SubnetSchema } from './types.js';

export const NETWORK_PORT = 9696;

const NETWORK_ATTRS = Object.keys(NetworkSchema.shape);
const SUBNET_ATTRS = Object.keys(SubnetSchema.shape);
const PORT_ATTRS = Object.keys(PortSchema.shape);

/** Extensions this emulation implements (aliases as Neutron names them, plus the VTEP attribute). */
const EXTENSIONS = [
  { alias: 'binding', name: 'Port Binding', description: 'Expose port bindings of a virtual port to external application' },
  { alias: 'provider', name: 'Provider Network', description: 'Expose mapping of virtual networks to physical networks' },
  { alias: 'net-mtu', name: 'Network MTU', description: 'Provides MTU attribute for a network resource.' },
  { alias: 'binding-vtep', name: 'Port VTEP', description: "binding:vtep_ip: the tunnel endpoint of a port; a remote port's is its binding:profile tunnel_ip." },
].map((e) => ({ ...e, updated: '2016-01-01T00:00:00-00:00', links: [] }));

function projectHeader(req: RouteRequest): string | undefined {
  const h = req.headers['x-project-id'] ?? req.headers['x-tenant-id'];
  return typeof h === 'string' ? h : undefined;
}

export interface NetworkApiOptions {
  /** keystonemiddleware in front of every route (off unless configured); its counters at GET /msh/auth-stats (unix socket only). */
  readonly auth?: AuthMiddleware;
}

export function networkApi(svc: NetworkService, opts: NetworkApiOptions = {}): ServiceDefinition {
  const r = new Router();
  const ok = (body: unknown) => ({ status: 200, body });

  r.add('GET', '/', async (req) => {
    const host = req.headers.host ?? `localhost:${NETWORK_PORT}`;
    return ok({ versions: [{ id: 'v2.0', status: 'CURRENT', links: [{ href: `http://${host}/v2.0/`, rel: 'self' }] }] });
  });
  r.add('GET', '/v2.0', async () =>
    ok({ resources: ['network', 'subnet', 'port'].map((n) => ({ name: n, collection: `${n}s`, links: [{ href: `/v2.0/${n}s`, rel: 'self' }] })) }),
  );
  r.add('GET', '/v2.0/extensions', async () => ok({ extensions: EXTENSIONS }));

  r.add('GET', '/v2.0/networks', async (req) => ok({ networks: filterResources(await svc.listNetworks(), req.query, NETWORK_ATTRS).map((n) => project(n, req.query)) }));
  r.add('POST', '/v2.0/networks', async (req) => ({ status: 201, body: { network: await svc.createNetwork(req.body, projectHeader(req)) } }));
  r.add('GET', '/v2.0/networks/{id}', async (req) => ok({ network: project(await svc.getNetwork(req.params['id']!), req.query) }));
  r.add('DELETE', '/v2.0/networks/{id}', async (req) => {
    await svc.deleteNetwork(req.params['id']!);
    return { status: 204 };
  });

  r.add('GET', '/v2.0/subnets', async (req) => ok({ subnets: filterResources(await svc.listSubnets(), req.query, SUBNET_ATTRS).map((s) => project(s, req.query)) }));
  r.add('POST', '/v2.0/subnets', async (req) => ({ status: 201, body: { subnet: await svc.createSubnet(req.body, projectHeader(req)) } }));
  r.add('GET', '/v2.0/subnets/{id}', async (req) => ok({ subnet: project(await svc.getSubnet(req.params['id']!), req.query) }));
  r.add('DELETE', '/v2.0/subnets/{id}', async (req) => {
    await svc.deleteSubnet(req.params['id']!);
    return { status: 204 };
  });

  r.add('GET', '/v2.0/ports', async (req) => ok({ ports: filterResources(await svc.listPorts(), req.query, PORT_ATTRS).map((p) => project(p, req.query)) }));
  r.add('POST', '/v2.0/ports', async (req) => ({ status: 201, body: { port: await svc.createPort(req.body, projectHeader(req)) } }));
  r.add('GET', '/v2.0/ports/{id}', async (req) => ok({ port: project(await svc.getPort(req.params['id']!), req.query) }));
  r.add('PUT', '/v2.0/ports/{id}', async (req) => ok({ port: await svc.updatePort(req.params['id']!, req.body) }));
  r.add('DELETE', '/v2.0/ports/{id}', async (req) => {
    await svc.deletePort(req.params['id']!);
    return { status: 204 };
  });

  const auth = opts.auth;
  if (auth) {
    r.add('GET', '/msh/auth-stats', async (req) =>
      req.transport === 'unix' ? ok(auth.stats()) : { status: 404, body: neutronErrorBody('HTTPNotFound', 'The resource could not be found.') },
    );
  }

  return { name: 'network', router: r, errorBody: (_status, type, message) => neutronErrorBody(type, message), ...(auth ? { middleware: auth.handler } : {}) };
}
