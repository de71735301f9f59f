// Cinder backups over a BackupTarget (the chunked Swift driver on the
// backup site's object store, across the WAN). Creation and restore run
// asynchronously, as in Cinder: the API answers 202 at `creating` /
// `restoring`. A backup becomes `available` only once the driver returned
// and the store holds it complete (its _metadata object, written last, and
// every object it lists); anything else is `error` with the reason, and no
// restore or incremental ever uses it.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { backupNotFound, badRequest, CinderError, invalidBackup, invalidVolume } from './errors.js';
import { copyFile, removeFile } from './files.js';
import { SWIFT_BACKUP_SERVICE, decodeRecord, encodeRecord, type BackupRecord } from './record.js';
import { now, parseBody, type VolumeService } from './service.js';
import * as db from './store.js';
import type { BackupRec, VolumeRec } from './store.js';
import { BackupCreateSchema, BackupRecordBodySchema, RestoreSchema } from './types.js';
import { AZ } from './views.js';

export const DEFAULT_CONTAINER = 'volumebackups';

export interface BackupResult {
  readonly prefix: string;
  readonly sha256s: readonly string[];
  readonly objects: number;
  readonly bytesSent: number;
  readonly changedBlocks: number;
  readonly totalBlocks: number;
}

/** What the backup service needs of the driver and its object store. */
export interface BackupTarget {
  backup(o: {
    container: string;
    volumeId: string;
    backupId: string;
    name: string;
    description: string;
    az: string;
    createdAt: Date;
    source: string;
    parent: { prefix: string; sha256s: string[] } | null;
    parentId: string | null;
    /** Cinder's volume_meta (JSON) in the backup's _metadata object. */
    volumeMeta: string;
  }): Promise<BackupResult>;
  restore(o: { container: string; chain: string[]; dest: string; size: number }): Promise<void>;
  isComplete(container: string, prefix: string): Promise<boolean>;
}

export class BackupService {
  private readonly svc: VolumeService;
  private readonly target: BackupTarget | null;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(svc: VolumeService, target: BackupTarget | null) {
    this.svc = svc;
    this.target = target;
  }

  private get pool() {
    return this.svc.pool;
  }

  private need(): BackupTarget {
    if (!this.target) throw new CinderError(503, 'Service cinder-backup could not be found: this site was started without --backup-swift-url.');
    return this.target;
  }

  /** Interrupted work of a killed process: a backup never finished is not trusted. */
  async start(): Promise<void> {
    for (const b of await db.list(this.pool, 'backups')) {
      if (b.status === 'creating') await db.put(this.pool, 'backups', { ...b, status: 'error', fail_reason: 'interrupted: the services process stopped during the backup', updated_at: now() });
      if (b.status === 'restoring') await db.put(this.pool, 'backups', { ...b, status: 'available', updated_at: now() });
    }
  }

