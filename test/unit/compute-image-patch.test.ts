// Glance's JSON-patch on an image (pure): typed core attributes, read-only
// ones refused, additional properties as strings.
import { describe, expect, it } from 'vitest';
import { applyPatch } from '../../harness/services/image/patch.js';
import type { ImageRow } from '../../harness/services/image/store.js';

const base: ImageRow = {
  id: '0b5f4a0e-7b4e-4a0d-9d0a-2b1c3d4e5f60',
  name: 'snap',
  status: 'active',
  visibility: 'shared',
  protected: false,
  osHidden: false,
  owner: 'p',
  size: 0,
  minDisk: 0,
  minRam: 0,
  diskFormat: 'raw',
  containerFormat: 'bare',
  tags: [],
  properties: { bdm_v2: 'True' },
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
};

describe('image JSON-patch', () => {
  it('adds, replaces and removes properties and sets core attributes', () => {
    const r = applyPatch(
      base,
      [
        { op: 'add', path: '/dr_site', value: 'west' },
        { op: 'replace', path: '/bdm_v2', value: 'False' },
        { op: 'replace', path: '/name', value: 'renamed' },
        { op: 'replace', path: '/protected', value: true },
        { op: 'remove', path: '/dr_site' },
      ],
      'later',
    );
    expect(r).toEqual({ image: { ...base, name: 'renamed', protected: true, properties: { bdm_v2: 'False' }, updatedAt: 'later' } });
    expect(base.properties).toEqual({ bdm_v2: 'True' }); // the input is not touched
  });
  it.each([
    [{ op: 'replace' as const, path: '/status', value: 'queued' }, 403],
    [{ op: 'remove' as const, path: '/name' }, 403],
    [{ op: 'replace' as const, path: '/missing', value: 'x' }, 409],
    [{ op: 'remove' as const, path: '/missing' }, 409],
    [{ op: 'add' as const, path: '/n', value: 3 }, 400],
    [{ op: 'replace' as const, path: '/min_disk', value: -1 }, 400],
  ])('refuses %j with %i', (op, status) => {
    const r = applyPatch(base, [op], 'later');
    expect('status' in r && r.status).toBe(status);
  });
});
