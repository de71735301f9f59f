import { describe, expect, it } from 'vitest';
import { SWIFT_BACKUP_SERVICE, decodeRecord, encodeRecord, type BackupRecord } from '../../harness/services/volume/record.js';

const rec: BackupRecord = {
  id: 'b1',
  volume_id: 'v1',
  display_name: 'nightly',
  display_description: null,
  size: 2,
  container: 'volumebackups',
  service_metadata: 'volume_v1/20261202101010/az_nova_backup_b1',
  parent_id: null,
  object_count: 3,
  availability_zone: 'nova',
  created_at: '2026-12-02T10:10:10.000000',
  data_timestamp: '2026-12-02T10:10:10.000000',
  bootable: true,
  'msh:sha256s': ['ab', 'cd'],
};

describe('backup export records', () => {
  it('is base64 of the JSON of the backup fields, as Cinder encodes it', () => {
    const url = encodeRecord(rec);
    expect(JSON.parse(Buffer.from(url, 'base64').toString('utf8'))).toEqual(rec);
    expect(decodeRecord(url)).toEqual(rec);
    expect(SWIFT_BACKUP_SERVICE).toBe('cinder.backup.drivers.swift.SwiftBackupDriver');
  });

  it('says what is wrong with a bad record', () => {
    expect(decodeRecord('not base64!')).toEqual({ error: 'backup_url is not base64' });
    expect(decodeRecord(Buffer.from('{nope').toString('base64'))).toEqual({ error: 'backup_url does not hold JSON' });
    const { service_metadata: _m, ...noPrefix } = rec;
    expect(decodeRecord(encodeRecord(noPrefix as BackupRecord))).toEqual({ error: expect.stringContaining('service_metadata') });
    expect(decodeRecord(encodeRecord({ ...rec, size: -1 }))).toEqual({ error: expect.stringContaining('size') });
  });
});
