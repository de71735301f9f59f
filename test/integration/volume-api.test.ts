// The volume API (Cinder v3 shapes) on the real thing: two controller
// containers (msh/base:current) on one bridge in a namespace the test owns,
// east (198.18.1.2) replicating to west (198.18.1.3), each running
// dist/services/main.js --no-network --no-identity --volume. Driven through
// the typed client over the bind-mounted unix sockets; the volumes' backing
// files are read and written from the host through the bind-mounted run
// dirs (a guest writing to its volume, as far as the API can tell).
//
// Runs the compiled code: build first (npx tsc -p tsconfig.json).
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CinderClientError, VolumeClient, type Backup, type Volume, type VolumeType } from '../../harness/clients/volume.js';
import { DIST, MOUNT } from '../../harness/paths.js';
import { DockerRuntime } from '../../harness/runtime/docker.js';
import { unixRequest } from '../../harness/clients/unix-http.js';
import { startTestController, type TestController } from '../support/controller.js';

const GIB_BYTES = 4 * 1024 * 1024;
const BLOCK = 32 * 1024;

const runtime = new DockerRuntime();
const tag = randomBytes(3).toString('hex');
const bridgeNs = `msh-test-volbr-${tag}`;

interface Site {
  readonly name: string;
  readonly container: string;
  readonly address: string;
  readonly runDir: string;
  readonly client: VolumeClient;
  controller?: TestController;
}

function site(name: string, address: string): Site {
  const runDir = mkdtempSync(`/tmp/msh-test-vol-${name}-`);
  return { name, container: `msh-test-vol-${name}-${tag}`, address, runDir, client: new VolumeClient({ socketPath: join(runDir, 'volume.sock') }) };
}
const east = site('east', '198.18.1.2');
const west = site('west', '198.18.1.3');

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const fileOf = (s: Site, id: string) => join(s.runDir, 'volumes', id);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function writeAt(path: string, offset: number, data: Buffer): void {
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, data, 0, data.length, offset);
  } finally {
    closeSync(fd);
  }
}

async function fault(p: Promise<unknown>, status: number, name: string): Promise<CinderClientError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CinderClientError);
  const e = err as CinderClientError;
  expect({ status: e.status, fault: e.fault }).toEqual({ status, fault: name });
  return e;
}

async function startServices(s: Site, extra: readonly string[]): Promise<void> {
  await execa('docker', ['exec', '-d', s.container, 'node', `${MOUNT}/dist/services/main.js`, '--site', s.name, '--no-network', '--no-identity', '--volume', ...extra]);
}

/** Puts the controller's eth0 peer (in the namespace startTestController made) on the test's bridge. */
async function onBridge(s: Site, port: string): Promise<void> {
  await execa('ip', ['-n', s.container, 'link', 'set', 'veth0', 'netns', bridgeNs]);
  await execa('ip', ['-n', bridgeNs, 'link', 'set', 'veth0', 'name', port]);
  await execa('ip', ['-n', bridgeNs, 'link', 'set', port, 'master', 'br0', 'up']);
}

