// The chunked backup driver against an in-memory object store: the layout
// Cinder leaves in Swift, incremental backups sending only changed blocks,
// restore of a chain byte for byte, and refusing what is corrupt or cut.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BLOCK_SIZE,
  backupVolume,
  chunkedBackupTarget,
  dataObjectName,
  isComplete,
  metadataName,
  objectPrefix,
  pythonDatetime,
  pythonJson,
  restoreBackup,
  sha256fileName,
  type ObjectStore,
} from '../../harness/services/volume/backup-driver.js';

class MemoryStore implements ObjectStore {
  readonly objects = new Map<string, Buffer>();
  readonly puts: string[] = [];
  async ensureContainer(): Promise<void> {}
  async putObject(container: string, name: string, body: Buffer): Promise<{ etag: string }> {
    this.objects.set(`${container}/${name}`, Buffer.from(body));
    this.puts.push(name);
    return { etag: createHash('md5').update(body).digest('hex') };
  }
  async getObject(container: string, name: string): Promise<Buffer> {
    const b = this.objects.get(`${container}/${name}`);
    if (!b) throw Object.assign(new Error(`GET ${container}/${name}: HTTP 404`), { status: 404 });
    return b;
  }
  async headObject(container: string, name: string): Promise<unknown> {
    return this.objects.has(`${container}/${name}`) ? {} : null;
  }
  async listObjects(container: string, prefix = ''): Promise<string[]> {
    return [...this.objects.keys()]
      .filter((k) => k.startsWith(`${container}/${prefix}`))
      .map((k) => k.slice(container.length + 1))
      .sort();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'msh-backup-driver-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const C = 'volumebackups';
const VOL = 'b6f1c6f0-5b2a-4c38-9d4e-2f0b6f6a0001';
const BLOCKS = 40;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A volume half random (incompressible) and half zeros (compressible). */
function volume(path: string): Buffer {
  const data = Buffer.concat([randomBytes((BLOCKS / 2) * BLOCK_SIZE), Buffer.alloc((BLOCKS / 2) * BLOCK_SIZE)]);
  writeFileSync(path, data);
  return data;
}

const base = (store: ObjectStore, source: string, backupId: string, createdAt: Date) => ({
  store,
  container: C,
  volumeId: VOL,
  backupId,
  name: `b-${backupId}`,
  description: 'test',
  az: 'nova',
  createdAt,
  source,
  objectSize: 8 * BLOCK_SIZE,
});

describe('chunked backup driver', () => {
  it('names objects as the Swift driver does', () => {
    const at = new Date(Date.UTC(2026, 11, 2, 9, 5, 7));
    const prefix = objectPrefix(VOL, at, 'nova', 'bk1');
    expect(prefix).toBe(`volume_${VOL}/20261202090507/az_nova_backup_bk1`);
    expect(dataObjectName(prefix, 1)).toBe(`${prefix}-00001`);
    expect(metadataName(prefix)).toBe(`${prefix}_metadata`);
    expect(sha256fileName(prefix)).toBe(`${prefix}_sha256file`);
    expect(pythonDatetime(at)).toBe('2026-12-02 09:05:07+00:00');
    expect(pythonDatetime(new Date(Date.UTC(2026, 0, 1, 0, 0, 0, 250)))).toBe('2026-01-01 00:00:00.250000+00:00');
  });

  it('writes JSON as json.dumps(sort_keys=True, indent=2) does', () => {
    expect(pythonJson({ b: [1, { d: null, c: 'x' }], a: 'é', e: [] })).toBe('{\n  "a": "\\u00e9",\n  "b": [\n    1,\n    {\n      "c": "x",\n      "d": null\n    }\n  ],\n  "e": []\n}');
  });

  it('full backup, then an incremental after 2 blocks changed sends exactly those 2 blocks; restore of the chain is byte for byte', async () => {
    const store = new MemoryStore();
    const src = join(dir, 'vol1');
    const data = volume(src);
    const t1 = new Date(Date.UTC(2026, 11, 2, 10, 0, 0));
    const full = await backupVolume({ ...base(store, src, 'full1', t1), parent: null });
    expect(full.totalBlocks).toBe(BLOCKS);
    expect(full.changedBlocks).toBe(BLOCKS);
    expect(full.bytesRead).toBe(data.length);
    expect(full.bytesSent).toBe(data.length);
    expect(full.objects).toBe(BLOCKS / 8);
    expect(full.bytesStored).toBeLessThan(full.bytesSent); // the zero half compresses
    expect(full.sha256s).toHaveLength(BLOCKS);
    expect(full.sha256s[3]).toBe(sha(data.subarray(3 * BLOCK_SIZE, 4 * BLOCK_SIZE)));
    // _sha256file, then _metadata: last.
    expect(store.puts.slice(-2)).toEqual([sha256fileName(full.prefix), metadataName(full.prefix)]);

    const meta = JSON.parse(store.objects.get(`${C}/${metadataName(full.prefix)}`)!.toString()) as { objects: Record<string, { compression: string; offset: number; length: number; md5: string }>[] };
    const entries = meta.objects.map((o) => Object.entries(o)[0]!);
    expect(entries.map(([n]) => n)).toEqual([1, 2, 3, 4, 5].map((i) => dataObjectName(full.prefix, i)));
    // Random data does not shrink ('none'), zeros do ('zlib').
    expect(entries[0]![1]).toMatchObject({ offset: 0, length: 8 * BLOCK_SIZE, compression: 'none' });
    expect(entries[4]![1]).toMatchObject({ offset: 32 * BLOCK_SIZE, length: 8 * BLOCK_SIZE, compression: 'zlib' });
    expect(inflateSync(store.objects.get(`${C}/${entries[4]![0]}`)!).equals(data.subarray(32 * BLOCK_SIZE))).toBe(true);

    // Change block 5 (random half) and block 30 (zero half).
    const changed = Buffer.from(data);
    randomBytes(100).copy(changed, 5 * BLOCK_SIZE + 7);
    changed.fill(0xab, 30 * BLOCK_SIZE, 30 * BLOCK_SIZE + 10);
    writeFileSync(src, changed);
    store.puts.length = 0;
    const t2 = new Date(Date.UTC(2026, 11, 2, 11, 0, 0));
    const incr = await backupVolume({ ...base(store, src, 'incr1', t2), parent: { prefix: full.prefix, sha256s: full.sha256s } });
    expect(incr.changedBlocks).toBe(2);
    expect(incr.bytesSent).toBe(2 * BLOCK_SIZE);
    expect(incr.objects).toBe(2);
    expect(incr.bytesRead).toBe(data.length);
    expect(store.puts).toEqual([dataObjectName(incr.prefix, 1), dataObjectName(incr.prefix, 2), sha256fileName(incr.prefix), metadataName(incr.prefix)]);
    const imeta = JSON.parse(store.objects.get(`${C}/${metadataName(incr.prefix)}`)!.toString()) as { parent_id: string; objects: Record<string, { offset: number; length: number }>[] };
    expect(imeta.parent_id).toBe('full1');
    expect(imeta.objects.map((o) => Object.values(o)[0]!.offset)).toEqual([5 * BLOCK_SIZE, 30 * BLOCK_SIZE]);

    const dest = join(dir, 'restored1');
    const r = await restoreBackup({ store, container: C, chain: [full.prefix, incr.prefix], dest, size: changed.length });
    expect(r.objects).toBe(full.objects + incr.objects);
    expect(readFileSync(dest).equals(changed)).toBe(true);
    // The full backup alone gives the volume as it was.
    await restoreBackup({ store, container: C, chain: [full.prefix], dest, size: data.length });
    expect(readFileSync(dest).equals(data)).toBe(true);
  });

  it('an adjacent run of changed blocks is one extent object', async () => {
    const store = new MemoryStore();
    const src = join(dir, 'vol-run');
    const data = volume(src);
    const full = await backupVolume({ ...base(store, src, 'f', new Date(Date.UTC(2026, 0, 1))), parent: null });
    const changed = Buffer.from(data);
    changed.fill(1, 2 * BLOCK_SIZE, 5 * BLOCK_SIZE); // blocks 2, 3, 4
    writeFileSync(src, changed);
    const incr = await backupVolume({ ...base(store, src, 'i', new Date(Date.UTC(2026, 0, 2))), parent: { prefix: full.prefix, sha256s: full.sha256s } });
    expect(incr).toMatchObject({ objects: 1, changedBlocks: 3, bytesSent: 3 * BLOCK_SIZE });
  });

  it('a corrupted object fails the restore, naming it', async () => {
    const store = new MemoryStore();
    const src = join(dir, 'vol2');
    volume(src);
    const full = await backupVolume({ ...base(store, src, 'full2', new Date(Date.UTC(2026, 11, 2, 12))), parent: null });
    const victim = dataObjectName(full.prefix, 2);
    const b = store.objects.get(`${C}/${victim}`)!;
    b[100] = b[100]! ^ 0xff;
    await expect(restoreBackup({ store, container: C, chain: [full.prefix], dest: join(dir, 'restored2'), size: BLOCKS * BLOCK_SIZE })).rejects.toThrow(`${C}/${victim}: md5`);
    // A missing data object is named too.
    store.objects.delete(`${C}/${victim}`);
    expect(await isComplete(store, C, full.prefix)).toBe(false);
    await expect(restoreBackup({ store, container: C, chain: [full.prefix], dest: join(dir, 'restored2'), size: BLOCKS * BLOCK_SIZE })).rejects.toThrow(victim);
  });

  it('a backup without _metadata is incomplete and not restored', async () => {
    const store = new MemoryStore();
    const src = join(dir, 'vol3');
    volume(src);
    const full = await backupVolume({ ...base(store, src, 'full3', new Date(Date.UTC(2026, 11, 2, 13))), parent: null });
    expect(await isComplete(store, C, full.prefix)).toBe(true);
    store.objects.delete(`${C}/${metadataName(full.prefix)}`);
    expect(await isComplete(store, C, full.prefix)).toBe(false);
    await expect(restoreBackup({ store, container: C, chain: [full.prefix], dest: join(dir, 'restored3'), size: BLOCKS * BLOCK_SIZE })).rejects.toThrow(metadataName(full.prefix));
  });

  it('a chain out of order (incremental first) is refused', async () => {
    const store = new MemoryStore();
    const src = join(dir, 'vol4');
    volume(src);
    const full = await backupVolume({ ...base(store, src, 'full4', new Date(Date.UTC(2026, 11, 2, 14))), parent: null });
    const incr = await backupVolume({ ...base(store, src, 'incr4', new Date(Date.UTC(2026, 11, 2, 15))), parent: { prefix: full.prefix, sha256s: full.sha256s } });
    expect(incr.objects).toBe(0);
    await expect(restoreBackup({ store, container: C, chain: [incr.prefix, full.prefix], dest: join(dir, 'restored4'), size: BLOCKS * BLOCK_SIZE })).rejects.toThrow('parent_id full4');
  });

  it('metadata and sha256file are key-sorted JSON with indent 2 and the fields Cinder writes', async () => {
    const store = new MemoryStore();
    const src = join(dir, 'vol5');
    volume(src);
    const at = new Date(Date.UTC(2026, 11, 2, 16, 30, 0));
    const full = await backupVolume({ ...base(store, src, 'full5', at), parent: null });
    const metaText = store.objects.get(`${C}/${metadataName(full.prefix)}`)!.toString();
    const meta = JSON.parse(metaText) as Record<string, unknown>;
    expect(Object.keys(meta)).toEqual(['backup_description', 'backup_id', 'backup_name', 'created_at', 'objects', 'parent_id', 'version', 'volume_id', 'volume_meta']);
    expect(meta).toMatchObject({ version: '1.0.0', backup_id: 'full5', volume_id: VOL, backup_name: 'b-full5', backup_description: 'test', created_at: '2026-12-02 16:30:00+00:00', parent_id: null, volume_meta: null });
    expect(metaText).toBe(JSON.stringify(meta, null, 2));
    expect(metaText.split('\n')[1]).toBe('  "backup_description": "test",');
    const first = (meta['objects'] as Record<string, unknown>[])[0]!;
    expect(Object.keys(Object.values(first)[0] as object)).toEqual(['compression', 'length', 'md5', 'offset']);
    const shaText = store.objects.get(`${C}/${sha256fileName(full.prefix)}`)!.toString();
    const shaf = JSON.parse(shaText) as Record<string, unknown>;
    expect(Object.keys(shaf)).toEqual(['backup_description', 'backup_id', 'backup_name', 'chunk_size', 'created_at', 'sha256s', 'version', 'volume_id']);
    expect(shaf['chunk_size']).toBe(32768);
    expect(shaf['sha256s']).toEqual(full.sha256s);
    expect(shaText).toBe(JSON.stringify(shaf, null, 2));
  });

  it('chunkedBackupTarget binds the store: parent_id and volume_meta as given, restore and isComplete through it', async () => {
    const store = new MemoryStore();
    const target = chunkedBackupTarget(store);
    const src = join(dir, 'vol7');
    const data = volume(src);
    const { store: _s, ...opts } = base(store, src, 'full7', new Date(Date.UTC(2026, 11, 3)));
    const full = await target.backup({ ...opts, parent: null, parentId: null, volumeMeta: '{"version": 2}' });
    const incr = await target.backup({ ...opts, backupId: 'incr7', createdAt: new Date(Date.UTC(2026, 11, 4)), parent: { prefix: full.prefix, sha256s: full.sha256s }, parentId: 'full7', volumeMeta: '{}' });
    const meta = JSON.parse(store.objects.get(`${C}/${metadataName(incr.prefix)}`)!.toString()) as Record<string, unknown>;
    expect(meta).toMatchObject({ parent_id: 'full7', volume_meta: '{}' });
    expect(await target.isComplete(C, incr.prefix)).toBe(true);
    await target.restore({ container: C, chain: [full.prefix, incr.prefix], dest: join(dir, 'restored7'), size: data.length });
    expect(readFileSync(join(dir, 'restored7')).equals(data)).toBe(true);
  });

  it('refuses an incremental of a volume that grew, and an object size that is not a block multiple', async () => {
    const store = new MemoryStore();
    const src = join(dir, 'vol6');
    volume(src);
    const full = await backupVolume({ ...base(store, src, 'full6', new Date(Date.UTC(2026, 11, 2, 17))), parent: null });
    writeFileSync(src, Buffer.alloc((BLOCKS + 1) * BLOCK_SIZE));
    await expect(backupVolume({ ...base(store, src, 'incr6', new Date(Date.UTC(2026, 11, 2, 18))), parent: { prefix: full.prefix, sha256s: full.sha256s } })).rejects.toThrow('do a full backup');
    await expect(backupVolume({ ...base(store, src, 'x', new Date()), objectSize: 1000, parent: null })).rejects.toThrow('multiple');
  });
});
