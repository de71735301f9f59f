// The network service's tables (a small subset of Neutron's schema, same
// idea: ports own IP allocations, allocations are unique per subnet) and
// typed access to them. Timestamps are stored as Neutron prints them.
import type mysql from 'mysql2/promise';
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { z } from 'zod';
import { AllocationPoolSchema, BindingProfileSchema, HostRouteSchema, type AllocationPool, type BindingProfile, type HostRoute } from './types.js';

/** A pool or one connection (inside a transaction): both can query. */
export type Db = mysql.Connection;

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS networks (
    id CHAR(36) PRIMARY KEY,
    project_id VARCHAR(255) NOT NULL,
    name VARCHAR(255) NOT NULL,
    description VARCHAR(255) NOT NULL,
    admin_state_up BOOLEAN NOT NULL,
    shared BOOLEAN NOT NULL,
    mtu INT NOT NULL,
    segmentation_id INT NOT NULL UNIQUE,
    port_security_enabled BOOLEAN NOT NULL,
    az_hints TEXT NOT NULL,
    created_at CHAR(20) NOT NULL,
    updated_at CHAR(20) NOT NULL,
    revision_number INT NOT NULL,
    seq BIGINT NOT NULL AUTO_INCREMENT UNIQUE
  ) ENGINE=InnoDB`,
  `CREATE TABLE IF NOT EXISTS subnets (
    id CHAR(36) PRIMARY KEY,
    network_id CHAR(36) NOT NULL,
    project_id VARCHAR(255) NOT NULL,
    name VARCHAR(255) NOT NULL,
    description VARCHAR(255) NOT NULL,
    cidr VARCHAR(64) NOT NULL,
    ip_version INT NOT NULL,
    gateway_ip VARCHAR(64) NULL,
    enable_dhcp BOOLEAN NOT NULL,
    allocation_pools TEXT NOT NULL,
    dns_nameservers TEXT NOT NULL,
    host_routes TEXT NOT NULL,
    created_at CHAR(20) NOT NULL,
    updated_at CHAR(20) NOT NULL,
    revision_number INT NOT NULL,
    seq BIGINT NOT NULL AUTO_INCREMENT UNIQUE,
    FOREIGN KEY (network_id) REFERENCES networks(id) ON DELETE CASCADE
  ) ENGINE=InnoDB`,
  `CREATE TABLE IF NOT EXISTS ports (
    id CHAR(36) PRIMARY KEY,
    network_id CHAR(36) NOT NULL,
    project_id VARCHAR(255) NOT NULL,
    name VARCHAR(255) NOT NULL,
    description VARCHAR(255) NOT NULL,
    mac_address CHAR(17) NOT NULL,
    admin_state_up BOOLEAN NOT NULL,
    device_id VARCHAR(255) NOT NULL,
    device_owner VARCHAR(255) NOT NULL,
    binding_host_id VARCHAR(255) NOT NULL,
    binding_profile TEXT NOT NULL,
    binding_vnic_type VARCHAR(64) NOT NULL,
    port_security_enabled BOOLEAN NOT NULL,
    created_at CHAR(20) NOT NULL,
    updated_at CHAR(20) NOT NULL,
    revision_number INT NOT NULL,
    seq BIGINT NOT NULL AUTO_INCREMENT UNIQUE,
    UNIQUE KEY net_mac (network_id, mac_address),
    FOREIGN KEY (network_id) REFERENCES networks(id)
  ) ENGINE=InnoDB`,
  `CREATE TABLE IF NOT EXISTS ipallocations (
    port_id CHAR(36) NOT NULL,
    subnet_id CHAR(36) NOT NULL,
    network_id CHAR(36) NOT NULL,
    ip_address VARCHAR(64) NOT NULL,
    seq BIGINT NOT NULL AUTO_INCREMENT UNIQUE,
    PRIMARY KEY (subnet_id, ip_address),
    FOREIGN KEY (port_id) REFERENCES ports(id) ON DELETE CASCADE,
    FOREIGN KEY (subnet_id) REFERENCES subnets(id)
  ) ENGINE=InnoDB`,
];

export async function migrate(db: Db): Promise<void> {
  for (const stmt of SCHEMA) await db.query(stmt);
}

export interface NetworkRow {
  readonly id: string;
  readonly project_id: string;
  readonly name: string;
  readonly description: string;
  readonly admin_state_up: boolean;
  readonly shared: boolean;
  readonly mtu: number;
  readonly segmentation_id: number;
  readonly port_security_enabled: boolean;
  readonly az_hints: readonly string[];
  readonly created_at: string;
  readonly updated_at: string;
  readonly revision_number: number;
}

export interface SubnetRow {
  readonly id: string;
  readonly network_id: string;
  readonly project_id: string;
  readonly name: string;
  readonly description: string;
  readonly cidr: string;
  readonly ip_version: number;
  readonly gateway_ip: string | null;
  readonly enable_dhcp: boolean;
  readonly allocation_pools: readonly AllocationPool[];
  readonly dns_nameservers: readonly string[];
  readonly host_routes: readonly HostRoute[];
  readonly created_at: string;
  readonly updated_at: string;
  readonly revision_number: number;
}

export interface PortRow {
  readonly id: string;
  readonly network_id: string;
  readonly project_id: string;
  readonly name: string;
  readonly description: string;
  readonly mac_address: string;
  readonly admin_state_up: boolean;
  readonly device_id: string;
  readonly device_owner: string;
  readonly binding_host_id: string;
  readonly binding_profile: BindingProfile;
  readonly binding_vnic_type: string;
  readonly port_security_enabled: boolean;
  readonly created_at: string;
  readonly updated_at: string;
  readonly revision_number: number;
}

export interface AllocationRow {
  readonly port_id: string;
  readonly subnet_id: string;
  readonly network_id: string;
  readonly ip_address: string;
}

const Strings = z.array(z.string());

function s(r: RowDataPacket, k: string): string {
  return String(r[k]);
}
function n(r: RowDataPacket, k: string): number {
  return Number(r[k]);
}
function b(r: RowDataPacket, k: string): boolean {
  return Number(r[k]) !== 0;
}
function j<T>(r: RowDataPacket, k: string, schema: z.ZodType<T>): T {
  return schema.parse(JSON.parse(s(r, k)));
}

const toNetwork = (r: RowDataPacket): NetworkRow => ({
  id: s(r, 'id'),
  project_id: s(r, 'project_id'),
  name: s(r, 'name'),
  description: s(r, 'description'),
  admin_state_up: b(r, 'admin_state_up'),
  shared: b(r, 'shared'),
  mtu: n(r, 'mtu'),
  segmentation_id: n(r, 'segmentation_id'),
  port_security_enabled: b(r, 'port_security_enabled'),
  az_hints: j(r, 'az_hints', Strings),
  created_at: s(r, 'created_at'),
  updated_at: s(r, 'updated_at'),
  revision_number: n(r, 'revision_number'),
});

const toSubnet = (r: RowDataPacket): SubnetRow => ({
  id: s(r, 'id'),
  network_id: s(r, 'network_id'),
  project_id: s(r, 'project_id'),
  name: s(r, 'name'),
  description: s(r, 'description'),
  cidr: s(r, 'cidr'),
  ip_version: n(r, 'ip_version'),
  gateway_ip: r['gateway_ip'] === null ? null : s(r, 'gateway_ip'),
  enable_dhcp: b(r, 'enable_dhcp'),
  allocation_pools: j(r, 'allocation_pools', z.array(AllocationPoolSchema)),
  dns_nameservers: j(r, 'dns_nameservers', Strings),
  host_routes: j(r, 'host_routes', z.array(HostRouteSchema)),
  created_at: s(r, 'created_at'),
  updated_at: s(r, 'updated_at'),
  revision_number: n(r, 'revision_number'),
});

const toPort = (r: RowDataPacket): PortRow => ({
  id: s(r, 'id'),
  network_id: s(r, 'network_id'),
  project_id: s(r, 'project_id'),
  name: s(r, 'name'),
  description: s(r, 'description'),
  mac_address: s(r, 'mac_address'),
  admin_state_up: b(r, 'admin_state_up'),
  device_id: s(r, 'device_id'),
  device_owner: s(r, 'device_owner'),
  binding_host_id: s(r, 'binding_host_id'),
  binding_profile: j(r, 'binding_profile', BindingProfileSchema),
  binding_vnic_type: s(r, 'binding_vnic_type'),
  port_security_enabled: b(r, 'port_security_enabled'),
  created_at: s(r, 'created_at'),
  updated_at: s(r, 'updated_at'),
  revision_number: n(r, 'revision_number'),
});

const toAllocation = (r: RowDataPacket): AllocationRow => ({
  port_id: s(r, 'port_id'),
  subnet_id: s(r, 'subnet_id'),
  network_id: s(r, 'network_id'),
  ip_address: s(r, 'ip_address'),
});

async function select(db: Db, sql: string, values: readonly (string | number)[] = []): Promise<RowDataPacket[]> {
  const [rows] = await db.query<RowDataPacket[]>(sql, [...values]);
  return rows;
}

async function exec(db: Db, sql: string, values: readonly (string | number | boolean | null)[]): Promise<number> {
  const [res] = await db.query<ResultSetHeader>(sql, [...values]);
  return res.affectedRows;
}

// ---------------------------------------------------------------- networks

export async function listNetworks(db: Db): Promise<NetworkRow[]> {
  return (await select(db, 'SELECT * FROM networks ORDER BY seq')).map(toNetwork);
}

export async function getNetwork(db: Db, id: string, lock = false): Promise<NetworkRow | null> {
  const r = await select(db, `SELECT * FROM networks WHERE id = ?${lock ? ' FOR UPDATE' : ''}`, [id]);
  return r[0] ? toNetwork(r[0]) : null;
}

export async function networkByVni(db: Db, vni: number): Promise<NetworkRow | null> {
  const r = await select(db, 'SELECT * FROM networks WHERE segmentation_id = ?', [vni]);
  return r[0] ? toNetwork(r[0]) : null;
}

export async function usedVnis(db: Db): Promise<Set<number>> {
  return new Set((await select(db, 'SELECT segmentation_id FROM networks')).map((r) => n(r, 'segmentation_id')));
}

export async function insertNetwork(db: Db, r: NetworkRow): Promise<void> {
  await exec(
    db,
    `INSERT INTO networks (id, project_id, name, description, admin_state_up, shared, mtu, segmentation_id, port_security_enabled, az_hints, created_at, updated_at, revision_number)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [r.id, r.project_id, r.name, r.description, r.admin_state_up, r.shared, r.mtu, r.segmentation_id, r.port_security_enabled, JSON.stringify(r.az_hints), r.created_at, r.updated_at, r.revision_number],
  );
}

