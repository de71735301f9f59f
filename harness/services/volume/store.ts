// The volume service's tables in the site's `cinder` database: one table
// per resource kind, each row the resource's record as a JSON document
// (validated by its schema when read back) plus an insertion sequence that
// orders listings newest first, as Cinder sorts by created_at desc.
// Decision: documents instead of Cinder's normalized schema; the service
// never queries across fields in SQL, and a record read back is checked.
import type mysql from 'mysql2/promise';
import type { RowDataPacket } from 'mysql2/promise';
import { z } from 'zod';

const Meta = z.record(z.string(), z.string());
const Time = z.string();
/** What every project-owned resource record has, first and last. */
const OWNED = { id: z.string(), project_id: z.string(), name: z.string().nullable(), description: z.string().nullable(), status: z.string() };
const STAMPS = { created_at: Time, updated_at: Time.nullable() };

export const VolumeRecSchema = z.object({
  ...OWNED,
  size: z.number().int(),
  bootable: z.boolean(),
  volume_type_id: z.string().nullable(),
  volume_type_name: z.string().nullable(),
  snapshot_id: z.string().nullable(),
  source_volid: z.string().nullable(),
  group_id: z.string().nullable(),
  replication_status: z.string(),
  host: z.string(),
  path: z.string(),
  metadata: Meta,
  admin_metadata: Meta,
  attachments: z.array(z.object({ id: z.string(), server_id: z.string(), device: z.string().nullable(), attached_at: Time })),
  /** Set on a replica in the target site: where it comes from, and whether failover_host promoted it. */
  replica: z.object({ source_host: z.string(), promoted: z.boolean() }).nullable(),
  /** Source and replica: the time of the last state shipped whole. */
  replicated_at: Time.nullable(),
  /** Source side: what the replicator has shipped so far (blocks and bytes of payload, whole passes). */
  replication_stats: z.object({ passes: z.number(), blocks: z.number(), bytes: z.number(), last_blocks: z.number(), last_bytes: z.number(), last_ms: z.number() }).nullable(),
  ...STAMPS,
});
export type VolumeRec = z.infer<typeof VolumeRecSchema>;

export const VolumeTypeRecSchema = z.object({ id: z.string(), name: z.string(), description: z.string().nullable(), is_public: z.boolean(), extra_specs: Meta, created_at: Time });
export type VolumeTypeRec = z.infer<typeof VolumeTypeRecSchema>;

export const GroupTypeRecSchema = z.object({ id: z.string(), name: z.string(), description: z.string().nullable(), is_public: z.boolean(), group_specs: Meta, created_at: Time });
export type GroupTypeRec = z.infer<typeof GroupTypeRecSchema>;

export const GroupRecSchema = z.object({
  ...OWNED,
  group_type_id: z.string(),
  volume_type_ids: z.array(z.string()),
  availability_zone: z.string(),
  ...STAMPS,
});
export type GroupRec = z.infer<typeof GroupRecSchema>;

export const SnapshotRecSchema = z.object({
  ...OWNED,
  size: z.number().int(),
  volume_id: z.string(),
  group_snapshot_id: z.string().nullable(),
  metadata: Meta,
  path: z.string(),
  copy_ms: z.number(),
  ...STAMPS,
});
export type SnapshotRec = z.infer<typeof SnapshotRecSchema>;

export const GroupSnapshotRecSchema = z.object({
  ...OWNED,
  group_id: z.string(),
  group_type_id: z.string(),
  snapshot_ids: z.array(z.string()),
  lock_ms: z.number(),
  ...STAMPS,
});
export type GroupSnapshotRec = z.infer<typeof GroupSnapshotRecSchema>;

export const BackupRecSchema = z.object({
  ...OWNED,
  volume_id: z.string(),
  snapshot_id: z.string().nullable(),
  size: z.number().int(),
  container: z.string(),
  availability_zone: z.string(),
  parent_id: z.string().nullable(),
  service_metadata: z.string().nullable(),
  object_count: z.number().int(),
  sha256s: z.array(z.string()).nullable(),
  fail_reason: z.string().nullable(),
  bytes_sent: z.number().nullable(),
  changed_blocks: z.number().nullable(),
  total_blocks: z.number().nullable(),
  duration_ms: z.number().nullable(),
  imported: z.boolean(),
  /** The volume's bootable flag at backup time: a restore sets it again (Cinder keeps it in the backup's volume_meta). */
  bootable: z.boolean(),
  ...STAMPS,
  data_timestamp: Time,
});
export type BackupRec = z.infer<typeof BackupRecSchema>;

export const TABLES = {
  volumes: VolumeRecSchema,
  volume_types: VolumeTypeRecSchema,
  group_types: GroupTypeRecSchema,
  groups: GroupRecSchema,
  snapshots: SnapshotRecSchema,
  group_snapshots: GroupSnapshotRecSchema,
  backups: BackupRecSchema,
} as const;
export type TableName = keyof typeof TABLES;
export type RecOf<T extends TableName> = z.infer<(typeof TABLES)[T]>;

export async function migrate(db: mysql.Pool): Promise<void> {
  for (const t of Object.keys(TABLES)) {
    await db.query(`CREATE TABLE IF NOT EXISTS \`${t}\` (
      id VARCHAR(64) PRIMARY KEY,
      seq BIGINT NOT NULL AUTO_INCREMENT UNIQUE,
      doc LONGTEXT NOT NULL
    ) ENGINE=InnoDB`);
  }
}

interface DocRow extends RowDataPacket {
  doc: string;
}

function parse<T extends TableName>(table: T, raw: string): RecOf<T> {
  const r = TABLES[table].safeParse(JSON.parse(raw));
  if (!r.success) throw new Error(`${table}: a stored record does not match its schema: ${r.error.message}`);
  return r.data as RecOf<T>;
}

export async function get<T extends TableName>(db: mysql.Pool, table: T, id: string): Promise<RecOf<T> | null> {
  const [rows] = await db.query<DocRow[]>(`SELECT doc FROM \`${table}\` WHERE id = ?`, [id]);
  return rows[0] ? parse(table, rows[0].doc) : null;
}

export async function list<T extends TableName>(db: mysql.Pool, table: T): Promise<RecOf<T>[]> {
  const [rows] = await db.query<DocRow[]>(`SELECT doc FROM \`${table}\` ORDER BY seq DESC`);
  return rows.map((r) => parse(table, r.doc));
}

/** Insert or replace (keeps the row's place in listings). */
export async function put<T extends TableName>(db: mysql.Pool, table: T, rec: RecOf<T> & { id: string }): Promise<void> {
  await db.query(`INSERT INTO \`${table}\` (id, doc) VALUES (?, ?) ON DUPLICATE KEY UPDATE doc = VALUES(doc)`, [rec.id, JSON.stringify(rec)]);
}

export async function remove(db: mysql.Pool, table: TableName, id: string): Promise<void> {
  await db.query(`DELETE FROM \`${table}\` WHERE id = ?`, [id]);
}
