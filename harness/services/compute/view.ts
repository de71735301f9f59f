// The Nova server representation from the database rows, pure.
import { statusOf } from './lifecycle.js';
import type { BdmRow, InstanceRow } from './store.js';
import type { Server } from './types.js';

export interface ViewContext {
  /** The compute host name (this site's controller). */
  readonly host: string;
  /** For links, e.g. http://198.18.1.2:8774. */
  readonly baseUrl: string;
}

export function instanceName(id: string): string {
  return `instance-${id.slice(0, 8)}`;
}

export function serverView(i: InstanceRow, bdms: readonly BdmRow[], ctx: ViewContext): Server {
  const self = `${ctx.baseUrl}/v2.1/servers/${i.id}`;
  return {
    id: i.id,
    name: i.name,
    status: statusOf(i.vmState),
    tenant_id: i.projectId,
    user_id: i.userId,
    metadata: i.metadata,
    hostId: ctx.host,
    // Booted from a volume: Nova shows an empty image.
    image: '',
    // Both shapes at once: {id, links} before microversion 2.47 (what openstackclient 6.0 asks for), the embedded flavor after.
    flavor: { id: 'm1.dr', links: [], vcpus: 1, ram: 64, disk: 0, ephemeral: 0, swap: 0, original_name: 'm1.dr', extra_specs: {} },
    created: i.createdAt,
    updated: i.updatedAt,
    addresses: {},
    accessIPv4: '',
    accessIPv6: '',
    links: [
      { href: self, rel: 'self' },
      { href: self.replace('/v2.1/', '/'), rel: 'bookmark' },
    ],
    'OS-EXT-STS:vm_state': i.vmState,
    'OS-EXT-STS:task_state': i.taskState,
    'OS-EXT-STS:power_state': i.powerState,
    'OS-EXT-SRV-ATTR:host': ctx.host,
    'OS-EXT-SRV-ATTR:instance_name': instanceName(i.id),
    'OS-EXT-SRV-ATTR:root_device_name': '/dev/vda',
    'os-extended-volumes:volumes_attached': bdms.map((b) => ({ id: b.volumeId, delete_on_termination: b.deleteOnTermination })),
    ...(i.fault !== null ? { fault: { code: 500, message: i.fault, created: i.updatedAt } } : {}),
  };
}

/** The next free virtio device name after those in use (vda is the root). */
export function nextDevice(used: readonly string[]): string {
  for (let c = 'b'.charCodeAt(0); c <= 'z'.charCodeAt(0); c++) {
    const d = `/dev/vd${String.fromCharCode(c)}`;
    if (!used.includes(d)) return d;
  }
  throw new Error('no free device name');
}

/** The compute microversion a request asks for (OpenStack-API-Version: compute X.Y, or the legacy header); 2.1 when none. */
export function microversion(headers: Readonly<Record<string, string | string[] | undefined>>, max: [number, number]): [number, number] {
  const h = headers['openstack-api-version'];
  const legacy = headers['x-openstack-nova-api-version'];
  let v: string | undefined;
  for (const s of (Array.isArray(h) ? h : h ? [h] : [])) {
    const m = /^\s*compute\s+(\S+)/i.exec(s);
    if (m) v = m[1];
  }
  if (v === undefined && typeof legacy === 'string') v = legacy.trim();
  if (v === undefined) return [2, 1];
  if (v === 'latest') return max;
  const m = /^(\d+)\.(\d+)$/.exec(v);
  return m ? [Number(m[1]), Number(m[2])] : [2, 1];
}

export const atLeast = (v: readonly [number, number], major: number, minor: number): boolean => v[0] > major || (v[0] === major && v[1] >= minor);
