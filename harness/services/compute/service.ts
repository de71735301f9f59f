// The compute service: servers booted from volumes, whose guest is a
// dr-guest process (guests.ts), kept in the site's `nova` database.
//
// Decisions:
// - A state-changing action checks and sets its task state under a
//   per-server lock held only for that check, then runs without it, so a
//   concurrent action sees the task state and gets Nova's 409.
// - quiesce, unquiesce and createImage answer when done (Nova's would be
//   asynchronous): the DR runner quiesces servers in an order, and "202"
//   must mean "frozen" for the order to mean anything.
// - A guest that exits on its own puts its server in ERROR with the exit
//   as the fault. At start, servers whose guest died with the previous
//   services process are SHUTOFF (as Nova syncs power states at start).
import { randomUUID } from 'node:crypto';
import type mysql from 'mysql2/promise';
import type { ImageBackend } from '../image/service.js';
import { attachmentNotFound, badRequest, invalidState, NovaError, serverNotFound, volumeInUse, volumeNotFound } from './errors.js';
import type { GuestHost } from './guests.js';
import { refusal, taskOf, vmStateAfter, type Action } from './lifecycle.js';
import * as db from './store.js';
import { POWER, ServerActionSchema, ServerCreateSchema, VolumeAttachmentCreateSchema, type ImageBdm, type Server, type VolumeAttachment } from './types.js';
import { nextDevice, serverView, type ViewContext } from './view.js';
import type { BackendVolume, VolumeBackend } from './volumes.js';

export interface ComputeConfig extends ViewContext {
  readonly defaultProject: string;
  /** How long a new guest has to answer its control socket. */
  readonly bootTimeoutMs?: number;
}

export type ActionResult = { readonly kind: 'done' } | { readonly kind: 'image'; readonly imageId: string };

const GIB = 1 << 30;

export class ComputeService {
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly deleting = new Set<string>();
  /** When each quiesced server froze (performance.now()), for the log's timings. */
  private readonly frozenAt = new Map<string, number>();

  private readonly pool: mysql.Pool;
  private readonly volumes: VolumeBackend;
  private readonly images: ImageBackend;
  private readonly guests: GuestHost;
  private readonly cfg: ComputeConfig;
  private readonly log: (line: string) => void;

  constructor(pool: mysql.Pool, volumes: VolumeBackend, images: ImageBackend, guests: GuestHost, cfg: ComputeConfig, log: (line: string) => void) {
    this.pool = pool;
    this.volumes = volumes;
    this.images = images;
    this.guests = guests;
    this.cfg = cfg;
    this.log = log;
  }

  async start(): Promise<void> {
    await db.createSchema(this.pool);
    for (const i of await db.listInstances(this.pool)) {
      if (i.vmState === 'stopped' || i.vmState === 'error') continue;
      await db.updateInstance(this.pool, i.id, { vmState: 'stopped', taskState: null, powerState: POWER.SHUTDOWN });
      this.log(`compute: server ${i.id} (${i.name}) SHUTOFF: its guest did not survive the previous services process`);
    }
  }

  async stop(): Promise<void> {
    await this.guests.killAll();
  }

  // ----------------------------------------------------------------- servers

