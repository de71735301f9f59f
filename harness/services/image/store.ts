// The image service's table in the site's `glance` database: core
// attributes in columns, additional properties as one JSON object.
import type mysql from 'mysql2/promise';
import type { RowDataPacket } from 'mysql2/promise';

const SCHEMA = `CREATE TABLE IF NOT EXISTS images (
  id CHAR(36) PRIMARY KEY,
  name VARCHAR(255) NULL,
  status VARCHAR(32) NOT NULL,
  visibility VARCHAR(16) NOT NULL,
  protected BOOLEAN NOT NULL,
  os_hidden BOOLEAN NOT NULL,
  owner VARCHAR(255) NULL,
  size BIGINT NULL,
  min_disk INT NOT NULL,
  min_ram INT NOT NULL,
  disk_format VARCHAR(32) NULL,
  container_format VARCHAR(32) NULL,
  tags TEXT NOT NULL,
  properties MEDIUMTEXT NOT NULL,
  created_at CHAR(20) NOT NULL,
  updated_at CHAR(20) NOT NULL,
  seq BIGINT NOT NULL AUTO_INCREMENT UNIQUE
) ENGINE=InnoDB`;

export interface ImageRow {
  readonly id: string;
  readonly name: string | null;
  readonly status: string;
  readonly visibility: string;
  readonly protected: boolean;
  readonly osHidden: boolean;
  readonly owner: string | null;
  readonly size: number | null;
  readonly minDisk: number;
  readonly minRam: number;
  readonly diskFormat: string | null;
  readonly containerFormat: string | null;
  readonly tags: string[];
  readonly properties: Record<string, string>;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export async function createSchema(db: mysql.Pool): Promise<void> {
  await db.query(SCHEMA);
}

function toRow(r: RowDataPacket): ImageRow {
  return {
    id: String(r['id']),
    name: r['name'] === null ? null : String(r['name']),
    status: String(r['status']),
    visibility: String(r['visibility']),
    protected: Boolean(r['protected']),
    osHidden: Boolean(r['os_hidden']),
    owner: r['owner'] === null ? null : String(r['owner']),
    size: r['size'] === null ? null : Number(r['size']),
    minDisk: Number(r['min_disk']),
    minRam: Number(r['min_ram']),
    diskFormat: r['disk_format'] === null ? null : String(r['disk_format']),
    containerFormat: r['container_format'] === null ? null : String(r['container_format']),
    tags: JSON.parse(String(r['tags'])) as string[],
    properties: JSON.parse(String(r['properties'])) as Record<string, string>,
    createdAt: String(r['created_at']),
    updatedAt: String(r['updated_at']),
  };
}

export async function insertImage(db: mysql.Pool, i: ImageRow): Promise<void> {
  await db.query(
    `INSERT INTO images (id, name, status, visibility, protected, os_hidden, owner, size, min_disk, min_ram, disk_format, container_format, tags, properties, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [i.id, i.name, i.status, i.visibility, i.protected, i.osHidden, i.owner, i.size, i.minDisk, i.minRam, i.diskFormat, i.containerFormat, JSON.stringify(i.tags), JSON.stringify(i.properties), i.createdAt, i.updatedAt],
  );
}

export async function replaceImage(db: mysql.Pool, i: ImageRow): Promise<void> {
  await db.query(
    `UPDATE images SET name = ?, status = ?, visibility = ?, protected = ?, os_hidden = ?, min_disk = ?, min_ram = ?, disk_format = ?, container_format = ?, tags = ?, properties = ?, updated_at = ? WHERE id = ?`,
    [i.name, i.status, i.visibility, i.protected, i.osHidden, i.minDisk, i.minRam, i.diskFormat, i.containerFormat, JSON.stringify(i.tags), JSON.stringify(i.properties), i.updatedAt, i.id],
  );
}

export async function listImages(db: mysql.Pool): Promise<ImageRow[]> {
  const [rows] = await db.query<RowDataPacket[]>('SELECT * FROM images ORDER BY seq');
  return rows.map(toRow);
}

export async function getImage(db: mysql.Pool, id: string): Promise<ImageRow | null> {
  const [rows] = await db.query<RowDataPacket[]>('SELECT * FROM images WHERE id = ?', [id]);
  return rows[0] ? toRow(rows[0]) : null;
}

export async function deleteImage(db: mysql.Pool, id: string): Promise<void> {
  await db.query('DELETE FROM images WHERE id = ?', [id]);
}