describe('volume API on two real controller containers', () => {
  let replicated: VolumeType;

  beforeAll(async () => {
    if (!existsSync(join(DIST, 'services', 'volume', 'service.js'))) throw new Error('dist/ lacks the volume service: run npx tsc -p tsconfig.json first');
    await execa('ip', ['netns', 'add', bridgeNs]);
    await execa('ip', ['-n', bridgeNs, 'link', 'add', 'br0', 'type', 'bridge']);
    await execa('ip', ['-n', bridgeNs, 'link', 'set', 'br0', 'up']);
    // The test's own address on the bridge: host tools (the real openstack client) run in this namespace.
    await execa('ip', ['-n', bridgeNs, 'addr', 'add', '198.18.1.1/24', 'dev', 'br0']);
    const t0 = performance.now();
    east.controller = await startTestController(runtime, east.container, 'volume-api', east.runDir, east.address);
    west.controller = await startTestController(runtime, west.container, 'volume-api', west.runDir, west.address);
    await onBridge(east, 've');
    await onBridge(west, 'vw');
    // West is the backup site: Swift runs there, and both sites' backup services use it (west to import and restore).
    const swift = ['--backup-swift-url', `http://${west.address}:8080/auth/v1.0`, '--backup-swift-user', 'msh:backup', '--backup-swift-key', 'backup'];
    await startServices(west, ['--object-store', ...swift]);
    await startServices(east, ['--replication-target', `http://${west.address}:8776`, '--replication-interval-ms', '200', ...swift]);
    await Promise.all([east.client.waitReady(90_000), west.client.waitReady(90_000)]);
    console.log(`two controllers created -> volume APIs answering: ${(performance.now() - t0).toFixed(0)} ms`);
  });

  afterAll(async () => {
    for (const s of [east, west]) {
      await s.controller?.remove();
      rmSync(s.runDir, { recursive: true, force: true });
    }
    await execa('ip', ['netns', 'delete', bridgeNs], { reject: false });
  });

  it('creates, shows, lists and deletes a volume backed by a file of size x 4 MiB', async () => {
    const v = await east.client.createVolume({ size: 2, name: 'crud', metadata: { tier: 'gold' } });
    expect(v).toMatchObject({ status: 'available', size: 2, name: 'crud', bootable: 'false', volume_type: '__DEFAULT__', replication_status: 'disabled', metadata: { tier: 'gold' }, 'os-vol-host-attr:host': 'east@file#file' });
    expect(statSync(fileOf(east, v.id)).size).toBe(2 * GIB_BYTES);
    await east.client.setBootable(v.id, true);
    expect((await east.client.getVolume(v.id)).bootable).toBe('true');
    expect((await east.client.listVolumes()).map((x) => x.id)).toContain(v.id);
    expect((await east.client.listVolumes({ name: 'crud' })).map((x) => x.id)).toEqual([v.id]);
    await east.client.deleteVolume(v.id);
    const e = await fault(east.client.getVolume(v.id), 404, 'itemNotFound');
    expect(e.message).toContain(`Volume ${v.id} could not be found.`);
    expect(existsSync(fileOf(east, v.id))).toBe(false);
  });

  it('answers 400, 404 and 409 in Cinder fault bodies, and stamps the microversion', async () => {
    const raw = await unixRequest(join(east.runDir, 'volume.sock'), { method: 'POST', path: '/v3/p/volumes', body: { volume: { size: 'big' } }, headers: { 'OpenStack-API-Version': 'volume 3.14' } }, 5000);
    expect(raw.status).toBe(400);
    expect(JSON.parse(raw.text)).toEqual({ badRequest: { code: 400, message: expect.stringContaining('size') } });
    expect(raw.headers['openstack-api-version']).toBe('volume 3.14');
    const noGroups = await unixRequest(join(east.runDir, 'volume.sock'), { method: 'GET', path: '/v3/p/groups' }, 5000);
    expect(noGroups.status).toBe(404);
    expect(noGroups.headers['openstack-api-version']).toBe('volume 3.0');
    const tooNew = await unixRequest(join(east.runDir, 'volume.sock'), { method: 'GET', path: '/v3/p/volumes', headers: { 'OpenStack-API-Version': 'volume 3.999' } }, 5000);
    expect(tooNew.status).toBe(406);
    await fault(east.client.createVolume({ size: 1, volume_type: 'no-such-type' }), 404, 'itemNotFound');
    await fault(east.client.getSnapshot('nope'), 404, 'itemNotFound');
    replicated = await east.client.createVolumeType({ name: 'replicated', extra_specs: { replication_enabled: '<is> True' } });
    await fault(east.client.createVolumeType({ name: 'replicated' }), 409, 'conflictingRequest');
    await fault(east.client.createBackup({ volume_id: 'nope' }), 404, 'itemNotFound');
  });

  it('snapshots a volume (a copy under its write lock) and makes a volume from the snapshot with equal content', async () => {
    const v = await east.client.createVolume({ size: 1, name: 'src' });
    const data = randomBytes(GIB_BYTES);
    writeFileSync(fileOf(east, v.id), data);
    const s = await east.client.createSnapshot({ volume_id: v.id, name: 's1' });
    expect(s).toMatchObject({ status: 'available', size: 1, volume_id: v.id });
    expect(s['msh:copy_ms']).toBeGreaterThan(0);
    writeAt(fileOf(east, v.id), 0, randomBytes(BLOCK)); // the volume moves on; the snapshot does not
    const c = await east.client.createVolume({ snapshot_id: s.id, name: 'from-snap' });
    expect(c).toMatchObject({ status: 'available', snapshot_id: s.id, size: 1 });
    expect(sha(readFileSync(fileOf(east, c.id)))).toBe(sha(data));
    expect(sha(readFileSync(fileOf(east, v.id)))).not.toBe(sha(data));
    await fault(east.client.createVolume({ snapshot_id: s.id, size: 0 }), 400, 'badRequest');
    await fault(east.client.deleteVolume(v.id), 400, 'badRequest'); // it has a snapshot
    console.log(`snapshot of 1 GiB (${GIB_BYTES} bytes): copied in ${s['msh:copy_ms']!.toFixed(1)} ms`);
  });

  it('attaches (in-use), refuses a second attach, a plain snapshot and delete while attached, detaches', async () => {
    const v = await east.client.createVolume({ size: 1, name: 'att' });
    await east.client.attach(v.id, 'server-1');
    const a = await east.client.getVolume(v.id);
    expect(a.status).toBe('in-use');
    expect(a.attachments.map((x) => x.server_id)).toEqual(['server-1']);
    expect(a.metadata['attached_mode']).toBe('rw'); // admin metadata Cinder shows in metadata
    await fault(east.client.attach(v.id, 'server-2'), 400, 'badRequest');
    await fault(east.client.createSnapshot({ volume_id: v.id }), 400, 'badRequest');
    expect((await east.client.createSnapshot({ volume_id: v.id, force: true })).status).toBe('available');
    await fault(east.client.deleteVolume(v.id), 400, 'badRequest');
    await east.client.detach(v.id);
    expect((await east.client.getVolume(v.id)).status).toBe('available');
  });

  it('groups volumes (3.13) and snapshots the group (3.14): one snapshot per member, taken together', async () => {
    const gt = await east.client.createGroupType({ name: 'cg', group_specs: { consistent_group_snapshot_enabled: '<is> True' } });
    const dflt = (await east.client.listVolumeTypes()).find((t) => t.name === '__DEFAULT__')!;
    const g = await east.client.createGroup({ name: 'vnf', group_type: gt.id, volume_types: [dflt.id] });
    expect(g).toMatchObject({ status: 'available', group_type: gt.id, volume_types: [dflt.id], volumes: [] });
    const members = [await east.client.createVolume({ size: 1, name: 'm0' }), await east.client.createVolume({ size: 1, name: 'm1' })];
    const contents = members.map((m) => {
      const d = randomBytes(GIB_BYTES);
      writeFileSync(fileOf(east, m.id), d);
      return sha(d);
    });
    await east.client.addVolumesToGroup(g.id, members.map((m) => m.id));
    expect((await east.client.getGroup(g.id)).volumes?.sort()).toEqual(members.map((m) => m.id).sort());
    const other = await east.client.createVolume({ size: 1, volume_type: replicated.id });
    await fault(east.client.addVolumesToGroup(g.id, [other.id]), 400, 'badRequest'); // its type is not the group's
    const gs = await east.client.createGroupSnapshot(g.id, 'cut');
    expect(gs.status).toBe('available');
    const mine = await east.client.listSnapshots({ group_snapshot_id: gs.id });
    expect(mine.every((s) => s.group_snapshot_id === gs.id)).toBe(true);
    expect(mine.map((s) => s.volume_id).sort()).toEqual(members.map((m) => m.id).sort());
    expect(gs['msh:snapshot_ids']?.sort()).toEqual(mine.map((s) => s.id).sort());
    for (const s of mine) {
      const copy = await east.client.createVolume({ snapshot_id: s.id });
      expect(sha(readFileSync(fileOf(east, copy.id)))).toBe(contents[members.findIndex((m) => m.id === s.volume_id)]);
    }
    await fault(east.client.deleteSnapshot(mine[0]!.id), 400, 'badRequest'); // part of a group snapshot
    await fault(east.client.deleteGroup(g.id), 400, 'badRequest'); // has volumes and a group snapshot
    console.log(`group snapshot of 2 x 1 GiB: write locks held ${gs['msh:lock_ms']!.toFixed(1)} ms`);
  });

  it('manages an existing backend file and keeps the real reference in admin metadata (gap 2)', async () => {
    const path = join(east.runDir, 'volumes', 'legacy-disk');
    const data = randomBytes(GIB_BYTES + 1000);
    writeFileSync(path, data);
    const m = await east.client.manage({ host: 'east@file#file', ref: { 'source-name': 'legacy-disk' }, name: 'legacy', bootable: true });
    expect(m).toMatchObject({ status: 'available', size: 2, bootable: 'true', name: 'legacy' });
    expect(m['msh:admin_metadata']).toEqual({ backend_ref: JSON.stringify({ 'source-name': 'legacy-disk' }), backend_path: '/run/msh/volumes/legacy-disk' });
    expect(m.metadata).toEqual({}); // Cinder shows only readonly / attached_mode of admin metadata there
    expect(sha(readFileSync(path).subarray(0, data.length))).toBe(sha(data));
    await fault(east.client.manage({ host: 'east@file#file', ref: { 'source-name': 'legacy-disk' } }), 400, 'badRequest');
    await fault(east.client.manage({ host: 'east@file#file', ref: { 'source-name': 'missing' } }), 400, 'badRequest');
    await fault(east.client.manage({ host: 'elsewhere@lvm', ref: { 'source-name': 'legacy-disk' } }), 400, 'badRequest');
  });

  it('backs up full then incremental to the backup site\'s Swift, exports, imports and restores there (sha256 equal)', async () => {
    const v = await east.client.createVolume({ size: 2, name: 'protected' });
    await east.client.setBootable(v.id, true);
    writeFileSync(fileOf(east, v.id), randomBytes(2 * GIB_BYTES));
    await fault(east.client.createBackup({ volume_id: v.id, incremental: true }), 400, 'badRequest'); // no full backup yet
    const full = await east.client.waitBackup((await east.client.createBackup({ volume_id: v.id, name: 'full' })).id, 'available', 60_000);
    const blocks = (2 * GIB_BYTES) / BLOCK;
    expect(full).toMatchObject({ is_incremental: false, parent_id: null, container: 'volumebackups', size: 2, 'msh:changed_blocks': blocks, 'msh:total_blocks': blocks, 'msh:bytes_sent': 2 * GIB_BYTES });
    expect(full.service_metadata).toMatch(new RegExp(`^volume_${v.id}/\\d{14}/az_nova_backup_${full.id}$`));
    expect(full.object_count).toBeGreaterThan(0);

    // Three blocks change: the incremental sends exactly those.
    for (const b of [1, 2, 200]) writeAt(fileOf(east, v.id), b * BLOCK + 7, randomBytes(100));
    const expected = sha(readFileSync(fileOf(east, v.id)));
    const incr = await east.client.waitBackup((await east.client.createBackup({ volume_id: v.id, name: 'incr', incremental: true })).id, 'available', 60_000);
    expect(incr).toMatchObject({ is_incremental: true, parent_id: full.id, 'msh:changed_blocks': 3, 'msh:total_blocks': blocks, 'msh:bytes_sent': 3 * BLOCK });
    expect((await east.client.getBackup(full.id)).has_dependent_backups).toBe(true);
    await fault(east.client.deleteBackup(full.id), 400, 'badRequest');
    console.log(`backup of 2 GiB (${2 * GIB_BYTES} bytes): full ${full['msh:duration_ms']!.toFixed(0)} ms, ${full.object_count} objects; incremental of 3 blocks ${incr['msh:duration_ms']!.toFixed(0)} ms, ${incr['msh:bytes_sent']} bytes`);

    // West learns the chain from the records and restores from the same Swift.
    for (const b of [full, incr]) {
      const rec = await east.client.exportBackupRecord(b.id);
      expect(rec.backup_service).toBe('cinder.backup.drivers.swift.SwiftBackupDriver');
      expect(JSON.parse(Buffer.from(rec.backup_url, 'base64').toString('utf8'))).toMatchObject({ id: b.id, service_metadata: b.service_metadata, parent_id: b.parent_id });
      const imp = await west.client.importBackupRecord(rec);
      expect(imp).toMatchObject({ id: b.id, status: 'available', 'msh:imported': true, is_incremental: b.is_incremental });
    }
    await fault(west.client.importBackupRecord(await east.client.exportBackupRecord(full.id)), 400, 'badRequest'); // known already
    await fault(west.client.importBackupRecord({ backup_service: 'cinder.backup.drivers.swift.SwiftBackupDriver', backup_url: 'bm90IGpzb24=' }), 400, 'badRequest');
    const t0 = performance.now();
    const r = await west.client.restoreBackup(incr.id, { name: 'restored' });
    const restored = await west.client.waitVolume(r.volume_id, 'available', 60_000);
    console.log(`restore of the chain full -> incremental in west: ${(performance.now() - t0).toFixed(0)} ms`);
    expect(restored).toMatchObject({ name: 'restored', size: 2, bootable: 'true' });
    expect(sha(readFileSync(fileOf(west, r.volume_id)))).toBe(expected);
    expect((await west.client.getBackup(incr.id)).status).toBe('available');
    // Swift lists the backup's objects: data, _sha256file and _metadata of both.
    const ls = await execa('ip', ['netns', 'exec', bridgeNs, 'swift', '-A', `http://${west.address}:8080/auth/v1.0`, '-U', 'msh:backup', '-K', 'backup', 'list', 'volumebackups', '--prefix', `volume_${v.id}/`], { reject: false });
    if (ls.exitCode === 0) {
      for (const b of [full, incr]) for (const suffix of ['_metadata', '_sha256file', '-00001']) expect(ls.stdout.split('\n')).toContain(`${b.service_metadata}${suffix}`);
    } else console.log(`swift list not run (${ls.stderr.trim().split('\n').at(-1)}): the objects are checked by restore`);
  });

  it('leaves a backup cut by a lost link in error, never trusted: no export, no restore, not a parent', async () => {
    const v = await east.client.createVolume({ size: 2, name: 'cut-backup' });
    writeFileSync(fileOf(east, v.id), randomBytes(2 * GIB_BYTES));
    const good = await east.client.waitBackup((await east.client.createBackup({ volume_id: v.id, name: 'good' })).id, 'available', 60_000);
    writeAt(fileOf(east, v.id), 0, randomBytes(BLOCK));
    await execa('ip', ['-n', bridgeNs, 'link', 'set', 'vw', 'down']);
    let cut: Backup;
    try {
      const b = await east.client.createBackup({ volume_id: v.id, name: 'cut', incremental: true });
      cut = await east.client.waitBackupSettled(b.id, 60_000);
    } finally {
      await execa('ip', ['-n', bridgeNs, 'link', 'set', 'vw', 'up']);
    }
    expect(cut.status).toBe('error');
    expect(cut.fail_reason).toBeTruthy();
    console.log(`backup with the backup site's link down: error after ${cut['msh:duration_ms']!.toFixed(0)} ms: ${cut.fail_reason}`);
    await fault(east.client.exportBackupRecord(cut.id), 400, 'badRequest');
    await fault(east.client.restoreBackup(cut.id), 400, 'badRequest');
    const next = await east.client.waitBackup((await east.client.createBackup({ volume_id: v.id, name: 'after', incremental: true })).id, 'available', 60_000);
    expect(next.parent_id).toBe(good.id);
    expect(next['msh:changed_blocks']).toBe(1);
  });

  it('lists volumes with the real openstack client (no identity: auth type none, the endpoint given)', async () => {
    const v = await east.client.createVolume({ size: 1, name: 'seen-by-osc' });
    const r = await execa('ip', ['netns', 'exec', bridgeNs, 'openstack', '--os-auth-type', 'none', '--os-endpoint', `http://${east.address}:8776/v3/msh`, '--os-volume-api-version', '3.14', 'volume', 'list', '-f', 'json'], { reject: false, timeout: 60_000 });
    if (r.exitCode !== 0) throw new Error(`openstack volume list: exit ${r.exitCode}: ${r.stderr}`);
    const rows = JSON.parse(r.stdout) as { ID: string; Name: string; Status: string; Size: number }[];
    expect(rows.find((x) => x.ID === v.id)).toMatchObject({ Name: 'seen-by-osc', Status: 'available', Size: 1 });
  });

  it('marks replication in error while the target is unreachable and catches up after', async () => {
    const v = await east.client.createVolume({ size: 1, name: 'cut-me', volume_type: 'replicated' });
    await west.client.waitVolumeWhere(v.id, 'replica created', (x) => x['msh:replicated_at'] != null, 20_000);
    await execa('ip', ['-n', bridgeNs, 'link', 'set', 'vw', 'down']);
    try {
      writeAt(fileOf(east, v.id), 3 * BLOCK, randomBytes(BLOCK));
      const t0 = performance.now();
      await east.client.waitVolumeWhere(v.id, 'replication error', (x) => x.replication_status === 'error', 15_000);
      console.log(`replication: target unreachable -> error after ${(performance.now() - t0).toFixed(0)} ms`);
    } finally {
      await execa('ip', ['-n', bridgeNs, 'link', 'set', 'vw', 'up']);
    }
    const back = await east.client.waitVolumeWhere(v.id, 'replication enabled again', (x) => x.replication_status === 'enabled', 20_000);
    expect(back['msh:replication_stats']!.last_blocks).toBe(1);
    expect(sha(readFileSync(fileOf(west, v.id)))).toBe(sha(readFileSync(fileOf(east, v.id))));
  });

  it('replicates a volume of a replicated type to the other site block by block, then failover_host promotes it', async () => {
    const v = await east.client.createVolume({ size: 4, name: 'replica-me', volume_type: 'replicated' });
    expect(v.replication_status).toBe('enabled');
    const data = randomBytes(4 * GIB_BYTES);
    writeFileSync(fileOf(east, v.id), data);
    const written = Date.now();
    // The replica appears in west once a pass has shipped the whole state.
    const r = await west.client.waitVolumeWhere(v.id, 'replica holds the written state', (x) => x['msh:replicated_at'] != null && Date.parse(x['msh:replicated_at']) > written, 20_000).catch(async (e: unknown) => {
      throw new Error(`${String(e)}; east says ${JSON.stringify(await east.client.getVolume(v.id))}`);
    });
    expect(r).toMatchObject({ status: 'available', replication_status: 'enabled', size: 4, volume_type: 'replicated', 'msh:replica_of': `east@file#file/${v.id}` });
    expect(sha(readFileSync(fileOf(west, v.id)))).toBe(sha(data));
    const first = await east.client.waitVolumeWhere(v.id, 'east shipped the written state', (x) => x['msh:replication_stats'] != null && Date.parse(x['msh:replicated_at'] ?? '0') > written);
    console.log(`replication: first state (${first['msh:replication_stats']!.blocks} blocks, ${first['msh:replication_stats']!.bytes} bytes), lag now ${first['msh:replication_lag_ms']} ms`);

    // Two blocks change: exactly those two ship.
    const before = first['msh:replication_stats']!;
    writeAt(fileOf(east, v.id), 5 * BLOCK + 100, randomBytes(10));
    writeAt(fileOf(east, v.id), 77 * BLOCK, randomBytes(BLOCK));
    // One pass or two (a pass may read between the two writes): two blocks in all, nothing else.
    const after = await east.client.waitVolumeWhere(v.id, 'the two changed blocks shipped', (x) => (x['msh:replication_stats']?.blocks ?? 0) >= before.blocks + 2);
    const st = after['msh:replication_stats']!;
    expect(st.blocks - before.blocks).toBe(2);
    expect(st.bytes - before.bytes).toBe(2 * BLOCK);
    await west.client.waitVolumeWhere(v.id, 'west equal to east', (x) => x['msh:replicated_at'] === after['msh:replicated_at'] || Date.parse(x['msh:replicated_at'] ?? '0') >= Date.parse(after['msh:replicated_at']!));
    expect(sha(readFileSync(fileOf(west, v.id)))).toBe(sha(readFileSync(fileOf(east, v.id))));
    console.log(`replication: 2 changed blocks -> ${st.last_bytes} bytes in ${st.last_ms.toFixed(1)} ms; east lag ${after['msh:replication_lag_ms']} ms`);

    // The replica is not attachable until promoted.
    await fault(west.client.attach(v.id, 'dr-server'), 400, 'badRequest');
    await fault(west.client.failoverHost('nowhere@file'), 400, 'badRequest');
    await west.client.failoverHost('west@file', 'east');
    const p: Volume = await west.client.getVolume(v.id);
    expect(p.replication_status).toBe('failed-over');
    expect(p['msh:admin_metadata']).toMatchObject({ backend_ref: JSON.stringify({ 'source-name': v.id }), backend_path: `/run/msh/volumes/${v.id}`, replication_source: `east@file#file/${v.id}` });
    await west.client.attach(v.id, 'dr-server');
    expect((await west.client.getVolume(v.id)).status).toBe('in-use');
    // East keeps shipping; the promoted replica refuses (409), so east reports the replication in error.
    writeAt(fileOf(east, v.id), 0, randomBytes(16));
    const err = await east.client.waitVolumeWhere(v.id, 'replication error after failover', (x) => x.replication_status === 'error', 10_000);
    expect(err.replication_status).toBe('error');
    await sleep(300);
    expect(sha(readFileSync(fileOf(west, v.id)))).not.toBe(sha(readFileSync(fileOf(east, v.id))));
  });
});
