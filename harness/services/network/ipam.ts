// IPv4 address management for subnets, pure: default gateway and pools,
// membership, next free address. Neutron's rules, IPv4 only.
import { formatIp, mask, parseIp, size, type Cidr } from '../../scenario/cidr.js';
import type { AllocationPool } from './types.js';

export function inCidr(c: Cidr, ip: number): boolean {
  return ((ip & mask(c.prefix)) >>> 0) === c.base;
}

/** Neither the network nor the broadcast address. */
export function isHost(c: Cidr, ip: number): boolean {
  return inCidr(c, ip) && ip !== c.base && ip !== c.base + size(c) - 1;
}

/** Neutron's default gateway: the first host. */
export function defaultGateway(c: Cidr): string {
  return formatIp(c.base + 1);
}

/** Every host address except the gateway, as one or two ranges. */
export function defaultPools(c: Cidr, gateway: string | null): AllocationPool[] {
  const first = c.base + 1;
  const last = c.base + size(c) - 2;
  const gw = gateway === null ? null : parseIp(gateway);
  if (gw === null || gw < first || gw > last) return [{ start: formatIp(first), end: formatIp(last) }];
  const pools: AllocationPool[] = [];
  if (gw > first) pools.push({ start: formatIp(first), end: formatIp(gw - 1) });
  if (gw < last) pools.push({ start: formatIp(gw + 1), end: formatIp(last) });
  return pools;
}

/** Why the pools are invalid for the subnet, or null. */
export function poolsProblem(c: Cidr, pools: readonly AllocationPool[], gateway: string | null): string | null {
  const ranges: [number, number][] = [];
  for (const p of pools) {
    const s = parseIp(p.start)!;
    const e = parseIp(p.end)!;
    if (s > e) return `allocation pool ${p.start}-${p.end} has its start after its end`;
    if (!isHost(c, s) || !isHost(c, e)) return `allocation pool ${p.start}-${p.end} is not within the host addresses of ${formatIp(c.base)}/${c.prefix}`;
    for (const [rs, re] of ranges) if (s <= re && rs <= e) return `allocation pool ${p.start}-${p.end} overlaps another pool`;
    ranges.push([s, e]);
  }
  const gw = gateway === null ? null : parseIp(gateway);
  if (gw !== null && ranges.some(([s, e]) => gw >= s && gw <= e)) return `gateway ip ${gateway} overlaps an allocation pool`;
  return null;
}

/** The lowest address in the pools not yet allocated, or null when the pools are exhausted. */
export function nextFree(pools: readonly AllocationPool[], allocated: ReadonlySet<string>): string | null {
  for (const p of pools) {
    const s = parseIp(p.start)!;
    const e = parseIp(p.end)!;
    for (let a = s; a <= e; a++) {
      const ip = formatIp(a);
      if (!allocated.has(ip)) return ip;
    }
  }
  return null;
}
