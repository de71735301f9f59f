// Cinder v3 shapes, one definition for both sides: the service validates
// request bodies with the request schemas (unknown fields are ignored, as
// Cinder's own schemas mostly allow), the client validates responses with
// the (loose) resource schemas.
import { z } from 'zod';

const Name = z.string().max(255);
const Meta = z.record(z.string().max(255), z.string().max(255));
/** Cinder accepts booleans as JSON booleans or their string forms ("true", "False", ...). */
const Bool = z.union([z.boolean(), z.enum(['true', 'false', 'True', 'False', '1', '0']).transform((s) => s === 'true' || s === 'True' || s === '1')]);

// ----------------------------------------------------------------- requests

export const VolumeCreateSchema = z.looseObject({
  size: z.number().int().min(1).optional(),
  name: Name.nullable().optional(),
  description: Name.nullable().optional(),
  metadata: Meta.optional(),
  snapshot_id: z.string().nullable().optional(),
  volume_type: z.string().nullable().optional(),
  group_id: z.string().nullable().optional(),
  availability_zone: z.string().nullable().optional(),
});
export type VolumeCreate = z.input<typeof VolumeCreateSchema>;

export const VolumeTypeCreateSchema = z.looseObject({
  name: Name.min(1),
  description: Name.nullable().optional(),
  extra_specs: Meta.optional(),
  'os-volume-type-access:is_public': Bool.optional(),
});
export type VolumeTypeCreate = z.input<typeof VolumeTypeCreateSchema>;

export const GroupTypeCreateSchema = z.looseObject({
  name: Name.min(1),
  description: Name.nullable().optional(),
  group_specs: Meta.optional(),
  is_public: Bool.optional(),
});
export type GroupTypeCreate = z.input<typeof GroupTypeCreateSchema>;

export const GroupCreateSchema = z.looseObject({
  name: Name.nullable().optional(),
  description: Name.nullable().optional(),
  group_type: z.string().min(1),
  volume_types: z.array(z.string().min(1)).min(1),
  availability_zone: z.string().nullable().optional(),
});
export type GroupCreate = z.input<typeof GroupCreateSchema>;

/** add_volumes / remove_volumes are comma-separated id lists in Cinder. */
export const GroupUpdateSchema = z.looseObject({
  name: Name.nullable().optional(),
  description: Name.nullable().optional(),
  add_volumes: z.string().nullable().optional(),
  remove_volumes: z.string().nullable().optional(),
});
export type GroupUpdate = z.input<typeof GroupUpdateSchema>;

export const GroupSnapshotCreateSchema = z.looseObject({
  group_id: z.string().min(1),
  name: Name.nullable().optional(),
  description: Name.nullable().optional(),
});
export type GroupSnapshotCreate = z.input<typeof GroupSnapshotCreateSchema>;

export const SnapshotCreateSchema = z.looseObject({
  volume_id: z.string().min(1),
  force: Bool.optional(),
  name: Name.nullable().optional(),
  description: Name.nullable().optional(),
  metadata: Meta.optional(),
});
export type SnapshotCreate = z.input<typeof SnapshotCreateSchema>;

export const BackupCreateSchema = z.looseObject({
  volume_id: z.string().min(1),
  snapshot_id: z.string().nullable().optional(),
  incremental: Bool.optional(),
  force: Bool.optional(),
  container: z.string().min(1).max(255).nullable().optional(),
  name: Name.nullable().optional(),
  description: Name.nullable().optional(),
});
export type BackupCreate = z.input<typeof BackupCreateSchema>;

export const RestoreSchema = z.looseObject({
  volume_id: z.string().nullable().optional(),
  name: Name.nullable().optional(),
});
export type Restore = z.input<typeof RestoreSchema>;

export const BackupRecordBodySchema = z.looseObject({ backup_service: z.string().min(1), backup_url: z.string().min(1) });
export type BackupRecordBody = z.infer<typeof BackupRecordBodySchema>;

export const ManageSchema = z.looseObject({
  host: z.string().min(1),
  ref: z.looseObject({ 'source-name': z.string().min(1) }),
  name: Name.nullable().optional(),
  description: Name.nullable().optional(),
  volume_type: z.string().nullable().optional(),
  bootable: Bool.optional(),
  metadata: Meta.optional(),
});
export type Manage = z.input<typeof ManageSchema>;

export const FailoverSchema = z.looseObject({ host: z.string().min(1), backend_id: z.string().nullable().optional() });
export type Failover = z.input<typeof FailoverSchema>;

export const SetBootableSchema = z.looseObject({ bootable: Bool });
export const ExtraSpecsSchema = Meta;

export const AttachSchema = z.looseObject({ instance_uuid: z.string().min(1), mountpoint: z.string().optional() });
export const DetachSchema = z.looseObject({ attachment_id: z.string().optional() });

/**
 * The replicator's private shipment (not Cinder's API): changed extents of
 * one volume, base64. A pass may take several requests; the target stages
 * them and applies the pass only with its last request (replicated_at set),
 * so the replica always holds a whole shipped state.
 */
