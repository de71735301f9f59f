import { describe, expect, it } from 'vitest';
import type { VolumeRec } from '../../harness/services/volume/store.js';
import { volumeView } from '../../harness/services/volume/views.js';

const rec: VolumeRec = {
  id: 'v1',
  project_id: 'p',
  name: 'data',
  description: null,
  status: 'in-use',
  size: 2,
  bootable: true,
  volume_type_id: 't1',
  volume_type_name: 'replicated',
  snapshot_id: null,
  source_volid: null,
  group_id: 'g1',
  replication_status: 'enabled',
  host: 'east@file#file',
  path: '/run/msh/volumes/v1',
  metadata: { app: 'vnf' },
  admin_metadata: { attached_mode: 'rw', backend_ref: '{"source-name":"x"}', readonly: 'False' },
  attachments: [{ id: 'a1', server_id: 's1', device: '/dev/vdb', attached_at: '2026-12-02T10:00:00.000000' }],
  replica: null,
  replicated_at: '2026-12-02T10:00:00.000Z',
  replication_stats: null,
  created_at: '2026-12-02T09:00:00.000000',
  updated_at: null,
};

describe('volume views', () => {
  it('merges only the admin metadata Cinder makes visible into metadata, and shows all of it under msh:admin_metadata', () => {
    const v = volumeView(rec, { major: 3, minor: 0 }, Date.parse(rec.replicated_at!));
    expect(v.metadata).toEqual({ app: 'vnf', attached_mode: 'rw', readonly: 'False' });
    expect(v['msh:admin_metadata']).toEqual(rec.admin_metadata);
  });

  it('shows bootable as Cinder does (a string), the attachment, and group_id from 3.13 on', () => {
    const old = volumeView(rec, { major: 3, minor: 12 }, 0);
    expect(old.bootable).toBe('true');
    expect(old.attachments).toEqual([{ id: 'v1', attachment_id: 'a1', volume_id: 'v1', server_id: 's1', host_name: null, device: '/dev/vdb', attached_at: rec.attachments[0]!.attached_at }]);
    expect('group_id' in old).toBe(false);
    expect(volumeView(rec, { major: 3, minor: 13 }, 0).group_id).toBe('g1');
  });

  it('gives the replication lag as the age of the newest replicated state', () => {
    expect(volumeView(rec, { major: 3, minor: 0 }, Date.parse(rec.replicated_at!) + 1500)['msh:replication_lag_ms']).toBe(1500);
    expect(volumeView({ ...rec, replicated_at: null }, { major: 3, minor: 0 }, 5)['msh:replication_lag_ms']).toBeNull();
  });
});
