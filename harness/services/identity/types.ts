// Keystone v3 shapes, one definition for both sides: the service validates
// request bodies with the request schemas, the client validates responses
// with the (loose) resource schemas.
import { z } from 'zod';

const Name = z.string().min(1).max(255);
const Id = z.string().min(1).max(64);
const IdOrName = z.union([z.object({ id: Id }), z.object({ name: Name })]);

// ----------------------------------------------------------------- auth

const PasswordUser = z.object({
  id: Id.optional(),
  name: Name.optional(),
  password: z.string().max(4096),
  domain: IdOrName.optional(),
});

export const ScopeRequestSchema = z.union([
  z.literal('unscoped'),
  z.object({ project: z.union([z.object({ id: Id }), z.object({ name: Name, domain: IdOrName })]) }),
  z.object({ domain: IdOrName }),
  z.object({ system: z.object({ all: z.literal(true) }) }),
]);
export type ScopeRequest = z.infer<typeof ScopeRequestSchema>;

export const AuthRequestSchema = z.object({
  auth: z.object({
    identity: z.object({
      methods: z.array(z.string()).min(1),
      password: z.object({ user: PasswordUser }).optional(),
      token: z.object({ id: z.string().min(1).max(16_384) }).optional(),
    }),
    scope: ScopeRequestSchema.optional(),
  }),
});
export type AuthRequest = z.input<typeof AuthRequestSchema>;

// ----------------------------------------------------------------- resource requests

export const DomainCreateSchema = z.looseObject({ name: Name, description: z.string().optional(), enabled: z.boolean().optional(), id: Id.optional() });
export type DomainCreate = z.input<typeof DomainCreateSchema>;
export const DomainUpdateSchema = z.looseObject({ name: Name.optional(), description: z.string().optional(), enabled: z.boolean().optional() });
export type DomainUpdate = z.input<typeof DomainUpdateSchema>;

export const ProjectCreateSchema = z.looseObject({
  name: Name.max(64),
  domain_id: Id.optional(),
  description: z.string().optional(),
  enabled: z.boolean().optional(),
  parent_id: Id.nullable().optional(),
  is_domain: z.literal(false).optional(),
});
export type ProjectCreate = z.input<typeof ProjectCreateSchema>;
export const ProjectUpdateSchema = z.looseObject({ name: Name.max(64).optional(), description: z.string().optional(), enabled: z.boolean().optional() });
export type ProjectUpdate = z.input<typeof ProjectUpdateSchema>;

export const UserCreateSchema = z.looseObject({
  name: Name,
  domain_id: Id.optional(),
  password: z.string().max(4096).nullable().optional(),
  enabled: z.boolean().optional(),
  default_project_id: Id.nullable().optional(),
  description: z.string().optional(),
});
export type UserCreate = z.input<typeof UserCreateSchema>;
export const UserUpdateSchema = z.looseObject({
  name: Name.optional(),
  password: z.string().max(4096).nullable().optional(),
  enabled: z.boolean().optional(),
  default_project_id: Id.nullable().optional(),
});
export type UserUpdate = z.input<typeof UserUpdateSchema>;

export const GroupCreateSchema = z.looseObject({ name: Name.max(64), domain_id: Id.optional(), description: z.string().optional() });
export type GroupCreate = z.input<typeof GroupCreateSchema>;

export const RoleCreateSchema = z.looseObject({ name: Name, description: z.string().optional() });
export type RoleCreate = z.input<typeof RoleCreateSchema>;

export const RegionCreateSchema = z.looseObject({ id: z.string().min(1).max(255).optional(), description: z.string().max(255).optional(), parent_region_id: z.string().nullable().optional() });
export type RegionCreate = z.input<typeof RegionCreateSchema>;

export const ServiceCreateSchema = z.looseObject({ type: Name, name: Name.optional(), description: z.string().optional(), enabled: z.boolean().optional() });
export type ServiceCreate = z.input<typeof ServiceCreateSchema>;

