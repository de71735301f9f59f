// The network service: Neutron's core resources (networks, subnets, ports)
// kept in MariaDB, with an ML2-like split: the database is the truth, the
// Linux bridge agent (l2.ts + agent.ts) makes the kernel follow it.
//
// Writes are serialized (one at a time, each in a transaction) and the
// kernel is programmed before the commit: when programming fails the
// transaction rolls back and the kernel is reconciled back to the database,
// so the API never reports a state the kernel does not hold.
import { randomBytes, randomUUID } from 'node:crypto';
import type mysql from 'mysql2/promise';
import type { z } from 'zod';
import { formatCidr, overlaps, parseCidr, parseIp } from '../../scenario/cidr.js';
import { observe, runCommands, L2ExecError } from './agent.js';
import {
  badRequest,
  invalidInput,
  invalidIpForNetwork,
  invalidIpForSubnet,
  ipAllocated,
  ipExhausted,
  macInUse,
  networkInUse,
  networkNotFound,
  noTenantNetworks,
  NeutronError,
  portNotFound,
  subnetInUse,
  subnetNotFound,
  tunnelIdInUse,
} from './errors.js';
import { defaultGateway, defaultPools, inCidr, isHost, nextFree, poolsProblem } from './ipam.js';
import {
  EMPTY_STATE,
  VXLAN_OVERHEAD,
  networkDownCommands,
  networkUpCommands,
  reconcileCommands,
  stateOf,
  transition,
  type Cmd,
  type L2Config,
  type L2State,
  type RemoteEndpoint,
} from './l2.js';
import * as db from './store.js';
import {
  NetworkCreateSchema,
  PortCreateSchema,
  PortUpdateSchema,
  REMOTE_OWNER,
  RemoteProfileSchema,
  SubnetCreateSchema,
  type BindingProfile,
  type FixedIp,
  type FixedIpRequest,
  type Network,
  type Port,
  type RemoteProfile,
  type Subnet,
} from './types.js';

export interface NetworkServiceConfig {
  readonly site: string;
  /** This site's VTEP: the controller's address on the site LAN. */
  readonly vtep: string;
  /** The underlay device (eth0). */
  readonly dev: string;
  /** MTU of the underlay (the site LAN): tenant networks get this minus the VXLAN overhead. */
  readonly underlayMtu: number;
  readonly arpResponder: boolean;
  /** Tenant VNIs allocated when a request names none (ML2 [ml2_type_vxlan] vni_ranges). */
  readonly vniRange: readonly [number, number];
  /** The project of requests that name none (no identity service yet). */
  readonly defaultProject: string;
}

/** Neutron's timestamp format. */
function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function randomMac(): string {
  return `fa:16:3e:${[...randomBytes(3)].map((x) => x.toString(16).padStart(2, '0')).join(':')}`;
}

const VIF_DETAILS: BindingProfile = { port_filter: false, connectivity: 'l2' };

const READ_ONLY = ['id', 'status', 'created_at', 'updated_at', 'revision_number', 'subnets', 'binding:vif_type', 'binding:vif_details', 'binding:vtep_ip', 'tags'];

/** `{"<key>": {...}}` -> the validated inner object, with Neutron's messages. */
function parseBody<S extends z.ZodType>(schema: S, body: unknown, key: string, verb: 'POST' | 'PUT', readOnly: readonly string[]): z.infer<S> {
  const inner = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[key] : undefined;
  if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) throw badRequest(`Unable to find '${key}' in request body`);
  for (const k of Object.keys(inner)) {
    if (k === 'binding:vtep_ip') throw badRequest(`Attribute 'binding:vtep_ip' is read-only: a remote port's VTEP is binding:profile {"type": "remote", "tunnel_ip": ...}`);
    if (readOnly.includes(k)) throw badRequest(verb === 'POST' ? `Attribute '${k}' not allowed in POST` : `Cannot update read-only attribute ${k}`);
  }
  const r = schema.safeParse(inner);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') throw badRequest(`Unrecognized attribute(s) '${issue.keys.join(', ')}'`);
  const attr = String(issue.path[0] ?? key);
  if (issue.code === 'invalid_type' && issue.input === undefined) throw badRequest(`Failed to parse request. Required attribute '${attr}' not specified`);
  throw badRequest(`Invalid input for ${attr}. Reason: ${issue.message}.`);
}

