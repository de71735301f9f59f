// The harness's client of a site's volume API (Cinder v3 shapes) over
// <run-dir>/volume.sock: everything the DR runner does with volumes,
// types, groups, snapshots, backups (restore, export, import) and
// replication (failover_host, manage). Responses are validated; failures
// carry Cinder's fault name and the HTTP status. Sends microversion 3.14
// unless told otherwise (groups need 3.13, group snapshots 3.14).
import { z } from 'zod';
import {
  BackupSchema,
  CinderErrorSchema,
  GroupSchema,
  GroupSnapshotSchema,
  GroupTypeSchema,
  SnapshotSchema,
  VolumeSchema,
  VolumeTypeSchema,
  type Backup,
  type BackupCreate,
  type Group,
  type GroupCreate,
  type GroupSnapshot,
  type GroupTypeCreate,
  type GroupType,
  type Manage,
  type Snapshot,
  type SnapshotCreate,
  type Volume,
  type VolumeCreate,
  type VolumeType,
  type VolumeTypeCreate,
} from '../services/volume/types.js';
import { parseJson, pollUntil, TerminalError, unixRequest } from './unix-http.js';

export type { Backup, BackupCreate, Group, GroupCreate, GroupSnapshot, GroupType, GroupTypeCreate, Manage, Snapshot, SnapshotCreate, Volume, VolumeCreate, VolumeType, VolumeTypeCreate } from '../services/volume/types.js';

export class CinderClientError extends Error {
  /** Cinder's fault name ("itemNotFound", "badRequest", ...), or "HTTP<status>" for a body without one. */
  readonly fault: string;
  readonly status: number;
  constructor(status: number, fault: string, message: string) {
    super(`${status} ${fault}: ${message}`);
    this.name = 'CinderClientError';
    this.status = status;
    this.fault = fault;
  }
}

export interface VolumeClientOptions {
  readonly socketPath: string;
  readonly timeoutMs?: number;
  /** Microversion sent (default 3.14). */
  readonly microversion?: string;
  readonly project?: string;
}

export interface BackupRecordOut {
  readonly backup_service: string;
  readonly backup_url: string;
}

const Ref = z.looseObject({ id: z.string(), name: z.string().nullable() });

/** Statuses a wait gives up on at once. */
const TERMINAL: Readonly<Record<string, readonly string[]>> = {
  volume: ['error', 'error_restoring', 'error_managing'],
  backup: ['error'],
  snapshot: ['error'],
  group_snapshot: ['error'],
};

export class VolumeClient {
  private readonly socketPath: string;
  private readonly timeoutMs: number;
  private readonly mv: string;
  private readonly base: string;

  constructor(opts: VolumeClientOptions) {
    this.socketPath = opts.socketPath;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.mv = opts.microversion ?? '3.14';
    this.base = `/v3/${encodeURIComponent(opts.project ?? 'msh')}`;
  }

  // ------------------------------------------------------------- volumes
  async createVolume(req: VolumeCreate): Promise<Volume> {
    return (await this.call('POST', '/volumes', z.object({ volume: VolumeSchema }), { volume: req })).volume;
  }
  async listVolumes(filters: Readonly<Record<string, string>> = {}): Promise<Volume[]> {
    return (await this.call('GET', `/volumes/detail${qs(filters)}`, z.object({ volumes: z.array(VolumeSchema) }))).volumes;
  }
  async getVolume(id: string): Promise<Volume> {
    return (await this.call('GET', `/volumes/${enc(id)}`, z.object({ volume: VolumeSchema }))).volume;
  }
  async deleteVolume(id: string): Promise<void> {
    await this.call('DELETE', `/volumes/${enc(id)}`, null);
  }
  async setBootable(id: string, bootable: boolean): Promise<void> {
    await this.call('POST', `/volumes/${enc(id)}/action`, null, { 'os-set_bootable': { bootable } });
  }
  async attach(id: string, serverId: string, mountpoint = '/dev/vdb'): Promise<void> {
    await this.call('POST', `/volumes/${enc(id)}/action`, null, { 'os-attach': { instance_uuid: serverId, mountpoint } });
  }
  async detach(id: string, attachmentId?: string): Promise<void> {
    await this.call('POST', `/volumes/${enc(id)}/action`, null, { 'os-detach': attachmentId ? { attachment_id: attachmentId } : {} });
  }
  /** manageable_volumes (3.8+): takes a backend file under management; its reference lands in admin metadata. */
  async manage(req: Manage): Promise<Volume> {
    return (await this.call('POST', '/manageable_volumes', z.object({ volume: VolumeSchema }), { volume: req })).volume;
  }
  async failoverHost(host: string, backendId: string | null = null): Promise<void> {
    await this.call('PUT', '/os-services/failover_host', null, { host, backend_id: backendId });
  }

