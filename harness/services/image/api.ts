// Glance v2 routes over the ImageService.
import { Router, type ServiceDefinition } from '../http.js';
import { glanceErrorBody, unsupportedMediaType } from './errors.js';
import type { ImageService } from './service.js';
import { PATCH_CONTENT_TYPE } from './types.js';

export const IMAGE_PORT = 9292;

export function imageApi(svc: ImageService): ServiceDefinition {
  const r = new Router();
  r.add('GET', '/', async (req) => {
    const host = req.headers.host ?? `localhost:${IMAGE_PORT}`;
    return { status: 300, body: { versions: [{ id: 'v2.9', status: 'CURRENT', links: [{ rel: 'self', href: `http://${host}/v2/` }] }] } };
  });
  r.add('GET', '/v2/images', async (req) => {
    const filters: { name?: string; status?: string } = {};
    const name = req.query.get('name');
    const status = req.query.get('status');
    if (name !== null) filters.name = name;
    if (status !== null) filters.status = status;
    return { status: 200, body: { images: await svc.listImages(filters), schema: '/v2/schemas/images', first: '/v2/images' } };
  });
  r.add('POST', '/v2/images', async (req) => {
    const image = await svc.createImage(req.body);
    return { status: 201, body: image, headers: { Location: `/v2/images/${image.id}` } };
  });
  r.add('GET', '/v2/images/{id}', async (req) => ({ status: 200, body: await svc.getImage(req.params['id']!) }));
  r.add('DELETE', '/v2/images/{id}', async (req) => {
    await svc.deleteImage(req.params['id']!);
    return { status: 204 };
  });
  r.add('PATCH', '/v2/images/{id}', async (req) => {
    const ct = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
    if (ct !== PATCH_CONTENT_TYPE) throw unsupportedMediaType(ct || '(none)');
    return { status: 200, body: await svc.patchImage(req.params['id']!, req.body) };
  });
  return { name: 'image', router: r, errorBody: (status, _type, message) => glanceErrorBody(status, message) };
}