function remoteProfile(p: BindingProfile): RemoteProfile | null {
  const r = RemoteProfileSchema.safeParse(p);
  return r.success ? r.data : null;
}

export interface Views {
  network(n: db.NetworkRow, subnetIds: readonly string[]): Network;
  subnet(s: db.SubnetRow): Subnet;
  port(p: db.PortRow, allocs: readonly db.AllocationRow[]): Port;
}

export class NetworkService {
  private l2: L2State = EMPTY_STATE;
  private tail: Promise<unknown> = Promise.resolve();
  private readonly pool: mysql.Pool;
  private readonly log: (line: string) => void;
  readonly cfg: NetworkServiceConfig;
  readonly l2cfg: L2Config;
  readonly networkMtu: number;

  constructor(pool: mysql.Pool, cfg: NetworkServiceConfig, log: (line: string) => void) {
    this.pool = pool;
    this.cfg = cfg;
    this.log = log;
    this.l2cfg = { vtep: cfg.vtep, dev: cfg.dev, arpResponder: cfg.arpResponder };
    this.networkMtu = cfg.underlayMtu - VXLAN_OVERHEAD;
  }

  /** Schema, then the kernel brought to what the database says. */
  async start(): Promise<{ commands: number }> {
    await db.migrate(this.pool);
    const cmds = await this.exclusive(() => this.reconcile());
    return { commands: cmds.length };
  }

  // ------------------------------------------------------------ plumbing

  /** One write at a time: IP/MAC/VNI allocation and the L2 reference counts assume it. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async loadState(q: db.Db): Promise<{ networks: db.NetworkRow[]; state: L2State }> {
    const networks = await db.listNetworks(q);
    const vni = new Map(networks.map((n) => [n.id, n.segmentation_id]));
    const ports = await db.listPorts(q);
    const allocs = await db.allocations(q);
    const endpoints = ports.flatMap((p) => {
      const e = this.endpoint(p, vni.get(p.network_id) ?? 0, allocs);
      return e ? [e] : [];
    });
    return { networks, state: stateOf(endpoints) };
  }

  /** Kernel := database (caller holds the write lock). */
  private async reconcile(): Promise<Cmd[]> {
    const { networks, state } = await this.loadState(this.pool);
    const observed = await observe();
    const cmds = reconcileCommands(
      this.l2cfg,
      networks.map((n) => ({ id: n.id, vni: n.segmentation_id, mtu: n.mtu })),
      state,
      observed,
    );
    const r = await runCommands(cmds);
    for (const t of r.tolerated) this.log(`network reconcile: tolerated: ${t}`);
    this.l2 = state;
    if (cmds.some((c) => !c.line.startsWith('link set'))) this.log(`network reconcile: ${cmds.length} commands`);
    return cmds;
  }

  private write<T>(fn: (q: mysql.PoolConnection) => Promise<{ result: T; commands: Cmd[]; state?: L2State }>): Promise<T> {
    return this.exclusive(async () => {
      const conn = await this.pool.getConnection();
      try {
        await conn.beginTransaction();
        let out: { result: T; commands: Cmd[]; state?: L2State };
        try {
          out = await fn(conn);
          const r = await runCommands(out.commands);
          for (const t of r.tolerated) this.log(`network l2: tolerated: ${t}`);
          await conn.commit();
        } catch (err) {
          await conn.rollback().catch(() => undefined);
          if (err instanceof NeutronError) throw err;
          // The kernel may hold part of the change: put it back to the database's state.
          await this.reconcile().catch((e: unknown) => this.log(`network reconcile after failure failed: ${String(e)}`));
          if (err instanceof L2ExecError) throw new NeutronError(500, 'L2ProgrammingFailed', `Programming the Linux bridge agent failed: ${err.message}`, err.commands.join('; '));
          if (isDuplicate(err)) throw new NeutronError(409, 'Conflict', `Conflicting change: ${(err as Error).message}`);
          throw err;
        }
        if (out.state) this.l2 = out.state;
        return out.result;
      } finally {
        conn.release();
      }
    });
  }

