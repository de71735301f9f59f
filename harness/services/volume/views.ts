// Records -> Cinder's response bodies, gated by the request's microversion
// where Cinder gates the field. Pure.
import type { Microversion } from './microversion.js';
import { atLeast } from './microversion.js';
import type { BackupRec, GroupRec, GroupSnapshotRec, GroupTypeRec, SnapshotRec, VolumeRec, VolumeTypeRec } from './store.js';
import type { Backup, Group, GroupSnapshot, GroupType, Snapshot, Volume, VolumeType } from './types.js';

export const AZ = 'nova';

/** Cinder merges these admin metadata keys into `metadata` (utils.add_visible_admin_metadata); the rest stays admin-only. */
export const VISIBLE_ADMIN_METADATA_KEYS = ['readonly', 'attached_mode'] as const;

function links(kind: string, id: string): { href: string; rel: string }[] {
  return [
    { href: `/v3/${kind}/${id}`, rel: 'self' },
    { href: `/${kind}/${id}`, rel: 'bookmark' },
  ];
}

export function volumeSummary(v: VolumeRec): { id: string; name: string | null; links: unknown[] } {
  return { id: v.id, name: v.name, links: links('volumes', v.id) };
}

/** `now` gives the replication lag: how old the newest state the replica holds is. */
export function volumeView(v: VolumeRec, mv: Microversion, now: number): Volume {
  const visible = Object.fromEntries(Object.entries(v.admin_metadata).filter(([k]) => (VISIBLE_ADMIN_METADATA_KEYS as readonly string[]).includes(k)));
  return {
    id: v.id,
    name: v.name,
    description: v.description,
    status: v.status,
    size: v.size,
    availability_zone: AZ,
    bootable: v.bootable ? 'true' : 'false',
    encrypted: false,
    multiattach: false,
    metadata: { ...v.metadata, ...visible },
    attachments: v.attachments.map((a) => ({
      id: v.id,
      attachment_id: a.id,
      volume_id: v.id,
      server_id: a.server_id,
      host_name: null,
      device: a.device,
      attached_at: a.attached_at,
    })),
    links: links('volumes', v.id),
    volume_type: v.volume_type_name,
    snapshot_id: v.snapshot_id,
    source_volid: v.source_volid,
    consistencygroup_id: null,
    replication_status: v.replication_status,
    'os-vol-host-attr:host': v.host,
    'os-vol-tenant-attr:tenant_id': v.project_id,
    'os-vol-mig-status-attr:migstat': null,
    'os-vol-mig-status-attr:name_id': null,
    user_id: null,
    created_at: v.created_at,
    updated_at: v.updated_at,
    ...(atLeast(mv, 3, 13) ? { group_id: v.group_id } : {}),
    ...(atLeast(mv, 3, 63) ? { volume_type_id: v.volume_type_id } : {}),
    // Cinder keeps admin metadata out of its API but for the two keys above;
    // the seed's gap 2 (the real backend reference kept there) is shown here.
    'msh:admin_metadata': { ...v.admin_metadata },
    'msh:replicated_at': v.replicated_at,
    'msh:replication_lag_ms': v.replicated_at === null ? null : Math.max(0, now - Date.parse(v.replicated_at)),
    'msh:replication_stats': v.replication_stats,
    'msh:replica_of': v.replica ? `${v.replica.source_host}/${v.id}` : null,
  };
}

export function snapshotView(s: SnapshotRec, mv: Microversion): Snapshot {
  return {
    id: s.id,
    name: s.name,
    description: s.description,
    status: s.status,
    size: s.size,
    volume_id: s.volume_id,
    metadata: { ...s.metadata },
    created_at: s.created_at,
    updated_at: s.updated_at,
    'os-extended-snapshot-attributes:progress': '100%',
    'os-extended-snapshot-attributes:project_id': s.project_id,
    ...(atLeast(mv, 3, 14) ? { group_snapshot_id: s.group_snapshot_id } : {}),
    'msh:copy_ms': s.copy_ms,
  };
}

export function volumeTypeView(t: VolumeTypeRec): VolumeType {
  return {
    id: t.id,
    name: t.name,
    description: t.description,
    is_public: t.is_public,
    'os-volume-type-access:is_public': t.is_public,
    qos_specs_id: null,
    extra_specs: { ...t.extra_specs },
  };
}

export function groupTypeView(t: GroupTypeRec): GroupType {
  return { id: t.id, name: t.name, description: t.description, is_public: t.is_public, group_specs: { ...t.group_specs } };
}

export function groupView(g: GroupRec, volumeIds: readonly string[] | null): Group {
  return {
    id: g.id,
    name: g.name,
    description: g.description,
    status: g.status,
    group_type: g.group_type_id,
    volume_types: [...g.volume_type_ids],
    availability_zone: g.availability_zone,
    created_at: g.created_at,
    group_snapshot_id: null,
    source_group_id: null,
    replication_status: 'disabled',
    project_id: g.project_id,
    ...(volumeIds ? { volumes: [...volumeIds] } : {}),
  };
}

export function groupSnapshotView(s: GroupSnapshotRec): GroupSnapshot {
  return {
    id: s.id,
    name: s.name,
    description: s.description,
    status: s.status,
    group_id: s.group_id,
    group_type_id: s.group_type_id,
    created_at: s.created_at,
    project_id: s.project_id,
    'msh:snapshot_ids': [...s.snapshot_ids],
    'msh:lock_ms': s.lock_ms,
  };
}

export function backupView(b: BackupRec, hasDependents: boolean): Backup {
  return {
    id: b.id,
    name: b.name,
    description: b.description,
    status: b.status,
    volume_id: b.volume_id,
    snapshot_id: b.snapshot_id,
    size: b.size,
    container: b.container,
    availability_zone: b.availability_zone,
    object_count: b.object_count,
    is_incremental: b.parent_id !== null,
    has_dependent_backups: hasDependents,
    parent_id: b.parent_id,
    service_metadata: b.service_metadata,
    fail_reason: b.fail_reason,
    created_at: b.created_at,
    updated_at: b.updated_at,
    data_timestamp: b.data_timestamp,
    links: links('backups', b.id),
    'os-backup-project-attr:project_id': b.project_id,
    'msh:bytes_sent': b.bytes_sent,
    'msh:changed_blocks': b.changed_blocks,
    'msh:total_blocks': b.total_blocks,
    'msh:duration_ms': b.duration_ms,
    'msh:imported': b.imported,
  };
}
