// The scenario format, defined once: the loader validates with it and
// `msh schema` prints the JSON Schema generated from it for editors.
import { z } from 'zod';
import { parseCidr, parseIp, contains, formatCidr, mask, SITE_SPACE } from './cidr.js';
import { duration, impairmentFields, name, nodeRef, port } from './fields.js';
import { nearest } from './suggest.js';
import { IMAGES } from '../paths.js';
import { faultOptions } from '../faults/registry.js';
import { checkOptions } from '../checks/registry.js';
import { drSpec } from '../dr/spec.js';
import { VRRP_ADVERT_MAX_MS, VRRP_ADVERT_MIN_MS } from '../agents/vnf-keepalived.js';

/** A rate of requests: a plain number above 0 (`what` says of what, `example` is its default). */
const positiveRate = (what: string, example: number) =>
  z
    .number()
    .positive({ message: `rate is ${what}: write a number above 0, e.g. ${example}` })
    .default(example);

const subnet = z.string().superRefine((s, ctx) => {
  const problem = subnetProblem(s);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** What is wrong with a site subnet, said as what to write instead; null if nothing. */
function subnetProblem(s: string): string | null {
  const [ip, len, ...rest] = s.split('/');
  const addr = ip === undefined ? null : parseIp(ip);
  if (rest.length > 0 || addr === null || len === undefined || !/^\d{1,2}$/.test(len) || Number(len) > 32) {
    return `"${s}" is not an IPv4 network: write it as address/prefix, e.g. 198.18.1.0/24`;
  }
  const net = { base: (addr & mask(Number(len))) >>> 0, prefix: Number(len) };
  if (!contains(SITE_SPACE, net)) return `subnet ${s} is not inside ${formatCidr(SITE_SPACE)}, where site subnets live: pick one inside it, e.g. 198.18.1.0/24`;
  if (net.prefix > 29) return `subnet ${s} is too small for a site: use a /29 or larger (e.g. 198.18.1.0/24)`;
  if (parseCidr(s) === null) return `subnet ${s} has host bits set: write the network address, ${formatCidr(net)}`;
  return null;
}

/** What is wrong with a node's image name, said as what to write instead; null if nothing. */
function imageProblem(s: string): string | null {
  const images = Object.keys(IMAGES);
  if (images.includes(s)) return null;
  const list = `(images: ${images.join(', ')})`;
  if (s.trim() === '') return `image is empty: leave image out for the harness image, base ${list}`;
  const hint = nearest(s, images);
  return `image "${s}" is not an image the harness builds: ${hint ? `did you mean "${hint}"? ` : ''}${list}; leave image out for base`;
}

const node = z.strictObject({
  name: name('node name'),
  role: z
    .enum(['host', 'controller', 'vm'])
    .default('host')
    .meta({ description: 'host: a plain node; controller: the site\'s all-in-one node (database, site APIs, bridge agent); vm: a VM the controller attaches to tenant networks' }),
  image: z
    .string()
    .superRefine((s, ctx) => {
      const problem = imageProblem(s);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .default('base')
    .meta({ description: 'Image name; "base" is the harness image' }),
});

const site = z.strictObject({
  name: name('site name'),
  subnet,
  nodes: z.array(node).min(1, { message: 'a site needs at least one node' }),
});

const link = z.strictObject({
  name: name('link name'),
  between: z.tuple([name('site name'), name('site name')], {
    message: 'between lists exactly two site names, e.g. [east, west]',
  }),
  ...impairmentFields,
});

const heartbeat = z.strictObject({
  kind: z.literal('heartbeat'),
  name: name('workload name'),
  from: nodeRef,
  to: nodeRef,
  interval: duration.default(50),
  port: port('the heartbeat port', 7000),
});

const vni = z
  .number()
  .int()
  .min(1, { error: (iss) => `VNI ${String(iss.input)} is reserved: a VXLAN VNI is 1 to 16777215, e.g. 5001` })
  .max(16_777_215, { error: (iss) => `VNI ${String(iss.input)} does not fit in VXLAN's 24 bits: a VNI is 1 to 16777215, e.g. 5001` });

const network = z.strictObject({
  name: name('network name'),
  vni,
  vniBySite: z
    .record(name('site name'), vni)
    .optional()
    .meta({
      description:
        "Site -> the VNI that site's network API gave this network instead of vni: regions that allocate segmentation IDs on their own, with nothing (such as Tricircle's central Neutron) keeping a cross-site network on one VNI. A known-bad knob: the sites' VTEPs then carry the network under different VNIs",
    }),
  cidr: z.string().meta({ description: 'Tenant addresses, inside 198.18.0.0/16 and outside every site subnet; networks may overlap each other (separate VNIs)' }),
  sites: z.array(name('site name')).min(1, { message: 'a network spans at least one site: list the sites it reaches, e.g. sites: [east, west]' }),
});

const ipv4 = z.string().regex(/^\d{1,3}(\.\d{1,3}){3}$/, { message: 'an IPv4 address, e.g. 198.18.201.100' });

const vnf = z.strictObject({
  name: name('vnf name'),
  mode: z.enum(['active-standby', 'nway']).default('active-standby'),
  members: z.array(nodeRef).min(2, { message: 'a VNF needs at least two members' }),
  backup: z
    .strictObject({ network: name('network name').optional() })
    .meta({ description: 'The backup plane (heartbeats, state replication): an L2 overlay network, or {} for L3 (routed over the sites\' LANs)' }),
  external: z.strictObject({ network: name('network name'), vip: ipv4 }).meta({ description: 'The external plane and the floating service IP' }),
  heartbeat: z
    .strictObject({
      interval: duration.default(50),
      misses: z
        .number()
        .int()
        .min(1, { message: 'misses is how many heartbeats in a row a standby must miss before it takes over: write 1 or more, e.g. 3' })
        .default(3),
    })
    .default({ interval: 50, misses: 3 }),
  witness: nodeRef.optional().meta({ description: 'A VM on the backup plane in a third site that arbitrates takeovers; none = naive mode' }),
  port: port("the VNF's port for calls at the VIP", 5060),
  backupPort: port("the VNF's port for heartbeats and state on the backup plane", 7100),
  takeover: z
    .enum(['garp', 'vrrp'])
    .default('garp')
    .meta({
      description:
        'How the new active takes the VIP. garp: the VNF elects itself, adds the VIP and sends gratuitous ARP. vrrp: keepalived in each member (VRRPv3, unicast adverts on the backup plane, nopreempt, priority by order of members) owns the VIP and announces it; heartbeat.interval is its advert_int (a multiple of 10ms), heartbeat.misses must be 3 (VRRP\'s fixed Master_Down = 3 adverts + skew), and there is no witness',
    }),
}).superRefine((v, ctx) => {
  if (v.takeover !== 'vrrp') return;
  const add = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  const iv = v.heartbeat.interval;
  if (iv % 10 !== 0 || iv < VRRP_ADVERT_MIN_MS || iv > VRRP_ADVERT_MAX_MS) {
    add(['heartbeat', 'interval'], `with takeover: vrrp the heartbeat interval is VRRPv3's advert_int, counted in centiseconds: use a multiple of 10ms from ${VRRP_ADVERT_MIN_MS}ms to ${VRRP_ADVERT_MAX_MS}ms (e.g. 100ms)`);
  }
  if (v.heartbeat.misses !== 3) add(['heartbeat', 'misses'], 'with takeover: vrrp a master is declared down after 3 missed adverts (plus skew), fixed by VRRP: set misses to 3, or use takeover: garp');
  if (v.witness !== undefined) add(['witness'], 'with takeover: vrrp keepalived elects by priority alone and cannot consult a witness: remove witness, or use takeover: garp');
});

const calls = z.strictObject({
  kind: z.literal('calls'),
  name: name('workload name'),
  from: nodeRef,
  vnf: name('vnf name'),
  rate: positiveRate('new calls per second', 5).meta({ description: 'New calls per second' }),
  hold: duration.default(2000),
  media: duration.default(20),
  timeout: duration.default(200),
});

const remotePortCrud = z.strictObject({
  kind: z.literal('remote-port-crud'),
  name: name('workload name'),
  network: name('network name'),
  site: name('site name').meta({ description: 'Where the remote ports are created' }),
  tunnelIps: z
    .array(ipv4)
    .min(2, { message: 'tunnelIps lists two remote VTEP addresses: the port is created at the first, then moved to the second, e.g. [198.18.1.2, 198.18.1.9]' })
    .meta({ description: 'Remote VTEPs to create the port at, then move it to' }),
});

const tokens = z.strictObject({
  kind: z.literal('tokens'),
  name: name('workload name'),
  regions: z.array(name('site name')).optional().meta({ description: 'Sites whose services validate the token (default: every site with a controller)' }),
  rate: positiveRate('token validations per second in each region', 20).meta({ description: 'Validations per second in each region' }),
  via: z
    .enum(['identity', 'service'])
    .default('identity')
    .meta({
      description:
        "identity: the agent validates at the region's identity endpoint (GET /v3/auth/tokens); service: it calls its own region's network API (GET /v2.0/networks with the token as X-Auth-Token), whose auth middleware validates as keystonemiddleware would (online with its cache, offline for PKI); 200 accepted, 401 rejected",
    }),
});

/** Identity requests at a rate in each region's Keystone: database writes (`writes`) or token issues (`issue`). */
const identityRequests = <K extends string>(kind: K, what: string, rate: number) =>
  z.strictObject({
    kind: z.literal(kind),
    name: name('workload name'),
    regions: z.array(name('site name')).optional().meta({ description: 'Sites whose Keystone receives the requests (default: every site running one)' }),
    rate: positiveRate(`${what.replace(/ \(.*/, '').toLowerCase()} per second in each region`, rate).meta({ description: `${what} per second in each region` }),
    timeout: duration.default(3000).meta({ description: 'A request not answered within this is recorded as a timeout (not a clean refusal)' }),
  });
const writes = identityRequests('writes', 'Users created (POST /v3/users)', 5);
const issue = identityRequests('issue', 'Tokens issued (POST /v3/auth/tokens, password method)', 10);

const badTokens = z.strictObject({
  kind: z.literal('bad-tokens'),
  name: name('workload name'),
  regions: z.array(name('site name')).optional().meta({ description: 'Sites whose services validate the corpus (default: every site with a controller)' }),
  rate: positiveRate('token validations per second in each region', 30).meta({ description: 'Validations per second in each region, the corpus (forged, tampered, expired, revoked, wrong-key, control) in turn' }),
  allowExpired: z.boolean().default(false).meta({ description: "Validate with Keystone's ?allow_expired=true, as a misconfigured service would for user requests (known-bad)" }),
});

const workload = z.discriminatedUnion('kind', [heartbeat, calls, remotePortCrud, tokens, writes, issue, badTokens]);

const identity = z.strictObject({
  provider: z.enum(['fernet', 'uuid', 'pki']).default('fernet'),
  placement: z
    .enum(['distributed', 'centralized'])
    .default('distributed')
    .meta({ description: 'distributed: a Keystone in every site with a controller; centralized: only in `site`' }),
  site: name('site name').meta({ description: 'The one auth URL: where users log in (and, centralized, the only Keystone)' }),
  database: z
    .enum(['local', 'galera', 'star', 'multi-cluster'])
    .default('local')
    .meta({
      description:
        'local: each Keystone its own database; galera: one identity database, Galera across every controller; star: a master Galera in `masters`, and in every other site two read-only async replicas, one from each master site; multi-cluster: one Galera per entry of `clusters`, the first takes the writes, the others follow it by async replication. Other service databases always stay local',
    }),
  masters: z
    .array(name('site name'))
    .min(1, { message: 'with database: star the master Galera cluster spans one or two sites: list them, e.g. masters: [east, west], or leave masters out' })
    .max(2, { message: 'with database: star the master Galera cluster spans one or two sites: list at most two, e.g. masters: [east, west] (every other site holds replicas of it)' })
    .optional()
    .meta({ description: 'star: the one or two sites of the master Galera cluster (default: the first two sites with a controller); Keystones elsewhere read their local replica and write here' }),
  clusters: z
    .array(z.array(name('site name')).min(1, { message: 'a cluster lists at least one site: remove the empty one' }))
    .min(2, { message: 'multi-cluster needs at least two clusters (the first takes the writes, the others replicate from it): split the sites, e.g. [[east, west], [north, south]]; one cluster of every site is database: galera' })
    .optional()
    .meta({ description: 'multi-cluster: the sites of each Galera cluster, every controller site in exactly one; the first cluster takes the writes (default: consecutive pairs of controller sites)' }),
  wsrep: z
    .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
    .superRefine((options, ctx) => {
      // A record's key schema reports only "Invalid key": say what a key must look like instead.
      for (const key of Object.keys(options)) {
        if (!/^[a-z_]+(\.[a-z_]+)+$/.test(key)) ctx.addIssue({ code: 'custom', path: [key], message: `"${key}" is not a Galera provider option name: they are group.option, e.g. evs.suspect_timeout or pc.ignore_quorum` });
      }
    })
    .optional()
    .meta({ description: 'Galera provider options (wsrep_provider_options) for the identity cluster, set at start, e.g. { evs.suspect_timeout: PT5S } or the known-bad { pc.ignore_quorum: true }' }),
  middlewareCache: duration
    .default(300_000)
    .refine((ms) => ms % 1000 === 0, { message: "middlewareCache is keystonemiddleware's token_cache_time, whole seconds: write e.g. 300s, or 0 to disable the cache" })
    .meta({ description: "The site APIs' auth middleware token cache (keystonemiddleware's token_cache_time; default 300s, 0 disables), used by tokens workloads with via: service" }),
  middlewareRegion: z
    .enum(['local', 'auth-site'])
    .default('local')
    .meta({
      description:
        "Where each site's auth middleware validates (keystonemiddleware's region_name): local, its own region's Keystone (the central one where the region has none); auth-site, the region of the auth URL, as keystonemiddleware did before region_name existed (known-bad for distributed models)",
    }),
});

const fault = faultOptions;

const check = checkOptions;

export const scenarioSchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]{0,40}$/, {
    message: "scenario name must be 1-41 characters: a lowercase letter, then lowercase letters, digits or '-' (e.g. wan-heartbeat)",
  }),
  description: z.string().default(''),
  tags: z.array(z.string()).default([]),
  seed: z.number().int().nonnegative().default(1),
  duration: duration.meta({ description: 'How long the workload runs' }),
  sites: z.array(site).min(1, { message: 'a scenario needs at least one site' }),
  links: z.array(link).default([]),
  networks: z.array(network).default([]),
  vnfs: z.array(vnf).default([]),
  identity: identity.optional(),
  dr: drSpec.optional().meta({ description: 'Geo-site disaster recovery: a VNF of several VMs in `primary`, protected by one of the GR seed\'s three options, restorable in `backup`' }),
  workload: z.array(workload).default([]),
  faults: z.array(fault).default([]),
  checks: z.array(check).default([]),
});

export type Scenario = z.output<typeof scenarioSchema>;
export type Site = Scenario['sites'][number];
export type NodeSpec = Site['nodes'][number];
export type LinkSpec = Scenario['links'][number];
export type WorkloadSpec = Scenario['workload'][number];
export type FaultSpec = Scenario['faults'][number];
export type CheckSpec = Scenario['checks'][number];
export type HeartbeatSpec = Extract<WorkloadSpec, { kind: 'heartbeat' }>;
export type CallsSpec = Extract<WorkloadSpec, { kind: 'calls' }>;
export type TokensSpec = Extract<WorkloadSpec, { kind: 'tokens' }>;
export type BadTokensSpec = Extract<WorkloadSpec, { kind: 'bad-tokens' }>;
export type IdentityRequestsSpec = Extract<WorkloadSpec, { kind: 'writes' | 'issue' }>;
export type IdentitySpec = NonNullable<Scenario['identity']>;
export type NetworkSpec = Scenario['networks'][number];
export type VnfSpec = Scenario['vnfs'][number];

export function scenarioJsonSchema(): unknown {
  return z.toJSONSchema(scenarioSchema, { io: 'input', unrepresentable: 'any' });
}
