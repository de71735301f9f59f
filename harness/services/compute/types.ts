// Nova v2.1 shapes for the subset compute serves, one definition for both
// sides: the service validates requests with the strict schemas, the
// client validates responses with the loose resource schemas.
import { z } from 'zod';

const Text = z.string().max(255);

export const BlockDeviceMappingSchema = z.object({
  boot_index: z.union([z.number().int(), z.string().regex(/^-?\d+$/).transform(Number), z.null()]).optional(),
  uuid: z.string().optional(),
  source_type: z.enum(['volume', 'snapshot', 'image', 'blank']).optional(),
  destination_type: z.enum(['volume', 'local']).optional(),
  device_name: z.string().optional(),
  delete_on_termination: z.boolean().optional(),
  volume_size: z.number().int().optional(),
});

export const ServerCreateSchema = z.object({
  server: z.object({
    name: Text.min(1),
    imageRef: z.string().optional(),
    flavorRef: z.string().optional(),
    block_device_mapping_v2: z.array(BlockDeviceMappingSchema).optional(),
    user_data: z.string().regex(/^[A-Za-z0-9+/=\s]*$/, { message: 'user_data must be base64' }).max(65_535).optional(),
    metadata: z.record(z.string().max(255), z.string().max(255)).optional(),
    networks: z.unknown().optional(),
  }),
});
export type ServerCreate = z.input<typeof ServerCreateSchema>['server'];

export const VolumeAttachmentCreateSchema = z.object({
  volumeAttachment: z.object({ volumeId: z.string().min(1), device: z.string().nullable().optional(), tag: z.string().optional() }),
});

export const ServerActionSchema = z.union([
  z.strictObject({ quiesce: z.null() }),
  z.strictObject({ unquiesce: z.null() }),
  z.strictObject({ createImage: z.object({ name: Text.min(1), metadata: z.record(z.string(), z.string()).optional() }) }),
]);
export type ServerAction = z.infer<typeof ServerActionSchema>;

// ---------------------------------------------------------------- resources

export const VM_STATES = ['building', 'active', 'quiesced', 'stopped', 'error', 'deleted'] as const;
export type VmState = (typeof VM_STATES)[number];
export const TASK_STATES = ['quiescing', 'unquiescing', 'image_snapshot', 'deleting'] as const;
export type TaskState = (typeof TASK_STATES)[number];

/** Nova's power_state numbers. */
export const POWER = { NOSTATE: 0, RUNNING: 1, PAUSED: 3, SHUTDOWN: 4 } as const;

export const AttachedVolumeSchema = z.object({ id: z.string(), delete_on_termination: z.boolean() });

export const ServerSchema = z.object({
  id: z.string(),
  name: z.string(),
  status: z.string(),
  tenant_id: z.string(),
  user_id: z.string(),
  metadata: z.record(z.string(), z.string()),
  hostId: z.string(),
  image: z.union([z.string(), z.object({ id: z.string() })]),
  flavor: z.object({}).loose(),
  created: z.string(),
  updated: z.string(),
  addresses: z.record(z.string(), z.unknown()),
  links: z.array(z.object({ href: z.string(), rel: z.string() })),
  'OS-EXT-STS:vm_state': z.string(),
  'OS-EXT-STS:task_state': z.string().nullable(),
  'OS-EXT-STS:power_state': z.number().int(),
  'OS-EXT-SRV-ATTR:host': z.string(),
  'OS-EXT-SRV-ATTR:instance_name': z.string(),
  'os-extended-volumes:volumes_attached': z.array(AttachedVolumeSchema),
  fault: z.object({ code: z.number(), message: z.string(), created: z.string() }).optional(),
}).loose();
export type Server = z.infer<typeof ServerSchema>;

export const VolumeAttachmentSchema = z.object({ id: z.string(), serverId: z.string(), volumeId: z.string(), device: z.string() }).loose();
export type VolumeAttachment = z.infer<typeof VolumeAttachmentSchema>;

export const NovaErrorSchema = z.record(z.string(), z.object({ code: z.number(), message: z.string() }));

/** A block_device_mapping entry of a snapshot image's properties, as Nova writes it (image properties are strings: the list is JSON). */
export const ImageBdmSchema = z.object({
  source_type: z.literal('snapshot'),
  destination_type: z.literal('volume'),
  snapshot_id: z.string(),
  boot_index: z.number().int().nullable(),
  device_name: z.string(),
  delete_on_termination: z.boolean(),
  volume_size: z.number().int(),
}).loose();
export type ImageBdm = z.infer<typeof ImageBdmSchema>;