  async createServer(body: unknown, projectId?: string): Promise<Server> {
    const parsed = ServerCreateSchema.safeParse(body);
    if (!parsed.success) throw badRequest(`Invalid input for field/attribute ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const s = parsed.data.server;
    const bdms = s.block_device_mapping_v2 ?? [];
    const boot = bdms.find((b) => b.boot_index === 0);
    if (!boot || (boot.source_type ?? 'volume') !== 'volume' || !boot.uuid) throw badRequest('Boot from volume only: block_device_mapping_v2 needs a boot_index 0 entry with source_type volume and a uuid.');
    const others = bdms.filter((b) => b !== boot);
    if (others.some((b) => (b.source_type ?? 'volume') !== 'volume' || !b.uuid)) throw badRequest('Only existing volumes (source_type volume, uuid) can be mapped.');
    const volumeIds = [boot.uuid, ...others.map((b) => b.uuid!)];
    if (new Set(volumeIds).size !== volumeIds.length) throw badRequest('A volume is mapped twice.');
    const bootVol = await this.volume(boot.uuid);
    if (!bootVol.bootable) throw badRequest(`Block Device Mapping is Invalid: Volume ${boot.uuid} is not bootable.`);
    for (const v of volumeIds) {
      await this.volume(v);
      if (await db.findBdmByVolume(this.pool, v)) throw badRequest(`Invalid volume: Volume ${v} status must be available, but is in-use.`);
    }
    const userData = s.user_data?.replace(/\s+/g, '') ?? null;
    if (userData !== null && Buffer.from(userData, 'base64').toString('base64').replace(/=+$/, '') !== userData.replace(/=+$/, '')) throw badRequest('User data needs to be valid base 64.');

    const id = randomUUID();
    const now = db.nowStamp();
    const project = projectId ?? this.cfg.defaultProject;
    await db.insertInstance(this.pool, {
      id,
      name: s.name,
      projectId: project,
      userId: project,
      vmState: 'building',
      taskState: null,
      powerState: POWER.NOSTATE,
      metadata: s.metadata ?? {},
      userData,
      fault: null,
      createdAt: now,
      updatedAt: now,
    });
    const devices: string[] = ['/dev/vda'];
    await db.insertBdm(this.pool, { id: randomUUID(), instanceId: id, volumeId: boot.uuid, deviceName: '/dev/vda', bootIndex: 0, deleteOnTermination: false });
    const later: { volumeId: string; device: string }[] = [];
    for (const b of others) {
      const device = b.device_name && !devices.includes(b.device_name) ? b.device_name : nextDevice(devices);
      devices.push(device);
      later.push({ volumeId: b.uuid!, device });
    }
    this.log(`compute: server ${id} (${s.name}) building from volume ${boot.uuid}${later.length ? `, then ${later.map((l) => l.volumeId).join(', ')}` : ''}`);
    void this.build(id, boot.uuid, userData, later);
    return this.getServer(id);
  }

  /** Boot: attach the root volume, start the guest, ACTIVE when its agent answers; then the other volumes. */
  private async build(id: string, bootVolume: string, userData: string | null, later: readonly { volumeId: string; device: string }[]): Promise<void> {
    const t0 = performance.now();
    try {
      const { path } = await this.volumes.attach(bootVolume, id);
      const guest = this.guests.start(id, path, userData);
      void guest.exited.then((how) => this.guestExited(id, how));
      const deadline = t0 + (this.cfg.bootTimeoutMs ?? 20_000);
      for (;;) {
        if (!guest.isRunning()) throw new Error(`guest exited during boot (${await guest.exited}); see ${guest.files.log}`);
        try {
          await this.guests.request(id, { op: 'state' }, 1000);
          break;
        } catch (e) {
          if (performance.now() > deadline) throw new Error(`guest agent not answering after ${this.cfg.bootTimeoutMs ?? 20_000} ms: ${(e as Error).message}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      if (this.deleting.has(id)) return;
      await db.updateInstance(this.pool, id, { vmState: 'active', powerState: POWER.RUNNING });
      this.log(`compute: server ${id} ACTIVE in ${(performance.now() - t0).toFixed(0)} ms (guest pid ${guest.pid})`);
      for (const l of later) {
        const { path: p } = await this.volumes.attach(l.volumeId, id);
        await db.insertBdm(this.pool, { id: randomUUID(), instanceId: id, volumeId: l.volumeId, deviceName: l.device, bootIndex: null, deleteOnTermination: false });
        await this.guests.request(id, { op: 'attach', path: p });
      }
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      this.log(`compute: server ${id} ERROR: ${msg}`);
      if (!this.deleting.has(id)) await db.updateInstance(this.pool, id, { vmState: 'error', taskState: null, fault: msg }).catch(() => undefined);
    }
  }

  private async guestExited(id: string, how: string): Promise<void> {
    if (this.deleting.has(id)) return;
    const i = await db.getInstance(this.pool, id);
    if (!i || i.vmState === 'error') return;
    this.log(`compute: server ${id} ERROR: guest ${how}`);
    await db.updateInstance(this.pool, id, { vmState: 'error', taskState: null, powerState: POWER.SHUTDOWN, fault: `guest ${how}` });
  }

  async listServers(): Promise<Server[]> {
    const [instances, bdms] = await Promise.all([db.listInstances(this.pool), db.listBdms(this.pool)]);
    return instances.map((i) => serverView(i, bdms.filter((b) => b.instanceId === i.id), this.cfg));
  }

  async getServer(id: string): Promise<Server> {
    const i = await this.instance(id);
    return serverView(i, await db.listBdms(this.pool, id), this.cfg);
  }

