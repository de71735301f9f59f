// Asynchronous volume replication (the seed's option 3): every interval,
// each volume of a replicated type whose file changed is read under its
// write lock, hashed per 32 KiB block, and the blocks whose sha256 changed
// since the last complete shipment are PUT to the target site's volume API
// (PUT /v3/{project}/msh-replicas/{volume_id}: this emulation's private
// endpoint, not Cinder's; Cinder replicates inside its drivers). A pass is
// complete when its last request is acknowledged: the target applies a pass
// only then (it stages the requests before), the hashes advance and
// `msh:replicated_at` becomes the time the state was read. A failed pass
// sets replication_status `error` and the next pass ships everything
// changed since the last complete one; the target drops the unfinished
// one. The first pass after a start ships the blocks that are not zeros,
// and the target zero-fills the replica before applying it.
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { blockHashes, changedBlocks, extents } from './blocks.js';
import type { VolumeService } from './service.js';
import type { VolumeRec } from './store.js';
import type { ReplicaShipment } from './types.js';

/** Payload bytes per request: base64 of it stays under the API's 1 MiB body limit. */
export const SHIPMENT_BYTES = 512 * 1024;

export interface ReplicatorOptions {
  /** The target site's volume API, e.g. http://198.18.2.2:8776 */
  readonly target: string;
  readonly intervalMs: number;
  readonly timeoutMs?: number;
}

export interface Shipped {
  readonly hashes: readonly string[];
  /** The file's mtime and size when it was read. */
  readonly stamp: string;
  /** When that read began (wall clock, ms). */
  readonly readAtMs: number;
}

/** File timestamps come from a coarse clock: one tick (at most 10 ms at HZ 100) behind the wall clock. */
const TIMESTAMP_TICK_MS = 20;

/**
 * Whether the file still holds what was shipped: the same mtime and size,
 * and that mtime older than the read (git's "racily clean" rule: a write in
 * the read's own timestamp tick, landing after the read, leaves mtime and
 * size as they were, and would never be shipped).
 */
export function unchangedSince(last: Shipped | undefined, mtimeMs: number, size: number): boolean {
  return last !== undefined && last.stamp === `${mtimeMs}:${size}` && mtimeMs < last.readAtMs - TIMESTAMP_TICK_MS;
}

export class Replicator {
  private readonly svc: VolumeService;
  private readonly opts: ReplicatorOptions;
  private readonly shipped = new Map<string, Shipped>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(svc: VolumeService, opts: ReplicatorOptions) {
    this.svc = svc;
    this.opts = opts;
  }

  start(): void {
    this.svc.log(`replication: to ${this.opts.target} every ${this.opts.intervalMs} ms`);
    const tick = () => {
      if (this.stopped) return;
      this.running = this.pass()
        .catch((e: unknown) => this.svc.log(`replication pass failed: ${String(e)}`))
        .finally(() => {
          this.running = null;
          if (!this.stopped) this.timer = setTimeout(tick, this.opts.intervalMs);
        });
    };
    this.timer = setTimeout(tick, this.opts.intervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** One pass over every replicated volume (exported for tests and for a forced sync). */
  async pass(): Promise<void> {
    for (const v of await this.svc.listVolumes()) {
      if (v.replica !== null || v.replication_status === 'disabled' || !(await this.svc.replicated(v))) continue;
      if (!['available', 'in-use'].includes(v.status)) continue;
      await this.replicate(v);
    }
  }

  private async replicate(v: VolumeRec): Promise<void> {
    const readAtMs = Date.now();
    const readAt = new Date(readAtMs).toISOString();
    const st = await stat(v.path);
    const last = this.shipped.get(v.id);
    if (unchangedSince(last, st.mtimeMs, st.size) && v.replication_status === 'enabled' && v.replicated_at !== null) {
      // Nothing written since the last complete pass: the replica holds this state now.
      await this.svc.update(v.id, (x) => ({ ...x, replicated_at: readAt }));
      return;
    }
    const t0 = performance.now();
    const pass = randomUUID();
    const data = await this.svc.locks.run(v.id, () => readFile(v.path));
    const hashes = blockHashes(data);
    // The target creates a new replica zero-filled (sparse): a first shipment sends only the blocks that are not zeros.
    const changed = changedBlocks(last?.hashes ?? blockHashes(Buffer.alloc(data.length)), hashes);
    const parts = extents(changed, data.length, SHIPMENT_BYTES);
    const base = { pass, reset: last === undefined, name: v.name ?? '', size: v.size, bytes: data.length, volume_type: v.volume_type_name, bootable: v.bootable, source_host: this.svc.host };
    // An empty pass still tells the target the state it has is current (and creates the replica the first time).
    const batches: ReplicaShipment['extents'][] = parts.length === 0 ? [[]] : parts.map((e) => [{ offset: e.offset, data: data.subarray(e.offset, e.offset + e.length).toString('base64') }]);
    let bytes = 0;
    try {
      for (const [i, batch] of batches.entries()) {
        const shipment: ReplicaShipment = { ...base, extents: batch, replicated_at: i === batches.length - 1 ? readAt : null };
        await this.put(v.project_id, v.id, shipment);
        bytes += batch.reduce((n, e) => n + Buffer.from(e.data, 'base64').length, 0);
      }
    } catch (err) {
      if (v.replication_status !== 'error') this.svc.log(`replication of ${v.id} to ${this.opts.target} failed: ${(err as Error).message}`);
      await this.svc.update(v.id, (x) => ({ ...x, replication_status: 'error' }));
      return;
    }
    this.shipped.set(v.id, { hashes, stamp: `${st.mtimeMs}:${st.size}`, readAtMs });
    const ms = performance.now() - t0;
    if (changed.length > 0 || v.replication_status !== 'enabled') this.svc.log(`replication of ${v.id}: ${changed.length}/${hashes.length} blocks (${bytes} bytes) shipped in ${ms.toFixed(1)} ms`);
    await this.svc.update(v.id, (x) => {
      const s = x.replication_stats ?? { passes: 0, blocks: 0, bytes: 0, last_blocks: 0, last_bytes: 0, last_ms: 0 };
      return {
        ...x,
        replication_status: 'enabled',
        replicated_at: readAt,
        replication_stats: { passes: s.passes + 1, blocks: s.blocks + changed.length, bytes: s.bytes + bytes, last_blocks: changed.length, last_bytes: bytes, last_ms: ms },
      };
    });
  }

  private put(project: string, id: string, body: ReplicaShipment): Promise<void> {
    const url = new URL(`/v3/${encodeURIComponent(project)}/msh-replicas/${encodeURIComponent(id)}`, this.opts.target);
    const payload = JSON.stringify(body);
    const timeoutMs = this.opts.timeoutMs ?? 5000;
    return new Promise((resolve, reject) => {
      const req = request(url, { method: 'PUT', headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) }, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => ((res.statusCode ?? 0) < 300 ? resolve() : reject(new Error(`HTTP ${res.statusCode}: ${Buffer.concat(chunks).toString('utf8').slice(0, 300)}`))));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }
}
