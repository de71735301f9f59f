// The harness's client of a site's compute API (Nova v2.1 shapes) over
// <run-dir>/compute.sock. Responses are validated with zod; failures carry
// Nova's fault name and the HTTP status.
import { z } from 'zod';
import { ServerSchema, VolumeAttachmentSchema, type Server, type ServerCreate, type VolumeAttachment } from '../services/compute/types.js';
import { parseJson, pollUntil, TerminalError, unixRequest } from './unix-http.js';

export type { Server, ServerCreate, VolumeAttachment } from '../services/compute/types.js';

export class ComputeClientError extends Error {
  /** Nova's fault name (itemNotFound, conflictingRequest, ...) or HTTP<status>. */
  readonly fault: string;
  readonly status: number;
  constructor(status: number, fault: string, message: string) {
    super(`${status} ${fault}: ${message}`);
    this.name = 'ComputeClientError';
    this.status = status;
    this.fault = fault;
  }
}

const FaultSchema = z.record(z.string(), z.object({ code: z.number(), message: z.string() }));

export interface ComputeClientOptions {
  readonly socketPath: string;
  readonly timeoutMs?: number;
  /** Sent as OpenStack-API-Version: compute X.Y (default 2.45: createImage answers its image_id). */
  readonly microversion?: string;
}

export class ComputeClient {
  private readonly socketPath: string;
  private readonly timeoutMs: number;
  private readonly microversion: string;

  constructor(o: ComputeClientOptions) {
    this.socketPath = o.socketPath;
    this.timeoutMs = o.timeoutMs ?? 30_000;
    this.microversion = o.microversion ?? '2.45';
  }

  async createServer(req: ServerCreate): Promise<Server> {
    return (await this.call('POST', '/v2.1/servers', z.object({ server: ServerSchema }), { server: req }, 202)).body.server;
  }
  async listServers(): Promise<Server[]> {
    return (await this.call('GET', '/v2.1/servers/detail', z.object({ servers: z.array(ServerSchema) }))).body.servers;
  }
  async getServer(id: string): Promise<Server> {
    return (await this.call('GET', `/v2.1/servers/${encodeURIComponent(id)}`, z.object({ server: ServerSchema }))).body.server;
  }
  async deleteServer(id: string): Promise<void> {
    await this.call('DELETE', `/v2.1/servers/${encodeURIComponent(id)}`, null, undefined, 204);
  }

  async attachVolume(serverId: string, volumeId: string, device?: string): Promise<VolumeAttachment> {
    const body = { volumeAttachment: { volumeId, ...(device !== undefined ? { device } : {}) } };
    return (await this.call('POST', `/v2.1/servers/${encodeURIComponent(serverId)}/os-volume_attachments`, z.object({ volumeAttachment: VolumeAttachmentSchema }), body)).body.volumeAttachment;
  }
  async listAttachments(serverId: string): Promise<VolumeAttachment[]> {
    return (await this.call('GET', `/v2.1/servers/${encodeURIComponent(serverId)}/os-volume_attachments`, z.object({ volumeAttachments: z.array(VolumeAttachmentSchema) }))).body.volumeAttachments;
  }
  async detachVolume(serverId: string, volumeId: string): Promise<void> {
    await this.call('DELETE', `/v2.1/servers/${encodeURIComponent(serverId)}/os-volume_attachments/${encodeURIComponent(volumeId)}`, null, undefined, 202);
  }

  async quiesce(serverId: string): Promise<void> {
    await this.call('POST', `/v2.1/servers/${encodeURIComponent(serverId)}/action`, null, { quiesce: null }, 202);
  }
  async unquiesce(serverId: string): Promise<void> {
    await this.call('POST', `/v2.1/servers/${encodeURIComponent(serverId)}/action`, null, { unquiesce: null }, 202);
  }
  /** Snapshot of a volume-backed server: the new image's id (body of 2.45+) and the Location header. */
  async createImage(serverId: string, name: string, metadata: Readonly<Record<string, string>> = {}): Promise<{ imageId: string; location: string }> {
    const r = await this.call('POST', `/v2.1/servers/${encodeURIComponent(serverId)}/action`, z.object({ image_id: z.string() }), { createImage: { name, metadata } }, 202);
    const loc = r.headers['location'];
    return { imageId: r.body.image_id, location: typeof loc === 'string' ? loc : '' };
  }

  /** Polls the server until its status is `status`; throws at once if it goes to ERROR (unless that is asked) and after timeoutMs. */
  async waitForStatus(id: string, status: string, timeoutMs = 30_000): Promise<Server> {
    return pollUntil(
      `server ${id} status ${status}`,
      async () => {
        const s = await this.getServer(id);
        if (s.status === status) return s;
        if (s.status === 'ERROR') throw new TerminalError(`server ${id} went to ERROR: ${s.fault?.message ?? 'no fault'}`);
        return null;
      },
      timeoutMs,
    );
  }

  /** Polls until the server is gone (404). */
  async waitForGone(id: string, timeoutMs = 30_000): Promise<void> {
    await pollUntil(
      `server ${id} deleted`,
      async () => {
        try {
          await this.getServer(id);
          return null;
        } catch (e) {
          if (e instanceof ComputeClientError && e.status === 404) return true;
          throw e;
        }
      },
      timeoutMs,
    );
  }

  /** Polls until the API answers. */
  async waitReady(timeoutMs = 30_000): Promise<number> {
    const t0 = performance.now();
    await pollUntil('compute API answering', async () => (await this.listServers(), true), timeoutMs, 50);
    return performance.now() - t0;
  }

  private async call(method: string, path: string, schema: null, body?: unknown, expect?: number): Promise<{ body: null; headers: Readonly<Record<string, string | string[] | undefined>> }>;
  private async call<S extends z.ZodType>(method: string, path: string, schema: S, body?: unknown, expect?: number): Promise<{ body: z.infer<S>; headers: Readonly<Record<string, string | string[] | undefined>> }>;
  private async call<S extends z.ZodType>(method: string, path: string, schema: S | null, body?: unknown, expect = 200): Promise<{ body: z.infer<S> | null; headers: Readonly<Record<string, string | string[] | undefined>> }> {
    const r = await unixRequest(this.socketPath, { method, path, body, headers: { 'OpenStack-API-Version': `compute ${this.microversion}` } }, this.timeoutMs);
    if (r.status >= 400) {
      const f = FaultSchema.safeParse(parseJson(r.text));
      const entry = f.success ? Object.entries(f.data)[0] : undefined;
      if (entry) throw new ComputeClientError(r.status, entry[0], entry[1].message);
      throw new ComputeClientError(r.status, `HTTP${r.status}`, r.text.slice(0, 500));
    }
    if (r.status !== expect) throw new Error(`${method} ${path}: status ${r.status}, expected ${expect}`);
    if (schema === null) return { body: null, headers: r.headers };
    const p = schema.safeParse(parseJson(r.text));
    if (!p.success) throw new Error(`${method} ${path}: unexpected response shape: ${p.error.message}`);
    return { body: p.data, headers: r.headers };
  }
}