  private endpoint(p: db.PortRow, vni: number, allocs: readonly db.AllocationRow[]): RemoteEndpoint | null {
    const prof = remoteProfile(p.binding_profile);
    if (!prof || !p.admin_state_up) return null;
    return { portId: p.id, networkId: p.network_id, vni, mac: p.mac_address, ips: allocs.filter((a) => a.port_id === p.id).map((a) => a.ip_address), vtep: prof.tunnel_ip };
  }

  private project(body: { tenant_id?: string | undefined; project_id?: string | undefined }, header: string | undefined): string {
    return body.project_id ?? body.tenant_id ?? header ?? this.cfg.defaultProject;
  }

  // --------------------------------------------------------------- views

  readonly views: Views = {
    network: (n, subnetIds) => ({
      id: n.id,
      name: n.name,
      description: n.description,
      tenant_id: n.project_id,
      project_id: n.project_id,
      admin_state_up: n.admin_state_up,
      status: n.admin_state_up ? 'ACTIVE' : 'DOWN',
      subnets: [...subnetIds],
      shared: n.shared,
      mtu: n.mtu,
      'provider:network_type': 'vxlan',
      'provider:physical_network': null,
      'provider:segmentation_id': n.segmentation_id,
      'router:external': false,
      port_security_enabled: n.port_security_enabled,
      availability_zone_hints: [...n.az_hints],
      availability_zones: ['nova'],
      ipv4_address_scope: null,
      ipv6_address_scope: null,
      l2_adjacency: true,
      tags: [],
      created_at: n.created_at,
      updated_at: n.updated_at,
      revision_number: n.revision_number,
    }),
    subnet: (s) => ({
      id: s.id,
      name: s.name,
      description: s.description,
      network_id: s.network_id,
      tenant_id: s.project_id,
      project_id: s.project_id,
      ip_version: s.ip_version,
      cidr: s.cidr,
      gateway_ip: s.gateway_ip,
      allocation_pools: [...s.allocation_pools],
      enable_dhcp: s.enable_dhcp,
      dns_nameservers: [...s.dns_nameservers],
      host_routes: [...s.host_routes],
      ipv6_ra_mode: null,
      ipv6_address_mode: null,
      subnetpool_id: null,
      service_types: [],
      tags: [],
      created_at: s.created_at,
      updated_at: s.updated_at,
      revision_number: s.revision_number,
    }),
    port: (p, allocs) => {
      const remote = remoteProfile(p.binding_profile);
      const bound = p.binding_host_id !== '';
      const fixed: FixedIp[] = allocs.filter((a) => a.port_id === p.id).map((a) => ({ subnet_id: a.subnet_id, ip_address: a.ip_address }));
      return {
        id: p.id,
        name: p.name,
        description: p.description,
        network_id: p.network_id,
        tenant_id: p.project_id,
        project_id: p.project_id,
        mac_address: p.mac_address,
        admin_state_up: p.admin_state_up,
        // Remote ports are up when L2 population has programmed them; local ones once bound to a host.
        status: p.admin_state_up && (remote !== null || bound) ? 'ACTIVE' : 'DOWN',
        device_id: p.device_id,
        device_owner: p.device_owner,
        fixed_ips: fixed,
        allowed_address_pairs: [],
        extra_dhcp_opts: [],
        security_groups: [],
        port_security_enabled: p.port_security_enabled,
        'binding:host_id': p.binding_host_id,
        'binding:profile': p.binding_profile,
        'binding:vif_type': bound ? 'bridge' : 'unbound',
        'binding:vif_details': bound ? VIF_DETAILS : {},
        'binding:vnic_type': p.binding_vnic_type,
        'binding:vtep_ip': remote ? remote.tunnel_ip : this.cfg.vtep,
        tags: [],
        created_at: p.created_at,
        updated_at: p.updated_at,
        revision_number: p.revision_number,
      };
    },
  };

