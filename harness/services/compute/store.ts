// Compute's tables in the site's `nova` database (a small subset of Nova's
// instances and block_device_mapping) and typed access to them.
import type mysql from 'mysql2/promise';
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { TASK_STATES, VM_STATES, type TaskState, type VmState } from './types.js';

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS instances (
    id CHAR(36) PRIMARY KEY,
    name VARCHAR(255) NOT NULL,
    project_id VARCHAR(255) NOT NULL,
    user_id VARCHAR(255) NOT NULL,
    vm_state VARCHAR(32) NOT NULL,
    task_state VARCHAR(32) NULL,
    power_state INT NOT NULL,
    metadata TEXT NOT NULL,
    user_data MEDIUMTEXT NULL,
    fault TEXT NULL,
    created_at CHAR(20) NOT NULL,
    updated_at CHAR(20) NOT NULL,
    seq BIGINT NOT NULL AUTO_INCREMENT UNIQUE
  ) ENGINE=InnoDB`,
  `CREATE TABLE IF NOT EXISTS block_device_mapping (
    id CHAR(36) PRIMARY KEY,
    instance_id CHAR(36) NOT NULL,
    volume_id VARCHAR(64) NOT NULL UNIQUE,
    device_name VARCHAR(64) NOT NULL,
    boot_index INT NULL,
    delete_on_termination BOOLEAN NOT NULL,
    seq BIGINT NOT NULL AUTO_INCREMENT UNIQUE,
    FOREIGN KEY (instance_id) REFERENCES instances(id) ON DELETE CASCADE
  ) ENGINE=InnoDB`,
];

export interface InstanceRow {
  readonly id: string;
  readonly name: string;
  readonly projectId: string;
  readonly userId: string;
  readonly vmState: VmState;
  readonly taskState: TaskState | null;
  readonly powerState: number;
  readonly metadata: Record<string, string>;
  readonly userData: string | null;
  readonly fault: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface BdmRow {
  readonly id: string;
  readonly instanceId: string;
  readonly volumeId: string;
  readonly deviceName: string;
  readonly bootIndex: number | null;
  readonly deleteOnTermination: boolean;
}

export const nowStamp = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

export async function createSchema(db: mysql.Pool): Promise<void> {
  for (const s of SCHEMA) await db.query(s);
}

function toInstance(r: RowDataPacket): InstanceRow {
  const vm = String(r['vm_state']);
  const task = r['task_state'] === null ? null : String(r['task_state']);
  return {
    id: String(r['id']),
    name: String(r['name']),
    projectId: String(r['project_id']),
    userId: String(r['user_id']),
    vmState: (VM_STATES as readonly string[]).includes(vm) ? (vm as VmState) : 'error',
    taskState: task !== null && (TASK_STATES as readonly string[]).includes(task) ? (task as TaskState) : null,
    powerState: Number(r['power_state']),
    metadata: JSON.parse(String(r['metadata'])) as Record<string, string>,
    userData: r['user_data'] === null ? null : String(r['user_data']),
    fault: r['fault'] === null ? null : String(r['fault']),
    createdAt: String(r['created_at']),
    updatedAt: String(r['updated_at']),
  };
}

function toBdm(r: RowDataPacket): BdmRow {
  return {
    id: String(r['id']),
    instanceId: String(r['instance_id']),
    volumeId: String(r['volume_id']),
    deviceName: String(r['device_name']),
    bootIndex: r['boot_index'] === null ? null : Number(r['boot_index']),
    deleteOnTermination: Boolean(r['delete_on_termination']),
  };
}

export async function insertInstance(db: mysql.Pool, i: InstanceRow): Promise<void> {
  await db.query(
    `INSERT INTO instances (id, name, project_id, user_id, vm_state, task_state, power_state, metadata, user_data, fault, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [i.id, i.name, i.projectId, i.userId, i.vmState, i.taskState, i.powerState, JSON.stringify(i.metadata), i.userData, i.fault, i.createdAt, i.updatedAt],
  );
}

export async function listInstances(db: mysql.Pool): Promise<InstanceRow[]> {
  const [rows] = await db.query<RowDataPacket[]>('SELECT * FROM instances ORDER BY seq');
  return rows.map(toInstance);
}

export async function getInstance(db: mysql.Pool, id: string): Promise<InstanceRow | null> {
  const [rows] = await db.query<RowDataPacket[]>('SELECT * FROM instances WHERE id = ?', [id]);
  return rows[0] ? toInstance(rows[0]) : null;
}

export interface StateUpdate {
  readonly vmState?: VmState;
  readonly taskState?: TaskState | null;
  readonly powerState?: number;
  readonly fault?: string | null;
}

export async function updateInstance(db: mysql.Pool, id: string, u: StateUpdate): Promise<void> {
  const sets: string[] = ['updated_at = ?'];
  const vals: unknown[] = [nowStamp()];
  if (u.vmState !== undefined) (sets.push('vm_state = ?'), vals.push(u.vmState));
  if (u.taskState !== undefined) (sets.push('task_state = ?'), vals.push(u.taskState));
  if (u.powerState !== undefined) (sets.push('power_state = ?'), vals.push(u.powerState));
  if (u.fault !== undefined) (sets.push('fault = ?'), vals.push(u.fault));
  await db.query(`UPDATE instances SET ${sets.join(', ')} WHERE id = ?`, [...vals, id]);
}

export async function deleteInstance(db: mysql.Pool, id: string): Promise<void> {
  await db.query<ResultSetHeader>('DELETE FROM instances WHERE id = ?', [id]);
}

export async function insertBdm(db: mysql.Pool, b: BdmRow): Promise<void> {
  await db.query('INSERT INTO block_device_mapping (id, instance_id, volume_id, device_name, boot_index, delete_on_termination) VALUES (?, ?, ?, ?, ?, ?)', [
    b.id,
    b.instanceId,
    b.volumeId,
    b.deviceName,
    b.bootIndex,
    b.deleteOnTermination,
  ]);
}

export async function listBdms(db: mysql.Pool, instanceId?: string): Promise<BdmRow[]> {
  const [rows] = instanceId === undefined
    ? await db.query<RowDataPacket[]>('SELECT * FROM block_device_mapping ORDER BY seq')
    : await db.query<RowDataPacket[]>('SELECT * FROM block_device_mapping WHERE instance_id = ? ORDER BY seq', [instanceId]);
  return rows.map(toBdm);
}

export async function findBdmByVolume(db: mysql.Pool, volumeId: string): Promise<BdmRow | null> {
  const [rows] = await db.query<RowDataPacket[]>('SELECT * FROM block_device_mapping WHERE volume_id = ?', [volumeId]);
  return rows[0] ? toBdm(rows[0]) : null;
}

export async function deleteBdm(db: mysql.Pool, id: string): Promise<void> {
  await db.query('DELETE FROM block_device_mapping WHERE id = ?', [id]);
}

