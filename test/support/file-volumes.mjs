// A small file-backed VolumeBackend for compute's tests, until the volume
// service lands: a volume is <dir>/<id>.img (its bytes) and <dir>/<id>.json
// ({id, name, bootable, size, status, attachedTo}); a snapshot is a copy in
// <dir>/snapshots/<id>.img. Plain JS with Node built-ins only, because the
// controller loads it (--volume-backend-module) from the read-only project
// mount, where nothing is compiled; types in file-volumes.d.mts. The host
// side of a test creates volumes in the bind-mounted run dir with
// createVolume() and reads their bytes back with the same paths.
import { randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync, closeSync, openSync, ftruncateSync } from 'node:fs';
import { join } from 'node:path';

function readMeta(dir, id) {
  const f = join(dir, `${id}.json`);
  if (!/^[0-9a-zA-Z-]+$/.test(id) || !existsSync(f)) throw new Error(`volume ${id} not found`);
  return JSON.parse(readFileSync(f, 'utf8'));
}

function writeMeta(dir, meta) {
  const f = join(dir, `${meta.id}.json`);
  writeFileSync(`${f}.tmp`, JSON.stringify(meta));
  renameSync(`${f}.tmp`, f);
}

/** Creates a zero-filled volume of `size` bytes in `dir`; returns its id. */
export function createVolume(dir, { size, bootable = false, name = '', id = randomUUID() }) {
  mkdirSync(dir, { recursive: true });
  const fd = openSync(join(dir, `${id}.img`), 'w');
  ftruncateSync(fd, size);
  closeSync(fd);
  writeMeta(dir, { id, name, bootable, size, status: 'available', attachedTo: null });
  return id;
}

export function volumePath(dir, id) {
  return join(dir, `${id}.img`);
}

export function createVolumeBackend({ runDir }) {
  const dir = join(runDir, 'volumes');
  mkdirSync(join(dir, 'snapshots'), { recursive: true });
  return {
    async attach(volumeId, serverId) {
      const m = readMeta(dir, volumeId);
      if (m.attachedTo !== null && m.attachedTo !== serverId) throw new Error(`volume ${volumeId} is attached to ${m.attachedTo}`);
      writeMeta(dir, { ...m, status: 'in-use', attachedTo: serverId });
      return { path: volumePath(dir, volumeId) };
    },
    async detach(volumeId, serverId) {
      const m = readMeta(dir, volumeId);
      if (m.attachedTo !== serverId) throw new Error(`volume ${volumeId} is not attached to ${serverId}`);
      writeMeta(dir, { ...m, status: 'available', attachedTo: null });
    },
    async snapshot(volumeId, name) {
      readMeta(dir, volumeId);
      const id = randomUUID();
      copyFileSync(volumePath(dir, volumeId), join(dir, 'snapshots', `${id}.img`));
      writeFileSync(join(dir, 'snapshots', `${id}.json`), JSON.stringify({ id, name, volumeId }));
      return { id };
    },
    async getVolume(volumeId) {
      const m = readMeta(dir, volumeId);
      return { id: m.id, bootable: m.bootable, status: m.status, size: m.size, path: volumePath(dir, volumeId) };
    },
    async createFromSnapshot(snapshotId, name) {
      const s = JSON.parse(readFileSync(join(dir, 'snapshots', `${snapshotId}.json`), 'utf8'));
      const src = readMeta(dir, s.volumeId);
      const id = randomUUID();
      copyFileSync(join(dir, 'snapshots', `${snapshotId}.img`), volumePath(dir, id));
      writeMeta(dir, { id, name, bootable: src.bootable, size: src.size, status: 'available', attachedTo: null });
      return { id };
    },
  };
}