  // ---------------------------------------------------------------- reads

  async listNetworks(): Promise<Network[]> {
    const [nets, subnets] = await Promise.all([db.listNetworks(this.pool), db.listSubnets(this.pool)]);
    return nets.map((n) => this.views.network(n, subnets.filter((s) => s.network_id === n.id).map((s) => s.id)));
  }

  async getNetwork(id: string, q: db.Db = this.pool): Promise<Network> {
    const n = await db.getNetwork(q, id);
    if (!n) throw networkNotFound(id);
    return this.views.network(n, (await db.listSubnets(q, id)).map((s) => s.id));
  }

  async listSubnets(): Promise<Subnet[]> {
    return (await db.listSubnets(this.pool)).map((s) => this.views.subnet(s));
  }

  async getSubnet(id: string): Promise<Subnet> {
    const s = await db.getSubnet(this.pool, id);
    if (!s) throw subnetNotFound(id);
    return this.views.subnet(s);
  }

  async listPorts(): Promise<Port[]> {
    const [ports, allocs] = await Promise.all([db.listPorts(this.pool), db.allocations(this.pool)]);
    return ports.map((p) => this.views.port(p, allocs));
  }

  async getPort(id: string, q: db.Db = this.pool): Promise<Port> {
    const p = await db.getPort(q, id);
    if (!p) throw portNotFound(id);
    return this.views.port(p, await db.allocations(q, { port_id: id }));
  }

  // ------------------------------------------------------------- networks

  createNetwork(body: unknown, projectHeader?: string): Promise<Network> {
    const req = parseBody(NetworkCreateSchema, body, 'network', 'POST', READ_ONLY);
    if (req.mtu !== undefined && req.mtu > this.networkMtu) throw invalidInput(`Requested MTU is too big, maximum is ${this.networkMtu}`);
    return this.write(async (q) => {
      const used = await db.usedVnis(q);
      let vni = req['provider:segmentation_id'];
      if (vni !== undefined && used.has(vni)) throw tunnelIdInUse(vni);
      if (vni === undefined) {
        for (let v = this.cfg.vniRange[0]; v <= this.cfg.vniRange[1] && vni === undefined; v++) if (!used.has(v)) vni = v;
        if (vni === undefined) throw noTenantNetworks();
      }
      const t = now();
      const row: db.NetworkRow = {
        id: randomUUID(),
        project_id: this.project(req, projectHeader),
        name: req.name ?? '',
        description: req.description ?? '',
        admin_state_up: req.admin_state_up ?? true,
        shared: req.shared ?? false,
        mtu: req.mtu ?? this.networkMtu,
        segmentation_id: vni,
        port_security_enabled: req.port_security_enabled ?? true,
        az_hints: req.availability_zone_hints ?? [],
        created_at: t,
        updated_at: t,
        revision_number: 1,
      };
      await db.insertNetwork(q, row);
      return { result: this.views.network(row, []), commands: networkUpCommands(this.l2cfg, { id: row.id, vni, mtu: row.mtu }) };
    });
  }

  deleteNetwork(id: string): Promise<void> {
    return this.write(async (q) => {
      const n = await db.getNetwork(q, id, true);
      if (!n) throw networkNotFound(id);
      const ports = await db.listPorts(q, id);
      // Like Neutron: ports the network owns itself (DHCP, ...) go with it; anyone else's block it.
      if (ports.some((p) => !p.device_owner.startsWith('network:'))) throw networkInUse(id);
      for (const p of ports) await db.deletePort(q, p.id);
      await db.deleteNetwork(q, id);
      return { result: undefined, commands: networkDownCommands({ id, vni: n.segmentation_id }) };
    });
  }