  // ---------------------------------------------------------------- types
  async createVolumeType(req: VolumeTypeCreate): Promise<VolumeType> {
    return (await this.call('POST', '/types', z.object({ volume_type: VolumeTypeSchema }), { volume_type: req })).volume_type;
  }
  async listVolumeTypes(): Promise<VolumeType[]> {
    return (await this.call('GET', '/types', z.object({ volume_types: z.array(VolumeTypeSchema) }))).volume_types;
  }
  async createGroupType(req: GroupTypeCreate): Promise<GroupType> {
    return (await this.call('POST', '/group_types', z.object({ group_type: GroupTypeSchema }), { group_type: req })).group_type;
  }

  // --------------------------------------------------------------- groups
  async createGroup(req: GroupCreate): Promise<Group> {
    const ref = (await this.call('POST', '/groups', z.object({ group: Ref }), { group: req })).group;
    return this.getGroup(ref.id);
  }
  async getGroup(id: string): Promise<Group> {
    return (await this.call('GET', `/groups/${enc(id)}?list_volume=true`, z.object({ group: GroupSchema }))).group;
  }
  async addVolumesToGroup(id: string, volumeIds: readonly string[]): Promise<void> {
    await this.call('PUT', `/groups/${enc(id)}`, null, { group: { add_volumes: volumeIds.join(',') } });
  }
  async removeVolumesFromGroup(id: string, volumeIds: readonly string[]): Promise<void> {
    await this.call('PUT', `/groups/${enc(id)}`, null, { group: { remove_volumes: volumeIds.join(',') } });
  }
  async deleteGroup(id: string, deleteVolumes = false): Promise<void> {
    await this.call('POST', `/groups/${enc(id)}/action`, null, { delete: { 'delete-volumes': deleteVolumes } });
  }
  async createGroupSnapshot(groupId: string, name?: string): Promise<GroupSnapshot> {
    const ref = (await this.call('POST', '/group_snapshots', z.object({ group_snapshot: Ref }), { group_snapshot: { group_id: groupId, ...(name !== undefined ? { name } : {}) } })).group_snapshot;
    return this.getGroupSnapshot(ref.id);
  }
  async getGroupSnapshot(id: string): Promise<GroupSnapshot> {
    return (await this.call('GET', `/group_snapshots/${enc(id)}`, z.object({ group_snapshot: GroupSnapshotSchema }))).group_snapshot;
  }
  async deleteGroupSnapshot(id: string): Promise<void> {
    await this.call('DELETE', `/group_snapshots/${enc(id)}`, null);
  }

  // ------------------------------------------------------------ snapshots
  async createSnapshot(req: SnapshotCreate): Promise<Snapshot> {
    return (await this.call('POST', '/snapshots', z.object({ snapshot: SnapshotSchema }), { snapshot: req })).snapshot;
  }
  async listSnapshots(filters: Readonly<Record<string, string>> = {}): Promise<Snapshot[]> {
    return (await this.call('GET', `/snapshots/detail${qs(filters)}`, z.object({ snapshots: z.array(SnapshotSchema) }))).snapshots;
  }
  async getSnapshot(id: string): Promise<Snapshot> {
    return (await this.call('GET', `/snapshots/${enc(id)}`, z.object({ snapshot: SnapshotSchema }))).snapshot;
  }
  async deleteSnapshot(id: string): Promise<void> {
    await this.call('DELETE', `/snapshots/${enc(id)}`, null);
  }

  // -------------------------------------------------------------- backups
  async createBackup(req: BackupCreate): Promise<Backup> {
    const ref = (await this.call('POST', '/backups', z.object({ backup: Ref }), { backup: req })).backup;
    return this.getBackup(ref.id);
  }
  async listBackups(filters: Readonly<Record<string, string>> = {}): Promise<Backup[]> {
    return (await this.call('GET', `/backups/detail${qs(filters)}`, z.object({ backups: z.array(BackupSchema) }))).backups;
  }
  async getBackup(id: string): Promise<Backup> {
    return (await this.call('GET', `/backups/${enc(id)}`, z.object({ backup: BackupSchema }))).backup;
  }
  async deleteBackup(id: string): Promise<void> {
    await this.call('DELETE', `/backups/${enc(id)}`, null);
  }
  /** Starts a restore (202); wait for the returned volume to be available. */
  async restoreBackup(id: string, opts: { volume_id?: string; name?: string } = {}): Promise<{ backup_id: string; volume_id: string; volume_name: string | null }> {
    const schema = z.object({ restore: z.object({ backup_id: z.string(), volume_id: z.string(), volume_name: z.string().nullable() }) });
    return (await this.call('POST', `/backups/${enc(id)}/restore`, schema, { restore: opts })).restore;
  }
  async exportBackupRecord(id: string): Promise<BackupRecordOut> {
    const schema = z.object({ 'backup-record': z.object({ backup_service: z.string(), backup_url: z.string() }) });
    return (await this.call('GET', `/backups/${enc(id)}/export_record`, schema))['backup-record'];
  }
  async importBackupRecord(rec: BackupRecordOut): Promise<Backup> {
    const ref = (await this.call('POST', '/backups/import_record', z.object({ backup: Ref }), { 'backup-record': rec })).backup;
    return this.getBackup(ref.id);
  }

