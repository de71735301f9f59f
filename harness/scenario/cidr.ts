// IPv4 CIDR arithmetic for the address plan and the overlap checks.

export interface Cidr {
  readonly base: number; // network address as an unsigned 32-bit integer
  readonly prefix: number;
}

export function parseIp(s: string): number | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return null;
    n = n * 256 + Number(p);
  }
  return n;
}

export function formatIp(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
}

export function parseCidr(s: string): Cidr | null {
  const [ip, len, ...rest] = s.split('/');
  if (rest.length > 0 || ip === undefined || len === undefined || !/^\d{1,2}$/.test(len)) return null;
  const base = parseIp(ip);
  const prefix = Number(len);
  if (base === null || prefix > 32) return null;
  if ((base & ~mask(prefix)) >>> 0 !== 0) return null; // host bits set: ambiguous
  return { base, prefix };
}

export function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

export function size(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

export function contains(outer: Cidr, inner: Cidr): boolean {
  return inner.prefix >= outer.prefix && ((inner.base & mask(outer.prefix)) >>> 0) === outer.base;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return contains(a, b) || contains(b, a);
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c.base)}/${c.prefix}`;
}

/** The n-th address of a network (n = 1 is the first host). */
export function host(c: Cidr, n: number): string {
  if (n <= 0 || n >= size(c) - 1) throw new RangeError(`host ${n} outside ${formatCidr(c)}`);
  return formatIp(c.base + n);
}

/** Site subnets live here; 198.19.0.0/16 is the harness's own (WAN underlay, links). */
export const SITE_SPACE = parseCidr('198.18.0.0/16')!;
export const HARNESS_SPACE = parseCidr('198.19.0.0/16')!;
