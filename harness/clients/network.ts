// The harness's client of a site's network API: Neutron v2.0 over HTTP on
// the unix socket the services process listens on (<run-dir>/network.sock,
// a host directory bind-mounted into the controller). Responses are
// validated against the resource schemas; failures carry Neutron's error
// type and the HTTP status.
import { request } from 'node:http';
import { z } from 'zod';
import {
  NetworkSchema,
  NeutronErrorSchema,
  PortSchema,
  SubnetSchema,
  type FixedIpRequest,
  type Network,
  type NetworkCreate,
  type Port,
  type PortCreate,
  type PortUpdate,
  type Subnet,
  type SubnetCreate,
} from '../services/network/types.js';

export type { Network, NetworkCreate, Port, PortCreate, PortUpdate, Subnet, SubnetCreate } from '../services/network/types.js';

export class NeutronClientError extends Error {
  /** Neutron's exception type ("PortNotFound", "MacAddressInUse", ...), or "HTTP<status>" for a body without one. */
  readonly type: string;
  readonly status: number;
  readonly detail: string;
  constructor(status: number, type: string, message: string, detail = '') {
    super(`${status} ${type}: ${message}`);
    this.name = 'NeutronClientError';
    this.status = status;
    this.type = type;
    this.detail = detail;
  }
}

export type Filters = Readonly<Record<string, string | readonly string[]>>;

export type PortFilters = {
  readonly network_id?: string;
  readonly device_owner?: string;
  readonly device_id?: string;
  readonly mac_address?: string;
  readonly name?: string;
  readonly 'binding:host_id'?: string;
  /** e.g. "ip_address=10.0.0.5" */
  readonly fixed_ips?: string;
};

export interface RemotePortSpec {
  readonly network_id: string;
  readonly mac_address: string;
  readonly fixed_ips: readonly FixedIpRequest[];
  /** The remote VTEP. */
  readonly tunnel_ip: string;
  /** The remote site (or host) the VM lives on. */
  readonly host: string;
  readonly name?: string;
  readonly device_id?: string;
}

export interface NetworkClientOptions {
  readonly socketPath: string;
  readonly timeoutMs?: number;
}

export class NetworkClient {
  private readonly socketPath: string;
  private readonly timeoutMs: number;