  /** Waits for the background work started so far (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private background(what: string, fn: () => Promise<void>): void {
    const p = fn()
      .catch((e: unknown) => this.svc.log(`${what}: ${String(e)}`))
      .finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  async get(id: string): Promise<BackupRec> {
    const b = await db.get(this.pool, 'backups', id);
    if (!b) throw backupNotFound(id);
    return b;
  }
  list(): Promise<BackupRec[]> {
    return db.list(this.pool, 'backups');
  }
  async hasDependents(id: string, all?: readonly BackupRec[]): Promise<boolean> {
    return (all ?? (await this.list())).some((b) => b.parent_id === id);
  }

  private put(b: BackupRec): Promise<void> {
    return this.svc.exclusive(() => db.put(this.pool, 'backups', { ...b, updated_at: now() }));
  }

  // -------------------------------------------------------------- create

  async create(body: unknown, project: string | undefined): Promise<BackupRec> {
    const req = parseBody(BackupCreateSchema, body, 'backup');
    const v = await this.svc.volume(req.volume_id);
    const target = this.need();
    const snap = req.snapshot_id ? await this.svc.snapshotRec(req.snapshot_id) : null;
    if (snap && snap.volume_id !== v.id) throw invalidBackup(`Snapshot ${snap.id} is not a snapshot of volume ${v.id}.`);
    if (snap && snap.status !== 'available') throw invalidBackup(`Snapshot to be backed up must be available, but the current status is "${snap.status}".`);
    if (!snap && v.status !== 'available' && !(v.status === 'in-use' && req.force)) {
      throw invalidVolume(v.status === 'in-use' ? 'Backing up an in-use volume must use the force flag.' : `Volume to be backed up must be available or in-use, but the current status is "${v.status}".`);
    }
    const container = req.container ?? DEFAULT_CONTAINER;
    let parent: BackupRec | null = null;
    if (req.incremental) {
      // Cinder's parent: the newest available backup of the volume (by data_timestamp).
      parent =
        (await this.list())
          .filter((b) => b.volume_id === v.id && b.status === 'available' && b.sha256s !== null && b.service_metadata !== null && b.container === container)
          .sort((a, b) => b.data_timestamp.localeCompare(a.data_timestamp))[0] ?? null;
      if (!parent) throw invalidBackup('No backups available to do an incremental backup.');
    }
    const t = now();
    const b: BackupRec = {
      id: randomUUID(),
      project_id: project ?? v.project_id,
      name: req.name ?? null,
      description: req.description ?? null,
      status: 'creating',
      volume_id: v.id,
      snapshot_id: snap?.id ?? null,
      size: v.size,
      container,
      availability_zone: AZ,
      parent_id: parent?.id ?? null,
      service_metadata: null,
      object_count: 0,
      sha256s: null,
      fail_reason: null,
      bytes_sent: null,
      changed_blocks: null,
      total_blocks: null,
      duration_ms: null,
      imported: false,
      bootable: v.bootable,
      created_at: t,
      updated_at: null,
      data_timestamp: snap?.created_at ?? t,
    };
    await this.put(b);
    this.background(`backup ${b.id}`, () => this.run(target, b, v, snap?.path ?? null, parent));
    return b;
  }

  private async run(target: BackupTarget, b: BackupRec, v: VolumeRec, snapshotPath: string | null, parent: BackupRec | null): Promise<void> {
    const t0 = performance.now();
    // The volume's data as of now, copied under its write lock (Cinder backs an in-use volume up from a temporary snapshot).
    const temp = snapshotPath ?? join(this.svc.cfg.runDir, 'backup-tmp', b.id);
    try {
      if (!snapshotPath) await this.svc.locks.run(v.id, () => copyFile(v.path, temp));
      const r = await target.backup({
        container: b.container,
        volumeId: v.id,
        backupId: b.id,
        name: b.name ?? '',
        description: b.description ?? '',
        az: b.availability_zone,
        createdAt: new Date(),
        source: temp,
        parent: parent ? { prefix: parent.service_metadata!, sha256s: [...parent.sha256s!] } : null,
        parentId: parent?.id ?? null,
        volumeMeta: JSON.stringify({ 'volume-base-metadata': { id: v.id, display_name: v.name, size: v.size, bootable: v.bootable, volume_type_id: v.volume_type_id }, 'volume-metadata': v.metadata }),
      });
      if (!(await target.isComplete(b.container, r.prefix))) throw new Error(`the object store does not hold ${r.prefix} complete after the upload`);
      const ms = performance.now() - t0;
      await this.put({
        ...b,
        status: 'available',
        service_metadata: r.prefix,
        object_count: r.objects,
        sha256s: [...r.sha256s],
        bytes_sent: r.bytesSent,
        changed_blocks: r.changedBlocks,
        total_blocks: r.totalBlocks,
        duration_ms: ms,
      });
      this.svc.log(`backup ${b.id} of ${v.id} ${parent ? `(incremental on ${parent.id})` : '(full)'}: ${r.changedBlocks}/${r.totalBlocks} blocks, ${r.bytesSent} bytes sent, ${r.objects} objects, ${ms.toFixed(0)} ms`);
    } catch (err) {
      const ms = performance.now() - t0;
      await this.put({ ...b, status: 'error', fail_reason: (err as Error).message, duration_ms: ms });
      this.svc.log(`backup ${b.id} of ${v.id} failed after ${ms.toFixed(0)} ms: ${(err as Error).message}`);
    } finally {
      if (!snapshotPath) await removeFile(temp);
    }
  }

  // -------------------------------------------------------------- delete

  async delete(id: string): Promise<void> {
    await this.svc.exclusive(async () => {
      const b = await this.get(id);
      if (!['available', 'error'].includes(b.status)) throw invalidBackup(`Backup status must be available or error, but the current status is "${b.status}".`);
      if (await this.hasDependents(id)) throw invalidBackup('Incremental backups exist for this backup.');
      // The objects stay in the store: the record goes (this emulation's driver has no delete).
      await db.remove(this.pool, 'backups', id);
    });
  }

  // ------------------------------------------------------------- restore

  /** The chain full -> `b`, every link known here and available. */
  private async chain(b: BackupRec): Promise<BackupRec[]> {
    const out: BackupRec[] = [b];
    for (let cur = b; cur.parent_id !== null; ) {
      const p = await db.get(this.pool, 'backups', cur.parent_id);
      if (!p) throw invalidBackup(`Parent backup ${cur.parent_id} of ${cur.id} is not known in this site: import its record first.`);
      // A parent being restored elsewhere at the same time is still whole in the store.
      if (!['available', 'restoring'].includes(p.status) || p.service_metadata === null) throw invalidBackup(`Parent backup ${p.id} is ${p.status}.`);
      out.unshift(p);
      cur = p;
    }
    return out;
  }

