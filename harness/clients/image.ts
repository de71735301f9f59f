// The harness's client of a site's image API (Glance v2 shapes) over
// <run-dir>/image.sock, zod-validated.
import { z } from 'zod';
import { ImageBdmSchema, type ImageBdm } from '../services/compute/types.js';
import { GlanceErrorSchema, ImageSchema, PATCH_CONTENT_TYPE, type Image, type ImageCreate, type PatchOp } from '../services/image/types.js';
import { parseJson, pollUntil, unixRequest } from './unix-http.js';

export type { Image, ImageCreate, PatchOp } from '../services/image/types.js';
export type { ImageBdm } from '../services/compute/types.js';

export class ImageClientError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(`${status}: ${message}`);
    this.name = 'ImageClientError';
    this.status = status;
  }
}

export class ImageClient {
  private readonly socketPath: string;
  private readonly timeoutMs: number;

  constructor(o: { socketPath: string; timeoutMs?: number }) {
    this.socketPath = o.socketPath;
    this.timeoutMs = o.timeoutMs ?? 10_000;
  }

  async createImage(req: ImageCreate): Promise<Image> {
    return this.call('POST', '/v2/images', ImageSchema, req, 201);
  }
  async listImages(filters: { name?: string; status?: string } = {}): Promise<Image[]> {
    const q = new URLSearchParams();
    if (filters.name !== undefined) q.set('name', filters.name);
    if (filters.status !== undefined) q.set('status', filters.status);
    const s = q.toString();
    return (await this.call('GET', `/v2/images${s ? `?${s}` : ''}`, z.object({ images: z.array(ImageSchema) }))).images;
  }
  async getImage(id: string): Promise<Image> {
    return this.call('GET', `/v2/images/${encodeURIComponent(id)}`, ImageSchema);
  }
  async deleteImage(id: string): Promise<void> {
    await this.call('DELETE', `/v2/images/${encodeURIComponent(id)}`, null, undefined, 204);
  }
  async patchImage(id: string, ops: readonly PatchOp[]): Promise<Image> {
    return this.call('PATCH', `/v2/images/${encodeURIComponent(id)}`, ImageSchema, ops, 200, PATCH_CONTENT_TYPE);
  }

  async waitForStatus(id: string, status: string, timeoutMs = 30_000): Promise<Image> {
    return pollUntil(`image ${id} status ${status}`, async () => {
      const i = await this.getImage(id);
      return i.status === status ? i : null;
    }, timeoutMs);
  }

  async waitReady(timeoutMs = 30_000): Promise<number> {
    const t0 = performance.now();
    await pollUntil('image API answering', async () => (await this.listImages(), true), timeoutMs, 50);
    return performance.now() - t0;
  }

  private async call(method: string, path: string, schema: null, body?: unknown, expect?: number, contentType?: string): Promise<null>;
  private async call<S extends z.ZodType>(method: string, path: string, schema: S, body?: unknown, expect?: number, contentType?: string): Promise<z.infer<S>>;
  private async call<S extends z.ZodType>(method: string, path: string, schema: S | null, body?: unknown, expect = 200, contentType?: string): Promise<z.infer<S> | null> {
    const r = await unixRequest(this.socketPath, { method, path, body, ...(contentType !== undefined ? { contentType } : {}) }, this.timeoutMs);
    if (r.status >= 400) {
      const e = GlanceErrorSchema.safeParse(parseJson(r.text));
      throw new ImageClientError(r.status, e.success ? e.data.message : r.text.slice(0, 500));
    }
    if (r.status !== expect) throw new Error(`${method} ${path}: status ${r.status}, expected ${expect}`);
    if (schema === null) return null;
    const p = schema.safeParse(parseJson(r.text));
    if (!p.success) throw new Error(`${method} ${path}: unexpected response shape: ${p.error.message}`);
    return p.data;
  }
}

/** The volume snapshots a server snapshot image names (Nova's bdm_v2 block_device_mapping property, a JSON string). */
export function imageBlockDeviceMapping(image: Image): ImageBdm[] {
  if (image['bdm_v2'] !== 'True' || typeof image['block_device_mapping'] !== 'string') return [];
  return z.array(ImageBdmSchema).parse(JSON.parse(image['block_device_mapping']));
}