  constructor(opts: NetworkClientOptions) {
    this.socketPath = opts.socketPath;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  // ---------------------------------------------------------------- networks

  async createNetwork(req: NetworkCreate): Promise<Network> {
    return (await this.call('POST', '/v2.0/networks', z.object({ network: NetworkSchema }), { network: req })).network;
  }
  async listNetworks(filters: Filters = {}): Promise<Network[]> {
    return (await this.call('GET', `/v2.0/networks${qs(filters)}`, z.object({ networks: z.array(NetworkSchema) }))).networks;
  }
  async getNetwork(id: string): Promise<Network> {
    return (await this.call('GET', `/v2.0/networks/${encodeURIComponent(id)}`, z.object({ network: NetworkSchema }))).network;
  }
  async deleteNetwork(id: string): Promise<void> {
    await this.call('DELETE', `/v2.0/networks/${encodeURIComponent(id)}`, null);
  }

  // ----------------------------------------------------------------- subnets

  async createSubnet(req: SubnetCreate): Promise<Subnet> {
    return (await this.call('POST', '/v2.0/subnets', z.object({ subnet: SubnetSchema }), { subnet: req })).subnet;
  }
  async listSubnets(filters: Filters = {}): Promise<Subnet[]> {
    return (await this.call('GET', `/v2.0/subnets${qs(filters)}`, z.object({ subnets: z.array(SubnetSchema) }))).subnets;
  }
  async getSubnet(id: string): Promise<Subnet> {
    return (await this.call('GET', `/v2.0/subnets/${encodeURIComponent(id)}`, z.object({ subnet: SubnetSchema }))).subnet;
  }
  async deleteSubnet(id: string): Promise<void> {
    await this.call('DELETE', `/v2.0/subnets/${encodeURIComponent(id)}`, null);
  }

  // ------------------------------------------------------------------- ports

  async createPort(req: PortCreate): Promise<Port> {
    return (await this.call('POST', '/v2.0/ports', z.object({ port: PortSchema }), { port: req })).port;
  }
  /** The seed's fake remote port: a VM behind another site's VTEP. */
  async createRemotePort(spec: RemotePortSpec): Promise<Port> {
    return this.createPort({
      network_id: spec.network_id,
      mac_address: spec.mac_address,
      fixed_ips: [...spec.fixed_ips],
      device_owner: 'compute:remote',
      ...(spec.name !== undefined ? { name: spec.name } : {}),
      ...(spec.device_id !== undefined ? { device_id: spec.device_id } : {}),
      'binding:profile': { type: 'remote', tunnel_ip: spec.tunnel_ip, host: spec.host },
    });
  }
  async listPorts(filters: PortFilters | Filters = {}): Promise<Port[]> {
    return (await this.call('GET', `/v2.0/ports${qs(filters)}`, z.object({ ports: z.array(PortSchema) }))).ports;
  }
  async getPort(id: string): Promise<Port> {
    return (await this.call('GET', `/v2.0/ports/${encodeURIComponent(id)}`, z.object({ port: PortSchema }))).port;
  }
  async updatePort(id: string, req: PortUpdate): Promise<Port> {
    return (await this.call('PUT', `/v2.0/ports/${encodeURIComponent(id)}`, z.object({ port: PortSchema }), { port: req })).port;
  }
  async deletePort(id: string): Promise<void> {
    await this.call('DELETE', `/v2.0/ports/${encodeURIComponent(id)}`, null);
  }

  /** Polls until the API answers (the services process is up), or throws after timeoutMs. */
  async waitReady(timeoutMs = 30_000, intervalMs = 50): Promise<number> {
    const t0 = performance.now();
    for (;;) {
      try {
        await this.listNetworks();
        return performance.now() - t0;
      } catch (err) {
        if (err instanceof NeutronClientError) throw err; // it answered, with an error
        if (performance.now() - t0 > timeoutMs) throw new Error(`network API on ${this.socketPath} not answering after ${timeoutMs} ms: ${String(err)}`);
        await new Promise((r) => setTimeout(r, intervalMs));
      }
    }
  }

  // ---------------------------------------------------------------- transport

  private call(method: string, path: string, schema: null, body?: unknown): Promise<null>;
  private call<S extends z.ZodType>(method: string, path: string, schema: S, body?: unknown): Promise<z.infer<S>>;
  private async call<S extends z.ZodType>(method: string, path: string, schema: S | null, body?: unknown): Promise<z.infer<S> | null> {
    const { status, text } = await this.raw(method, path, body);
    if (status >= 400) {
      let parsed: unknown = undefined;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON
      }
      const e = NeutronErrorSchema.safeParse(parsed);
      if (e.success) throw new NeutronClientError(status, e.data.NeutronError.type, e.data.NeutronError.message, e.data.NeutronError.detail);
      throw new NeutronClientError(status, `HTTP${status}`, text.slice(0, 500));
    }
    if (schema === null) return null;
    const r = schema.safeParse(JSON.parse(text));
    if (!r.success) throw new Error(`${method} ${path}: unexpected response shape: ${r.error.message}`);
    return r.data;
  }

  private raw(method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          socketPath: this.socketPath,
          method,
          path,
          headers: {
            Accept: 'application/json',
            ...(payload !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } : {}),
          },
          timeout: this.timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within ${this.timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }
}

function qs(filters: Readonly<Record<string, string | readonly string[] | undefined>>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(filters)) {
    if (v === undefined) continue;
    for (const x of typeof v === 'string' ? [v] : v) p.append(k, x);
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}
