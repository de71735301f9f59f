// The compute and image APIs on the real thing: a controller container
// (msh/base:current) running dist/services/main.js with --compute --image
// and, until the volume service lands, the file-backed test VolumeBackend
// (test/support/file-volumes.mjs) whose volumes are files in the
// bind-mounted run dir, so the test reads the guests' data from the host.
// Three DR guests (a 3-member VNF) boot from volumes with user_data, get
// data volumes, commit chained transactions; quiesce in order 0,1,2 must
// give a consistent cut that does not move; createImage names the volume
// snapshots in the image's properties.
//
// Runs the compiled code: build first (npx tsc -p tsconfig.json).
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, closeSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLOCK, consistentCut, decodeBootConfig, decodeHeader, decodeRecord, recordOffset, slotCount, type DataHeader } from '../../harness/agents/dr-format.js';
import { ComputeClient, ComputeClientError, type Server } from '../../harness/clients/compute.js';
import { ImageClient, ImageClientError, imageBlockDeviceMapping } from '../../harness/clients/image.js';
import { DIST, MOUNT } from '../../harness/paths.js';
import { guestRequest } from '../../harness/services/compute/guests.js';
import { DockerRuntime } from '../../harness/runtime/docker.js';
import { startTestController, type TestController } from '../support/controller.js';
import { createVolume, volumePath } from '../support/file-volumes.mjs';

const runtime = new DockerRuntime();
const tag = randomBytes(3).toString('hex');
const name = `msh-test-compute-${tag}`;
const runDir = mkdtempSync('/tmp/msh-test-compute-');
const volDir = join(runDir, 'volumes');
const compute = new ComputeClient({ socketPath: join(runDir, 'compute.sock') });
const images = new ImageClient({ socketPath: join(runDir, 'image.sock') });
const MEMBERS = 3;
const RATE = 20;
const DATA_SIZE = 1 << 20;

let controller: TestController | undefined;
const boots: string[] = [];
const datas: string[] = [];
const servers: Server[] = [];

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function readBlock(path: string, offset = 0): Buffer {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(BLOCK);
    readSync(fd, b, 0, BLOCK, offset);
    return b;
  } finally {
    closeSync(fd);
  }
}

/** The data volumes' headers as the host sees them (the run dir is a bind mount). */
function headers(): DataHeader[] {
  return datas.map((id) => {
    const h = decodeHeader(readBlock(volumePath(volDir, id)));
    if (!h) throw new Error(`volume ${id}: no header`);
    return h;
  });
}

type GuestEvent = { t: number; type: string } & Record<string, unknown>;
function events(serverId: string): GuestEvent[] {
  const f = join(runDir, 'guests', `${serverId}.events.jsonl`);
  if (!existsSync(f)) return [];
  return readFileSync(f, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as GuestEvent);
}

/** The guest's process on the host (the container's pids are visible in the host's /proc): its state letter. */
function guestProc(serverId: string): { pid: number; state: string } | null {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
      if (!cmd.some((a) => a.endsWith('dr-guest.js'))) continue;
      if (cmd[cmd.indexOf('--server') + 1] !== serverId) continue;
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      return { pid: Number(d), state: stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]! };
    } catch {
      // gone meanwhile
    }
  }
  return null;
}

async function waitFor<T>(what: string, probe: () => T | null | false, timeoutMs = 15_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = probe();
    if (v !== null && v !== false) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function expectFault(p: Promise<unknown>, status: number, fault: string): Promise<ComputeClientError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ComputeClientError);
  const e = err as ComputeClientError;
  expect({ status: e.status, fault: e.fault }).toEqual({ status, fault });
  return e;
}