  // -------------------------------------------------------------- subnets

  createSubnet(body: unknown, projectHeader?: string): Promise<Subnet> {
    const req = parseBody(SubnetCreateSchema, body, 'subnet', 'POST', READ_ONLY);
    const cidr = parseCidr(req.cidr);
    if (!cidr) throw badRequest(`Invalid input for cidr. Reason: '${req.cidr}' is not a valid IP subnet.`);
    if (cidr.prefix > 30) throw badRequest(`Invalid input for cidr. Reason: '${req.cidr}' leaves no room for hosts (prefix above /30).`);
    const gateway = req.gateway_ip === undefined ? defaultGateway(cidr) : req.gateway_ip;
    if (gateway !== null && !isHost(cidr, parseIp(gateway)!)) throw invalidInput(`Gateway IP ${gateway} is not a host address of ${req.cidr}`);
    const pools = req.allocation_pools ?? defaultPools(cidr, gateway);
    const problem = poolsProblem(cidr, pools, gateway);
    if (problem) throw badRequest(`Invalid input for allocation_pools. Reason: ${problem}.`);
    return this.write(async (q) => {
      if (!(await db.getNetwork(q, req.network_id, true))) throw networkNotFound(req.network_id);
      for (const other of await db.listSubnets(q, req.network_id)) {
        const oc = parseCidr(other.cidr);
        if (oc && overlaps(oc, cidr)) throw invalidInput(`Requested subnet with cidr: ${req.cidr} for network: ${req.network_id} overlaps with another subnet`);
      }
      const t = now();
      const row: db.SubnetRow = {
        id: randomUUID(),
        network_id: req.network_id,
        project_id: this.project(req, projectHeader),
        name: req.name ?? '',
        description: req.description ?? '',
        cidr: formatCidr(cidr),
        ip_version: 4,
        gateway_ip: gateway,
        enable_dhcp: req.enable_dhcp ?? true,
        allocation_pools: pools,
        dns_nameservers: req.dns_nameservers ?? [],
        host_routes: req.host_routes ?? [],
        created_at: t,
        updated_at: t,
        revision_number: 1,
      };
      await db.insertSubnet(q, row);
      return { result: this.views.subnet(row), commands: [] };
    });
  }

  deleteSubnet(id: string): Promise<void> {
    return this.write(async (q) => {
      if (!(await db.getSubnet(q, id))) throw subnetNotFound(id);
      if ((await db.allocations(q, { subnet_id: id })).length > 0) throw subnetInUse(id);
      await db.deleteSubnet(q, id);
      return { result: undefined, commands: [] };
    });
  }

  // ---------------------------------------------------------------- ports

  /** Requested fixed_ips (or none: one address from the first subnet with room) -> allocations. */
  private async resolveFixedIps(q: db.Db, networkId: string, requested: readonly FixedIpRequest[] | undefined, portId: string): Promise<FixedIp[]> {
    const subnets = await db.listSubnets(q, networkId);
    const taken = new Map<string, Set<string>>(subnets.map((s) => [s.id, new Set<string>()]));
    for (const a of await db.allocations(q, { network_id: networkId })) if (a.port_id !== portId) taken.get(a.subnet_id)?.add(a.ip_address);
    const out: FixedIp[] = [];
    const take = (subnetId: string, ip: string) => {
      taken.get(subnetId)!.add(ip);
      out.push({ subnet_id: subnetId, ip_address: ip });
    };
    if (requested === undefined) {
      for (const s of subnets) {
        const ip = nextFree(s.allocation_pools, taken.get(s.id)!);
        if (ip) {
          take(s.id, ip);
          return out;
        }
      }
      if (subnets.length > 0) throw ipExhausted(networkId);
      return out;
    }
    for (const r of requested) {
      if (r.subnet_id === undefined && r.ip_address === undefined) throw badRequest('Invalid input for fixed_ips. Reason: each entry needs a subnet_id, an ip_address or both.');
      let subnet: db.SubnetRow | undefined;
      if (r.subnet_id !== undefined) {
        subnet = subnets.find((s) => s.id === r.subnet_id);
        if (!subnet) {
          if (await db.getSubnet(q, r.subnet_id)) throw invalidInput(`Failed to create port on network ${networkId}, because fixed_ips included invalid subnet ${r.subnet_id}`);
          throw subnetNotFound(r.subnet_id);
        }
      }
      if (r.ip_address !== undefined) {
        const ip = parseIp(r.ip_address)!;
        if (subnet) {
          if (!isHost(parseCidr(subnet.cidr)!, ip)) throw invalidIpForSubnet(r.ip_address);
        } else {
          subnet = subnets.find((s) => inCidr(parseCidr(s.cidr)!, ip));
          if (!subnet || !isHost(parseCidr(subnet.cidr)!, ip)) throw invalidIpForNetwork(r.ip_address);
        }
        if (taken.get(subnet.id)!.has(r.ip_address)) throw ipAllocated(r.ip_address, subnet.id);
        take(subnet.id, r.ip_address);
      } else {
        const ip = nextFree(subnet!.allocation_pools, taken.get(subnet!.id)!);
        if (!ip) throw ipExhausted(networkId);
        take(subnet!.id, ip);
      }
    }
    return out;
  }

