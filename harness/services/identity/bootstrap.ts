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
//
// On a read-only replica nothing can be written: steps that would write are
// reported as skipped (the master's bootstrap replicates here).
import { createHash, randomUUID } from 'node:crypto';
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

async function bootstrapOnce(db: store.Db, o: BootstrapOptions, passwordHash: () => Promise<string>): Promise<Omit<BootstrapResult, 'attempts'>> {
  const created: string[] = [];
  const skipped: string[] = [];

  /**
   * find, else create, else null on a read-only database. A duplicate key
   * (a concurrent creator's row) is thrown: the transaction's snapshot
   * cannot see that row, so the whole transaction runs again.
   */
  async function ensure<T>(what: string, find: () => Promise<T | null>, create: () => Promise<void>): Promise<T | null> {
    const found = await find();
    if (found !== null) return found;
    try {
      await create();
      created.push(what);
    } catch (e) {
      if (isReadOnlyError(e)) {
        skipped.push(what);
        return null;
      }
      throw e;
    }
    return find();
  }
  async function write(what: string, f: () => Promise<void>): Promise<void> {
    try {
      await f();
    } catch (e) {
      if (!isReadOnlyError(e)) throw e;
      skipped.push(what);
    }
  }

  await ensure('domain default', () => store.getDomain(db, DEFAULT_DOMAIN.id), () => store.insertDomain(db, { ...DEFAULT_DOMAIN, enabled: true }));
  const project = await ensure(
    `project ${o.projectName}`,
    () => store.projectByName(db, DEFAULT_DOMAIN.id, o.projectName),
    () => store.insertProject(db, { id: newId(), name: o.projectName, domain_id: DEFAULT_DOMAIN.id, description: 'Bootstrap project for initializing the cloud.', enabled: true, parent_id: DEFAULT_DOMAIN.id }),
  );
  const roleIds = new Map<string, string>();
  for (const name of [...new Set(['reader', 'member', 'admin', o.roleName])]) {
    const r = await ensure(`role ${name}`, () => store.roleByName(db, name), () => store.insertRole(db, { id: newId(), name, domain_id: null, description: '' }));
    if (r) roleIds.set(name, r.id);
  }
  const [admin, member, reader] = [roleIds.get('admin'), roleIds.get('member'), roleIds.get('reader')];
  if (admin && member && reader) {
    await write('implied roles', async () => {
      await store.addImpliedRole(db, admin, member);
      await store.addImpliedRole(db, member, reader);
    });
  }
  const user = await ensure(
    `user ${o.username}`,
    () => store.userByName(db, DEFAULT_DOMAIN.id, o.username),
    async () => {
      await store.insertUser(db, { id: newId(), name: o.username, domain_id: DEFAULT_DOMAIN.id, enabled: true, password_hash: await passwordHash(), default_project_id: null });
    },
  );
  const role = roleIds.get(o.roleName);
  if (user && role) {
    await write('admin assignments', async () => {
      if (project) await store.grant(db, { type: 'UserProject', actor_id: user.id, target_id: project.id, role_id: role });
      await store.grant(db, { type: 'UserSystem', actor_id: user.id, target_id: 'system', role_id: role });
    });
  }

  await ensure(`region ${o.region}`, () => store.getRegion(db, o.region), () => store.insertRegion(db, { id: o.region, description: '', parent_region_id: null }));
  const registerService = async (type: string, name: string, id: string, urls: readonly (readonly ['admin' | 'internal' | 'public', string])[]) => {
    const service = await ensure(
      `service ${name}`,
      async () => (await store.listServices(db, { type }))[0] ?? null,
      () => store.insertService(db, { id, type, name, description: '', enabled: true }),
    );
    if (!service) return;
    for (const [iface, url] of urls) {
      const existing = (await store.listEndpoints(db, { service_id: service.id, region_id: o.region, interface: iface }))[0];
      if (existing && existing.url === url) continue;
      await write(`endpoint ${type} ${iface} ${o.region}`, async () => {
        // bootstrap moves an endpoint whose URL changed (a site re-addressed)
        if (existing) await store.deleteEndpoint(db, existing.id);
        await store.insertEndpoint(db, { id: newId(), interface: iface, service_id: service.id, url, region_id: o.region, enabled: true });
        created.push(`endpoint ${type} ${iface} ${o.region}`);
      });
    }
  };
  await registerService('identity', o.serviceName, serviceIdFor('identity'), [['admin', o.adminUrl], ['internal', o.internalUrl], ['public', o.publicUrl]]);
  for (const x of o.services ?? []) await registerService(x.type, x.name, serviceIdFor(x.type), [['admin', x.url], ['internal', x.url], ['public', x.url]]);
  return { created, skippedReadOnly: skipped, adminUserId: user?.id ?? null, adminProjectId: project?.id ?? null };
}
