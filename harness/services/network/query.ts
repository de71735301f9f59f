// Neutron list queries: `?attr=value` filters (repeat a key for OR),
// `fields=` projection; pagination and sorting keys are accepted and
// ignored (everything is returned, in creation order).
import { badRequest } from './errors.js';

const IGNORED = new Set(['fields', 'limit', 'marker', 'sort_key', 'sort_dir', 'page_reverse']);

type Resource = Readonly<Record<string, unknown>>;

function scalarMatches(v: unknown, wanted: readonly string[]): boolean {
  if (v === null) return wanted.some((w) => w === '' || w.toLowerCase() === 'none' || w.toLowerCase() === 'null');
  if (typeof v === 'boolean') return wanted.some((w) => w.toLowerCase() === String(v));
  if (typeof v === 'string' || typeof v === 'number') return wanted.includes(String(v));
  return false;
}

/** Ports' `fixed_ips=ip_address=X` / `fixed_ips=subnet_id=Y` (all given must hold for one entry). */
function fixedIpsMatch(v: unknown, wanted: readonly string[]): boolean {
  if (!Array.isArray(v)) return false;
  const conds = wanted.map((w) => {
    const i = w.indexOf('=');
    if (i < 0) throw badRequest(`Invalid fixed_ips filter '${w}': use ip_address=<ip> or subnet_id=<id>`);
    return [w.slice(0, i), w.slice(i + 1)] as const;
  });
  return v.some((f: unknown) => typeof f === 'object' && f !== null && conds.every(([k, val]) => (f as Record<string, unknown>)[k] === val));
}

export function filterResources<T extends Resource>(items: readonly T[], query: URLSearchParams, attributes: readonly string[]): T[] {
  const known = new Set(attributes);
  const keys = [...new Set(query.keys())].filter((k) => !IGNORED.has(k));
  const unknown = keys.filter((k) => !known.has(k));
  if (unknown.length > 0) throw badRequest(`[${unknown.map((k) => `'${k}'`).join(', ')}] is invalid attribute for filtering`);
  return items.filter((item) =>
    keys.every((k) => {
      const wanted = query.getAll(k);
      return k === 'fixed_ips' ? fixedIpsMatch(item[k], wanted) : scalarMatches(item[k], wanted);
    }),
  );
}

/** `?fields=a&fields=b`: only those attributes (all when none asked). */
export function project<T extends Resource>(item: T, query: URLSearchParams): Partial<T> {
  const fields = query.getAll('fields').flatMap((f) => f.split(',')).filter(Boolean);
  if (fields.length === 0) return item;
  return Object.fromEntries(Object.entries(item).filter(([k]) => fields.includes(k))) as Partial<T>;
}
