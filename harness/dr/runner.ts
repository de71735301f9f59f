// The DR runner: the seed's "GR software". It sets the VNF up in the primary
// site (volumes, servers booted from them, data volumes attached), protects
// it by the scenario's option while the VNF keeps writing, and on a trigger
// restores it in the backup site. Every step is one history op
// (process dr@<site>, f = the step) with its API statuses and timings, so the
// checks judge what the runner did and what the sites answered, and the
// cut of each cycle is read back from the volume files themselves.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { now, type History } from '../observe/history.js';
import { guestRequest } from '../services/compute/guests.js';
import { judgeCut } from './cut.js';
import { lastGuestEvent, readGuestEvents, readHeader, type DrSite } from './guest-events.js';
import { expect, restOn, until, type Call } from './rest.js';
import { quiesceOrder, type DrSpec } from './spec.js';

/** The project every DR resource lives in (the site APIs take any id). */
export const DR_PROJECT = 'c0ffee00000000000000000000000001';
const V3 = `/v3/${DR_PROJECT}`;
const GROUP_MV = { 'openstack-api-version': 'volume 3.14' };
const COMPUTE_MV = { 'openstack-api-version': 'compute 2.45', 'x-openstack-nova-api-version': '2.45' };
const STEP_TIMEOUT_MS = 20_000;


interface Member {
  readonly index: number;
  readonly name: string;
  server: string;
  bootVolume: string;
  dataVolume: string;
}

export interface DrRunner {
  setup(): Promise<void>;
  /** One protection cycle now (options 1 and 2), learning the VNF from the APIs if this runner did not set it up; returns its number. */
  protectOnce(): Promise<number>;
  /** Protection cycles (options 1 and 2) until `stop` aborts; returns when the loop ends. */
  protect(t0: number, endAt: number, stop: AbortSignal): Promise<void>;
  /** Restore in `to` and wait until the VNF serves there; returns what the proof needs. */
  failover(to: string): Promise<{ servingAt: number | null; seqs: number[]; restoredFrom: string; booted: number; members: number }>;
  /** Make a member write corrupt data (a propagating software fault); resolves when its volume holds it. */
  corrupt(member: number): Promise<{ seq: number; at: number }>;
  /** Every guest's own events, for the history. */
  guestEvents(): Promise<{ t: number; process: string; f: string; value: Record<string, unknown> }[]>;
}

