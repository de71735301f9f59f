// Glance's JSON-patch on an image (application/openstack-images-v2.1-json-patch),
// pure: core attributes are typed, read-only ones refused (403), anything
// else is an additional property holding a string.
import type { ImageRow } from './store.js';
import { CORE, CoreSchemas, PropertyValue, READ_ONLY, type PatchOp } from './types.js';

export type PatchResult = { readonly image: ImageRow } | { readonly status: 400 | 403 | 409; readonly message: string };

type Core = (typeof CORE)[number];
const isCore = (k: string): k is Core => (CORE as readonly string[]).includes(k);

const COLUMN: Readonly<Record<Core, keyof ImageRow>> = {
  name: 'name',
  visibility: 'visibility',
  protected: 'protected',
  min_disk: 'minDisk',
  min_ram: 'minRam',
  disk_format: 'diskFormat',
  container_format: 'containerFormat',
  tags: 'tags',
  os_hidden: 'osHidden',
};

export function applyPatch(image: ImageRow, ops: readonly PatchOp[], now: string): PatchResult {
  let img: ImageRow = { ...image, properties: { ...image.properties }, tags: [...image.tags] };
  for (const op of ops) {
    const attr = op.path.slice(1);
    if ((READ_ONLY as readonly string[]).includes(attr)) return { status: 403, message: `Attribute '${attr}' is read-only.` };
    if (isCore(attr)) {
      if (op.op === 'remove') return { status: 403, message: `Attribute '${attr}' is a reserved attribute and may not be removed.` };
      const v = CoreSchemas[attr].safeParse(op.value);
      if (!v.success) return { status: 400, message: `Invalid value for '${attr}': ${v.error.issues[0]?.message ?? 'invalid'}` };
      img = { ...img, [COLUMN[attr]]: v.data };
      continue;
    }
    const has = Object.hasOwn(img.properties, attr);
    if (op.op === 'remove') {
      if (!has) return { status: 409, message: `Property ${attr} does not exist.` };
      delete img.properties[attr];
      continue;
    }
    if (op.op === 'replace' && !has) return { status: 409, message: `Property ${attr} does not exist.` };
    const v = PropertyValue.safeParse(op.value);
    if (!v.success) return { status: 400, message: `Invalid value for property '${attr}': additional properties are strings` };
    img.properties[attr] = v.data;
  }
  return { image: { ...img, updatedAt: now } };
}
