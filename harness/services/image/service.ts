// The image service: Glance v2 images in the site's `glance` database.
// There is no image data (nothing boots from an image here: servers boot
// from volumes), so an image made through the API stays `queued`; the
// snapshot images compute makes for volume-backed servers are `active`
// with size 0, as Nova leaves them (the data is in the volume snapshots
// their block_device_mapping names).
import { randomUUID } from 'node:crypto';
import type mysql from 'mysql2/promise';
import { badRequest, conflict, forbidden, GlanceError, imageNotFound } from './errors.js';
import { applyPatch } from './patch.js';
import * as db from './store.js';
import { CORE, ImageCreateSchema, PatchOpSchema, READ_ONLY, type Image, type ImageCreate } from './types.js';

const stamp = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

/** What compute's createImage needs, in process. */
export interface ImageBackend {
  createImage(req: ImageCreate, opts?: { status?: 'active' | 'queued'; size?: number; owner?: string }): Promise<Image>;
  deleteImage(id: string): Promise<void>;
}

export function imageView(r: db.ImageRow): Image {
  return {
    ...r.properties,
    id: r.id,
    name: r.name,
    status: r.status,
    visibility: r.visibility,
    protected: r.protected,
    os_hidden: r.osHidden,
    owner: r.owner,
    size: r.size,
    virtual_size: null,
    checksum: null,
    os_hash_algo: null,
    os_hash_value: null,
    min_disk: r.minDisk,
    min_ram: r.minRam,
    disk_format: r.diskFormat,
    container_format: r.containerFormat,
    tags: r.tags,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    self: `/v2/images/${r.id}`,
    file: `/v2/images/${r.id}/file`,
    schema: '/v2/schemas/image',
  };
}

export class ImageService implements ImageBackend {
  private readonly pool: mysql.Pool;
  private readonly defaultOwner: string;

  constructor(pool: mysql.Pool, defaultOwner: string) {
    this.pool = pool;
    this.defaultOwner = defaultOwner;
  }

  async start(): Promise<void> {
    await db.createSchema(this.pool);
  }

  async createImage(body: unknown, opts: { status?: 'active' | 'queued'; size?: number; owner?: string } = {}): Promise<Image> {
    if (typeof body === 'object' && body !== null) {
      const ro = Object.keys(body).find((k) => k !== 'id' && (READ_ONLY as readonly string[]).includes(k));
      if (ro) throw forbidden(`Attribute '${ro}' is read-only.`);
    }
    const parsed = ImageCreateSchema.safeParse(body ?? {});
    if (!parsed.success) throw badRequest(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    const req = parsed.data;
    const id = req.id ?? randomUUID();
    if (await db.getImage(this.pool, id)) throw conflict(`Image with identifier ${id} already exists!`);
    const properties: Record<string, string> = {};
    for (const [k, v] of Object.entries(req)) if (k !== 'id' && !(CORE as readonly string[]).includes(k)) properties[k] = v as string;
    const now = stamp();
    const row: db.ImageRow = {
      id,
      name: req.name ?? null,
      status: opts.status ?? 'queued',
      visibility: req.visibility ?? 'shared',
      protected: req.protected ?? false,
      osHidden: req.os_hidden ?? false,
      owner: opts.owner ?? this.defaultOwner,
      size: opts.size ?? null,
      minDisk: req.min_disk ?? 0,
      minRam: req.min_ram ?? 0,
      diskFormat: req.disk_format ?? null,
      containerFormat: req.container_format ?? null,
      tags: req.tags ?? [],
      properties,
      createdAt: now,
      updatedAt: now,
    };
    await db.insertImage(this.pool, row);
    return imageView(row);
  }

  /** Filters: name and status (exact), as Glance's list takes them. */
  async listImages(filters: { name?: string; status?: string } = {}): Promise<Image[]> {
    const rows = await db.listImages(this.pool);
    return rows.filter((r) => (filters.name === undefined || r.name === filters.name) && (filters.status === undefined || r.status === filters.status)).map(imageView);
  }

  async getImage(id: string): Promise<Image> {
    const r = await db.getImage(this.pool, id);
    if (!r) throw imageNotFound(id);
    return imageView(r);
  }

  async deleteImage(id: string): Promise<void> {
    const r = await db.getImage(this.pool, id);
    if (!r) throw imageNotFound(id);
    if (r.protected) throw forbidden(`Image ${id} is protected and cannot be deleted.`);
    await db.deleteImage(this.pool, id);
  }

  async patchImage(id: string, body: unknown): Promise<Image> {
    const ops = PatchOpSchema.safeParse(body);
    if (!ops.success) throw badRequest(`Invalid JSON patch: ${ops.error.issues[0]?.message ?? 'invalid'}`);
    const r = await db.getImage(this.pool, id);
    if (!r) throw imageNotFound(id);
    const res = applyPatch(r, ops.data, stamp());
    if ('status' in res) throw new GlanceError(res.status, res.message);
    await db.replaceImage(this.pool, res.image);
    return imageView(res.image);
  }
}