  /** A remote port is one whose profile says so; its owner must say so too. */
  private checkRemote(profile: BindingProfile, deviceOwner: string): RemoteProfile | null {
    const isRemote = profile['type'] === 'remote';
    if (!isRemote) {
      if (deviceOwner === REMOTE_OWNER) throw badRequest(`Invalid input for binding:profile. Reason: a ${REMOTE_OWNER} port needs binding:profile {"type": "remote", "tunnel_ip": <remote VTEP>, "host": <remote site>}.`);
      return null;
    }
    const r = RemoteProfileSchema.safeParse(profile);
    if (!r.success) {
      const i = r.error.issues[0]!;
      throw badRequest(`Invalid input for binding:profile. Reason: ${String(i.path[0] ?? 'profile')}: ${i.message}.`);
    }
    if (r.data.tunnel_ip === this.cfg.vtep) throw badRequest(`Invalid input for binding:profile. Reason: tunnel_ip ${r.data.tunnel_ip} is this site's own VTEP; a remote port lives behind another VTEP.`);
    if (deviceOwner !== REMOTE_OWNER) throw badRequest(`Invalid input for device_owner. Reason: a remote port (binding:profile type "remote") must have device_owner ${REMOTE_OWNER}.`);
    return r.data;
  }

  private async checkMac(q: db.Db, networkId: string, mac: string | undefined, portId: string): Promise<string> {
    if (mac === undefined) {
      for (let i = 0; i < 16; i++) {
        const m = randomMac();
        if (!(await db.macTaken(q, networkId, m))) return m;
      }
      throw new NeutronError(409, 'MacAddressGenerationFailure', `Unable to generate unique mac on network ${networkId}.`);
    }
    const m = mac.toLowerCase();
    if (m === '00:00:00:00:00:00' || (parseInt(m.slice(0, 2), 16) & 1) === 1) throw badRequest(`Invalid input for mac_address. Reason: '${mac}' is not a valid unicast MAC address.`);
    if (await db.macTaken(q, networkId, m, portId)) throw macInUse(networkId, m);
    return m;
  }

  private async l2Change(q: db.Db, row: db.PortRow, vni: number): Promise<{ state: L2State; commands: Cmd[] }> {
    const next = this.endpoint(row, vni, await db.allocations(q, { port_id: row.id }));
    return transition(this.l2cfg, this.l2, row.id, next);
  }

