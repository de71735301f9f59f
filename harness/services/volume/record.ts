// A backup's export record, as Cinder makes it: backup_service names the
// driver, backup_url is base64 of the JSON of the backup's fields
// (objects/backup.py encode_record). Importing it in another site makes the
// backup known there, restorable from the same object store. Pure.
import { z } from 'zod';

export const SWIFT_BACKUP_SERVICE = 'cinder.backup.drivers.swift.SwiftBackupDriver';

export const BackupRecordSchema = z.looseObject({
  id: z.string().min(1),
  volume_id: z.string().min(1),
  display_name: z.string().nullable(),
  display_description: z.string().nullable(),
  size: z.number().int().min(0),
  container: z.string().min(1),
  /** The object prefix in the store (Cinder keeps it here too). */
  service_metadata: z.string().min(1),
  parent_id: z.string().nullable(),
  object_count: z.number().int().min(0),
  availability_zone: z.string().nullable(),
  created_at: z.string(),
  data_timestamp: z.string(),
  /** The volume's bootable flag (Cinder keeps it in the backup's volume_meta). */
  bootable: z.boolean().optional(),
  /** The block hashes the backup ended with: an incremental made in the importing site diffs against them. */
  'msh:sha256s': z.array(z.string()).optional(),
});
export type BackupRecord = z.infer<typeof BackupRecordSchema>;

export function encodeRecord(rec: BackupRecord): string {
  return Buffer.from(JSON.stringify(rec), 'utf8').toString('base64');
}

/** The record in a backup_url, or an error message saying what is wrong with it. */
export function decodeRecord(url: string): BackupRecord | { error: string } {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(url) || url.length === 0) return { error: 'backup_url is not base64' };
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(url, 'base64').toString('utf8'));
  } catch {
    return { error: 'backup_url does not hold JSON' };
  }
  const r = BackupRecordSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0]!;
    return { error: `backup record field ${i.path.join('.') || '(root)'}: ${i.message}` };
  }
  return r.data;
}
