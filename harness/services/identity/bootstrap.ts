// `keystone-manage bootstrap` at first start: the default domain, the admin
// project, user and roles (reader, member, admin with admin -> member ->
// reader implied), admin on the project and on the system, this region, the
// identity service and this region's three endpoints. Every step finds
// before it creates, so it runs on every start and on every site sharing a
// replicated database (each site adds its own region and endpoints).
//
// The other APIs this site's services process serves (network, compute,
// volume, image, object-store) are registered too, each with its three
// endpoints in this region: the standard client finds them in the catalog
// (`openstack network list` needs type network there). A service's id is
// derived from its type (the identity service's too), so two regions
// bootstrapping at once on a shared database collide on the primary key
// instead of creating two services of one type (the client's "Multiple
// service matches found"); every other shared row has a unique name.
//
// The whole bootstrap is one transaction (transaction.ts): on Galera one
// write-set, so one WAN round trip at COMMIT instead of one per row, and
// regions may bootstrap side by side: of two that create a shared row at
// once, one commits, the other fails certification, rolls back everything
// and runs again, finding the winner's rows. Nothing is half-created.
// Inside it, what bootstrap looks for is read in one round trip, the plan
// of the missing rows is pure (planBootstrap), and its writes go in one
// more: a follower region bootstraps on the master across the WAN, where
// one round trip per statement (about 25) took 2.4-3.6 s.
//
// On a read-only replica nothing can be written: the planned rows are
// reported as skipped (the master's bootstrap replicates here).
import { createHash, randomUUID } from 'node:crypto';
import type mysql from 'mysql2/promise';
import { isReadOnlyError } from './db.js';
import { hashPassword } from './password.js';
import * as store from './store.js';
import { inTransaction, withConnection, type RetryOptions } from './transaction.js';

export interface BootstrapOptions {
  readonly username: string;
  readonly password: string;
  readonly projectName: string;
  readonly roleName: string;
  readonly serviceName: string;
  readonly region: string;
  readonly publicUrl: string;
  readonly internalUrl: string;
  readonly adminUrl: string;
  readonly passwordHashLn?: number;
  /** The admin password's hash, already under way (made while the database was awaited); else hashed if the user must be created. */
  readonly passwordHash?: Promise<string>;
  /** Other APIs served in this region, registered with the same URL on all three interfaces. */
  readonly services?: readonly SiteService[];
}

/** One API a site serves besides identity, as the catalog names it. */
export interface SiteService {
  readonly type: string;
  readonly name: string;
  readonly url: string;
}

export interface BootstrapResult {
  readonly created: string[];
  readonly skippedReadOnly: string[];
  readonly adminUserId: string | null;
  readonly adminProjectId: string | null;
  /** Runs of the transaction (> 1: another region created shared rows at the same time). */
  readonly attempts: number;
}

export const DEFAULT_DOMAIN = { id: 'default', name: 'Default', description: 'The default domain' } as const;

const newId = () => randomUUID().replace(/-/g, '');
/** The id bootstrap gives the service of `type` (stable across regions and restarts). */
export const serviceIdFor = (type: string) => createHash('md5').update(`msh-service-${type}`).digest('hex');

/** Bootstrap on `db`'s write side, as one transaction retried on a conflict with a concurrent bootstrap. */
export async function bootstrap(db: store.Db, o: BootstrapOptions, retry?: RetryOptions): Promise<BootstrapResult> {
  // Hashed at most once whatever the retries (scrypt is the costliest step).
  let hash: Promise<string> | undefined = o.passwordHash;
  const passwordHash = () => (hash ??= hashPassword(o.password, o.passwordHashLn));
  return withConnection(store.writer(db), async (conn) => {
    const r = await inTransaction(conn, () => bootstrapOnce(conn, o, passwordHash), retry);
    return { ...r.value, attempts: r.attempts };
  });
}

/**
 * One run: everything it must find read in one round trip, the missing rows
 * written in one more (a follower region bootstraps on a master across the
 * WAN: four round trips with START and COMMIT, whatever the row count).
 */
async function bootstrapOnce(conn: mysql.Connection, o: BootstrapOptions, passwordHash: () => Promise<string>): Promise<Omit<BootstrapResult, 'attempts'>> {
  const snapshot = await store.readBootstrapSnapshot(conn, {
    domainId: DEFAULT_DOMAIN.id,
    projectName: o.projectName,
    roleNames: roleNames(o),
    username: o.username,
    region: o.region,
    serviceTypes: ['identity', ...(o.services ?? []).map((x) => x.type)],
  });
  const plan = planBootstrap(snapshot, o, { newId, passwordHash: snapshot.user ? null : await passwordHash() });
  try {
    await store.batch(conn, plan.writes.map((w) => w.statement));
  } catch (e) {
    if (!isReadOnlyError(e)) throw e;
    // A read-only replica: the master's bootstrap replicates here; nothing planned exists yet.
    return { created: [], skippedReadOnly: plan.writes.flatMap((w) => w.created ?? []), adminUserId: snapshot.user?.id ?? null, adminProjectId: snapshot.project?.id ?? null };
  }
  return { created: plan.writes.flatMap((w) => w.created ?? []), skippedReadOnly: [], adminUserId: plan.adminUserId, adminProjectId: plan.adminProjectId };
}

