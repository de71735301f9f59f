// Cinder's chunked backup driver (cinder/backup/chunkeddriver.py with the
// Swift driver's naming), in the layout a real Cinder leaves in Swift, so
// `swift list volumebackups` shows real-looking backups:
//
//   <prefix>-00001, -00002, ...  data: an extent of the volume each, zlib
//                                (or 'none' when zlib does not shrink it)
//   <prefix>_sha256file          {chunk_size: 32768, sha256s: [one per block], ...}
//   <prefix>_metadata            {objects: [{<name>: {offset, length, compression, md5}}], ...}
//
// prefix = volume_<volume id>/<UTC %Y%m%d%H%M%S>/az_<az>_backup_<backup id>.
// Both JSON objects are written as Python's json.dumps(sort_keys=True,
// indent=2) writes them. A full backup cuts the volume into objects of at
// most objectSize bytes; an incremental one reads each objectSize chunk,
// hashes its 32 KiB blocks and sends only the runs of blocks whose hash
// differs from the parent's sha256file, each run an object with its offset.
//
// Decisions:
// - _metadata is written last, after _sha256file (as Cinder's
//   _finalize_backup does): a backup cut mid-way (site lost, link cut) has
//   no _metadata, and isComplete() says so. Restore refuses it too.
// - Restore checks each object's MD5 (of the uncompressed data, as the
//   metadata records it) and length; Cinder's restore does not, but a
//   restore that silently writes a corrupted extent is what the DR checks
//   exist to catch. Any mismatch throws naming the object.
// - The store is an interface (ObjectStore): SwiftClient in production, a
//   map in unit tests.
// - bytesSent counts volume bytes sent (extent lengths, before compression:
//   what the incremental logic decides); bytesStored the data objects'
//   stored size (after compression: what crossed the WAN, JSON aside).
import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { deflateSync, inflateSync } from 'node:zlib';
import { z } from 'zod';

export const DEFAULT_CONTAINER = 'volumebackups';
/** backup_swift_block_size: the unit of change detection. */
export const BLOCK_SIZE = 32768;
/** backup_swift_object_size: the most volume bytes in one data object. */
export const DEFAULT_OBJECT_SIZE = 52428800;
export const DRIVER_VERSION = '1.0.0';

/** What the driver needs of an object store (SwiftClient has it). getObject throws on a missing object. */
export interface ObjectStore {
  ensureContainer(name: string): Promise<void>;
  putObject(container: string, name: string, body: Buffer, headers?: Record<string, string>): Promise<{ etag: string }>;
  getObject(container: string, name: string): Promise<Buffer>;
  headObject(container: string, name: string): Promise<unknown>;
  listObjects(container: string, prefix?: string): Promise<string[]>;
}

export interface BackupParent {
  readonly prefix: string;
  readonly sha256s: readonly string[];
}

export interface BackupOptions {
  readonly store: ObjectStore;
  readonly container: string;
  readonly volumeId: string;
  readonly backupId: string;
  readonly name: string;
  readonly description: string;
  readonly az: string;
  readonly createdAt: Date;
  /** The volume: a file path. */
  readonly source: string;
  /** null: a full backup; otherwise incremental against this backup. */
  readonly parent: BackupParent | null;
  /** The parent's backup id, recorded as parent_id (default: read from the parent's _metadata). */
  readonly parentId?: string | null;
  /** Volume metadata JSON (Cinder's volume_meta), default null. */
  readonly volumeMeta?: string | null;
  readonly objectSize?: number;
}

export interface BackupOutcome {
  readonly prefix: string;
  readonly sha256s: string[];
  /** Data objects written. */
  readonly objects: number;
  readonly bytesRead: number;
  /** Volume bytes sent (extent lengths, uncompressed). */
  readonly bytesSent: number;
  /** Stored size of the data objects (after compression). */
  readonly bytesStored: number;
  /** Blocks sent: all of them in a full backup, the changed ones in an incremental. */
  readonly changedBlocks: number;
  readonly totalBlocks: number;
}