  /** Kills the guest, detaches every volume, forgets the server. */
  async deleteServer(id: string): Promise<void> {
    await this.instance(id);
    this.deleting.add(id);
    try {
      await db.updateInstance(this.pool, id, { taskState: 'deleting' });
      await this.guests.kill(id);
      this.frozenAt.delete(id);
      for (const b of await db.listBdms(this.pool, id)) {
        await this.volumes.detach(b.volumeId, id).catch((e: unknown) => this.log(`compute: server ${id}: detaching ${b.volumeId} failed: ${String(e)}`));
      }
      await db.deleteInstance(this.pool, id);
      this.log(`compute: server ${id} deleted`);
    } finally {
      this.deleting.delete(id);
    }
  }

  // ------------------------------------------------------ volume attachments

  async attachVolume(serverId: string, body: unknown): Promise<VolumeAttachment> {
    const parsed = VolumeAttachmentCreateSchema.safeParse(body);
    if (!parsed.success) throw badRequest(`Invalid input: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    const volumeId = parsed.data.volumeAttachment.volumeId;
    await this.volume(volumeId);
    if (await db.findBdmByVolume(this.pool, volumeId)) throw volumeInUse(volumeId);
    return this.withState(serverId, 'attach', async () => {
      const used = (await db.listBdms(this.pool, serverId)).map((b) => b.deviceName);
      const asked = parsed.data.volumeAttachment.device;
      const device = asked && !used.includes(asked) ? asked : nextDevice(used);
      const { path } = await this.volumes.attach(volumeId, serverId);
      try {
        await this.guests.request(serverId, { op: 'attach', path });
      } catch (e) {
        await this.volumes.detach(volumeId, serverId).catch(() => undefined);
        throw e;
      }
      await db.insertBdm(this.pool, { id: randomUUID(), instanceId: serverId, volumeId, deviceName: device, bootIndex: null, deleteOnTermination: false });
      this.log(`compute: server ${serverId}: volume ${volumeId} attached as ${device} (${path})`);
      return { id: volumeId, serverId, volumeId, device };
    });
  }

  async listAttachments(serverId: string): Promise<VolumeAttachment[]> {
    await this.instance(serverId);
    return (await db.listBdms(this.pool, serverId)).map((b) => ({ id: b.volumeId, serverId, volumeId: b.volumeId, device: b.deviceName }));
  }

  async detachVolume(serverId: string, volumeId: string): Promise<void> {
    await this.instance(serverId);
    const b = (await db.listBdms(this.pool, serverId)).find((x) => x.volumeId === volumeId);
    if (!b) throw attachmentNotFound(serverId, volumeId);
    if (b.bootIndex === 0) throw badRequest(`Cannot detach a root device volume (${volumeId}).`);
    await this.withState(serverId, 'detach', async () => {
      await this.guests.request(serverId, { op: 'detach' });
      await this.volumes.detach(volumeId, serverId);
      await db.deleteBdm(this.pool, b.id);
      this.log(`compute: server ${serverId}: volume ${volumeId} detached`);
    });
  }

  // ----------------------------------------------------------------- actions

  async action(serverId: string, body: unknown): Promise<ActionResult> {
    const parsed = ServerActionSchema.safeParse(body);
    if (!parsed.success) throw badRequest('Unsupported action: this compute knows quiesce, unquiesce and createImage.');
    const a = parsed.data;
    if ('quiesce' in a) {
      await this.withState(serverId, 'quiesce', async () => {
        const r = await this.freeze(serverId);
        this.log(`compute: server ${serverId} quiesced: guest froze at seq ${r.seq} in ${r.ms.toFixed(1)} ms, then SIGSTOP`);
      });
      return { kind: 'done' };
    }
    if ('unquiesce' in a) {
      await this.withState(serverId, 'unquiesce', async () => {
        const r = await this.thaw(serverId);
        this.log(`compute: server ${serverId} unquiesced: quiesced for ${r.quiescedMs.toFixed(1)} ms, guest thawed at seq ${r.seq}`);
      });
      return { kind: 'done' };
    }
    const imageId = await this.withState(serverId, 'createImage', () => this.snapshotImage(serverId, a.createImage.name, a.createImage.metadata ?? {}));
    return { kind: 'image', imageId };
  }

  /** Option 2 of the seed: quiesce, snapshot every attached volume, unquiesce, an image whose properties name the snapshots. */
  private async snapshotImage(serverId: string, name: string, metadata: Readonly<Record<string, string>>): Promise<string> {
    const bdms = await db.listBdms(this.pool, serverId);
    const sizes = new Map<string, number>();
    for (const b of bdms) sizes.set(b.volumeId, (await this.volume(b.volumeId)).size);
    const frozen = await this.freeze(serverId);
    const snaps: ImageBdm[] = [];
    let thawed: { quiescedMs: number; seq: number };
    try {
      for (const b of bdms) {
        const snap = await this.volumes.snapshot(b.volumeId, `snapshot for ${name}`);
        snaps.push({
          source_type: 'snapshot',
          destination_type: 'volume',
          snapshot_id: snap.id,
          boot_index: b.bootIndex,
          device_name: b.deviceName,
          delete_on_termination: b.deleteOnTermination,
          volume_size: Math.max(1, Math.ceil((sizes.get(b.volumeId) ?? 0) / GIB)),
          volume_id: null,
          tag: null,
        });
      }
    } finally {
      thawed = await this.thaw(serverId);
    }
    this.log(`compute: server ${serverId} createImage ${JSON.stringify(name)}: ${snaps.length} volume snapshots, quiesced for ${thawed.quiescedMs.toFixed(1)} ms (froze at seq ${frozen.seq})`);
    const image = await this.images.createImage(
      {
        ...metadata,
        name,
        container_format: 'bare',
        disk_format: 'raw',
        // As Nova stores them: image properties are strings, the mapping a JSON list.
        bdm_v2: 'True',
        block_device_mapping: JSON.stringify(snaps),
        root_device_name: '/dev/vda',
        instance_uuid: serverId,
        image_type: 'snapshot',
      },
      { status: 'active', size: 0 },
    );
    return image.id;
  }

  /** The guest agent's freeze hook (flush, hold writes), then SIGSTOP: a real freeze. */
  private async freeze(id: string): Promise<{ seq: number; ms: number }> {
    const t0 = performance.now();
    const r = await this.guests.request(id, { op: 'freeze' });
    this.guests.signal(id, 'SIGSTOP');
    this.frozenAt.set(id, performance.now());
    return { seq: Number(r['seq']), ms: performance.now() - t0 };
  }

  private async thaw(id: string): Promise<{ quiescedMs: number; seq: number }> {
    this.guests.signal(id, 'SIGCONT');
    const r = await this.guests.request(id, { op: 'thaw' });
    const since = this.frozenAt.get(id);
    this.frozenAt.delete(id);
    return { quiescedMs: since === undefined ? NaN : performance.now() - since, seq: Number(r['seq']) };
  }

  // ----------------------------------------------------------------- helpers

  /**
   * Runs an action under its task state: refused with 409 unless the
   * server's state allows it; vm_state moves on success, the task clears
   * either way, and a failure leaves the fault on the server.
   */
  private async withState<T>(id: string, action: Action, run: () => Promise<T>): Promise<T> {
    const before = await this.exclusive(id, async () => {
      const i = await this.instance(id);
      const no = refusal(action, { vm: i.vmState, task: i.taskState });
      if (no) throw invalidState(id, no.attr, no.state, action);
      const task = taskOf(action);
      if (task !== null) await db.updateInstance(this.pool, id, { taskState: task });
      return i.vmState;
    });
    try {
      const r = await run();
      const vm = vmStateAfter(action, before);
      await db.updateInstance(this.pool, id, { vmState: vm, taskState: null, powerState: vm === 'quiesced' ? POWER.PAUSED : vm === 'active' ? POWER.RUNNING : undefined });
      return r;
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      this.log(`compute: server ${id} ${action} failed: ${msg}`);
      await db.updateInstance(this.pool, id, { taskState: null, fault: `${action}: ${msg}` }).catch(() => undefined);
      if (e instanceof NovaError) throw e;
      throw new NovaError(500, `${action} failed: ${msg}`);
    }
  }

  private async exclusive<T>(id: string, f: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(id) ?? Promise.resolve();
    const next = prev.then(f, f);
    const settled = next.catch(() => undefined);
    this.locks.set(id, settled);
    try {
      return await next;
    } finally {
      if (this.locks.get(id) === settled) this.locks.delete(id);
    }
  }

  private async instance(id: string): Promise<db.InstanceRow> {
    const i = await db.getInstance(this.pool, id);
    if (!i) throw serverNotFound(id);
    return i;
  }

  private async volume(id: string): Promise<BackendVolume> {
    try {
      return await this.volumes.getVolume(id);
    } catch {
      throw volumeNotFound(id);
    }
  }
}