export const ReplicaShipmentSchema = z.strictObject({
  /** The pass this request belongs to: a new pass id drops a pass left unfinished. */
  pass: z.string().min(1),
  /** The source's first pass for this volume since it started: zero-fill the replica, then apply (it ships no zero blocks). */
  reset: z.boolean(),
  name: z.string(),
  size: z.number().int().min(1),
  bytes: z.number().int().min(0),
  volume_type: z.string().nullable(),
  bootable: z.boolean(),
  source_host: z.string(),
  extents: z.array(z.strictObject({ offset: z.number().int().min(0), data: z.string() })),
  /** Set on the last request of a pass: the state it completes was read at this time. */
  replicated_at: z.string().nullable(),
});
export type ReplicaShipment = z.infer<typeof ReplicaShipmentSchema>;

// ---------------------------------------------------------------- resources

export const AttachmentSchema = z.looseObject({
  id: z.string(),
  attachment_id: z.string(),
  volume_id: z.string(),
  server_id: z.string(),
  host_name: z.string().nullable(),
  device: z.string().nullable(),
  attached_at: z.string(),
});
export type Attachment = z.infer<typeof AttachmentSchema>;

export const VolumeSchema = z.looseObject({
  id: z.string(),
  name: z.string().nullable(),
  description: z.string().nullable(),
  status: z.string(),
  size: z.number(),
  availability_zone: z.string(),
  bootable: z.enum(['true', 'false']),
  encrypted: z.boolean(),
  multiattach: z.boolean(),
  metadata: z.record(z.string(), z.string()),
  attachments: z.array(AttachmentSchema),
  volume_type: z.string().nullable(),
  snapshot_id: z.string().nullable(),
  source_volid: z.string().nullable(),
  replication_status: z.string(),
  'os-vol-host-attr:host': z.string().nullable(),
  'os-vol-tenant-attr:tenant_id': z.string(),
  created_at: z.string(),
  updated_at: z.string().nullable(),
  group_id: z.string().nullable().optional(),
  /** Extensions of this emulation (not Cinder's). */
  'msh:admin_metadata': z.record(z.string(), z.string()),
  'msh:replicated_at': z.string().nullable().optional(),
  'msh:replication_lag_ms': z.number().nullable().optional(),
  'msh:replica_of': z.string().nullable().optional(),
  'msh:replication_stats': z.object({ passes: z.number(), blocks: z.number(), bytes: z.number(), last_blocks: z.number(), last_bytes: z.number(), last_ms: z.number() }).nullable().optional(),
});
export type Volume = z.infer<typeof VolumeSchema>;

export const SnapshotSchema = z.looseObject({
  id: z.string(),
  name: z.string().nullable(),
  description: z.string().nullable(),
  status: z.string(),
  size: z.number(),
  volume_id: z.string(),
  metadata: z.record(z.string(), z.string()),
  created_at: z.string(),
  updated_at: z.string().nullable(),
  group_snapshot_id: z.string().nullable().optional(),
  'msh:copy_ms': z.number().optional(),
});
export type Snapshot = z.infer<typeof SnapshotSchema>;

export const VolumeTypeSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  is_public: z.boolean(),
  extra_specs: z.record(z.string(), z.string()),
});
export type VolumeType = z.infer<typeof VolumeTypeSchema>;

export const GroupTypeSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  is_public: z.boolean(),
  group_specs: z.record(z.string(), z.string()),
});
export type GroupType = z.infer<typeof GroupTypeSchema>;

export const GroupSchema = z.looseObject({
  id: z.string(),
  name: z.string().nullable(),
  description: z.string().nullable(),
  status: z.string(),
  group_type: z.string(),
  volume_types: z.array(z.string()),
  availability_zone: z.string(),
  created_at: z.string(),
  volumes: z.array(z.string()).optional(),
});
export type Group = z.infer<typeof GroupSchema>;

export const GroupSnapshotSchema = z.looseObject({
  id: z.string(),
  name: z.string().nullable(),
  description: z.string().nullable(),
  status: z.string(),
  group_id: z.string(),
  group_type_id: z.string(),
  created_at: z.string(),
  'msh:snapshot_ids': z.array(z.string()).optional(),
  'msh:lock_ms': z.number().optional(),
});
export type GroupSnapshot = z.infer<typeof GroupSnapshotSchema>;

export const BackupSchema = z.looseObject({
  id: z.string(),
  name: z.string().nullable(),
  description: z.string().nullable(),
  status: z.string(),
  volume_id: z.string(),
  snapshot_id: z.string().nullable(),
  size: z.number(),
  container: z.string().nullable(),
  availability_zone: z.string().nullable(),
  object_count: z.number(),
  is_incremental: z.boolean(),
  has_dependent_backups: z.boolean(),
  parent_id: z.string().nullable(),
  service_metadata: z.string().nullable(),
  fail_reason: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string().nullable(),
  data_timestamp: z.string(),
  'msh:bytes_sent': z.number().nullable(),
  'msh:changed_blocks': z.number().nullable(),
  'msh:total_blocks': z.number().nullable(),
  'msh:duration_ms': z.number().nullable(),
  'msh:imported': z.boolean(),
});
export type Backup = z.infer<typeof BackupSchema>;

export const CinderErrorSchema = z.record(z.string(), z.looseObject({ code: z.number(), message: z.string() }));