const ObjectEntry = z.object({ offset: z.number().int().nonnegative(), length: z.number().int().nonnegative(), compression: z.string(), md5: z.string() });
const MetadataSchema = z.object({
  version: z.string(),
  backup_id: z.string(),
  volume_id: z.string(),
  parent_id: z.string().nullable(),
  objects: z.array(z.record(z.string(), ObjectEntry)),
});
type Metadata = z.infer<typeof MetadataSchema>;
const Sha256fileSchema = z.object({ chunk_size: z.number().int().positive(), sha256s: z.array(z.string()) });

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** The Swift driver's object prefix; the timestamp is createdAt in UTC. */
export function objectPrefix(volumeId: string, createdAt: Date, az: string, backupId: string): string {
  const d = createdAt;
  const ts = `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
  return `volume_${volumeId}/${ts}/az_${az}_backup_${backupId}`;
}

export const metadataName = (prefix: string) => `${prefix}_metadata`;
export const sha256fileName = (prefix: string) => `${prefix}_sha256file`;
export const dataObjectName = (prefix: string, n: number) => `${prefix}-${pad(n, 5)}`;

/** str() of a UTC-aware Python datetime: "2026-12-02 19:24:47+00:00" (microseconds only when not zero). */
export function pythonDatetime(d: Date): string {
  const base = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  const ms = d.getUTCMilliseconds();
  return `${base}${ms ? `.${pad(ms * 1000, 6)}` : ''}+00:00`;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

/** json.dumps(v, sort_keys=True, indent=2): Python's separators are JSON.stringify's with an indent; ensure_ascii escapes all but printable ASCII. */
export function pythonJson(v: unknown): string {
  return JSON.stringify(sortKeys(v), null, 2).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Cinder's _prepare_output_data: zlib unless it does not shrink the data. */
function compress(data: Buffer): { compression: 'zlib' | 'none'; body: Buffer } {
  const z = deflateSync(data);
  return z.length < data.length ? { compression: 'zlib', body: z } : { compression: 'none', body: data };
}

async function readJson(store: ObjectStore, container: string, name: string): Promise<unknown> {
  let raw: Buffer;
  try {
    raw = await store.getObject(container, name);
  } catch (e) {
    throw new Error(`${container}/${name}: cannot read it: ${e instanceof Error ? e.message : String(e)}`);
  }
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    throw new Error(`${container}/${name}: not JSON`);
  }
}

async function readMetadata(store: ObjectStore, container: string, prefix: string): Promise<Metadata> {
  const name = metadataName(prefix);
  const parsed = MetadataSchema.safeParse(await readJson(store, container, name));
  if (!parsed.success) throw new Error(`${container}/${name}: not a backup metadata object: ${parsed.error.issues[0]?.message ?? ''}`);
  return parsed.data;
}

/** The parent's sha256 list as its _sha256file holds it (for callers that did not keep it). */
export async function readSha256s(store: ObjectStore, container: string, prefix: string): Promise<string[]> {
  const name = sha256fileName(prefix);
  const parsed = Sha256fileSchema.safeParse(await readJson(store, container, name));
  if (!parsed.success) throw new Error(`${container}/${name}: not a sha256file`);
  if (parsed.data.chunk_size !== BLOCK_SIZE) throw new Error(`${container}/${name}: hash block size ${parsed.data.chunk_size}, this driver uses ${BLOCK_SIZE}: do a full backup`);
  return parsed.data.sha256s;
}

/** Full (parent null) or incremental backup of `source` into the store, in Cinder's layout; _metadata last. */
export async function backupVolume(o: BackupOptions): Promise<BackupOutcome> {
  const objectSize = o.objectSize ?? DEFAULT_OBJECT_SIZE;
  if (!Number.isInteger(objectSize) || objectSize <= 0 || objectSize % BLOCK_SIZE !== 0) {
    throw new Error(`object size ${objectSize} is not a positive multiple of the hash block size ${BLOCK_SIZE}`);
  }
  const prefix = objectPrefix(o.volumeId, o.createdAt, o.az, o.backupId);
  const size = (await stat(o.source)).size;
  const totalBlocks = Math.ceil(size / BLOCK_SIZE);
  const parentShas = o.parent?.sha256s ?? null;
  if (parentShas && totalBlocks > parentShas.length) {
    throw new Error(`volume ${o.volumeId} grew since the parent backup ${o.parent!.prefix} (${totalBlocks} blocks, parent ${parentShas.length}): do a full backup`);
  }
  const parentId = o.parent ? (o.parentId ?? (await readMetadata(o.store, o.container, o.parent.prefix)).backup_id) : null;

  await o.store.ensureContainer(o.container);
  const objects: Record<string, z.infer<typeof ObjectEntry>>[] = [];
  const sha256s: string[] = [];
  let bytesRead = 0;
  let bytesSent = 0;
  let bytesStored = 0;
  let changedBlocks = 0;

  const put = async (data: Buffer, offset: number) => {
    const name = dataObjectName(prefix, objects.length + 1);
    const { compression, body } = compress(data);
    await o.store.putObject(o.container, name, body);
    objects.push({ [name]: { offset, length: data.length, compression, md5: md5(data) } });
    bytesSent += data.length;
    bytesStored += body.length;
  };

  const fh = await open(o.source, 'r');
  try {
    const buf = Buffer.alloc(objectSize);
    for (let offset = 0; ; ) {
      const { bytesRead: n } = await fh.read(buf, 0, objectSize, offset);
      if (n === 0) break;
      const data = buf.subarray(0, n);
      bytesRead += n;
      const first = sha256s.length;
      for (let off = 0; off < n; off += BLOCK_SIZE) sha256s.push(sha256(data.subarray(off, Math.min(off + BLOCK_SIZE, n))));
      if (!parentShas) {
        changedBlocks += sha256s.length - first;
        await put(Buffer.from(data), offset);
      } else {
        // Runs of blocks whose hash differs from the parent's, one object each.
        let start = -1;
        for (let i = first; i <= sha256s.length; i++) {
          const changed = i < sha256s.length && sha256s[i] !== parentShas[i];
          if (changed) changedBlocks++;
          if (changed && start < 0) start = i;
          if (!changed && start >= 0) {
            const from = (start - first) * BLOCK_SIZE;
            const to = Math.min((i - first) * BLOCK_SIZE, n);
            await put(Buffer.from(data.subarray(from, to)), offset + from);
            start = -1;
          }
        }
      }
      offset += n;
      if (n < objectSize) break;
    }
  } finally {
    await fh.close();
  }

  const common = {
    version: DRIVER_VERSION,
    backup_id: o.backupId,
    volume_id: o.volumeId,
    backup_name: o.name,
    backup_description: o.description,
    created_at: pythonDatetime(o.createdAt),
  };
  await o.store.putObject(o.container, sha256fileName(prefix), Buffer.from(pythonJson({ ...common, chunk_size: BLOCK_SIZE, sha256s })));
  await o.store.putObject(o.container, metadataName(prefix), Buffer.from(pythonJson({ ...common, objects, parent_id: parentId, volume_meta: o.volumeMeta ?? null })));
  return { prefix, sha256s, objects: objects.length, bytesRead, bytesSent, bytesStored, changedBlocks, totalBlocks };
}

export interface RestoreOptions {
  readonly store: ObjectStore;
  readonly container: string;
  /** Prefixes of the chain, the full backup first, each the parent of the next. */
  readonly chain: readonly string[];
  /** Destination file path (created if missing, set to `size` bytes). */
  readonly dest: string;
  readonly size: number;
}

/** Applies the chain full -> latest onto dest, checking every object's length and MD5; throws naming the object on any mismatch. */
export async function restoreBackup(o: RestoreOptions): Promise<{ objects: number; bytesWritten: number }> {
  if (o.chain.length === 0) throw new Error('restore: empty backup chain');
  // Read every _metadata first: a chain with an incomplete link is refused before dest is touched.
  const metas: Metadata[] = [];
  for (const [i, prefix] of o.chain.entries()) {
    const m = await readMetadata(o.store, o.container, prefix);
    const parent = i === 0 ? null : metas[i - 1]!.backup_id;
    if (m.parent_id !== parent) {
      throw new Error(`${o.container}/${metadataName(prefix)}: parent_id ${m.parent_id ?? 'null'}, but the chain puts it after ${parent ?? 'nothing (a full backup)'}`);
    }
    metas.push(m);
  }
  let objects = 0;
  let bytesWritten = 0;
  const fh = await open(o.dest, 'r+').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return open(o.dest, 'w+');
    throw e;
  });
  try {
    await fh.truncate(o.size);
    for (const m of metas) {
      for (const entry of m.objects) {
        for (const [name, meta] of Object.entries(entry)) {
          let stored: Buffer;
          try {
            stored = await o.store.getObject(o.container, name);
          } catch (e) {
            throw new Error(`${o.container}/${name}: cannot read it: ${e instanceof Error ? e.message : String(e)}`);
          }
          let data: Buffer;
          if (meta.compression === 'zlib') {
            try {
              data = inflateSync(stored);
            } catch {
              throw new Error(`${o.container}/${name}: corrupt (zlib data does not inflate)`);
            }
          } else if (meta.compression === 'none') {
            data = stored;
          } else {
            throw new Error(`${o.container}/${name}: unknown compression ${meta.compression}`);
          }
          if (data.length !== meta.length) throw new Error(`${o.container}/${name}: ${data.length} bytes, the metadata says ${meta.length}`);
          const sum = md5(data);
          if (sum !== meta.md5) throw new Error(`${o.container}/${name}: md5 ${sum}, the metadata says ${meta.md5}`);
          if (meta.offset + data.length > o.size) throw new Error(`${o.container}/${name}: extent ${meta.offset}+${data.length} beyond the volume size ${o.size}`);
          await fh.write(data, 0, data.length, meta.offset);
          objects++;
          bytesWritten += data.length;
        }
      }
    }
  } finally {
    await fh.close();
  }
  return { objects, bytesWritten };
}

/** True when the backup's _metadata is there and names only objects that are there (a cut backup has no _metadata). */
export async function isComplete(store: ObjectStore, container: string, prefix: string): Promise<boolean> {
  if ((await store.headObject(container, metadataName(prefix))) === null) return false;
  let meta: Metadata;
  try {
    meta = await readMetadata(store, container, prefix);
  } catch {
    return false;
  }
  const present = new Set(await store.listObjects(container, prefix));
  if (!present.has(sha256fileName(prefix))) return false;
  return meta.objects.every((entry) => Object.keys(entry).every((name) => present.has(name)));
}

/**
 * The driver bound to one store, in the shape the volume service's backup
 * target takes (backups.ts BackupTarget): e.g.
 * chunkedBackupTarget(SwiftClient.lazy({authUrl, user, key})).
 */
export function chunkedBackupTarget(store: ObjectStore): {
  backup(o: Omit<BackupOptions, 'store'>): Promise<BackupOutcome>;
  restore(o: Omit<RestoreOptions, 'store'>): Promise<void>;
  isComplete(container: string, prefix: string): Promise<boolean>;
} {
  return {
    backup: (o) => backupVolume({ ...o, store }),
    restore: async (o) => void (await restoreBackup({ ...o, store })),
    isComplete: (container, prefix) => isComplete(store, container, prefix),
  };
}
