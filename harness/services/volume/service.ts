// The volume service: Cinder's volumes, types, snapshots, groups and group
// snapshots, manage and failover, over MariaDB records and one real file per
// volume (<run-dir>/volumes/<id>). Backups are backups.ts, the replicator
// replication.ts; both work through this class.
//
// Decisions:
// - Synchronous creation: a volume, snapshot or group snapshot is made
//   before the API answers (Cinder answers 202 at `creating` and finishes in
//   the volume manager); the reply shows `available`. Backups and restores
//   are asynchronous, as in Cinder, because they cross the WAN.
// - Metadata changes go one at a time (`exclusive`): read-modify-write on a
//   record never races another. File contents are guarded by a write lock
//   per volume (snapshot copies, restores, replica writes); a guest writing
//   to an attached volume is not stopped by it: that is what quiesce is for.
import { randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type mysql from 'mysql2/promise';
import type { z } from 'zod';
import {
  CinderError,
  badRequest,
  conflict,
  groupNotFound,
  groupSnapshotNotFound,
  groupTypeNotFound,
  invalidGroup,
  invalidVolume,
  snapshotNotFound,
  volumeNotFound,
  volumeTypeNotFound,
} from './errors.js';
import { KeyedMutex, Mutex, copyFile, createFile, exists, fileSize, removeFile, writeExtents } from './files.js';
import { PassStager } from './stager.js';
import * as db from './store.js';
import type { GroupRec, GroupSnapshotRec, GroupTypeRec, SnapshotRec, VolumeRec, VolumeTypeRec } from './store.js';
import {
  AttachSchema,
  DetachSchema,
  FailoverSchema,
  GroupCreateSchema,
  GroupSnapshotCreateSchema,
  GroupTypeCreateSchema,
  GroupUpdateSchema,
  ManageSchema,
  ExtraSpecsSchema,
  ReplicaShipmentSchema,
  SetBootableSchema,
  SnapshotCreateSchema,
  VolumeCreateSchema,
  VolumeTypeCreateSchema,
} from './types.js';

export const DEFAULT_TYPE = '__DEFAULT__';
/** 4 MiB per GiB: the emulation's scale (a VNF's volumes fit in memory, a full backup crosses a 10 mbit link in seconds). */
export const DEFAULT_GIB_BYTES = 4 * 1024 * 1024;

export interface VolumeServiceConfig {
  readonly site: string;
  readonly runDir: string;
  /** Bytes of backing file per GiB of volume size. */
  readonly gibBytes: number;
  readonly defaultProject: string;
  /** Keep a managed volume's backend reference in its admin metadata (the seed's gap 2, review 182150); false: Cinder without that change. */
  readonly backendRef?: boolean;
}

/** The in-process interface compute calls (keep exactly so: compute codes against it). */
export interface VolumeBackend {
  attach(volumeId: string, serverId: string): Promise<{ path: string }>;
  detach(volumeId: string, serverId: string): Promise<void>;
  snapshot(volumeId: string, name: string): Promise<{ id: string }>;
  getVolume(volumeId: string): Promise<{ id: string; bootable: boolean; status: string; size: number; path: string }>;
  createFromSnapshot(snapshotId: string, name: string): Promise<{ id: string }>;
}

/** Cinder's timestamp format (microseconds, no zone). */
export function now(): string {
  return new Date().toISOString().replace('Z', '000');
}

export function isTrueSpec(v: string | undefined): boolean {
  return v !== undefined && /^\s*(<is>\s*)?true\s*$/i.test(v);
}

/** `{"<key>": {...}}` -> the validated inner object, with Cinder-like messages. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown, key: string): z.infer<S> {
  const inner = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[key] : undefined;
  if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) throw badRequest(`Missing required element '${key}' in request body.`);
  const r = schema.safeParse(inner);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const attr = issue.path.map(String).join('.') || key;
  const value = issue.path.reduce<unknown>((o, k) => (typeof o === 'object' && o !== null ? (o as Record<string | number, unknown>)[k as string] : undefined), inner);
  if (value === undefined) return fail(`'${attr}' is a required property`);
  return fail(`Invalid input for field/attribute ${attr}. Value: ${JSON.stringify(value)}. ${issue.message}`);
  function fail(m: string): never {
    throw badRequest(m);
  }
}

export class VolumeService implements VolumeBackend {
  readonly cfg: VolumeServiceConfig;
  readonly pool: mysql.Pool;
  readonly log: (line: string) => void;
  /** A volume's write lock: file copies and writes of this process. */
  readonly locks = new KeyedMutex();
  private readonly serial = new Mutex();
  /** Replica passes being received (target side), applied whole with their last request. */
  private readonly staged = new PassStager();

  constructor(pool: mysql.Pool, cfg: VolumeServiceConfig, log: (line: string) => void) {
    this.pool = pool;
    this.cfg = cfg;
    this.log = log;
  }

  /** cinder-volume's host: host@backend#pool. */
  get host(): string {
    return `${this.cfg.site}@file#file`;
  }
  get serviceHost(): string {
    return `${this.cfg.site}@file`;
  }
  volumePath(id: string): string {
    return join(this.cfg.runDir, 'volumes', id);
  }
  private snapshotPath(id: string): string {
    return join(this.cfg.runDir, 'snapshots', id);
  }

  async start(): Promise<void> {
    await db.migrate(this.pool);
    if (!(await this.findType(DEFAULT_TYPE))) {
      await db.put(this.pool, 'volume_types', { id: randomUUID(), name: DEFAULT_TYPE, description: 'Default Volume Type', is_public: true, extra_specs: {}, created_at: now() });
    }
    // A process killed mid-operation leaves nothing half-trusted.
    for (const v of await db.list(this.pool, 'volumes')) {
      if (v.status === 'creating' || v.status === 'restoring-backup') await db.put(this.pool, 'volumes', { ...v, status: v.status === 'creating' ? 'error' : 'error_restoring', updated_at: now() });
    }
  }

  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.serial.run(fn);
  }

  /** Every key's lock, taken in id order (no deadlock between two group operations). */
  withLocks<T>(ids: readonly string[], fn: () => Promise<T>): Promise<T> {
    const sorted = [...new Set(ids)].sort();
    const take = (i: number): Promise<T> => (i === sorted.length ? fn() : this.locks.run(sorted[i]!, () => take(i + 1)));
    return take(0);
  }

  // ------------------------------------------------------------- lookups

  async volume(id: string): Promise<VolumeRec> {
    const v = await db.get(this.pool, 'volumes', id);
    if (!v) throw volumeNotFound(id);
    return v;
  }
  listVolumes(): Promise<VolumeRec[]> {
    return db.list(this.pool, 'volumes');
  }
  async snapshotRec(id: string): Promise<SnapshotRec> {
    const s = await db.get(this.pool, 'snapshots', id);
    if (!s) throw snapshotNotFound(id);
    return s;
  }
  listSnapshots(): Promise<SnapshotRec[]> {
    return db.list(this.pool, 'snapshots');
  }
  private async findType(idOrName: string): Promise<VolumeTypeRec | null> {
    const byId = await db.get(this.pool, 'volume_types', idOrName);
    if (byId) return byId;
    return (await db.list(this.pool, 'volume_types')).find((t) => t.name === idOrName) ?? null;
  }
  async volumeType(idOrName: string): Promise<VolumeTypeRec> {
    const t = await this.findType(idOrName);
    if (!t) throw volumeTypeNotFound(idOrName);
    return t;
  }
  listTypes(): Promise<VolumeTypeRec[]> {
    return db.list(this.pool, 'volume_types');
  }
  async groupType(idOrName: string): Promise<GroupTypeRec> {
    const t = (await db.get(this.pool, 'group_types', idOrName)) ?? (await db.list(this.pool, 'group_types')).find((x) => x.name === idOrName);
    if (!t) throw groupTypeNotFound(idOrName);
    return t;
  }
  listGroupTypes(): Promise<GroupTypeRec[]> {
    return db.list(this.pool, 'group_types');
  }
  async group(id: string): Promise<GroupRec> {
    const g = await db.get(this.pool, 'groups', id);
    if (!g) throw groupNotFound(id);
    return g;
  }
  listGroups(): Promise<GroupRec[]> {
    return db.list(this.pool, 'groups');
  }
  async groupVolumeIds(groupId: string): Promise<string[]> {
    return (await this.listVolumes()).filter((v) => v.group_id === groupId).map((v) => v.id);
  }
  async groupSnapshot(id: string): Promise<GroupSnapshotRec> {
    const s = await db.get(this.pool, 'group_snapshots', id);
    if (!s) throw groupSnapshotNotFound(id);
    return s;
  }
  listGroupSnapshots(): Promise<GroupSnapshotRec[]> {
    return db.list(this.pool, 'group_snapshots');
  }

  /** Whether volumes of this type are replicated (extra spec replication_enabled '<is> True'). */
  async replicated(v: VolumeRec): Promise<boolean> {
    if (v.volume_type_id === null) return false;
    const t = await db.get(this.pool, 'volume_types', v.volume_type_id);
    return t !== null && isTrueSpec(t.extra_specs['replication_enabled']);
  }

  // ------------------------------------------------------------- volumes

  private newVolume(o: { project: string; name: string | null; description: string | null; size: number; type: VolumeTypeRec | null; metadata?: Record<string, string> }): VolumeRec {
    const id = randomUUID();
    return {
      id,
      project_id: o.project,
      name: o.name,
      description: o.description,
      status: 'creating',
      size: o.size,
      bootable: false,
      volume_type_id: o.type?.id ?? null,
      volume_type_name: o.type?.name ?? null,
      snapshot_id: null,
      source_volid: null,
      group_id: null,
      replication_status: o.type && isTrueSpec(o.type.extra_specs['replication_enabled']) ? 'enabled' : 'disabled',
      host: this.host,
      path: this.volumePath(id),
      metadata: { ...o.metadata },
      admin_metadata: {},
      attachments: [],
      replica: null,
      replicated_at: null,
      replication_stats: null,
      created_at: now(),
      updated_at: null,
    };
  }

  async createVolume(body: unknown, project: string | undefined): Promise<VolumeRec> {
    const req = parseBody(VolumeCreateSchema, body, 'volume');
    const type = await this.volumeType(req.volume_type ?? DEFAULT_TYPE);
    const snap = req.snapshot_id ? await this.snapshotRec(req.snapshot_id) : null;
    if (snap && snap.status !== 'available') throw badRequest(`Invalid snapshot: Originating snapshot status must be one of 'available' values`);
    const size = req.size ?? snap?.size;
    if (size === undefined) throw badRequest(`Invalid input received: "size" (None) must be an integer greater than 0.`);
    if (snap && size < snap.size) throw badRequest(`Invalid input received: Volume size '${size}'GB cannot be smaller than the snapshot size ${snap.size}GB. They must be >= original snapshot size.`);
    const group = req.group_id ? await this.group(req.group_id) : null;
    if (group && !group.volume_type_ids.includes(type.id)) throw invalidGroup(`volume type ${type.name} is not one of group ${group.id}'s volume types`);
    const src = snap ? await this.volume(snap.volume_id).catch(() => null) : null;
    const v: VolumeRec = {
      ...this.newVolume({ project: project ?? this.cfg.defaultProject, name: req.name ?? null, description: req.description ?? null, size, type, metadata: req.metadata ?? {} }),
      snapshot_id: snap?.id ?? null,
      group_id: group?.id ?? null,
      bootable: src?.bootable ?? false,
    };
    return this.materialize(v, snap ? (path) => copyFile(snap.path, path, size * this.cfg.gibBytes).then(() => undefined) : (path) => createFile(path, size * this.cfg.gibBytes));
  }

  /** creating -> the file made -> available (error, and the error thrown, when the backend fails). */
  private async materialize(v: VolumeRec, make: (path: string) => Promise<void>): Promise<VolumeRec> {
    await this.exclusive(() => db.put(this.pool, 'volumes', v));
    try {
      await make(v.path);
    } catch (err) {
      await this.exclusive(() => db.put(this.pool, 'volumes', { ...v, status: 'error', updated_at: now() }));
      this.log(`volume ${v.id}: backend failed: ${String(err)}`);
      throw new CinderError(500, `Volume ${v.id} could not be created on the backend: ${(err as Error).message}`);
    }
    return this.update(v.id, (x) => ({ ...x, status: 'available' }));
  }

  /** Read-modify-write of one volume record (one writer at a time). */
  update(id: string, fn: (v: VolumeRec) => VolumeRec): Promise<VolumeRec> {
    return this.exclusive(async () => {
      const v = await this.volume(id);
      const next = { ...fn(v), updated_at: now() };
      await db.put(this.pool, 'volumes', next);
      return next;
    });
  }

  async deleteVolume(id: string): Promise<void> {
    const v = await this.exclusive(async () => {
      const v = await this.volume(id);
      if (v.attachments.length > 0 || v.status === 'in-use') throw invalidVolume(`Volume status must be available or error or error_restoring or error_extending or error_managing and must not be migrating, attached, belong to a group, have snapshots or be disassociated from snapshots after volume transfer.`);
      if (['creating', 'restoring-backup', 'backing-up'].includes(v.status)) throw invalidVolume(`Volume status must be available or error, but current status is: ${v.status}.`);
      const snaps = (await this.listSnapshots()).filter((s) => s.volume_id === id);
      if (snaps.length > 0) throw invalidVolume(`Volume ${id} still has ${snaps.length} dependent snapshots.`);
      await db.remove(this.pool, 'volumes', id);
      return v;
    });
    // A managed file outside the volumes directory is the operator's: Cinder's delete removes the backend volume, ours too.
    await this.locks.run(id, () => removeFile(v.path));
  }

  async volumeAction(id: string, body: unknown): Promise<{ status: number; body?: unknown }> {
    if (typeof body !== 'object' || body === null || Array.isArray(body) || Object.keys(body).length !== 1) throw badRequest('Invalid request body: one action expected.');
    const [action, arg] = Object.entries(body as Record<string, unknown>)[0]!;
    switch (action) {
      case 'os-set_bootable': {
        const b = parseBody(SetBootableSchema, { a: arg }, 'a');
        await this.volume(id);
        await this.update(id, (v) => ({ ...v, bootable: b.bootable }));
        return { status: 200 };
      }
      case 'os-attach': {
        const a = parseBody(AttachSchema, { a: arg }, 'a');
        await this.attachCore(id, a.instance_uuid, a.mountpoint ?? null, 400);
        return { status: 202 };
      }
      case 'os-detach': {
        const d = parseBody(DetachSchema, { a: arg }, 'a');
        const v = await this.volume(id);
        const att = d.attachment_id ? v.attachments.find((x) => x.id === d.attachment_id) : v.attachments[0];
        if (!att) throw invalidVolume('Volume must be attached in order to detach.');
        await this.detach(id, att.server_id);
        return { status: 202 };
      }
      case 'os-update_readonly_flag': {
        const ro = typeof arg === 'object' && arg !== null ? (arg as Record<string, unknown>)['readonly'] : undefined;
        if (typeof ro !== 'boolean') throw badRequest("'readonly' must be a boolean");
        await this.update(id, (v) => ({ ...v, admin_metadata: { ...v.admin_metadata, readonly: ro ? 'True' : 'False' } }));
        return { status: 202 };
      }
      default:
        throw badRequest(`There is no such action: ${action}`);
    }
  }

  private async attachCore(id: string, serverId: string, device: string | null, refusal: 400 | 409): Promise<VolumeRec> {
    return this.exclusive(async () => {
      const v = await this.volume(id);
      if (v.replica && !v.replica.promoted) throw new CinderError(refusal, `Invalid volume: Volume ${id} is a replica of ${v.replica.source_host}: not attachable until failover_host promotes it.`);
      if (v.status !== 'available') throw new CinderError(refusal, `Invalid volume: Volume ${id} status must be available to attach, but current status is: ${v.status}.`);
      const next: VolumeRec = {
        ...v,
        status: 'in-use',
        attachments: [{ id: randomUUID(), server_id: serverId, device, attached_at: now() }],
        admin_metadata: { ...v.admin_metadata, attached_mode: 'rw' },
        updated_at: now(),
      };
      await db.put(this.pool, 'volumes', next);
      return next;
    });
  }

  // ------------------------------------------------ in-process (compute)

  async attach(volumeId: string, serverId: string): Promise<{ path: string }> {
    const v = await this.attachCore(volumeId, serverId, null, 409);
    this.log(`volume ${volumeId} attached to server ${serverId}`);
    return { path: v.path };
  }

  async detach(volumeId: string, serverId: string): Promise<void> {
    await this.exclusive(async () => {
      const v = await this.volume(volumeId);
      if (!v.attachments.some((a) => a.server_id === serverId)) throw invalidVolume(`Volume ${volumeId} is not attached to server ${serverId}.`);
      const rest = v.attachments.filter((a) => a.server_id !== serverId);
      const { attached_mode: _mode, ...admin } = v.admin_metadata;
      await db.put(this.pool, 'volumes', { ...v, attachments: rest, status: rest.length > 0 ? 'in-use' : 'available', admin_metadata: rest.length > 0 ? v.admin_metadata : admin, updated_at: now() });
    });
    this.log(`volume ${volumeId} detached from server ${serverId}`);
  }

  async snapshot(volumeId: string, name: string): Promise<{ id: string }> {
    const s = await this.createSnapshotOf(volumeId, { name, description: null, metadata: {}, force: true, groupSnapshotId: null });
    return { id: s.id };
  }

  async getVolume(volumeId: string): Promise<{ id: string; bootable: boolean; status: string; size: number; path: string }> {
    const v = await this.volume(volumeId);
    return { id: v.id, bootable: v.bootable, status: v.status, size: v.size, path: v.path };
  }

  async createFromSnapshot(snapshotId: string, name: string): Promise<{ id: string }> {
    const v = await this.createVolume({ volume: { snapshot_id: snapshotId, name } }, undefined);
    return { id: v.id };
  }

  // ----------------------------------------------------------- snapshots

  async createSnapshot(body: unknown): Promise<SnapshotRec> {
    const req = parseBody(SnapshotCreateSchema, body, 'snapshot');
    return this.createSnapshotOf(req.volume_id, { name: req.name ?? null, description: req.description ?? null, metadata: req.metadata ?? {}, force: req.force ?? false, groupSnapshotId: null });
  }

  private checkSnapshottable(v: VolumeRec, force: boolean): void {
    if (v.status === 'available' || (v.status === 'in-use' && force)) return;
    throw invalidVolume(`Volume ${v.id} status must be available, but current status is: ${v.status}.`);
  }

  private snapshotRecFor(v: VolumeRec, o: { name: string | null; description: string | null; metadata: Record<string, string>; groupSnapshotId: string | null }): SnapshotRec {
    const id = randomUUID();
    return { id, project_id: v.project_id, name: o.name, description: o.description, status: 'creating', size: v.size, volume_id: v.id, group_snapshot_id: o.groupSnapshotId, metadata: o.metadata, path: this.snapshotPath(id), copy_ms: 0, created_at: now(), updated_at: null };
  }

  private async createSnapshotOf(volumeId: string, o: { name: string | null; description: string | null; metadata: Record<string, string>; force: boolean; groupSnapshotId: string | null }): Promise<SnapshotRec> {
    const v = await this.volume(volumeId);
    this.checkSnapshottable(v, o.force);
    const s = this.snapshotRecFor(v, o);
    await this.exclusive(() => db.put(this.pool, 'snapshots', s));
    const t0 = performance.now();
    try {
      await this.locks.run(v.id, () => copyFile(v.path, s.path));
    } catch (err) {
      await this.exclusive(() => db.put(this.pool, 'snapshots', { ...s, status: 'error', updated_at: now() }));
      throw new CinderError(500, `Snapshot of volume ${v.id} failed on the backend: ${(err as Error).message}`);
    }
    const copyMs = performance.now() - t0;
    this.log(`snapshot ${s.id} of volume ${v.id}: copied ${v.size * this.cfg.gibBytes} bytes under the volume's write lock in ${copyMs.toFixed(1)} ms`);
    const done = { ...s, status: 'available', copy_ms: copyMs, updated_at: now() };
    await this.exclusive(() => db.put(this.pool, 'snapshots', done));
    return done;
  }

  async deleteSnapshot(id: string): Promise<void> {
    const s = await this.exclusive(async () => {
      const s = await this.snapshotRec(id);
      if (s.group_snapshot_id !== null) throw badRequest(`Invalid snapshot: Snapshot ${id} is part of group snapshot ${s.group_snapshot_id}: delete the group snapshot.`);
      await db.remove(this.pool, 'snapshots', id);
      return s;
    });
    await removeFile(s.path);
  }

  // ------------------------------------------------------ types (admin)

  async createType(body: unknown): Promise<VolumeTypeRec> {
    const req = parseBody(VolumeTypeCreateSchema, body, 'volume_type');
    return this.exclusive(async () => {
      if (await this.findType(req.name)) throw conflict(`Volume Type ${req.name} already exists.`);
      const t: VolumeTypeRec = { id: randomUUID(), name: req.name, description: req.description ?? null, is_public: req['os-volume-type-access:is_public'] ?? true, extra_specs: req.extra_specs ?? {}, created_at: now() };
      await db.put(this.pool, 'volume_types', t);
      return t;
    });
  }

  async setExtraSpecs(id: string, body: unknown): Promise<Record<string, string>> {
    const specs = parseBody(ExtraSpecsSchema, body, 'extra_specs');
    return this.exclusive(async () => {
      const t = await this.volumeType(id);
      const next = { ...t, extra_specs: { ...t.extra_specs, ...specs } };
      await db.put(this.pool, 'volume_types', next);
      return next.extra_specs;
    });
  }

  async deleteType(id: string): Promise<void> {
    await this.exclusive(async () => {
      const t = await this.volumeType(id);
      if ((await this.listVolumes()).some((v) => v.volume_type_id === t.id)) throw badRequest(`Target volume type is still in use.`);
      await db.remove(this.pool, 'volume_types', t.id);
    });
  }

  async createGroupType(body: unknown): Promise<GroupTypeRec> {
    const req = parseBody(GroupTypeCreateSchema, body, 'group_type');
    return this.exclusive(async () => {
      if ((await this.listGroupTypes()).some((t) => t.name === req.name)) throw conflict(`Group Type ${req.name} already exists.`);
      const t: GroupTypeRec = { id: randomUUID(), name: req.name, description: req.description ?? null, is_public: req.is_public ?? true, group_specs: req.group_specs ?? {}, created_at: now() };
      await db.put(this.pool, 'group_types', t);
      return t;
    });
  }

  async deleteGroupType(id: string): Promise<void> {
    await this.exclusive(async () => {
      const t = await this.groupType(id);
      if ((await this.listGroups()).some((g) => g.group_type_id === t.id)) throw badRequest(`Target group type is still in use.`);
      await db.remove(this.pool, 'group_types', t.id);
    });
  }

  // -------------------------------------------------------------- groups

  async createGroup(body: unknown, project: string | undefined): Promise<GroupRec> {
    const req = parseBody(GroupCreateSchema, body, 'group');
    const gt = await this.groupType(req.group_type);
    const types = await Promise.all(req.volume_types.map((t) => this.volumeType(t)));
    const g: GroupRec = {
      id: randomUUID(),
      project_id: project ?? this.cfg.defaultProject,
      name: req.name ?? null,
      description: req.description ?? null,
      status: 'available',
      group_type_id: gt.id,
      volume_type_ids: types.map((t) => t.id),
      availability_zone: req.availability_zone ?? 'nova',
      created_at: now(),
      updated_at: null,
    };
    await this.exclusive(() => db.put(this.pool, 'groups', g));
    return g;
  }

  async updateGroup(id: string, body: unknown): Promise<void> {
    const req = parseBody(GroupUpdateSchema, body, 'group');
    const ids = (s: string | null | undefined) => (s ?? '').split(',').map((x) => x.trim()).filter((x) => x !== '');
    const add = ids(req.add_volumes);
    const del = ids(req.remove_volumes);
    if (req.name === undefined && req.description === undefined && add.length === 0 && del.length === 0) throw badRequest('Name, description, add_volumes, and remove_volumes can not be all empty in the request body.');
    await this.exclusive(async () => {
      const g = await this.group(id);
      if (g.status !== 'available') throw invalidGroup(`Group status must be available, but current status is: ${g.status}.`);
      const changes: VolumeRec[] = [];
      for (const vid of add) {
        const v = await db.get(this.pool, 'volumes', vid);
        if (!v) throw invalidVolume(`Cannot add volume ${vid} to group ${id} because volume cannot be found.`);
        if (v.group_id !== null && v.group_id !== id) throw invalidVolume(`Cannot add volume ${vid} to group ${id} because it is already in group ${v.group_id}.`);
        if (v.volume_type_id === null || !g.volume_type_ids.includes(v.volume_type_id)) throw invalidVolume(`Cannot add volume ${vid} to group ${id} because volume type ${v.volume_type_name ?? 'None'} is not supported by the group.`);
        if (!['available', 'in-use'].includes(v.status)) throw invalidVolume(`Cannot add volume ${vid} to group ${id} because volume is in an invalid state: ${v.status}.`);
        changes.push({ ...v, group_id: id, updated_at: now() });
      }
      for (const vid of del) {
        const v = await db.get(this.pool, 'volumes', vid);
        if (!v || v.group_id !== id) throw invalidVolume(`Cannot remove volume ${vid} from group ${id} because it is not in the group.`);
        changes.push({ ...v, group_id: null, updated_at: now() });
      }
      for (const v of changes) await db.put(this.pool, 'volumes', v);
      await db.put(this.pool, 'groups', { ...g, name: req.name === undefined ? g.name : req.name, description: req.description === undefined ? g.description : req.description, updated_at: now() });
    });
  }

  async deleteGroup(id: string, deleteVolumes: boolean): Promise<void> {
    const members = await this.exclusive(async () => {
      await this.group(id);
      const members = (await this.listVolumes()).filter((v) => v.group_id === id);
      if (members.length > 0 && !deleteVolumes) throw invalidGroup(`Group ${id} still contains volumes. The delete-volumes flag is required to delete it.`);
      if ((await this.listGroupSnapshots()).some((s) => s.group_id === id)) throw invalidGroup(`Group ${id} has group snapshots: delete them first.`);
      if (members.some((v) => v.status === 'in-use')) throw invalidGroup(`Group ${id} has attached volumes.`);
      return members;
    });
    for (const v of members) {
      await this.update(v.id, (x) => ({ ...x, group_id: null }));
      await this.deleteVolume(v.id);
    }
    await this.exclusive(() => db.remove(this.pool, 'groups', id));
  }

  // ----------------------------------------------------- group snapshots

  /** One snapshot of every member, all taken while every member's write lock is held. */
  async createGroupSnapshot(body: unknown, project: string | undefined): Promise<GroupSnapshotRec> {
    const req = parseBody(GroupSnapshotCreateSchema, body, 'group_snapshot');
    const g = await this.group(req.group_id);
    const members = (await this.listVolumes()).filter((v) => v.group_id === g.id);
    if (members.length === 0) throw invalidGroup(`Group ${g.id} has no volumes to snapshot.`);
    for (const v of members) this.checkSnapshottable(v, true);
    const gs: GroupSnapshotRec = {
      id: randomUUID(),
      project_id: project ?? this.cfg.defaultProject,
      name: req.name ?? null,
      description: req.description ?? null,
      status: 'creating',
      group_id: g.id,
      group_type_id: g.group_type_id,
      snapshot_ids: [],
      lock_ms: 0,
      created_at: now(),
      updated_at: null,
    };
    const snaps = members.map((v) => this.snapshotRecFor(v, { name: `group-snapshot-${gs.id}`, description: null, metadata: {}, groupSnapshotId: gs.id }));
    await this.exclusive(async () => {
      await db.put(this.pool, 'group_snapshots', { ...gs, snapshot_ids: snaps.map((s) => s.id) });
      for (const s of snaps) await db.put(this.pool, 'snapshots', s);
    });
    const copyMs = new Map<string, number>();
    let lockMs = 0;
    try {
      await this.withLocks(
        members.map((v) => v.id),
        async () => {
          const t0 = performance.now();
          for (const [i, v] of members.entries()) {
            const t1 = performance.now();
            await copyFile(v.path, snaps[i]!.path);
            copyMs.set(snaps[i]!.id, performance.now() - t1);
          }
          lockMs = performance.now() - t0;
        },
      );
    } catch (err) {
      await this.exclusive(async () => {
        await db.put(this.pool, 'group_snapshots', { ...gs, snapshot_ids: snaps.map((s) => s.id), status: 'error', updated_at: now() });
        for (const s of snaps) await db.put(this.pool, 'snapshots', { ...s, status: 'error', updated_at: now() });
      });
      throw new CinderError(500, `Group snapshot ${gs.id} failed on the backend: ${(err as Error).message}`);
    }
    this.log(`group snapshot ${gs.id} of group ${g.id}: ${members.length} volumes copied together, write locks held ${lockMs.toFixed(1)} ms`);
    const done = { ...gs, snapshot_ids: snaps.map((s) => s.id), status: 'available', lock_ms: lockMs, updated_at: now() };
    await this.exclusive(async () => {
      for (const s of snaps) await db.put(this.pool, 'snapshots', { ...s, status: 'available', copy_ms: copyMs.get(s.id) ?? 0, updated_at: now() });
      await db.put(this.pool, 'group_snapshots', done);
    });
    return done;
  }

  async deleteGroupSnapshot(id: string): Promise<void> {
    const snaps = await this.exclusive(async () => {
      const gs = await this.groupSnapshot(id);
      const snaps = (await this.listSnapshots()).filter((s) => s.group_snapshot_id === gs.id);
      for (const s of snaps) await db.remove(this.pool, 'snapshots', s.id);
      await db.remove(this.pool, 'group_snapshots', id);
      return snaps;
    });
    for (const s of snaps) await removeFile(s.path);
  }

  // -------------------------------------------------------------- manage

  private checkHost(host: string): void {
    const h = host.split('#')[0];
    if (h !== this.serviceHost && host !== this.cfg.site) throw badRequest(`Service host ${host} could not be found: this site's volume service is ${this.host}.`);
  }

  /** A file of this site's backend named by source-name: a name in <run-dir>/volumes, or a path inside the run dir. */
  private backendPath(sourceName: string): string {
    const p = isAbsolute(sourceName) ? resolve(sourceName) : resolve(this.cfg.runDir, 'volumes', sourceName);
    const rel = relative(this.cfg.runDir, p);
    if (rel.startsWith('..') || isAbsolute(rel)) throw badRequest(`Manage existing volume failed due to invalid backend reference {'source-name': '${sourceName}'}: outside this backend (${this.cfg.runDir}).`);
    return p;
  }

  async manage(body: unknown, project: string | undefined): Promise<VolumeRec> {
    const req = parseBody(ManageSchema, body, 'volume');
    this.checkHost(req.host);
    const path = this.backendPath(req.ref['source-name']);
    if (!(await exists(path))) throw badRequest(`Manage existing volume failed due to invalid backend reference {'source-name': '${req.ref['source-name']}'}: no such file.`);
    const type = await this.volumeType(req.volume_type ?? DEFAULT_TYPE);
    const bytes = await fileSize(path);
    const size = Math.max(1, Math.ceil(bytes / this.cfg.gibBytes));
    return this.exclusive(async () => {
      const owner = (await this.listVolumes()).find((v) => v.path === path);
      if (owner) throw badRequest(`Manage existing volume failed due to invalid backend reference {'source-name': '${req.ref['source-name']}'}: already managed as volume ${owner.id}.`);
      const base = this.newVolume({ project: project ?? this.cfg.defaultProject, name: req.name ?? null, description: req.description ?? null, size, type, metadata: req.metadata ?? {} });
      const v: VolumeRec = {
        ...base,
        status: 'available',
        bootable: req.bootable ?? false,
        path,
        // The seed's gap 2: the real backend reference, kept after manage.
        admin_metadata: this.cfg.backendRef === false ? {} : { backend_ref: JSON.stringify(req.ref), backend_path: path },
      };
      // Cinder reports the size rounded up to whole GiB; the file grows (sparse) to match, its data unchanged.
      if (bytes < size * this.cfg.gibBytes) await writeExtents(path, [], size * this.cfg.gibBytes);
      await db.put(this.pool, 'volumes', v);
      this.log(`volume ${v.id} manages ${path} (${bytes} bytes, ${size} GiB)`);
      return v;
    });
  }

  async manageable(host: string | null): Promise<unknown[]> {
    if (host !== null) this.checkHost(host);
    const dir = join(this.cfg.runDir, 'volumes');
    const names = await readdir(dir).catch(() => [] as string[]);
    const byPath = new Map((await this.listVolumes()).map((v) => [v.path, v.id]));
    const out: unknown[] = [];
    for (const n of names.sort()) {
      const p = join(dir, n);
      const owner = byPath.get(p) ?? null;
      out.push({
        reference: { 'source-name': n },
        size: Math.max(1, Math.ceil((await fileSize(p)) / this.cfg.gibBytes)),
        safe_to_manage: owner === null,
        reason_not_safe: owner === null ? null : 'already managed',
        cinder_id: owner,
        extra_info: null,
      });
    }
    return out;
  }

  // --------------------------------------------------------- replication

  /**
   * The target side of the replicator's private shipment (not Cinder's API):
   * stages the pass's requests, and with its last one applies them all under
   * the volume's lock, creating the replica on first sight. Returns null for
   * a staged request.
   */
  async applyReplica(volumeId: string, body: unknown, project: string | undefined): Promise<VolumeRec | null> {
    const r = ReplicaShipmentSchema.safeParse(body);
    if (!r.success) throw badRequest(`Invalid replica shipment: ${r.error.issues[0]!.path.join('.')}: ${r.error.issues[0]!.message}`);
    const s = r.data;
    const existing = await db.get(this.pool, 'volumes', volumeId);
    if (existing && !existing.replica) throw conflict(`Volume ${volumeId} exists here and is not a replica.`);
    if (existing?.replica?.promoted) throw conflict(`Volume ${volumeId} was failed over here: the replica is writable and takes no more shipments.`);
    const incoming = s.extents.map((e) => ({ offset: e.offset, data: Buffer.from(e.data, 'base64') }));
    for (const e of incoming) if (e.offset + e.data.length > s.bytes) throw badRequest(`Invalid replica shipment: extent at ${e.offset} ends beyond ${s.bytes} bytes.`);
    const stage = this.staged.add(volumeId, s.pass, s.reset, incoming, s.replicated_at !== null);
    if (stage === null || s.replicated_at === null) return null;
    if (!existing) {
      const type = await this.findType(s.volume_type ?? DEFAULT_TYPE);
      const base = this.newVolume({ project: project ?? this.cfg.defaultProject, name: s.name, description: null, size: s.size, type });
      await this.exclusive(() =>
        db.put(this.pool, 'volumes', {
          ...base,
          id: volumeId,
          path: this.volumePath(volumeId),
          status: 'available',
          bootable: s.bootable,
          volume_type_name: s.volume_type,
          replication_status: 'enabled',
          replica: { source_host: s.source_host, promoted: false },
        }),
      );
      this.log(`replica ${volumeId} of ${s.source_host} created (${s.size} GiB)`);
    }
    await this.locks.run(volumeId, () => writeExtents(this.volumePath(volumeId), stage.extents, s.bytes, stage.reset));
    return this.update(volumeId, (v) => ({ ...v, size: s.size, bootable: s.bootable, name: s.name, replicated_at: s.replicated_at }));
  }

  /** PUT os-services/failover_host: every replica here becomes a writable, attachable volume. */
  async failoverHost(body: unknown): Promise<number> {
    const r = FailoverSchema.safeParse(body);
    if (!r.success) throw badRequest(`Invalid input: 'host' is a required property`);
    this.checkHost(r.data.host);
    if (r.data.backend_id === 'default') throw badRequest('Failback (backend_id "default") is not supported by this emulation: the primary site is gone.');
    const replicas = await this.exclusive(async () => {
      const all = (await this.listVolumes()).filter((v) => v.replica && !v.replica.promoted);
      for (const v of all) {
        this.staged.drop(v.id); // a pass not finished before the failover never lands
        await db.put(this.pool, 'volumes', {
          ...v,
          replication_status: 'failed-over',
          replica: { source_host: v.replica!.source_host, promoted: true },
          admin_metadata: this.cfg.backendRef === false ? { ...v.admin_metadata } : { ...v.admin_metadata, backend_ref: JSON.stringify({ 'source-name': v.id }), backend_path: v.path, replication_source: `${v.replica!.source_host}/${v.id}` },
          updated_at: now(),
        });
      }
      return all;
    });
    this.log(`failover_host ${r.data.host} (backend ${r.data.backend_id ?? '-'}): ${replicas.length} replicas promoted`);
    return replicas.length;
  }
}