const roleNames = (o: Pick<BootstrapOptions, 'roleName'>): string[] => [...new Set(['reader', 'member', 'admin', o.roleName])];

/** A write bootstrap plans: its statement, and what it reports as created (none for a statement that only completes another's row). */
export interface PlannedWrite {
  readonly statement: store.Statement;
  readonly created?: string;
}

export interface BootstrapPlan {
  readonly writes: readonly PlannedWrite[];
  readonly adminUserId: string;
  readonly adminProjectId: string;
}

/**
 * The rows missing from `snapshot`, in keystone-manage bootstrap's order:
 * the default domain, the admin project, the roles (admin -> member ->
 * reader implied), the admin user with `roleName` on the project and on
 * the system, the region, then each service (identity first) with its
 * three endpoints in the region; an endpoint at another URL (the site was
 * re-addressed) is replaced. Pure: `newId` names new rows, `passwordHash`
 * is the admin's (needed only when the user is missing).
 */
export function planBootstrap(
  snapshot: store.BootstrapSnapshot,
  o: Pick<BootstrapOptions, 'username' | 'projectName' | 'roleName' | 'serviceName' | 'region' | 'publicUrl' | 'internalUrl' | 'adminUrl' | 'services'>,
  gen: { readonly newId: () => string; readonly passwordHash: string | null },
): BootstrapPlan {
  const writes: PlannedWrite[] = [];
  const add = (statement: store.Statement, created?: string) => writes.push(created === undefined ? { statement } : { statement, created });

  if (!snapshot.defaultDomain) add(store.inserts.domain({ ...DEFAULT_DOMAIN, enabled: true }), 'domain default');
  const projectId = snapshot.project?.id ?? gen.newId();
  if (!snapshot.project) {
    add(store.inserts.project({ id: projectId, name: o.projectName, domain_id: DEFAULT_DOMAIN.id, description: 'Bootstrap project for initializing the cloud.', enabled: true, parent_id: DEFAULT_DOMAIN.id }), `project ${o.projectName}`);
  }
  const roleIds = new Map(snapshot.roles.map((r) => [r.name, r.id]));
  for (const name of roleNames(o)) {
    if (roleIds.has(name)) continue;
    const id = gen.newId();
    roleIds.set(name, id);
    add(store.inserts.role({ id, name, domain_id: null, description: '' }), `role ${name}`);
  }
  const id = (name: string) => roleIds.get(name)!;
  for (const [prior, implied] of [[id('admin'), id('member')], [id('member'), id('reader')]] as const) {
    if (!snapshot.implied.some((r) => r.prior === prior && r.implied === implied)) add(store.inserts.impliedRole(prior, implied));
  }
  let userId = snapshot.user?.id;
  if (userId === undefined) {
    if (gen.passwordHash === null) throw new Error('bootstrap: the admin user is missing and no password hash was made');
    userId = gen.newId();
    add(store.inserts.user({ id: userId, name: o.username, domain_id: DEFAULT_DOMAIN.id, enabled: true, password_hash: gen.passwordHash, default_project_id: null }), `user ${o.username}`);
  }
  for (const [type, target] of [['UserProject', projectId], ['UserSystem', 'system']] as const) {
    const grant = { type, actor_id: userId, target_id: target, role_id: id(o.roleName) };
    if (!snapshot.grants.some((g) => g.type === type && g.target_id === target && g.role_id === grant.role_id)) add(store.inserts.grant(grant));
  }

  if (!snapshot.region) add(store.inserts.region({ id: o.region, description: '', parent_region_id: null }), `region ${o.region}`);
  const services = [
    { type: 'identity', name: o.serviceName, urls: { admin: o.adminUrl, internal: o.internalUrl, public: o.publicUrl } },
    ...(o.services ?? []).map((x) => ({ type: x.type, name: x.name, urls: { admin: x.url, internal: x.url, public: x.url } })),
  ];
  for (const x of services) {
    let serviceId = snapshot.services.find((r) => r.type === x.type)?.id;
    if (serviceId === undefined) {
      serviceId = serviceIdFor(x.type);
      add(store.inserts.service({ id: serviceId, type: x.type, name: x.name, description: '', enabled: true }), `service ${x.name}`);
    }
    for (const iface of ['admin', 'internal', 'public'] as const) {
      const url = x.urls[iface];
      const existing = snapshot.endpoints.filter((e) => e.service_id === serviceId && e.interface === iface);
      if (existing.some((e) => e.url === url)) continue;
      for (const e of existing) add(store.deleteEndpointStatement(e.id));
      add(store.inserts.endpoint({ id: gen.newId(), interface: iface, service_id: serviceId, url, region_id: o.region, enabled: true }), `endpoint ${x.type} ${iface} ${o.region}`);
    }
  }
  return { writes, adminUserId: userId, adminProjectId: projectId };
}