export async function deleteNetwork(db: Db, id: string): Promise<boolean> {
  return (await exec(db, 'DELETE FROM networks WHERE id = ?', [id])) > 0;
}

// ----------------------------------------------------------------- subnets

export async function listSubnets(db: Db, networkId?: string): Promise<SubnetRow[]> {
  const rows = networkId === undefined ? await select(db, 'SELECT * FROM subnets ORDER BY seq') : await select(db, 'SELECT * FROM subnets WHERE network_id = ? ORDER BY seq', [networkId]);
  return rows.map(toSubnet);
}

export async function getSubnet(db: Db, id: string): Promise<SubnetRow | null> {
  const r = await select(db, 'SELECT * FROM subnets WHERE id = ?', [id]);
  return r[0] ? toSubnet(r[0]) : null;
}

export async function insertSubnet(db: Db, r: SubnetRow): Promise<void> {
  await exec(
    db,
    `INSERT INTO subnets (id, network_id, project_id, name, description, cidr, ip_version, gateway_ip, enable_dhcp, allocation_pools, dns_nameservers, host_routes, created_at, updated_at, revision_number)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      r.id,
      r.network_id,
      r.project_id,
      r.name,
      r.description,
      r.cidr,
      r.ip_version,
      r.gateway_ip,
      r.enable_dhcp,
      JSON.stringify(r.allocation_pools),
      JSON.stringify(r.dns_nameservers),
      JSON.stringify(r.host_routes),
      r.created_at,
      r.updated_at,
      r.revision_number,
    ],
  );
}

export async function deleteSubnet(db: Db, id: string): Promise<boolean> {
  return (await exec(db, 'DELETE FROM subnets WHERE id = ?', [id])) > 0;
}

// ------------------------------------------------------------------- ports

export async function listPorts(db: Db, networkId?: string): Promise<PortRow[]> {
  const rows = networkId === undefined ? await select(db, 'SELECT * FROM ports ORDER BY seq') : await select(db, 'SELECT * FROM ports WHERE network_id = ? ORDER BY seq', [networkId]);
  return rows.map(toPort);
}

export async function getPort(db: Db, id: string, lock = false): Promise<PortRow | null> {
  const r = await select(db, `SELECT * FROM ports WHERE id = ?${lock ? ' FOR UPDATE' : ''}`, [id]);
  return r[0] ? toPort(r[0]) : null;
}

export async function macTaken(db: Db, networkId: string, mac: string, exceptPort?: string): Promise<boolean> {
  const r = await select(db, 'SELECT id FROM ports WHERE network_id = ? AND mac_address = ? AND id <> ?', [networkId, mac, exceptPort ?? '']);
  return r.length > 0;
}

const PORT_COLUMNS = [
  'id',
  'network_id',
  'project_id',
  'name',
  'description',
  'mac_address',
  'admin_state_up',
  'device_id',
  'device_owner',
  'binding_host_id',
  'binding_profile',
  'binding_vnic_type',
  'port_security_enabled',
  'created_at',
  'updated_at',
  'revision_number',
] as const;

function portValues(r: PortRow): (string | number | boolean)[] {
  return PORT_COLUMNS.map((c) => (c === 'binding_profile' ? JSON.stringify(r.binding_profile) : r[c]));
}

export async function insertPort(db: Db, r: PortRow): Promise<void> {
  await exec(db, `INSERT INTO ports (${PORT_COLUMNS.join(', ')}) VALUES (${PORT_COLUMNS.map(() => '?').join(', ')})`, portValues(r));
}

export async function updatePort(db: Db, r: PortRow): Promise<void> {
  const cols = PORT_COLUMNS.filter((c) => c !== 'id');
  const values = portValues(r).slice(1);
  await exec(db, `UPDATE ports SET ${cols.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`, [...values, r.id]);
}

export async function deletePort(db: Db, id: string): Promise<boolean> {
  return (await exec(db, 'DELETE FROM ports WHERE id = ?', [id])) > 0;
}

// ------------------------------------------------------------- allocations

export async function allocations(db: Db, where: { port_id?: string; subnet_id?: string; network_id?: string } = {}): Promise<AllocationRow[]> {
  const keys = (['port_id', 'subnet_id', 'network_id'] as const).filter((k) => where[k] !== undefined);
  const sql = `SELECT * FROM ipallocations${keys.length ? ` WHERE ${keys.map((k) => `${k} = ?`).join(' AND ')}` : ''} ORDER BY seq`;
  return (await select(db, sql, keys.map((k) => where[k]!))).map(toAllocation);
}

export async function insertAllocation(db: Db, a: AllocationRow): Promise<void> {
  await exec(db, 'INSERT INTO ipallocations (port_id, subnet_id, network_id, ip_address) VALUES (?, ?, ?, ?)', [a.port_id, a.subnet_id, a.network_id, a.ip_address]);
}

export async function deleteAllocations(db: Db, portId: string): Promise<void> {
  await exec(db, 'DELETE FROM ipallocations WHERE port_id = ?', [portId]);
}