  // ---------------------------------------------------------------- waits
  waitVolume(id: string, status: string, timeoutMs = 30_000): Promise<Volume> {
    return this.waitFor('volume', id, status, () => this.getVolume(id), timeoutMs);
  }
  waitBackup(id: string, status = 'available', timeoutMs = 60_000): Promise<Backup> {
    return this.waitFor('backup', id, status, () => this.getBackup(id), timeoutMs);
  }
  /** Until the backup leaves creating/restoring, whatever it ends as (available or error). */
  waitBackupSettled(id: string, timeoutMs = 60_000): Promise<Backup> {
    return pollUntil(`backup ${id} to settle`, async () => {
      const b = await this.getBackup(id);
      return ['creating', 'restoring', 'deleting'].includes(b.status) ? null : b;
    }, timeoutMs, 50);
  }
  waitSnapshot(id: string, status = 'available', timeoutMs = 30_000): Promise<Snapshot> {
    return this.waitFor('snapshot', id, status, () => this.getSnapshot(id), timeoutMs);
  }
  /** Polls until the volume's field holds (e.g. replicated_at after a time); null from the predicate means keep waiting. */
  waitVolumeWhere(id: string, what: string, pred: (v: Volume) => boolean, timeoutMs = 30_000): Promise<Volume> {
    return pollUntil(`volume ${id}: ${what}`, async () => {
      const v = await this.getVolume(id);
      return pred(v) ? v : null;
    }, timeoutMs, 50);
  }

  private waitFor<T extends { status: string }>(kind: string, id: string, status: string, get: () => Promise<T>, timeoutMs: number): Promise<T> {
    return pollUntil(`${kind} ${id} to be ${status}`, async () => {
      const x = await get();
      if (x.status === status) return x;
      if ((TERMINAL[kind] ?? []).includes(x.status)) throw new TerminalError(`${kind} ${id} went to ${x.status}${'fail_reason' in x && x.fail_reason ? `: ${String(x.fail_reason)}` : ''}`);
      return null;
    }, timeoutMs, 50);
  }

  /** Polls until the API answers (the services process is up). */
  async waitReady(timeoutMs = 30_000): Promise<number> {
    const t0 = performance.now();
    await pollUntil(`volume API on ${this.socketPath}`, async () => (await this.listVolumeTypes(), true), timeoutMs, 50);
    return performance.now() - t0;
  }

  // ------------------------------------------------------------ transport
  private call(method: string, path: string, schema: null, body?: unknown): Promise<null>;
  private call<S extends z.ZodType>(method: string, path: string, schema: S, body?: unknown): Promise<z.infer<S>>;
  private async call<S extends z.ZodType>(method: string, path: string, schema: S | null, body?: unknown): Promise<z.infer<S> | null> {
    const res = await unixRequest(this.socketPath, { method, path: `${this.base}${path}`, body, headers: { 'OpenStack-API-Version': `volume ${this.mv}` } }, this.timeoutMs);
    if (res.status >= 400) {
      const e = CinderErrorSchema.safeParse(parseJson(res.text));
      const first = e.success ? Object.entries(e.data)[0] : undefined;
      if (first) throw new CinderClientError(res.status, first[0], first[1].message);
      throw new CinderClientError(res.status, `HTTP${res.status}`, res.text.slice(0, 500));
    }
    if (schema === null) return null;
    const r = schema.safeParse(parseJson(res.text));
    if (!r.success) throw new Error(`${method} ${path}: unexpected response shape: ${r.error.message}`);
    return r.data;
  }
}

function enc(s: string): string {
  return encodeURIComponent(s);
}

function qs(filters: Readonly<Record<string, string>>): string {
  const s = new URLSearchParams(filters).toString();
  return s ? `?${s}` : '';
}