  createPort(body: unknown, projectHeader?: string): Promise<Port> {
    const req = parseBody(PortCreateSchema, body, 'port', 'POST', READ_ONLY);
    return this.write(async (q) => {
      const net = await db.getNetwork(q, req.network_id, true);
      if (!net) throw networkNotFound(req.network_id);
      const profile = req['binding:profile'] ?? {};
      const wantsRemote = profile['type'] === 'remote';
      const owner = req.device_owner ?? (wantsRemote ? REMOTE_OWNER : '');
      const remote = this.checkRemote(profile, owner);
      const id = randomUUID();
      const mac = await this.checkMac(q, net.id, req.mac_address, id);
      const fixed = await this.resolveFixedIps(q, net.id, req.fixed_ips, id);
      const t = now();
      const row: db.PortRow = {
        id,
        network_id: net.id,
        project_id: this.project(req, projectHeader),
        name: req.name ?? '',
        description: req.description ?? '',
        mac_address: mac,
        admin_state_up: req.admin_state_up ?? true,
        device_id: req.device_id ?? '',
        device_owner: owner,
        binding_host_id: req['binding:host_id'] ?? remote?.host ?? '',
        binding_profile: profile,
        binding_vnic_type: req['binding:vnic_type'] ?? 'normal',
        port_security_enabled: req.port_security_enabled ?? net.port_security_enabled,
        created_at: t,
        updated_at: t,
        revision_number: 1,
      };
      await db.insertPort(q, row);
      for (const f of fixed) await db.insertAllocation(q, { port_id: id, network_id: net.id, ...f });
      const l2 = await this.l2Change(q, row, net.segmentation_id);
      return { result: await this.getPort(id, q), ...l2 };
    });
  }

  updatePort(id: string, body: unknown): Promise<Port> {
    const req = parseBody(PortUpdateSchema, body, 'port', 'PUT', [...READ_ONLY, 'network_id', 'tenant_id', 'project_id']);
    return this.write(async (q) => {
      const cur = await db.getPort(q, id, true);
      if (!cur) throw portNotFound(id);
      const net = await db.getNetwork(q, cur.network_id);
      if (!net) throw networkNotFound(cur.network_id);
      const profile = req['binding:profile'] ?? cur.binding_profile;
      const wasRemote = remoteProfile(cur.binding_profile) !== null;
      const owner = req.device_owner ?? (profile['type'] === 'remote' && !wasRemote && cur.device_owner === '' ? REMOTE_OWNER : cur.device_owner);
      const remote = this.checkRemote(profile, owner);
      const mac = req.mac_address === undefined ? cur.mac_address : await this.checkMac(q, net.id, req.mac_address, id);
      const profileChanged = req['binding:profile'] !== undefined;
      const row: db.PortRow = {
        ...cur,
        name: req.name ?? cur.name,
        description: req.description ?? cur.description,
        mac_address: mac,
        admin_state_up: req.admin_state_up ?? cur.admin_state_up,
        device_id: req.device_id ?? cur.device_id,
        device_owner: owner,
        binding_host_id: req['binding:host_id'] ?? (remote && profileChanged ? remote.host : cur.binding_host_id),
        binding_profile: profile,
        binding_vnic_type: req['binding:vnic_type'] ?? cur.binding_vnic_type,
        port_security_enabled: req.port_security_enabled ?? cur.port_security_enabled,
        updated_at: now(),
        revision_number: cur.revision_number + 1,
      };
      await db.updatePort(q, row);
      if (req.fixed_ips !== undefined) {
        const fixed = await this.resolveFixedIps(q, net.id, req.fixed_ips, id);
        await db.deleteAllocations(q, id);
        for (const f of fixed) await db.insertAllocation(q, { port_id: id, network_id: net.id, ...f });
      }
      const l2 = await this.l2Change(q, row, net.segmentation_id);
      return { result: await this.getPort(id, q), ...l2 };
    });
  }

  deletePort(id: string): Promise<void> {
    return this.write(async (q) => {
      const cur = await db.getPort(q, id, true);
      if (!cur) throw portNotFound(id);
      await db.deletePort(q, id);
      return { result: undefined, ...transition(this.l2cfg, this.l2, id, null) };
    });
  }
}

function isDuplicate(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'ER_DUP_ENTRY';
}