describe('compute and image APIs on a real controller container', () => {
  beforeAll(async () => {
    if (!existsSync(join(DIST, 'services', 'compute', 'service.js')) || !existsSync(join(DIST, 'agents', 'dr-guest.js'))) {
      throw new Error('dist/ lacks the compute service or the guest: run npx tsc -p tsconfig.json first');
    }
    for (let i = 0; i < MEMBERS; i++) {
      boots.push(createVolume(volDir, { size: 64 * 1024, bootable: true, name: `app-${i}-boot` }));
      datas.push(createVolume(volDir, { size: DATA_SIZE, name: `app-${i}-data` }));
    }
    const t0 = performance.now();
    controller = await startTestController(runtime, name, 'compute-api', runDir, '198.18.1.2');
    await execa('docker', [
      'exec', '-d', name, 'node', `${MOUNT}/dist/services/main.js`, '--site', 'east', '--vtep', '198.18.1.2', '--no-network', '--no-identity', '--compute', '--image',
      '--volume-backend-module', `${MOUNT}/test/support/file-volumes.mjs`,
    ]);
    await compute.waitReady(60_000);
    await images.waitReady(10_000);
    console.log(`controller create -> compute and image APIs answering: ${(performance.now() - t0).toFixed(0)} ms`);
  });

  afterAll(async () => {
    await controller?.remove();
    rmSync(runDir, { recursive: true, force: true });
  });

  it('boots three servers from volumes with user_data: BUILD, then ACTIVE; the config lands on the boot volume', async () => {
    for (let i = 0; i < MEMBERS; i++) {
      const s = await compute.createServer({
        name: `app-${i}`,
        block_device_mapping_v2: [{ boot_index: 0, uuid: boots[i]!, source_type: 'volume', destination_type: 'volume' }],
        user_data: b64({ vnf: 'app', index: i, members: MEMBERS, rate: RATE }),
        metadata: { vnf: 'app' },
      });
      expect(s.status).toBe('BUILD');
      expect(s['OS-EXT-STS:vm_state']).toBe('building');
      servers.push(s);
    }
    for (let i = 0; i < MEMBERS; i++) {
      const s = await compute.waitForStatus(servers[i]!.id, 'ACTIVE', 20_000);
      expect(s).toMatchObject({ name: `app-${i}`, metadata: { vnf: 'app' }, image: '', 'OS-EXT-STS:vm_state': 'active', 'OS-EXT-STS:task_state': null, 'OS-EXT-STS:power_state': 1 });
      expect(s['os-extended-volumes:volumes_attached']).toEqual([{ id: boots[i], delete_on_termination: false }]);
      expect(decodeBootConfig(readBlock(volumePath(volDir, boots[i]!)))).toEqual({ vnf: 'app', index: i, members: MEMBERS, rate: RATE });
      expect(events(s.id)[0]).toMatchObject({ type: 'start', server: s.id, vnf: 'app', index: i, from: 'user-data' });
      expect(guestProc(s.id)?.state).toMatch(/^[RS]$/);
    }
    const listed = await compute.listServers();
    expect(listed.map((s) => s.id).sort()).toEqual(servers.map((s) => s.id).sort());
  });

  it('attaches the data volumes through the guest agent; member 0 sees a consistent start and commits flow to every volume', async () => {
    for (let i = MEMBERS - 1; i >= 0; i--) {
      const a = await compute.attachVolume(servers[i]!.id, datas[i]!);
      expect(a).toMatchObject({ serverId: servers[i]!.id, volumeId: datas[i], device: '/dev/vdb' });
      expect((await compute.listAttachments(servers[i]!.id)).map((x) => x.device)).toEqual(['/dev/vda', '/dev/vdb']);
    }
    await expectFault(compute.attachVolume(servers[0]!.id, datas[1]!), 409, 'conflictingRequest');
    const restored = await waitFor('the restored event', () => events(servers[0]!.id).find((e) => e.type === 'restored') ?? null);
    expect(restored).toMatchObject({ seqs: [0, 0, 0], corrupt: [false, false, false], consistent: true });
    await waitFor('serving', () => events(servers[0]!.id).some((e) => e.type === 'serving'));
    const before = headers();
    await sleep(1000);
    const after = headers();
    for (let i = 0; i < MEMBERS; i++) {
      expect(after[i]).toMatchObject({ vnf: 'app', index: i, corrupt: false });
      expect(after[i]!.seq).toBeGreaterThan(before[i]!.seq);
      // The record of the header's txn is where the layout says, written by this member.
      const rec = decodeRecord(readBlock(volumePath(volDir, datas[i]!), recordOffset(after[i]!.seq, slotCount(DATA_SIZE))));
      expect(rec?.index).toBe(i);
      expect(rec!.seq).toBeGreaterThanOrEqual(after[i]!.seq);
    }
    const commits = events(servers[0]!.id).filter((e) => e.type === 'commit').length;
    console.log(`commits after 1 s: seq ${before.map((h) => h.seq).join('/')} -> ${after.map((h) => h.seq).join('/')}, ${commits} commits so far`);
  });

  it('quiesce in order 0,1,2: a consistent cut that does not move while quiesced, the guests stopped (T)', async () => {
    const ms: number[] = [];
    for (const s of servers) {
      const t0 = performance.now();
      await compute.quiesce(s.id);
      ms.push(performance.now() - t0);
      const got = await compute.getServer(s.id);
      expect(got).toMatchObject({ status: 'QUIESCED', 'OS-EXT-STS:vm_state': 'quiesced', 'OS-EXT-STS:task_state': null, 'OS-EXT-STS:power_state': 3 });
    }
    const cut = headers().map((h) => h.seq);
    expect(consistentCut(cut)).toBe(true);
    // SIGSTOP is sent, not awaited: a guest is seen stopped once the kernel has scheduled the stop.
    for (const s of servers) await waitFor(`${s.id} stopped (T)`, () => guestProc(s.id)?.state === 'T', 2000);
    const heldMs = 1500;
    await sleep(heldMs);
    expect(headers().map((h) => h.seq)).toEqual(cut);
    const freezes = servers.map((s) => events(s.id).filter((e) => e.type === 'freeze').at(-1));
    for (let i = 0; i < MEMBERS; i++) expect(freezes[i]?.['seq']).toBe(cut[i]);
    console.log(`quiesce 0,1,2: ${ms.map((m) => m.toFixed(0)).join('/')} ms per call; cut ${cut.join('/')} unchanged over ${heldMs} ms`);
  });

  it('answers 409 in the wrong state and 404 for an unknown server', async () => {
    const q = await expectFault(compute.quiesce(servers[0]!.id), 409, 'conflictingRequest');
    expect(q.message).toMatch(/vm_state quiesced/);
    await expectFault(compute.createImage(servers[0]!.id, 'nope'), 409, 'conflictingRequest');
    await expectFault(compute.detachVolume(servers[0]!.id, datas[0]!), 409, 'conflictingRequest');
    await expectFault(compute.quiesce('00000000-0000-0000-0000-000000000000'), 404, 'itemNotFound');
  });

  it('unquiesce in reverse order 2,1,0: the guests run again and commits resume', async () => {
    const cut = headers().map((h) => h.seq);
    for (const s of [...servers].reverse()) {
      await compute.unquiesce(s.id);
      expect(await compute.getServer(s.id)).toMatchObject({ status: 'ACTIVE', 'OS-EXT-STS:vm_state': 'active', 'OS-EXT-STS:power_state': 1 });
      expect(guestProc(s.id)?.state).not.toBe('T');
    }
    await expectFault(compute.unquiesce(servers[0]!.id), 409, 'conflictingRequest');
    await waitFor('commits after unquiesce', () => headers().every((h, i) => h.seq > cut[i]!), 5000);
    const log = readFileSync(join(runDir, 'services.log'), 'utf8');
    const quiescedFor = [...log.matchAll(/unquiesced: quiesced for ([\d.]+) ms/g)].map((m) => Number(m[1]));
    expect(quiescedFor.length).toBe(MEMBERS);
    // Unquiesced in reverse: member 2 was frozen last and thawed first, so the shortest window.
    expect(quiescedFor[0]!).toBeLessThan(quiescedFor[2]!);
    console.log(`quiesced for ${quiescedFor.map((m) => m.toFixed(0)).join('/')} ms (members 2,1,0)`);

    // Two quiesces at once: the first takes the task, the other sees it (or its result) and gets 409.
    const both = await Promise.allSettled([compute.quiesce(servers[2]!.id), compute.quiesce(servers[2]!.id)]);
    expect(both.filter((r) => r.status === 'fulfilled').length).toBe(1);
    const lost = both.find((r) => r.status === 'rejected')!.reason as ComputeClientError;
    expect({ status: lost.status, fault: lost.fault }).toEqual({ status: 409, fault: 'conflictingRequest' });
    expect(lost.message).toMatch(/task_state quiescing|vm_state quiesced/);
    await compute.unquiesce(servers[2]!.id);
  });

  it('createImage of a volume-backed server: snapshots of every volume named in the image, the server active again', async () => {
    const srv = servers[1]!;
    const { imageId, location } = await compute.createImage(srv.id, 'app-1-snap', { dr: 'option2' });
    expect(location).toBe(`http://198.18.1.2:9292/v2/images/${imageId}`);
    const img = await images.getImage(imageId);
    expect(img).toMatchObject({ id: imageId, name: 'app-1-snap', status: 'active', size: 0, bdm_v2: 'True', dr: 'option2', instance_uuid: srv.id, image_type: 'snapshot' });
    const bdm = imageBlockDeviceMapping(img);
    expect(bdm.map((b) => [b.boot_index, b.device_name])).toEqual([
      [0, '/dev/vda'],
      [null, '/dev/vdb'],
    ]);
    const snapDir = join(volDir, 'snapshots');
    for (const b of bdm) expect(existsSync(join(snapDir, `${b.snapshot_id}.img`))).toBe(true);
    expect(decodeBootConfig(readBlock(join(snapDir, `${bdm[0]!.snapshot_id}.img`)))).toMatchObject({ index: 1 });
    expect(decodeHeader(readBlock(join(snapDir, `${bdm[1]!.snapshot_id}.img`)))).toMatchObject({ index: 1, corrupt: false });
    expect(await compute.getServer(srv.id)).toMatchObject({ status: 'ACTIVE', 'OS-EXT-STS:task_state': null });
    const m = /createImage "app-1-snap": 2 volume snapshots, quiesced for ([\d.]+) ms/.exec(readFileSync(join(runDir, 'services.log'), 'utf8'));
    expect(m).not.toBeNull();
    console.log(`createImage: server quiesced for ${m![1]} ms around 2 snapshots`);
  });

  it('image API: create (queued), list filters, JSON-patch properties, delete', async () => {
    const img = await images.createImage({ name: 'plain', container_format: 'bare', disk_format: 'raw', purpose: 'test' });
    expect(img).toMatchObject({ name: 'plain', status: 'queued', purpose: 'test', visibility: 'shared' });
    expect((await images.listImages({ name: 'plain' })).map((i) => i.id)).toEqual([img.id]);
    expect((await images.listImages({ status: 'active' })).map((i) => i.name)).toEqual(['app-1-snap']);
    const patched = await images.patchImage(img.id, [
      { op: 'add', path: '/site', value: 'east' },
      { op: 'replace', path: '/purpose', value: 'dr' },
    ]);
    expect(patched).toMatchObject({ site: 'east', purpose: 'dr' });
    const ro = await images.patchImage(img.id, [{ op: 'replace', path: '/status', value: 'active' }]).catch((e: unknown) => e);
    expect(ro).toBeInstanceOf(ImageClientError);
    expect((ro as ImageClientError).status).toBe(403);
    await images.deleteImage(img.id);
    const log = readFileSync(join(runDir, 'services.log'), 'utf8');
    expect(log).toMatch(/ compute POST \/v2\.1\/servers 202 [\d.]+ms unix req-/);
    expect(log).toMatch(/ image PATCH \/v2\/images\/[0-9a-f-]{36} 200 [\d.]+ms unix req-/);
    const gone = await images.getImage(img.id).catch((e: unknown) => e);
    expect((gone as ImageClientError).status).toBe(404);
  });

  it('delete kills the guests and detaches their volumes', async () => {
    for (const s of servers) await compute.deleteServer(s.id);
    for (const s of servers) {
      await expectFault(compute.getServer(s.id), 404, 'itemNotFound');
      expect(guestProc(s.id)).toBeNull();
      expect(existsSync(join(runDir, 'guests', `${s.id}.sock`))).toBe(false);
    }
    for (const v of [...boots, ...datas]) expect(JSON.parse(readFileSync(join(volDir, `${v}.json`), 'utf8'))).toMatchObject({ status: 'available', attachedTo: null });
    expect(await compute.listServers()).toEqual([]);
  });

  it('reboots the VNF from its volumes alone: member 0 reports the cut it found and continues from the furthest seq; a corrupt member propagates down the chain', async () => {
    const found = headers().map((h) => h.seq);
    const again: Server[] = [];
    for (let i = 0; i < MEMBERS; i++) {
      again.push(await compute.createServer({ name: `app-${i}-again`, block_device_mapping_v2: [{ boot_index: 0, uuid: boots[i]!, source_type: 'volume', destination_type: 'volume' }] }));
    }
    for (const s of again) await compute.waitForStatus(s.id, 'ACTIVE', 20_000);
    for (let i = 0; i < MEMBERS; i++) {
      expect(events(again[i]!.id)[0]).toMatchObject({ type: 'start', index: i, from: 'boot-volume' });
      await compute.attachVolume(again[i]!.id, datas[i]!);
    }
    const restored = await waitFor('the restored event', () => events(again[0]!.id).find((e) => e.type === 'restored') ?? null);
    expect(restored).toMatchObject({ seqs: found, corrupt: [false, false, false], consistent: consistentCut(found) });
    const first = await waitFor('the first commit', () => events(again[0]!.id).find((e) => e.type === 'commit') ?? null);
    expect(first['seq']).toBe(Math.max(...found) + 1);

    // The guest agent's socket is in the bind-mounted run dir: the host speaks to it directly.
    await guestRequest(join(runDir, 'guests', `${again[1]!.id}.sock`), { op: 'corrupt' }, 2000);
    await waitFor('corrupt headers', () => {
      const h = headers();
      return h[1]!.corrupt && h[2]!.corrupt ? h : null;
    }, 5000);
    expect(headers()[0]!.corrupt).toBe(false);
    for (const s of again) await compute.deleteServer(s.id);
  });

  it('boots again from a copy of a snapshot boot volume without user_data; an empty boot volume without it is ERROR', async () => {
    const img = (await images.listImages({ name: 'app-1-snap' }))[0]!;
    const bootSnap = imageBlockDeviceMapping(img)[0]!.snapshot_id;
    const restored = createVolume(volDir, { size: 64 * 1024, bootable: true, name: 'restored-boot' });
    copyFileSync(join(volDir, 'snapshots', `${bootSnap}.img`), volumePath(volDir, restored));
    const s = await compute.createServer({ name: 'app-1-restored', block_device_mapping_v2: [{ boot_index: 0, uuid: restored, source_type: 'volume', destination_type: 'volume' }] });
    await compute.waitForStatus(s.id, 'ACTIVE', 20_000);
    expect(events(s.id)[0]).toMatchObject({ type: 'start', index: 1, from: 'boot-volume', config: { vnf: 'app', index: 1, members: 3, rate: RATE } });

    const blank = createVolume(volDir, { size: 64 * 1024, bootable: true, name: 'blank-boot' });
    const bad = await compute.createServer({ name: 'no-config', block_device_mapping_v2: [{ boot_index: 0, uuid: blank, source_type: 'volume', destination_type: 'volume' }] });
    const err = await compute.waitForStatus(bad.id, 'ACTIVE', 20_000).catch((e: unknown) => e);
    expect(String(err)).toMatch(/ERROR/);
    expect((await compute.getServer(bad.id)).fault?.message).toMatch(/exit 2/);
    const notBootable = createVolume(volDir, { size: 64 * 1024, name: 'data-only' });
    await expectFault(compute.createServer({ name: 'x', block_device_mapping_v2: [{ boot_index: 0, uuid: notBootable, source_type: 'volume' }] }), 400, 'badRequest');
    for (const id of [s.id, bad.id]) await compute.deleteServer(id);
    expect(await compute.listServers()).toEqual([]);
  });
});