export const Interface = z.enum(['public', 'internal', 'admin']);
export const EndpointCreateSchema = z.looseObject({
  interface: Interface,
  service_id: Id,
  url: z.string().min(1).max(1024),
  region_id: z.string().max(255).nullable().optional(),
  /** deprecated alias of region_id */
  region: z.string().max(255).nullable().optional(),
  enabled: z.boolean().optional(),
});
export type EndpointCreate = z.input<typeof EndpointCreateSchema>;

// ----------------------------------------------------------------- resources

const Links = z.looseObject({ self: z.string() });

export const DomainSchema = z.looseObject({ id: z.string(), name: z.string(), description: z.string(), enabled: z.boolean(), links: Links });
export type Domain = z.infer<typeof DomainSchema>;
export const ProjectSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  domain_id: z.string(),
  description: z.string(),
  enabled: z.boolean(),
  parent_id: z.string().nullable(),
  is_domain: z.boolean(),
  links: Links,
});
export type Project = z.infer<typeof ProjectSchema>;
export const UserSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  domain_id: z.string(),
  enabled: z.boolean(),
  password_expires_at: z.null(),
  links: Links,
});
export type User = z.infer<typeof UserSchema>;
export const GroupSchema = z.looseObject({ id: z.string(), name: z.string(), domain_id: z.string(), description: z.string(), links: Links });
export type Group = z.infer<typeof GroupSchema>;
export const RoleSchema = z.looseObject({ id: z.string(), name: z.string(), domain_id: z.string().nullable(), links: Links });
export type Role = z.infer<typeof RoleSchema>;
export const RegionSchema = z.looseObject({ id: z.string(), description: z.string(), parent_region_id: z.string().nullable(), links: Links });
export type Region = z.infer<typeof RegionSchema>;
export const ServiceSchema = z.looseObject({ id: z.string(), type: z.string(), name: z.string(), enabled: z.boolean(), links: Links });
export type Service = z.infer<typeof ServiceSchema>;
export const EndpointSchema = z.looseObject({
  id: z.string(),
  interface: z.string(),
  service_id: z.string(),
  url: z.string(),
  region_id: z.string().nullable(),
  region: z.string().nullable(),
  enabled: z.boolean(),
  links: Links,
});
export type Endpoint = z.infer<typeof EndpointSchema>;

export const RoleAssignmentSchema = z.looseObject({
  role: z.object({ id: z.string() }),
  user: z.object({ id: z.string() }).optional(),
  group: z.object({ id: z.string() }).optional(),
  scope: z.union([
    z.object({ project: z.object({ id: z.string() }) }),
    z.object({ domain: z.object({ id: z.string() }) }),
    z.object({ system: z.object({ all: z.literal(true) }) }),
  ]),
  links: z.object({ assignment: z.string() }),
});
export type RoleAssignment = z.infer<typeof RoleAssignmentSchema>;

const NamedRef = z.object({ id: z.string(), name: z.string() });
export const CatalogEntrySchema = z.object({
  endpoints: z.array(z.object({ id: z.string(), interface: z.string(), region_id: z.string(), url: z.string(), region: z.string() })),
  id: z.string(),
  type: z.string(),
  name: z.string(),
});
export const TokenBodySchema = z.looseObject({
  methods: z.array(z.string()),
  user: z.object({ domain: NamedRef, id: z.string(), name: z.string(), password_expires_at: z.null() }),
  audit_ids: z.array(z.string()),
  expires_at: z.string(),
  issued_at: z.string(),
  project: z.object({ domain: NamedRef, id: z.string(), name: z.string() }).optional(),
  is_domain: z.boolean().optional(),
  domain: NamedRef.optional(),
  system: z.object({ all: z.boolean() }).optional(),
  roles: z.array(NamedRef).optional(),
  catalog: z.array(CatalogEntrySchema).optional(),
});
export type TokenBodyView = z.infer<typeof TokenBodySchema>;

export const KeystoneErrorSchema = z.object({ error: z.object({ code: z.number(), message: z.string(), title: z.string() }) });
