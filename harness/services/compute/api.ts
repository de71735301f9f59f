// Nova v2.1 routes over the ComputeService.
import { Router, type RouteRequest, type ServiceDefinition } from '../http.js';
import { novaErrorBody } from './errors.js';
import type { ComputeService } from './service.js';
import { atLeast, microversion } from './view.js';

export const COMPUTE_PORT = 8774;
/** The newest microversion this emulation speaks of (createImage's body since 2.45). */
export const MAX_MICROVERSION: [number, number] = [2, 45];

function projectHeader(req: RouteRequest): string | undefined {
  const h = req.headers['x-project-id'] ?? req.headers['x-tenant-id'];
  return typeof h === 'string' ? h : undefined;
}

export interface ComputeApiOptions {
  /** Where the image API is, for createImage's Location header (e.g. http://198.18.1.2:9292). */
  readonly imageUrl: string;
}

export function computeApi(svc: ComputeService, opts: ComputeApiOptions): ServiceDefinition {
  const r = new Router();
  const ok = (body: unknown) => ({ status: 200, body });
  const version = { id: 'v2.1', status: 'CURRENT', version: MAX_MICROVERSION.join('.'), min_version: '2.1', updated: '2013-07-23T11:33:21Z' };

  r.add('GET', '/', async () => ok({ versions: [version] }));
  r.add('GET', '/v2.1', async () => ok({ version }));

  r.add('GET', '/v2.1/servers', async () => ok({ servers: (await svc.listServers()).map((s) => ({ id: s.id, name: s.name, links: s.links })) }));
  r.add('GET', '/v2.1/servers/detail', async () => ok({ servers: await svc.listServers() }));
  r.add('POST', '/v2.1/servers', async (req) => ({ status: 202, body: { server: await svc.createServer(req.body, projectHeader(req)) } }));
  r.add('GET', '/v2.1/servers/{id}', async (req) => ok({ server: await svc.getServer(req.params['id']!) }));
  r.add('DELETE', '/v2.1/servers/{id}', async (req) => {
    await svc.deleteServer(req.params['id']!);
    return { status: 204 };
  });

  r.add('POST', '/v2.1/servers/{id}/os-volume_attachments', async (req) => ok({ volumeAttachment: await svc.attachVolume(req.params['id']!, req.body) }));
  r.add('GET', '/v2.1/servers/{id}/os-volume_attachments', async (req) => ok({ volumeAttachments: await svc.listAttachments(req.params['id']!) }));
  r.add('DELETE', '/v2.1/servers/{id}/os-volume_attachments/{volumeId}', async (req) => {
    await svc.detachVolume(req.params['id']!, req.params['volumeId']!);
    return { status: 202 };
  });

  r.add('POST', '/v2.1/servers/{id}/action', async (req) => {
    const res = await svc.action(req.params['id']!, req.body);
    if (res.kind === 'done') return { status: 202 };
    const headers = { Location: `${opts.imageUrl}/v2/images/${res.imageId}` };
    // Before 2.45 Nova answered createImage with the Location header only.
    return atLeast(microversion(req.headers, MAX_MICROVERSION), 2, 45) ? { status: 202, body: { image_id: res.imageId }, headers } : { status: 202, headers };
  });

  return { name: 'compute', router: r, errorBody: (status, _type, message) => novaErrorBody(status, message) };
}