export function drRunner(spec: DrSpec, sites: ReadonlyMap<string, DrSite>, history: History): DrRunner {
  const site = (n: string) => {
    const s = sites.get(n);
    if (!s) throw new Error(`no site ${n}`);
    return s;
  };
  const api = (n: string, svc: 'volume' | 'compute' | 'image'): Call => restOn(join(site(n).dir, `${svc}.sock`));
  const primary = site(spec.primary);
  const volP = api(spec.primary, 'volume');
  const novaP = api(spec.primary, 'compute');
  const glanceP = api(spec.primary, 'image');
  const members: Member[] = [...Array(spec.members).keys()].map((i) => ({ index: i, name: `${spec.vnf}-${i}`, server: '', bootVolume: '', dataVolume: '' }));
  let groupId = '';
  let nextCycle = 0;
  let failedOver = false;
  /** Per member and role, the newest backup of each volume (the parent of the next incremental). */
  const backedUp = new Set<string>();

  /** Runs one step and records it: ok with its value, or fail with the error; rethrows. */
  const step = async <T extends Record<string, unknown>>(where: string, f: string, value: Record<string, unknown>, run: () => Promise<T>): Promise<T> => {
    const started = now();
    try {
      const out = await run();
      history.append({ t: now(), kind: 'op', process: `dr@${where}`, type: 'ok', f, value: { ...value, ...out, started, ms: now() - started } });
      return out;
    } catch (err) {
      history.append({ t: now(), kind: 'op', process: `dr@${where}`, type: 'fail', f, value: { ...value, started, ms: now() - started, error: (err as Error).message } });
      throw err;
    }
  };

  const volumeStatus = (call: Call, id: string) => async () => ((await expect(call, [200], 'GET', `${V3}/volumes/${id}`)).body as { volume: { status: string } }).volume.status;
  const waitVolume = (call: Call, id: string, want = 'available') => until(volumeStatus(call, id), (s) => s === want || (s.startsWith('error') ? `volume ${id} went ${s}` : false), STEP_TIMEOUT_MS, `volume ${id} ${want}`);
  const createVolume = async (call: Call, body: Record<string, unknown>): Promise<string> => {
    const r = await expect(call, [200, 202], 'POST', `${V3}/volumes`, { volume: body });
    const id = (r.body as { volume: { id: string } }).volume.id;
    await waitVolume(call, id);
    return id;
  };
  const serverState = (call: Call, id: string) => async () => ((await expect(call, [200], 'GET', `/v2.1/servers/${id}`)).body as { server: { status: string; 'OS-EXT-STS:vm_state'?: string } }).server;
  const bootServer = async (call: Call, m: Member, bootVolume: string, userData?: string): Promise<string> => {
    const r = await expect(call, [202], 'POST', '/v2.1/servers', {
      server: {
        name: m.name,
        flavorRef: 'dr',
        block_device_mapping_v2: [{ boot_index: 0, uuid: bootVolume, source_type: 'volume', destination_type: 'volume', delete_on_termination: false }],
        ...(userData ? { user_data: userData } : {}),
      },
    });
    const id = (r.body as { server: { id: string } }).server.id;
    await until(serverState(call, id), (s) => s.status === 'ACTIVE' || (s.status === 'ERROR' ? `server ${m.name} went ERROR` : false), STEP_TIMEOUT_MS, `server ${m.name} ACTIVE`);
    return id;
  };
  const attach = async (call: Call, server: string, volume: string) => {
    await expect(call, [200, 202], 'POST', `/v2.1/servers/${server}/os-volume_attachments`, { volumeAttachment: { volumeId: volume } });
  };
  const dataPath = (s: DrSite, volume: string) => join(s.dir, 'volumes', volume);

  const setup = async () => {
    const where = spec.primary;
    const replicated = spec.option === 'replication';
    if (replicated) {
      await step(where, 'volume-type', { name: 'replicated' }, async () => {
        const r = await expect(volP, [200, 202], 'POST', `${V3}/types`, { volume_type: { name: 'replicated', extra_specs: { replication_enabled: '<is> True' } } });
        return { id: (r.body as { volume_type: { id: string } }).volume_type.id };
      });
    }
    for (const m of members) {
      await step(where, 'create-vm', { member: m.index }, async () => {
        const type = (role: 'boot' | 'data') => (replicated && spec.volumes.includes(role) ? { volume_type: 'replicated' } : {});
        m.bootVolume = await createVolume(volP, { name: `${m.name}-boot`, size: spec.volumeSize, ...type('boot') });
        await expect(volP, [200, 202], 'POST', `${V3}/volumes/${m.bootVolume}/action`, { 'os-set_bootable': { bootable: true } });
        m.dataVolume = await createVolume(volP, { name: `${m.name}-data`, size: spec.volumeSize, ...type('data') });
        const config = { vnf: spec.vnf, index: m.index, members: spec.members, rate: spec.rate };
        m.server = await bootServer(novaP, m, m.bootVolume, Buffer.from(JSON.stringify(config)).toString('base64'));
        await attach(novaP, m.server, m.dataVolume);
        return { server: m.server, bootVolume: m.bootVolume, dataVolume: m.dataVolume };
      });
    }
    if (spec.option === 'quiesce-group-snapshot') {
      await step(where, 'create-group', {}, async () => {
        const gt = await expect(volP, [200, 202], 'POST', `${V3}/group_types`, { group_type: { name: `${spec.vnf}-cg`, group_specs: { consistent_group_snapshot_enabled: '<is> True' } } }, GROUP_MV);
        const gtId = (gt.body as { group_type: { id: string } }).group_type.id;
        const g = await expect(volP, [200, 202], 'POST', `${V3}/groups`, { group: { name: spec.vnf, group_type: gtId, volume_types: ['__DEFAULT__'] } }, GROUP_MV);
        groupId = (g.body as { group: { id: string } }).group.id;
        const vols = members.flatMap((m) => [m.bootVolume, m.dataVolume]);
        await expect(volP, [200, 202], 'PUT', `${V3}/groups/${groupId}`, { group: { add_volumes: vols.join(',') } }, GROUP_MV);
        return { group: groupId, volumes: vols };
      });
    }
    // The VNF is up once its first transaction has committed across every VM.
    await until(async () => (await readHeader(dataPath(primary, members.at(-1)!.dataVolume))).seq, (seq) => seq > 0, STEP_TIMEOUT_MS, 'first transaction across the VMs');
  };

  /** Step 5 and 6 for the snapshots of one cycle: volumes from them (the cut, read back), then backups of each volume. */
  const fromSnapshotsAndBackup = async (cycle: number, snaps: readonly { member: number; role: 'boot' | 'data'; volume: string; snapshot: string }[]) => {
    const seqs: number[] = [];
    const corrupt: boolean[] = [];
    const temp: string[] = [];
    for (const s of snaps) {
      await step(spec.primary, 'volume-from-snapshot', { cycle, member: s.member, role: s.role, snapshot: s.snapshot }, async () => {
        const id = await createVolume(volP, { name: `${spec.vnf}-${s.member}-${s.role}-c${cycle}`, size: spec.volumeSize, snapshot_id: s.snapshot });
        temp.push(id);
        if (s.role === 'data') {
          const h = await readHeader(dataPath(primary, id));
          seqs[s.member] = h.seq;
          corrupt[s.member] = h.corrupt;
        }
        return { volume: id };
      });
    }
    const cut = judgeCut(seqs);
    history.append({ t: now(), kind: 'op', process: `dr@${spec.primary}`, type: 'ok', f: 'cut', value: { cycle, seqs, corrupt, consistent: cut.consistent, why: cut.why } });
    // Backups of a cycle run side by side, as cinder-backup runs them; the cycle fails if any does.
    const results = await Promise.allSettled(
      snaps
        .filter((x) => spec.volumes.includes(x.role))
        .map((s) => {
          const key = `${s.member}/${s.role}`;
          const incremental = spec.incremental && backedUp.has(key);
          return step(spec.primary, 'backup', { cycle, member: s.member, role: s.role, volume: s.volume, snapshot: s.snapshot, incremental }, async () => {
            const r = await expect(volP, [202], 'POST', `${V3}/backups`, { backup: { volume_id: s.volume, snapshot_id: s.snapshot, incremental, container: 'volumebackups', name: `${spec.vnf}-${s.member}-${s.role}-c${cycle}`, force: true } });
            const id = (r.body as { backup: { id: string } }).backup.id;
            const b = await until(
              async () => ((await expect(volP, [200], 'GET', `${V3}/backups/${id}`)).body as { backup: Record<string, unknown> }).backup,
              (x) => x['status'] === 'available' || (x['status'] === 'error' ? `backup ${id} went error: ${String(x['fail_reason'] ?? '')}` : false),
              STEP_TIMEOUT_MS,
              `backup ${id}`,
            );
            backedUp.add(key);
            const rec = await expect(volP, [200], 'GET', `${V3}/backups/${id}/export_record`);
            const imported = await expect(api(spec.backup, 'volume'), [201, 200], 'POST', `${V3}/backups/import_record`, rec.body);
            return {
              backup: id,
              importedAs: (imported.body as { backup: { id: string } }).backup.id,
              bytesSent: b['msh:bytes_sent'] ?? null,
              changedBlocks: b['msh:changed_blocks'] ?? null,
              totalBlocks: b['msh:total_blocks'] ?? null,
              isIncremental: b['is_incremental'] ?? null,
            };
          });
        }),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    for (const id of temp) await volP('DELETE', `${V3}/volumes/${id}`).catch(() => undefined);
  };

  const cycleOption1 = async (cycle: number) => {
    const where = spec.primary;
    const vols = new Map<number, string[]>();
    for (const m of spec.volumesFromCompute ? members : []) {
      await step(where, 'get-volumes', { cycle, member: m.index, server: m.server }, async () => {
        const r = await expect(novaP, [200], 'GET', `/v2.1/servers/${m.server}/os-volume_attachments`);
        const ids = (r.body as { volumeAttachments: { volumeId: string }[] }).volumeAttachments.map((a) => a.volumeId);
        vols.set(m.index, ids);
        return { volumes: ids };
      });
    }
    const order = quiesceOrder(spec);
    const quiesced: Member[] = [];
    try {
      if (spec.quiesce) {
        for (const i of order) {
          const m = members[i]!;
          await step(where, 'quiesce', { cycle, member: i, server: m.server }, async () => {
            const r = await expect(novaP, [202], 'POST', `/v2.1/servers/${m.server}/action`, { quiesce: null }, COMPUTE_MV);
            quiesced.push(m);
            await until(serverState(novaP, m.server), (s) => s['OS-EXT-STS:vm_state'] === 'quiesced', STEP_TIMEOUT_MS, `${m.name} quiesced`, 5);
            return { status: r.status };
          });
        }
      }
      const snaps = await step(where, 'group-snapshot', { cycle, group: groupId }, async () => {
        const r = await expect(volP, [202], 'POST', `${V3}/group_snapshots`, { group_snapshot: { group_id: groupId, name: `${spec.vnf}-c${cycle}` } }, GROUP_MV);
        const id = (r.body as { group_snapshot: { id: string } }).group_snapshot.id;
        await until(async () => ((await expect(volP, [200], 'GET', `${V3}/group_snapshots/${id}`, undefined, GROUP_MV)).body as { group_snapshot: { status: string } }).group_snapshot.status, (s) => s === 'available' || (s === 'error' ? 'group snapshot error' : false), STEP_TIMEOUT_MS, `group snapshot ${id}`, 5);
        const list = await expect(volP, [200], 'GET', `${V3}/snapshots/detail?group_snapshot_id=${id}`, undefined, GROUP_MV);
        const snapshots = (list.body as { snapshots: { id: string; volume_id: string }[] }).snapshots;
        return { groupSnapshot: id, snapshots: snapshots.map((s) => ({ snapshot: s.id, volume: s.volume_id })) };
      });
      // Unquiesce in reverse order, as soon as the snapshot exists (or, known-bad, only once the backups are done):
      // the window is what DR-OPT1-FAST-SNAPSHOT measures.
      const unquiesceAll = async () => {
        for (const m of [...quiesced].reverse()) {
          await step(where, 'unquiesce', { cycle, member: m.index, server: m.server }, async () => {
            const r = await expect(novaP, [202], 'POST', `/v2.1/servers/${m.server}/action`, { unquiesce: null }, COMPUTE_MV);
            return { status: r.status };
          });
        }
        quiesced.length = 0;
      };
      if (spec.unquiesceAfter === 'snapshot') await unquiesceAll();
      const byVolume = new Map(snaps.snapshots.map((s) => [s.volume, s.snapshot]));
      const mine = members.flatMap((m) =>
        (['boot', 'data'] as const).map((role) => {
          const volume = role === 'boot' ? m.bootVolume : m.dataVolume;
          const snapshot = byVolume.get(volume);
          if (!snapshot) throw new Error(`group snapshot ${snaps.groupSnapshot} has no snapshot of ${m.name}'s ${role} volume ${volume}`);
          if (spec.volumesFromCompute && !vols.get(m.index)?.includes(volume)) throw new Error(`compute does not list ${m.name}'s ${role} volume ${volume} as attached`);
          return { member: m.index, role, volume, snapshot };
        }),
      );
      await fromSnapshotsAndBackup(cycle, mine);
      if (spec.unquiesceAfter === 'backup') await unquiesceAll();
    } finally {
      // Never leave a VM frozen because a later step failed.
      for (const m of quiesced.reverse()) await novaP('POST', `/v2.1/servers/${m.server}/action`, { unquiesce: null }, COMPUTE_MV).catch(() => undefined);
    }
  };

  const cycleOption2 = async (cycle: number) => {
    const where = spec.primary;
    const snaps: { member: number; role: 'boot' | 'data'; volume: string; snapshot: string }[] = [];
    const images: string[] = [];
    for (const m of members) {
      await step(where, 'server-snapshot', { cycle, member: m.index, server: m.server }, async () => {
        const r = await expect(novaP, [202], 'POST', `/v2.1/servers/${m.server}/action`, { createImage: { name: `${m.name}-c${cycle}` } }, COMPUTE_MV);
        const image = (r.body as { image_id: string }).image_id;
        images.push(image);
        const img = (await expect(glanceP, [200], 'GET', `/v2/images/${image}`)).body as Record<string, unknown>;
        const raw = img['block_device_mapping'];
        const bdm = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { snapshot_id: string; boot_index?: number | null }[];
        for (const b of bdm) {
          const snap = (await expect(volP, [200], 'GET', `${V3}/snapshots/${b.snapshot_id}`)).body as { snapshot: { volume_id: string } };
          const volume = snap.snapshot.volume_id;
          snaps.push({ member: m.index, role: volume === m.bootVolume ? 'boot' : 'data', volume, snapshot: b.snapshot_id });
        }
        return { image, snapshots: bdm.map((b) => b.snapshot_id) };
      });
    }
    await fromSnapshotsAndBackup(cycle, snaps);
    for (const image of spec.keepImages ? [] : images) {
      await step(where, 'image-delete', { cycle, image }, async () => {
        const r = await expect(glanceP, [204, 200], 'DELETE', `/v2/images/${image}`);
        const back = await glanceP('GET', `/v2/images/${image}`);
        return { status: r.status, readBack: back.status };
      });
    }
  };

  /**
   * What a runner that did not set the VNF up (msh dr, another process) must
   * learn first, the way the seed's step 1 does: the servers by name from
   * compute, their volumes from their attachments, the group and the backups
   * already taken from the volume API. Returns the next cycle number.
   */
  const discover = async (): Promise<number> => {
    if (members.every((m) => m.server !== '')) return nextCycle;
    const servers = ((await expect(novaP, [200], 'GET', '/v2.1/servers/detail')).body as { servers: { id: string; name: string }[] }).servers;
    for (const m of members) {
      const srv = servers.find((x) => x.name === m.name);
      if (!srv) throw new Error(`no server ${m.name} in ${spec.primary}: was the VNF set up (msh up)?`);
      m.server = srv.id;
      const att = ((await expect(novaP, [200], 'GET', `/v2.1/servers/${m.server}/os-volume_attachments`)).body as { volumeAttachments: { volumeId: string }[] }).volumeAttachments;
      for (const a of att) {
        const v = ((await expect(volP, [200], 'GET', `${V3}/volumes/${a.volumeId}`)).body as { volume: { bootable: string | boolean } }).volume;
        if (v.bootable === true || v.bootable === 'true') m.bootVolume = a.volumeId;
        else m.dataVolume = a.volumeId;
      }
    }
    if (spec.option === 'quiesce-group-snapshot') {
      const groups = ((await expect(volP, [200], 'GET', `${V3}/groups`, undefined, GROUP_MV)).body as { groups: { id: string; name: string }[] }).groups;
      groupId = groups.find((g) => g.name === spec.vnf)?.id ?? '';
    }
    if (spec.option !== 'replication') {
      const backups = ((await expect(volP, [200], 'GET', `${V3}/backups/detail`)).body as { backups: { name: string; status: string }[] }).backups;
      for (const b of backups.filter((x) => x.status === 'available')) {
        const m = /^(.*)-(\d+)-(boot|data)-c(\d+)$/.exec(b.name);
        if (!m || m[1] !== spec.vnf) continue;
        backedUp.add(`${m[2]}/${m[3]}`);
        nextCycle = Math.max(nextCycle, Number(m[4]) + 1);
      }
    }
    return nextCycle;
  };

  /** The primary's volume API does not answer at all (its site lost), as opposed to a step that failed. */
  const primaryGone = async (): Promise<boolean> => volP('GET', '/').then(() => false, () => true);

  /** One protection cycle now (msh dr protect): the cycle number it took. */
  const protectOnce = async (): Promise<number> => {
    const cycle = await discover();
    nextCycle = cycle + 1;
    await (spec.option === 'quiesce-group-snapshot' ? cycleOption1(cycle) : cycleOption2(cycle));
    return cycle;
  };

  const protect = async (t0: number, endAt: number, stop: AbortSignal) => {
    if (spec.every === undefined) return;
    for (let cycle = 0; ; cycle++) {
      const at = t0 + spec.first + cycle * spec.every;
      if (at >= endAt || stop.aborted) return;
      await new Promise((r) => setTimeout(r, Math.max(0, at - now())));
      if (stop.aborted) return;
      nextCycle = cycle + 1;
      try {
        await (spec.option === 'quiesce-group-snapshot' ? cycleOption1(cycle) : cycleOption2(cycle));
      } catch (err) {
        // A cycle cut short (site lost, link cut mid-backup) is in the history as its failed step; the next cycle tries again.
        history.append({ t: now(), kind: 'op', process: `dr@${spec.primary}`, type: 'fail', f: 'cycle', value: { cycle, error: (err as Error).message } });
        if (spec.autoFailover && !failedOver && (await primaryGone())) {
          history.append({ t: now(), kind: 'op', process: `dr@${spec.backup}`, type: 'info', f: 'auto-failover', value: { cycle, reason: 'the primary\'s APIs do not answer' } });
          await failover(spec.backup).catch(() => undefined);
          return;
        }
      }
    }
  };

  /** Backups known in `to` by name (<vnf>-<i>-<role>-c<cycle>), and the newest cycle with every protected volume of every VM available. */
  const restorePoint = async (to: string) => {
    const list = ((await expect(api(to, 'volume'), [200], 'GET', `${V3}/backups/detail`)).body as { backups: { id: string; name: string; status: string }[] }).backups;
    const parsed = list.flatMap((b) => {
      const x = /^(.*)-(\d+)-(boot|data)-c(\d+)$/.exec(b.name);
      return x && x[1] === spec.vnf ? [{ ...b, member: Number(x[2]), role: x[3]!, cycle: Number(x[4]) }] : [];
    });
    const ok = parsed.filter((b) => b.status === 'available');
    const cycles = [...new Set(ok.map((b) => b.cycle))].sort((a, b) => b - a);
    // One cycle for every volume: volumes from different cycles would restore a state that never existed.
    const cycle = cycles.find((c) => members.every((m) => spec.volumes.every((role) => ok.some((b) => b.cycle === c && b.member === m.index && b.role === role)))) ?? null;
    return { parsed, ok, cycle };
  };

  const restoreMember = async (to: string, m: Member, point: Awaited<ReturnType<typeof restorePoint>>): Promise<{ boot?: string; data?: string; from: string }> => {
    const vol = api(to, 'volume');
    const out: Record<string, string> = {};
    let from = '';
    for (const role of ['boot', 'data'] as const) {
      const b = point.ok.find((x) => x.member === m.index && x.role === role && x.cycle === point.cycle);
      const skipped = point.parsed.filter((x) => x.member === m.index && x.role === role && x.cycle > (point.cycle ?? -1)).map((x) => `${x.name} (${x.status})`);
      if (!b) {
        await step(to, 'restore', { member: m.index, role, skipped }, async () => {
          throw new Error(`no complete backup of ${m.name}'s ${role} volume known in ${to}${point.cycle === null ? ' (no cycle completed for every volume)' : ` in cycle ${point.cycle}`}`);
        }).catch(() => undefined);
        continue;
      }
      from = `cycle ${b.cycle}`;
      await step(to, 'restore', { member: m.index, role, backup: b.id, name: b.name, cycle: b.cycle, skipped }, async () => {
        const r = await expect(vol, [202], 'POST', `${V3}/backups/${b.id}/restore`, { restore: { name: `${m.name}-${role}` } });
        const id = (r.body as { restore: { volume_id: string } }).restore.volume_id;
        await waitVolume(vol, id);
        out[role] = id;
        return { volume: id };
      });
    }
    return { ...(out['boot'] ? { boot: out['boot'] } : {}), ...(out['data'] ? { data: out['data'] } : {}), from };
  };

  const promoteAll = async (to: string): Promise<Map<string, string>> => {
    const vol = api(to, 'volume');
    const target = site(to);
    return step(to, 'promote', {}, async () => {
      const r = await expect(vol, [202, 200], 'PUT', `${V3}/os-services/failover_host`, { host: to, backend_id: spec.primary });
      const vols = ((await expect(vol, [200], 'GET', `${V3}/volumes/detail`)).body as { volumes: { id: string; name: string; replication_status?: string; 'msh:admin_metadata'?: Record<string, string> }[] }).volumes;
      const byName = new Map(vols.map((v) => [v.name, v.id]));
      // Read back what the admin metadata says the backend holds: the file must be there.
      const volumes = await Promise.all(
        vols.map(async (v) => {
          const admin = v['msh:admin_metadata'] ?? null;
          const path = admin?.['backend_path'];
          const exists = typeof path === 'string' && path.startsWith('/run/msh/') ? await stat(join(target.dir, path.slice('/run/msh/'.length))).then(() => true, () => false) : false;
          return { id: v.id, name: v.name, replicationStatus: v.replication_status ?? null, adminMetadata: admin, backendFileExists: exists };
        }),
      );
      return { status: r.status, volumes, byName: Object.fromEntries(byName) };
    }).then((x) => new Map(Object.entries(x.byName as Record<string, string>)));
  };

  /**
   * The trigger: restore every VM in `to` as far as it goes. A step that fails
   * is recorded and the next VM is still tried: the checks judge what came
   * back. Throws only when the backup site's APIs cannot be reached at all
   * (the trigger did not take effect).
   */
  const failover = async (to: string) => {
    if (failedOver) throw new Error('the VNF was already failed over');
    failedOver = true;
    const target = site(to);
    const nova = api(to, 'compute');
    history.append({ t: now(), kind: 'op', process: `dr@${to}`, type: 'ok', f: 'failover-trigger', value: { from: spec.primary, to, option: spec.option } });
    // Reached: the backup site's volume API answers (what every restore path starts with).
    await expect(api(to, 'volume'), [200], 'GET', `${V3}/volumes`);
    const promoted = spec.option === 'replication' ? await promoteAll(to).catch(() => new Map<string, string>()) : undefined;
    const point = promoted ? undefined : await restorePoint(to);
    let restoredFrom = spec.option === 'replication' ? 'replicas' : '';
    let booted = 0;
    let attached = 0;
    for (const m of members) {
      try {
        const vols = promoted ? { boot: promoted.get(`${m.name}-boot`), data: promoted.get(`${m.name}-data`), from: 'replica' } : await restoreMember(to, m, point!);
        if (!promoted) restoredFrom = vols.from;
        const r: Member = { ...m, server: '', bootVolume: vols.boot ?? '', dataVolume: vols.data ?? '' };
        await step(to, 'boot', { member: m.index, bootVolume: vols.boot ?? null }, async () => {
          if (!vols.boot) throw new Error(`no ${promoted ? 'promoted replica' : 'restored volume'} of ${m.name}'s boot volume in ${to}`);
          r.server = await bootServer(nova, r, vols.boot);
          return { server: r.server };
        });
        booted += 1;
        await step(to, 'attach', { member: m.index, server: r.server, volume: vols.data ?? null }, async () => {
          if (!vols.data) throw new Error(`no ${promoted ? 'promoted replica' : 'restored volume'} of ${m.name}'s data volume in ${to}`);
          await attach(nova, r.server, vols.data);
          return {};
        });
        attached += 1;
      } catch {
        // recorded as the failed step; the next VM is still restored
      }
    }
    const serving = attached === members.length ? await until(() => lastGuestEvent(target, spec.vnf, 'serving'), (e) => e !== null, STEP_TIMEOUT_MS, `VNF ${spec.vnf} serving in ${to}`).catch(() => null) : null;
    const restoredEv = await lastGuestEvent(target, spec.vnf, 'restored');
    return { servingAt: serving?.t ?? null, seqs: (restoredEv?.value['seqs'] as number[] | undefined) ?? [], restoredFrom, booted, members: members.length };
  };

  const corrupt = async (index: number) => {
    await discover();
    const m = members[index];
    if (!m) throw new Error(`no member ${index}`);
    const sock = join(primary.dir, 'guests', `${m.server}.sock`);
    await guestRequest(sock, { op: 'corrupt' }, 5000);
    const h = await until(() => readHeader(dataPath(primary, m.dataVolume)), (x) => x.corrupt, 5000, `${m.name}'s volume holding corrupt data`, 10);
    return { seq: h.seq, at: now() };
  };

  const guestEvents = async () => (await Promise.all([...sites.values()].map((x) => readGuestEvents(x, spec.vnf)))).flat().sort((a, b) => a.t - b.t);

  return { setup, protect, protectOnce, failover, corrupt, guestEvents };
}
