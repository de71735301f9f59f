// Neutron v2.0 shapes, one definition for both sides: the service validates
// request bodies with the strict request schemas, the client validates
// responses with the (loose) resource schemas, and both share the types.
import { z } from 'zod';
import { parseIp } from '../../scenario/cidr.js';

const Ipv4 = z.string().refine((s) => parseIp(s) !== null, { message: 'not a valid IPv4 address' });
const Mac = z.string().regex(/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/, { message: 'not a valid MAC address' });
const Text = z.string().max(255);
const Json = z.json();

// ----------------------------------------------------------------- requests

export const NetworkCreateSchema = z.strictObject({
  name: Text.optional(),
  description: Text.optional(),
  admin_state_up: z.boolean().optional(),
  shared: z.boolean().optional(),
  tenant_id: Text.optional(),
  project_id: Text.optional(),
  'provider:network_type': z.literal('vxlan').optional(),
  'provider:physical_network': z.null().optional(),
  'provider:segmentation_id': z.number().int().min(1).max(16_777_215).optional(),
  mtu: z.number().int().min(68).optional(),
  port_security_enabled: z.boolean().optional(),
  availability_zone_hints: z.array(z.string()).optional(),
});
export type NetworkCreate = z.input<typeof NetworkCreateSchema>;

export const AllocationPoolSchema = z.strictObject({ start: Ipv4, end: Ipv4 });
export type AllocationPool = z.infer<typeof AllocationPoolSchema>;
export const HostRouteSchema = z.strictObject({ destination: z.string(), nexthop: Ipv4 });
export type HostRoute = z.infer<typeof HostRouteSchema>;

export const SubnetCreateSchema = z.strictObject({
  network_id: z.string(),
  cidr: z.string(),
  ip_version: z.literal(4),
  name: Text.optional(),
  description: Text.optional(),
  tenant_id: Text.optional(),
  project_id: Text.optional(),
  gateway_ip: Ipv4.nullable().optional(),
  allocation_pools: z.array(AllocationPoolSchema).optional(),
  enable_dhcp: z.boolean().optional(),
  dns_nameservers: z.array(Ipv4).optional(),
  host_routes: z.array(HostRouteSchema).optional(),
});
export type SubnetCreate = z.input<typeof SubnetCreateSchema>;

export const FixedIpRequestSchema = z.strictObject({ subnet_id: z.string().optional(), ip_address: Ipv4.optional() });
export type FixedIpRequest = z.input<typeof FixedIpRequestSchema>;

/** binding:profile is a free-form dict in Neutron; "type": "remote" gives it meaning here (RemoteProfile). */
export const BindingProfileSchema = z.record(z.string(), Json);
export type BindingProfile = z.infer<typeof BindingProfileSchema>;

/** The fake remote port's profile (the seed's VTEP attribute; Tricircle's shadow ports used {host, type, tunnel_ip}). */
export const RemoteProfileSchema = z.looseObject({
  type: z.literal('remote'),
  tunnel_ip: Ipv4,
  host: z.string().min(1),
});
export type RemoteProfile = z.infer<typeof RemoteProfileSchema>;
export const REMOTE_OWNER = 'compute:remote';

const portCommon = {
  name: Text.optional(),
  description: Text.optional(),
  admin_state_up: z.boolean().optional(),
  mac_address: Mac.optional(),
  fixed_ips: z.array(FixedIpRequestSchema).optional(),
  device_id: Text.optional(),
  device_owner: Text.optional(),
  'binding:host_id': Text.optional(),
  'binding:profile': BindingProfileSchema.optional(),
  'binding:vnic_type': z.literal('normal').optional(),
  port_security_enabled: z.boolean().optional(),
};

export const PortCreateSchema = z.strictObject({
  network_id: z.string(),
  tenant_id: Text.optional(),
  project_id: Text.optional(),
  ...portCommon,
});
export type PortCreate = z.input<typeof PortCreateSchema>;

export const PortUpdateSchema = z.strictObject(portCommon);
export type PortUpdate = z.input<typeof PortUpdateSchema>;

// ---------------------------------------------------------------- resources

const Timestamps = {
  created_at: z.string(),
  updated_at: z.string(),
  revision_number: z.number(),
};

export const NetworkSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  tenant_id: z.string(),
  project_id: z.string(),
  admin_state_up: z.boolean(),
  status: z.string(),
  subnets: z.array(z.string()),
  shared: z.boolean(),
  mtu: z.number(),
  'provider:network_type': z.string(),
  'provider:physical_network': z.string().nullable(),
  'provider:segmentation_id': z.number(),
  'router:external': z.boolean(),
  port_security_enabled: z.boolean(),
  availability_zone_hints: z.array(z.string()),
  availability_zones: z.array(z.string()),
  tags: z.array(z.string()),
  ...Timestamps,
});
export type Network = z.infer<typeof NetworkSchema>;

export const SubnetSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  network_id: z.string(),
  tenant_id: z.string(),
  project_id: z.string(),
  ip_version: z.number(),
  cidr: z.string(),
  gateway_ip: z.string().nullable(),
  allocation_pools: z.array(AllocationPoolSchema),
  enable_dhcp: z.boolean(),
  dns_nameservers: z.array(z.string()),
  host_routes: z.array(HostRouteSchema),
  ipv6_ra_mode: z.null(),
  ipv6_address_mode: z.null(),
  subnetpool_id: z.null(),
  tags: z.array(z.string()),
  ...Timestamps,
});
export type Subnet = z.infer<typeof SubnetSchema>;

export const FixedIpSchema = z.looseObject({ subnet_id: z.string(), ip_address: z.string() });
export type FixedIp = z.infer<typeof FixedIpSchema>;

export const PortSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  network_id: z.string(),
  tenant_id: z.string(),
  project_id: z.string(),
  mac_address: z.string(),
  admin_state_up: z.boolean(),
  status: z.string(),
  device_id: z.string(),
  device_owner: z.string(),
  fixed_ips: z.array(FixedIpSchema),
  allowed_address_pairs: z.array(z.unknown()),
  security_groups: z.array(z.string()),
  port_security_enabled: z.boolean(),
  'binding:host_id': z.string(),
  'binding:profile': BindingProfileSchema,
  'binding:vif_type': z.string(),
  'binding:vif_details': BindingProfileSchema,
  'binding:vnic_type': z.string(),
  /** This emulation's VTEP attribute: the site's VTEP for a local port, binding:profile.tunnel_ip for a remote one. */
  'binding:vtep_ip': z.string(),
  tags: z.array(z.string()),
  ...Timestamps,
});
export type Port = z.infer<typeof PortSchema>;

export const NeutronErrorSchema = z.object({
  NeutronError: z.object({ type: z.string(), message: z.string(), detail: z.string() }),
});
export type NeutronErrorBody = z.infer<typeof NeutronErrorSchema>;