  async restore(id: string, body: unknown): Promise<{ backup_id: string; volume_id: string; volume_name: string | null }> {
    const req = parseBody(RestoreSchema, body, 'restore');
    const target = this.need();
    const b = await this.get(id);
    if (b.status !== 'available' || b.service_metadata === null) throw invalidBackup(`Backup status must be available, but the current status is "${b.status}".`);
    const chain = await this.chain(b);
    let v: VolumeRec;
    if (req.volume_id) {
      v = await this.svc.volume(req.volume_id);
      if (v.status !== 'available') throw invalidVolume(`Volume to be restored to must be available, but the current status is "${v.status}".`);
      if (v.size < b.size) throw invalidVolume(`volume size ${v.size} is smaller than backup size ${b.size}.`);
      v = await this.svc.update(v.id, (x) => ({ ...x, status: 'restoring-backup' }));
    } else {
      const name = req.name ?? `restore_backup_${b.id}`;
      v = await this.svc.createVolume({ volume: { size: b.size, name } }, b.project_id);
      v = await this.svc.update(v.id, (x) => ({ ...x, status: 'restoring-backup' }));
    }
    await this.put({ ...b, status: 'restoring' });
    const dest = v;
    this.background(`restore of ${b.id}`, async () => {
      const t0 = performance.now();
      try {
        await this.svc.locks.run(dest.id, () => target.restore({ container: b.container, chain: chain.map((c) => c.service_metadata!), dest: dest.path, size: dest.size * this.svc.cfg.gibBytes }));
        await this.svc.update(dest.id, (x) => ({ ...x, status: 'available', bootable: b.bootable }));
        this.svc.log(`restore of backup ${b.id} (chain of ${chain.length}) into ${dest.id}: ${(performance.now() - t0).toFixed(0)} ms`);
      } catch (err) {
        await this.svc.update(dest.id, (x) => ({ ...x, status: 'error_restoring' }));
        this.svc.log(`restore of backup ${b.id} into ${dest.id} failed: ${(err as Error).message}`);
      } finally {
        const cur = await this.get(b.id);
        await this.put({ ...cur, status: 'available' });
      }
    });
    return { backup_id: b.id, volume_id: v.id, volume_name: v.name };
  }

  // ------------------------------------------------------ export, import

  async exportRecord(id: string): Promise<{ backup_service: string; backup_url: string }> {
    const b = await this.get(id);
    if (b.status !== 'available' || b.service_metadata === null) throw invalidBackup(`Backup status must be available and not restoring, but the current status is "${b.status}".`);
    const rec: BackupRecord = {
      id: b.id,
      volume_id: b.volume_id,
      display_name: b.name,
      display_description: b.description,
      size: b.size,
      container: b.container,
      service_metadata: b.service_metadata,
      parent_id: b.parent_id,
      object_count: b.object_count,
      availability_zone: b.availability_zone,
      created_at: b.created_at,
      data_timestamp: b.data_timestamp,
      bootable: b.bootable,
      ...(b.sha256s ? { 'msh:sha256s': [...b.sha256s] } : {}),
    };
    return { backup_service: SWIFT_BACKUP_SERVICE, backup_url: encodeRecord(rec) };
  }

  async importRecord(body: unknown, project: string | undefined): Promise<BackupRec> {
    const req = parseBody(BackupRecordBodySchema, body, 'backup-record');
    if (req.backup_service !== SWIFT_BACKUP_SERVICE) throw badRequest(`Invalid input received: Backup service ${req.backup_service} is not supported (this site has ${SWIFT_BACKUP_SERVICE}).`);
    const rec = decodeRecord(req.backup_url);
    if ('error' in rec) throw badRequest(`Invalid input received: ${rec.error}`);
    const target = this.need();
    if (await db.get(this.pool, 'backups', rec.id)) throw invalidBackup(`Backup ${rec.id} already exists in database.`);
    // Trust only what the store holds complete.
    const complete = await target.isComplete(rec.container, rec.service_metadata).catch((e: unknown) => {
      throw new CinderError(503, `The object store could not be read: ${(e as Error).message}`);
    });
    const t = now();
    const b: BackupRec = {
      id: rec.id,
      project_id: project ?? this.svc.cfg.defaultProject,
      name: rec.display_name,
      description: rec.display_description,
      status: complete ? 'available' : 'error',
      volume_id: rec.volume_id,
      snapshot_id: null,
      size: rec.size,
      container: rec.container,
      availability_zone: rec.availability_zone ?? AZ,
      parent_id: rec.parent_id,
      service_metadata: rec.service_metadata,
      object_count: rec.object_count,
      sha256s: rec['msh:sha256s'] ?? null,
      fail_reason: complete ? null : `the object store does not hold ${rec.service_metadata} complete`,
      bytes_sent: null,
      changed_blocks: null,
      total_blocks: null,
      duration_ms: null,
      imported: true,
      bootable: rec.bootable === true,
      created_at: t,
      updated_at: null,
      data_timestamp: rec.data_timestamp,
    };
    await this.put(b);
    this.svc.log(`backup ${b.id} imported (${b.status}): ${b.service_metadata} in ${b.container}`);
    return b;
  }
}
