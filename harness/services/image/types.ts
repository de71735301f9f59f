// Glance v2 shapes for the subset the image API serves. Additional
// properties sit at the top level of an image, as strings (Glance's schema
// types them so); Nova's snapshot references live there.
import { z } from 'zod';

/** Attributes Glance owns: a create or a patch may not set them. */
export const READ_ONLY = ['id', 'status', 'created_at', 'updated_at', 'size', 'virtual_size', 'checksum', 'os_hash_algo', 'os_hash_value', 'self', 'file', 'schema', 'owner', 'direct_url', 'locations'] as const;
/** Attributes with their own column and type. */
export const CORE = ['name', 'visibility', 'protected', 'min_disk', 'min_ram', 'disk_format', 'container_format', 'tags', 'os_hidden'] as const;

const Visibility = z.enum(['public', 'private', 'shared', 'community']);
const DiskFormat = z.enum(['ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso', 'ploop']);
const ContainerFormat = z.enum(['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed']);

export const CoreSchemas = {
  name: z.string().max(255).nullable(),
  visibility: Visibility,
  protected: z.boolean(),
  min_disk: z.number().int().min(0),
  min_ram: z.number().int().min(0),
  disk_format: DiskFormat.nullable(),
  container_format: ContainerFormat.nullable(),
  tags: z.array(z.string().max(255)),
  os_hidden: z.boolean(),
} as const;

export const PropertyValue = z.string().max(65_535);

export const ImageCreateSchema = z
  .object({
    id: z.string().regex(/^[0-9a-f-]{36}$/).optional(),
    name: CoreSchemas.name.optional(),
    visibility: Visibility.optional(),
    protected: z.boolean().optional(),
    min_disk: CoreSchemas.min_disk.optional(),
    min_ram: CoreSchemas.min_ram.optional(),
    disk_format: CoreSchemas.disk_format.optional(),
    container_format: CoreSchemas.container_format.optional(),
    tags: CoreSchemas.tags.optional(),
    os_hidden: z.boolean().optional(),
  })
  .catchall(PropertyValue);
export type ImageCreate = z.input<typeof ImageCreateSchema>;

export const PatchOpSchema = z.array(
  z.object({ op: z.enum(['add', 'replace', 'remove']), path: z.string().regex(/^\/[^/]+$/, { message: 'path must be /<attribute>' }), value: z.unknown().optional() }),
);
export type PatchOp = z.infer<typeof PatchOpSchema>[number];

export const PATCH_CONTENT_TYPE = 'application/openstack-images-v2.1-json-patch';

export const ImageSchema = z
  .object({
    id: z.string(),
    name: z.string().nullable(),
    status: z.string(),
    visibility: z.string(),
    protected: z.boolean(),
    owner: z.string().nullable(),
    size: z.number().nullable(),
    min_disk: z.number(),
    min_ram: z.number(),
    disk_format: z.string().nullable(),
    container_format: z.string().nullable(),
    tags: z.array(z.string()),
    created_at: z.string(),
    updated_at: z.string(),
    self: z.string(),
  })
  .catchall(z.unknown());
export type Image = z.infer<typeof ImageSchema>;

export const GlanceErrorSchema = z.object({ code: z.string(), title: z.string(), message: z.string() });
