// The identity service's tables: a subset of Keystone's schema with its
// table names (user, group, project, role, assignment, implied_role,
// user_group_membership, region, service, endpoint, revocation_event,
// token). Differences: domains have their own table (Keystone keeps them as
// projects with is_domain), and the password hash is a column of `user`
// (Keystone: local_user + password).
//
// IDENTITY_SCHEMA is exported so a replicated identity database (Galera
// seed, master of async replicas) can be created with the same statements.
import type mysql from 'mysql2/promise';
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';

/**
 * Reads from one server, writes to another: a Keystone whose local identity
 * database is a read-only replica (star mode, a follower cluster) reads
 * there and writes to a master over the WAN. A write is not read back
 * until replication brings it: that lag is what the revocation check
 * measures in such regions.
 */
export class SplitDb {
  readonly read: mysql.Pool;
  readonly write: mysql.Pool;
  constructor(read: mysql.Pool, write: mysql.Pool) {
    this.read = read;
    this.write = write;
  }
  async end(): Promise<void> {
    await Promise.all([this.read.end(), this.write.end()]);
  }
}

export type Db = mysql.Pool | mysql.Connection | SplitDb;

const reader = (db: Db): mysql.Pool | mysql.Connection => (db instanceof SplitDb ? db.read : db);
/** Where writes go; also where a caller that must read its own writes (bootstrap) reads. */
export const writer = (db: Db): mysql.Pool | mysql.Connection => (db instanceof SplitDb ? db.write : db);

const ID = 'VARCHAR(64) NOT NULL';

export const IDENTITY_SCHEMA: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS domain (
    id ${ID} PRIMARY KEY, name VARCHAR(64) NOT NULL UNIQUE, description TEXT NOT NULL, enabled BOOLEAN NOT NULL,
    seq BIGINT NOT NULL AUTO_INCREMENT UNIQUE
  ) ENGINE=InnoDB`,
  `CREATE TABLE IF NOT EXISTS project (
    id ${ID} PRIMARY KEY, name VARCHAR(64) NOT NULL, domain_id ${ID}, description TEXT NOT NULL, enabled BOOLEAN NOT NULL,
    parent_id VARCHAR(64) NULL, seq BIGINT NOT NULL AUTO_INCREMENT UNIQUE, UNIQUE KEY ixu_project_name_domain_id (domain_id, name)
  ) ENGINE=InnoDB`,
  `CREATE TABLE IF NOT EXISTS user (
    id ${ID} PRIMARY KEY, name VARCHAR(255) NOT NULL, domain_id ${ID}, enabled BOOLEAN NOT NULL, password_hash VARCHAR(255) NULL,
    default_project_id VARCHAR(64) NULL, created_at DATETIME(6) NOT NULL, seq BIGINT NOT NULL AUTO_INCREMENT UNIQUE,
    UNIQUE KEY ixu_user_name_domain_id (domain_id, name)
  ) ENGINE=InnoDB`,
  `CREATE TABLE IF NOT EXISTS \`group\` (
    id ${ID} PRIMARY KEY, name VARCHAR(64) NOT NULL, domain_id ${ID}, description TEXT NOT NULL,
    seq BIGINT NOT NULL AUTO_INCREMENT UNIQUE, UNIQUE KEY ixu_group_name_domain_id (domain_id, name)
  ) ENGINE=InnoDB`,
  `CREATE TABLE IF NOT EXISTS user_group_membership (
    user_id ${ID}, group_id ${ID}, PRIMARY KEY (user_id, group_id), KEY ix_group (group_id)
  ) ENGINE=InnoDB`,
  `CREATE TABLE IF NOT EXISTS role (
    id ${ID} PRIMARY KEY, name VARCHAR(255) NOT NULL, domain_id VARCHAR(64) NOT NULL DEFAULT '<<null>>', description TEXT NOT NULL,
    seq BIGINT NOT NULL AUTO_INCREMENT UNIQUE, UNIQUE KEY ixu_role_name_domain_id (name, domain_id)
  ) ENGINE=InnoDB`,
  `CREATE TABLE IF NOT EXISTS implied_role (
    prior_role_id ${ID}, implied_role_id ${ID}, PRIMARY KEY (prior_role_id, implied_role_id)
  ) ENGINE=InnoDB`,
  `CREATE TABLE IF NOT EXISTS assignment (
    type ENUM('UserProject','GroupProject','UserDomain','GroupDomain','UserSystem','GroupSystem') NOT NULL,
    actor_id ${ID}, target_id ${ID}, role_id ${ID}, inherited BOOLEAN NOT NULL DEFAULT 0,
    seq BIGINT NOT NULL AUTO_INCREMENT UNIQUE,
    PRIMARY KEY (type, actor_id, target_id, role_id, inherited), KEY ix_actor_id (actor_id), KEY ix_target_id (target_id)
  ) ENGINE=InnoDB`,
  `CREATE TABLE IF NOT EXISTS region (
    id VARCHAR(255) NOT NULL PRIMARY KEY, description VARCHAR(255) NOT NULL, parent_region_id VARCHAR(255) NULL,
    seq BIGINT NOT NULL AUTO_INCREMENT UNIQUE
  ) ENGINE=InnoDB`,
  `CREATE TABLE IF NOT EXISTS service (
    id ${ID} PRIMARY KEY, type VARCHAR(255) NOT NULL, name VARCHAR(255) NOT NULL, description TEXT NOT NULL, enabled BOOLEAN NOT NULL,
    seq BIGINT NOT NULL AUTO_INCREMENT UNIQUE
  ) ENGINE=InnoDB`,
  `CREATE TABLE IF NOT EXISTS endpoint (
    id ${ID} PRIMARY KEY, interface VARCHAR(8) NOT NULL, service_id ${ID}, url TEXT NOT NULL, region_id VARCHAR(255) NULL,
    enabled BOOLEAN NOT NULL, seq BIGINT NOT NULL AUTO_INCREMENT UNIQUE, KEY ix_service (service_id)
  ) ENGINE=InnoDB`,
  `CREATE TABLE IF NOT EXISTS revocation_event (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, domain_id VARCHAR(64) NULL, project_id VARCHAR(64) NULL, user_id VARCHAR(64) NULL,
    role_id VARCHAR(64) NULL, audit_id VARCHAR(32) NULL, audit_chain_id VARCHAR(32) NULL, expires_at DATETIME(6) NULL,
    issued_before DATETIME(6) NOT NULL, revoked_at DATETIME(6) NOT NULL,
    KEY ix_audit_id (audit_id), KEY ix_audit_chain_id (audit_chain_id), KEY ix_user_id (user_id), KEY ix_project_id (project_id),
    KEY ix_revoked_at (revoked_at)
  ) ENGINE=InnoDB`,
  `CREATE TABLE IF NOT EXISTS token (
    id VARCHAR(64) NOT NULL PRIMARY KEY, expires DATETIME(6) NOT NULL, extra TEXT NOT NULL, valid BOOLEAN NOT NULL,
    user_id VARCHAR(64) NOT NULL, KEY ix_token_expires (expires), KEY ix_token_user_id (user_id)
  ) ENGINE=InnoDB`,
  `CREATE TABLE IF NOT EXISTS revoked_token (
    id CHAR(64) NOT NULL PRIMARY KEY, expires DATETIME(6) NOT NULL, revoked_at DATETIME(6) NOT NULL, KEY ix_expires (expires)
  ) ENGINE=InnoDB`,
];

export const IDENTITY_TABLES = ['domain', 'project', 'user', 'group', 'user_group_membership', 'role', 'implied_role', 'assignment', 'region', 'service', 'endpoint', 'revocation_event', 'token', 'revoked_token'];

/** Tables missing from the current database (none: nothing to create, which also works on a read-only replica). */
export async function missingTables(db: Db): Promise<string[]> {
  const [rows] = await reader(db).query<RowDataPacket[]>('SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()');
  const have = new Set(rows.map((r) => String(r['TABLE_NAME'])));
  return IDENTITY_TABLES.filter((t) => !have.has(t));
}

/** Creates the missing tables; on a pool the statements run side by side (each DDL waits for its own fsync). */
export async function migrate(db: Db): Promise<void> {
  await Promise.all(IDENTITY_SCHEMA.map((stmt) => writer(db).query(stmt)));
}

// ---------------------------------------------------------------- rows

export interface DomainRow {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly enabled: boolean;
}
export interface ProjectRow {
  readonly id: string;
  readonly name: string;
  readonly domain_id: string;
  readonly description: string;
  readonly enabled: boolean;
  readonly parent_id: string | null;
}
export interface UserRow {
  readonly id: string;
  readonly name: string;
  readonly domain_id: string;
  readonly enabled: boolean;
  readonly password_hash: string | null;
  readonly default_project_id: string | null;
}
export interface GroupRow {
  readonly id: string;
  readonly name: string;
  readonly domain_id: string;
  readonly description: string;
}
export interface RoleRow {
  readonly id: string;
  readonly name: string;
  readonly domain_id: string | null;
  readonly description: string;
}
export interface RegionRow {
  readonly id: string;
  readonly description: string;
  readonly parent_region_id: string | null;
}
export interface ServiceRow {
  readonly id: string;
  readonly type: string;
  readonly name: string;
  readonly description: string;
  readonly enabled: boolean;
}
export interface EndpointRow {
  readonly id: string;
  readonly interface: string;
  readonly service_id: string;
  readonly url: string;
  readonly region_id: string | null;
  readonly enabled: boolean;
}

export type AssignmentType = 'UserProject' | 'GroupProject' | 'UserDomain' | 'GroupDomain' | 'UserSystem' | 'GroupSystem';
export interface AssignmentRow {
  readonly type: AssignmentType;
  readonly actor_id: string;
  readonly target_id: string;
  readonly role_id: string;
}

type Value = string | number | boolean | null | Date;

const s = (r: RowDataPacket, k: string): string => String(r[k]);
const sn = (r: RowDataPacket, k: string): string | null => (r[k] === null || r[k] === undefined ? null : String(r[k]));
const b = (r: RowDataPacket, k: string): boolean => Number(r[k]) !== 0;

/**
 * Every statement gives up after this long (like the MySQL driver's
 * read/write timeouts under oslo.db): a connection opened before a WAN cut
 * otherwise waits forever and the API request hangs instead of getting a
 * 503. Longer than Galera's default suspect_timeout (5 s), during which a
 * commit legitimately waits for the cluster to drop the unreachable members.
 */
export const QUERY_TIMEOUT_MS = 8000;

async function select(db: Db, sql: string, values: readonly Value[] = []): Promise<RowDataPacket[]> {
  const [rows] = await reader(db).query<RowDataPacket[]>({ sql, values: [...values], timeout: QUERY_TIMEOUT_MS });
  return rows;
}
async function exec(db: Db, sql: string, values: readonly Value[] = []): Promise<number> {
  const [res] = await writer(db).query<ResultSetHeader>({ sql, values: [...values], timeout: QUERY_TIMEOUT_MS });
  return res.affectedRows;
}

/** One statement and its values: run alone (`run`) or with others in one round trip (`batch`). */
export interface Statement {
  readonly sql: string;
  readonly values: readonly Value[];
}
const run = (db: Db, st: Statement): Promise<number> => exec(db, st.sql, st.values);

/**
 * Runs statements in one round trip (the connection allows multiple
 * statements, db.ts); the server stops at the first that fails and that
 * error is thrown. One result per statement: rows for a SELECT.
 */
export async function batch(conn: mysql.Connection, stmts: readonly Statement[]): Promise<unknown[]> {
  if (stmts.length === 0) return [];
  const [res] = await conn.query({ sql: stmts.map((st) => st.sql).join(';\n'), values: stmts.flatMap((st) => st.values), timeout: QUERY_TIMEOUT_MS });
  return stmts.length === 1 ? [res] : (res as unknown[]);
}

/** The INSERTs of the rows keystone-manage bootstrap makes, as statements (bootstrap batches them). */
export const inserts = {
  domain: (d: DomainRow): Statement => ({ sql: 'INSERT INTO domain (id, name, description, enabled) VALUES (?, ?, ?, ?)', values: [d.id, d.name, d.description, d.enabled] }),
  project: (p: ProjectRow): Statement => ({
    sql: 'INSERT INTO project (id, name, domain_id, description, enabled, parent_id) VALUES (?, ?, ?, ?, ?, ?)',
    values: [p.id, p.name, p.domain_id, p.description, p.enabled, p.parent_id],
  }),
  user: (u: UserRow): Statement => ({
    sql: 'INSERT INTO user (id, name, domain_id, enabled, password_hash, default_project_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    values: [u.id, u.name, u.domain_id, u.enabled, u.password_hash, u.default_project_id, new Date()],
  }),
  role: (r: RoleRow): Statement => ({ sql: 'INSERT INTO role (id, name, domain_id, description) VALUES (?, ?, ?, ?)', values: [r.id, r.name, r.domain_id ?? NULL_DOMAIN, r.description] }),
  impliedRole: (prior: string, implied: string): Statement => ({ sql: 'INSERT IGNORE INTO implied_role (prior_role_id, implied_role_id) VALUES (?, ?)', values: [prior, implied] }),
  grant: (a: AssignmentRow): Statement => ({
    sql: 'INSERT IGNORE INTO assignment (type, actor_id, target_id, role_id, inherited) VALUES (?, ?, ?, ?, 0)',
    values: [a.type, a.actor_id, a.target_id, a.role_id],
  }),
  region: (r: RegionRow): Statement => ({ sql: 'INSERT INTO region (id, description, parent_region_id) VALUES (?, ?, ?)', values: [r.id, r.description, r.parent_region_id] }),
  service: (r: ServiceRow): Statement => ({ sql: 'INSERT INTO service (id, type, name, description, enabled) VALUES (?, ?, ?, ?, ?)', values: [r.id, r.type, r.name, r.description, r.enabled] }),
  endpoint: (e: EndpointRow): Statement => ({
    sql: 'INSERT INTO endpoint (id, interface, service_id, url, region_id, enabled) VALUES (?, ?, ?, ?, ?, ?)',
    values: [e.id, e.interface, e.service_id, e.url, e.region_id, e.enabled],
  }),
};

/** What bootstrap finds before it creates, read in one round trip. */
export interface BootstrapSnapshot {
  readonly defaultDomain: DomainRow | null;
  readonly project: ProjectRow | null;
  /** Global roles of the names asked. */
  readonly roles: readonly RoleRow[];
  readonly implied: readonly { readonly prior: string; readonly implied: string }[];
  readonly user: UserRow | null;
  /** The user's assignments (none when there is no user). */
  readonly grants: readonly AssignmentRow[];
  readonly region: RegionRow | null;
  /** Services of the types asked, in creation order. */
  readonly services: readonly ServiceRow[];
  /** Endpoints in the region. */
  readonly endpoints: readonly EndpointRow[];
}

export async function readBootstrapSnapshot(
  conn: mysql.Connection,
  q: { readonly domainId: string; readonly projectName: string; readonly roleNames: readonly string[]; readonly username: string; readonly region: string; readonly serviceTypes: readonly string[] },
): Promise<BootstrapSnapshot> {
  const list = (xs: readonly string[]) => (xs.length ? xs.map(() => '?').join(', ') : 'NULL');
  const rows = (await batch(conn, [
    { sql: 'SELECT * FROM domain WHERE id = ?', values: [q.domainId] },
    { sql: 'SELECT * FROM project WHERE domain_id = ? AND name = ?', values: [q.domainId, q.projectName] },
    { sql: `SELECT * FROM role WHERE domain_id = ? AND name IN (${list(q.roleNames)}) ORDER BY seq`, values: [NULL_DOMAIN, ...q.roleNames] },
    { sql: 'SELECT * FROM implied_role', values: [] },
    { sql: 'SELECT * FROM user WHERE domain_id = ? AND name = ?', values: [q.domainId, q.username] },
    { sql: 'SELECT a.* FROM assignment a JOIN user u ON u.id = a.actor_id WHERE u.domain_id = ? AND u.name = ? ORDER BY a.seq', values: [q.domainId, q.username] },
    { sql: 'SELECT * FROM region WHERE id = ?', values: [q.region] },
    { sql: `SELECT * FROM service WHERE type IN (${list(q.serviceTypes)}) ORDER BY seq`, values: [...q.serviceTypes] },
    { sql: 'SELECT * FROM endpoint WHERE region_id = ? ORDER BY seq', values: [q.region] },
  ])) as RowDataPacket[][];
  const [domain, project, roles, implied, user, grants, region, services, endpoints] = rows as [RowDataPacket[], RowDataPacket[], RowDataPacket[], RowDataPacket[], RowDataPacket[], RowDataPacket[], RowDataPacket[], RowDataPacket[], RowDataPacket[]];
  return {
    defaultDomain: domain.map(toDomain)[0] ?? null,
    project: project.map(toProject)[0] ?? null,
    roles: roles.map(toRole),
    implied: implied.map((r) => ({ prior: s(r, 'prior_role_id'), implied: s(r, 'implied_role_id') })),
    user: user.map(toUser)[0] ?? null,
    grants: grants.map(toAssignment),
    region: region.map(toRegion)[0] ?? null,
    services: services.map(toService),
    endpoints: endpoints.map(toEndpoint),
  };
}

const toDomain = (r: RowDataPacket): DomainRow => ({ id: s(r, 'id'), name: s(r, 'name'), description: s(r, 'description'), enabled: b(r, 'enabled') });
const toProject = (r: RowDataPacket): ProjectRow => ({
  id: s(r, 'id'), name: s(r, 'name'), domain_id: s(r, 'domain_id'), description: s(r, 'description'), enabled: b(r, 'enabled'), parent_id: sn(r, 'parent_id'),
});
const toUser = (r: RowDataPacket): UserRow => ({
  id: s(r, 'id'), name: s(r, 'name'), domain_id: s(r, 'domain_id'), enabled: b(r, 'enabled'), password_hash: sn(r, 'password_hash'), default_project_id: sn(r, 'default_project_id'),
});
const toGroup = (r: RowDataPacket): GroupRow => ({ id: s(r, 'id'), name: s(r, 'name'), domain_id: s(r, 'domain_id'), description: s(r, 'description') });
const NULL_DOMAIN = '<<null>>';
const toRole = (r: RowDataPacket): RoleRow => ({ id: s(r, 'id'), name: s(r, 'name'), domain_id: s(r, 'domain_id') === NULL_DOMAIN ? null : s(r, 'domain_id'), description: s(r, 'description') });
const toAssignment = (r: RowDataPacket): AssignmentRow => ({ type: s(r, 'type') as AssignmentType, actor_id: s(r, 'actor_id'), target_id: s(r, 'target_id'), role_id: s(r, 'role_id') });
const toRegion = (r: RowDataPacket): RegionRow => ({ id: s(r, 'id'), description: s(r, 'description'), parent_region_id: sn(r, 'parent_region_id') });
const toService = (r: RowDataPacket): ServiceRow => ({ id: s(r, 'id'), type: s(r, 'type'), name: s(r, 'name'), description: s(r, 'description'), enabled: b(r, 'enabled') });
const toEndpoint = (r: RowDataPacket): EndpointRow => ({
  id: s(r, 'id'), interface: s(r, 'interface'), service_id: s(r, 'service_id'), url: s(r, 'url'), region_id: sn(r, 'region_id'), enabled: b(r, 'enabled'),
});

/** A joined domain `d`'s columns, prefixed so they do not shadow the row's own. */
const DOMAIN_COLUMNS = 'd.id AS d_id, d.name AS d_name, d.description AS d_description, d.enabled AS d_enabled';
const joinedDomain = (r: RowDataPacket): DomainRow | null =>
  r['d_id'] === null ? null : { id: s(r, 'd_id'), name: s(r, 'd_name'), description: s(r, 'd_description'), enabled: b(r, 'd_enabled') };

/** `WHERE a = ? AND b = ?` for the given filters (undefined ones skipped). */
function where(filters: Readonly<Record<string, string | undefined>>): { sql: string; values: string[] } {
  const keys = Object.keys(filters).filter((k) => filters[k] !== undefined);
  return { sql: keys.length ? ` WHERE ${keys.map((k) => `${k} = ?`).join(' AND ')}` : '', values: keys.map((k) => filters[k]!) };
}

// ---------------------------------------------------------------- domains, projects, users, groups

export async function insertDomain(db: Db, d: DomainRow): Promise<void> {
  await run(db, inserts.domain(d));
}
export async function getDomain(db: Db, id: string): Promise<DomainRow | null> {
  return (await select(db, 'SELECT * FROM domain WHERE id = ?', [id])).map(toDomain)[0] ?? null;
}
export async function domainByName(db: Db, name: string): Promise<DomainRow | null> {
  return (await select(db, 'SELECT * FROM domain WHERE name = ?', [name])).map(toDomain)[0] ?? null;
}
export async function listDomains(db: Db, f: { name?: string } = {}): Promise<DomainRow[]> {
  const w = where(f);
  return (await select(db, `SELECT * FROM domain${w.sql} ORDER BY seq`, w.values)).map(toDomain);
}
export async function updateDomain(db: Db, d: DomainRow): Promise<void> {
  await exec(db, 'UPDATE domain SET name = ?, description = ?, enabled = ? WHERE id = ?', [d.name, d.description, d.enabled, d.id]);
}
export async function deleteDomain(db: Db, id: string): Promise<boolean> {
  return (await exec(db, 'DELETE FROM domain WHERE id = ?', [id])) > 0;
}

export async function insertProject(db: Db, p: ProjectRow): Promise<void> {
  await run(db, inserts.project(p));
}
export async function getProject(db: Db, id: string): Promise<ProjectRow | null> {
  return (await select(db, 'SELECT * FROM project WHERE id = ?', [id])).map(toProject)[0] ?? null;
}
/** A project and its domain (null: the domain is gone), one round trip. */
export async function getProjectWithDomain(db: Db, id: string): Promise<{ project: ProjectRow; domain: DomainRow | null } | null> {
  return (await select(db, `SELECT p.*, ${DOMAIN_COLUMNS} FROM project p LEFT JOIN domain d ON d.id = p.domain_id WHERE p.id = ?`, [id])).map((r) => ({ project: toProject(r), domain: joinedDomain(r) }))[0] ?? null;
}
export async function projectByName(db: Db, domainId: string, name: string): Promise<ProjectRow | null> {
  return (await select(db, 'SELECT * FROM project WHERE domain_id = ? AND name = ?', [domainId, name])).map(toProject)[0] ?? null;
}
export async function listProjects(db: Db, f: { name?: string; domain_id?: string } = {}): Promise<ProjectRow[]> {
  const w = where(f);
  return (await select(db, `SELECT * FROM project${w.sql} ORDER BY seq`, w.values)).map(toProject);
}
export async function updateProject(db: Db, p: ProjectRow): Promise<void> {
  await exec(db, 'UPDATE project SET name = ?, description = ?, enabled = ? WHERE id = ?', [p.name, p.description, p.enabled, p.id]);
}
export async function deleteProject(db: Db, id: string): Promise<boolean> {
  return (await exec(db, 'DELETE FROM project WHERE id = ?', [id])) > 0;
}

export async function insertUser(db: Db, u: UserRow): Promise<void> {
  await run(db, inserts.user(u));
}
export async function getUser(db: Db, id: string): Promise<UserRow | null> {
  return (await select(db, 'SELECT * FROM user WHERE id = ?', [id])).map(toUser)[0] ?? null;
}
/** A user and its domain (null: the domain is gone), one round trip. */
export async function getUserWithDomain(db: Db, id: string): Promise<{ user: UserRow; domain: DomainRow | null } | null> {
  return (await select(db, `SELECT u.*, ${DOMAIN_COLUMNS} FROM user u LEFT JOIN domain d ON d.id = u.domain_id WHERE u.id = ?`, [id])).map((r) => ({ user: toUser(r), domain: joinedDomain(r) }))[0] ?? null;
}
export async function userByName(db: Db, domainId: string, name: string): Promise<UserRow | null> {
  return (await select(db, 'SELECT * FROM user WHERE domain_id = ? AND name = ?', [domainId, name])).map(toUser)[0] ?? null;
}
export async function listUsers(db: Db, f: { name?: string; domain_id?: string } = {}): Promise<UserRow[]> {
  const w = where(f);
  return (await select(db, `SELECT * FROM user${w.sql} ORDER BY seq`, w.values)).map(toUser);
}
export async function updateUser(db: Db, u: UserRow): Promise<void> {
  await exec(db, 'UPDATE user SET name = ?, enabled = ?, password_hash = ?, default_project_id = ? WHERE id = ?', [u.name, u.enabled, u.password_hash, u.default_project_id, u.id]);
}
export async function deleteUser(db: Db, id: string): Promise<boolean> {
  await exec(db, 'DELETE FROM user_group_membership WHERE user_id = ?', [id]);
  await exec(db, "DELETE FROM assignment WHERE actor_id = ? AND type IN ('UserProject', 'UserDomain', 'UserSystem')", [id]);
  return (await exec(db, 'DELETE FROM user WHERE id = ?', [id])) > 0;
}

export async function insertGroup(db: Db, g: GroupRow): Promise<void> {
  await exec(db, 'INSERT INTO `group` (id, name, domain_id, description) VALUES (?, ?, ?, ?)', [g.id, g.name, g.domain_id, g.description]);
}
export async function getGroup(db: Db, id: string): Promise<GroupRow | null> {
  return (await select(db, 'SELECT * FROM `group` WHERE id = ?', [id])).map(toGroup)[0] ?? null;
}
export async function listGroups(db: Db, f: { name?: string; domain_id?: string } = {}): Promise<GroupRow[]> {
  const w = where(f);
  return (await select(db, `SELECT * FROM \`group\`${w.sql} ORDER BY seq`, w.values)).map(toGroup);
}
export async function deleteGroup(db: Db, id: string): Promise<boolean> {
  await exec(db, 'DELETE FROM user_group_membership WHERE group_id = ?', [id]);
  await exec(db, "DELETE FROM assignment WHERE actor_id = ? AND type IN ('GroupProject', 'GroupDomain', 'GroupSystem')", [id]);
  return (await exec(db, 'DELETE FROM `group` WHERE id = ?', [id])) > 0;
}
export async function addMember(db: Db, groupId: string, userId: string): Promise<void> {
  await exec(db, 'INSERT IGNORE INTO user_group_membership (user_id, group_id) VALUES (?, ?)', [userId, groupId]);
}
export async function removeMember(db: Db, groupId: string, userId: string): Promise<boolean> {
  return (await exec(db, 'DELETE FROM user_group_membership WHERE user_id = ? AND group_id = ?', [userId, groupId])) > 0;
}
export async function isMember(db: Db, groupId: string, userId: string): Promise<boolean> {
  return (await select(db, 'SELECT 1 FROM user_group_membership WHERE user_id = ? AND group_id = ?', [userId, groupId])).length > 0;
}
export async function usersOfGroup(db: Db, groupId: string): Promise<UserRow[]> {
  return (await select(db, 'SELECT u.* FROM user u JOIN user_group_membership m ON m.user_id = u.id WHERE m.group_id = ? ORDER BY u.seq', [groupId])).map(toUser);
}
export async function groupsOfUser(db: Db, userId: string): Promise<GroupRow[]> {
  return (await select(db, 'SELECT g.* FROM `group` g JOIN user_group_membership m ON m.group_id = g.id WHERE m.user_id = ? ORDER BY g.seq', [userId])).map(toGroup);
}

// ---------------------------------------------------------------- roles and assignments

export async function insertRole(db: Db, r: RoleRow): Promise<void> {
  await run(db, inserts.role(r));
}
export async function getRole(db: Db, id: string): Promise<RoleRow | null> {
  return (await select(db, 'SELECT * FROM role WHERE id = ?', [id])).map(toRole)[0] ?? null;
}
export async function listRoles(db: Db, f: { name?: string } = {}): Promise<RoleRow[]> {
  const w = where(f);
  return (await select(db, `SELECT * FROM role${w.sql} ORDER BY seq`, w.values)).map(toRole);
}
export async function deleteRole(db: Db, id: string): Promise<boolean> {
  await exec(db, 'DELETE FROM assignment WHERE role_id = ?', [id]);
  await exec(db, 'DELETE FROM implied_role WHERE prior_role_id = ? OR implied_role_id = ?', [id, id]);
  return (await exec(db, 'DELETE FROM role WHERE id = ?', [id])) > 0;
}
export async function addImpliedRole(db: Db, prior: string, implied: string): Promise<void> {
  await run(db, inserts.impliedRole(prior, implied));
}

export async function grant(db: Db, a: AssignmentRow): Promise<void> {
  await run(db, inserts.grant(a));
}
export async function revokeGrant(db: Db, a: AssignmentRow): Promise<boolean> {
  return (await exec(db, 'DELETE FROM assignment WHERE type = ? AND actor_id = ? AND target_id = ? AND role_id = ?', [a.type, a.actor_id, a.target_id, a.role_id])) > 0;
}
export async function hasGrant(db: Db, a: AssignmentRow): Promise<boolean> {
  return (await select(db, 'SELECT 1 FROM assignment WHERE type = ? AND actor_id = ? AND target_id = ? AND role_id = ?', [a.type, a.actor_id, a.target_id, a.role_id])).length > 0;
}
export async function listAssignments(db: Db, f: { type?: AssignmentType; actor_id?: string; target_id?: string; role_id?: string } = {}): Promise<AssignmentRow[]> {
  const w = where(f);
  return (await select(db, `SELECT * FROM assignment${w.sql} ORDER BY seq`, w.values)).map(toAssignment);
}
export async function deleteAssignmentsOnTarget(db: Db, targetId: string): Promise<void> {
  await exec(db, 'DELETE FROM assignment WHERE target_id = ?', [targetId]);
}

/**
 * What a user's effective roles on `target` are computed from, in one round
 * trip: the roles granted directly on it to the user or to any group the
 * user belongs to (in grant order), and every implied-role rule with the
 * implied role's name (roles.ts closes over them).
 */
export async function roleGrants(
  db: Db,
  userId: string,
  target: 'Project' | 'Domain' | 'System',
  targetId: string,
): Promise<{ direct: RoleRow[]; implied: { prior: string; role: RoleRow }[] }> {
  const rows = await select(
    db,
    `(SELECT DISTINCT r.*, 0 AS is_implied, NULL AS prior_role_id FROM assignment a JOIN role r ON r.id = a.role_id
       WHERE a.target_id = ? AND a.inherited = 0 AND (
         (a.type = ? AND a.actor_id = ?) OR
         (a.type = ? AND a.actor_id IN (SELECT group_id FROM user_group_membership WHERE user_id = ?))))
     UNION ALL
     (SELECT r.*, 1, ir.prior_role_id FROM implied_role ir JOIN role r ON r.id = ir.implied_role_id)
     ORDER BY is_implied, seq`,
    [targetId, `User${target}`, userId, `Group${target}`, userId],
  );
  const direct: RoleRow[] = [];
  const implied: { prior: string; role: RoleRow }[] = [];
  for (const r of rows) {
    const prior = sn(r, 'prior_role_id');
    if (prior === null) direct.push(toRole(r));
    else implied.push({ prior, role: toRole(r) });
  }
  return { direct, implied };
}

// ---------------------------------------------------------------- catalog

export async function insertRegion(db: Db, r: RegionRow): Promise<void> {
  await run(db, inserts.region(r));
}
export async function getRegion(db: Db, id: string): Promise<RegionRow | null> {
  return (await select(db, 'SELECT * FROM region WHERE id = ?', [id])).map(toRegion)[0] ?? null;
}
export async function listRegions(db: Db): Promise<RegionRow[]> {
  return (await select(db, 'SELECT * FROM region ORDER BY seq')).map(toRegion);
}
export async function deleteRegion(db: Db, id: string): Promise<boolean> {
  return (await exec(db, 'DELETE FROM region WHERE id = ?', [id])) > 0;
}

export async function insertService(db: Db, r: ServiceRow): Promise<void> {
  await run(db, inserts.service(r));
}
export async function getService(db: Db, id: string): Promise<ServiceRow | null> {
  return (await select(db, 'SELECT * FROM service WHERE id = ?', [id])).map(toService)[0] ?? null;
}
export async function listServices(db: Db, f: { type?: string; name?: string } = {}): Promise<ServiceRow[]> {
  const w = where(f);
  return (await select(db, `SELECT * FROM service${w.sql} ORDER BY seq`, w.values)).map(toService);
}
export async function deleteService(db: Db, id: string): Promise<boolean> {
  await exec(db, 'DELETE FROM endpoint WHERE service_id = ?', [id]);
  return (await exec(db, 'DELETE FROM service WHERE id = ?', [id])) > 0;
}

export async function insertEndpoint(db: Db, e: EndpointRow): Promise<void> {
  await run(db, inserts.endpoint(e));
}
export async function getEndpoint(db: Db, id: string): Promise<EndpointRow | null> {
  return (await select(db, 'SELECT * FROM endpoint WHERE id = ?', [id])).map(toEndpoint)[0] ?? null;
}
export async function listEndpoints(db: Db, f: { service_id?: string; region_id?: string; interface?: string } = {}): Promise<EndpointRow[]> {
  const w = where(f);
  return (await select(db, `SELECT * FROM endpoint${w.sql} ORDER BY seq`, w.values)).map(toEndpoint);
}
export async function deleteEndpoint(db: Db, id: string): Promise<boolean> {
  return (await run(db, deleteEndpointStatement(id))) > 0;
}
export const deleteEndpointStatement = (id: string): Statement => ({ sql: 'DELETE FROM endpoint WHERE id = ?', values: [id] });

/** Enabled services with their enabled endpoints, in creation order (one query). */
export async function catalogRows(db: Db): Promise<{ service: ServiceRow; endpoint: EndpointRow | null }[]> {
  const rows = await select(
    db,
    `SELECT s.id AS s_id, s.type AS s_type, s.name AS s_name, s.description AS s_description, s.enabled AS s_enabled,
            e.id AS e_id, e.interface AS e_interface, e.url AS e_url, e.region_id AS e_region_id
     FROM service s LEFT JOIN endpoint e ON e.service_id = s.id AND e.enabled = 1
     WHERE s.enabled = 1 ORDER BY s.seq, e.seq`,
  );
  return rows.map((r) => ({
    service: { id: s(r, 's_id'), type: s(r, 's_type'), name: s(r, 's_name'), description: s(r, 's_description'), enabled: true },
    endpoint:
      r['e_id'] === null
        ? null
        : { id: s(r, 'e_id'), interface: s(r, 'e_interface'), service_id: s(r, 's_id'), url: s(r, 'e_url'), region_id: sn(r, 'e_region_id'), enabled: true },
  }));
}

// ---------------------------------------------------------------- revocation events

export interface EventRow {
  readonly userId: string | null;
  readonly projectId: string | null;
  readonly domainId: string | null;
  readonly roleId: string | null;
  readonly auditId: string | null;
  readonly auditChainId: string | null;
  /** seconds */
  readonly expiresAt: number | null;
  readonly issuedBefore: number;
  readonly revokedAt: number;
}

const secs = (d: unknown): number => (d instanceof Date ? d.getTime() / 1000 : new Date(String(d)).getTime() / 1000);
const date = (seconds: number): Date => new Date(seconds * 1000);

export async function insertEvent(db: Db, e: Partial<EventRow> & { issuedBefore: number; revokedAt: number }): Promise<void> {
  await exec(
    db,
    'INSERT INTO revocation_event (domain_id, project_id, user_id, role_id, audit_id, audit_chain_id, expires_at, issued_before, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    [e.domainId ?? null, e.projectId ?? null, e.userId ?? null, e.roleId ?? null, e.auditId ?? null, e.auditChainId ?? null, e.expiresAt == null ? null : date(e.expiresAt), date(e.issuedBefore), date(e.revokedAt)],
  );
}

/**
 * The events that could revoke a token with these attributes: the cheap
 * pre-filter in SQL (indexed columns), the exact match is revocation.ts.
 */
export async function candidateEvents(
  db: Db,
  t: { userId: string; projectId: string | null; domainIds: readonly string[]; auditId: string; auditChainId: string; issuedAt: number },
): Promise<EventRow[]> {
  const domains = t.domainIds.length ? t.domainIds : [''];
  const rows = await select(
    db,
    `SELECT * FROM revocation_event WHERE issued_before >= ?
       AND (user_id IS NULL OR user_id = ?) AND (project_id IS NULL OR project_id = ?)
       AND (audit_id IS NULL OR audit_id = ?) AND (audit_chain_id IS NULL OR audit_chain_id = ?)
       AND (domain_id IS NULL OR domain_id IN (${domains.map(() => '?').join(', ')}))`,
    [date(t.issuedAt), t.userId, t.projectId ?? '', t.auditId, t.auditChainId, ...domains],
  );
  return rows.map((r) => ({
    userId: sn(r, 'user_id'),
    projectId: sn(r, 'project_id'),
    domainId: sn(r, 'domain_id'),
    roleId: sn(r, 'role_id'),
    auditId: sn(r, 'audit_id'),
    auditChainId: sn(r, 'audit_chain_id'),
    expiresAt: r['expires_at'] === null ? null : secs(r['expires_at']),
    issuedBefore: secs(r['issued_before']),
    revokedAt: secs(r['revoked_at']),
  }));
}

export async function pruneEvents(db: Db, revokedBefore: number): Promise<number> {
  return exec(db, 'DELETE FROM revocation_event WHERE revoked_at < ?', [date(revokedBefore)]);
}

// ---------------------------------------------------------------- persisted tokens (uuid) and the PKI revocation list

export interface TokenRow {
  readonly id: string;
  readonly expires: number;
  readonly extra: string;
  readonly valid: boolean;
  readonly userId: string;
}

export async function insertToken(db: Db, t: TokenRow): Promise<void> {
  await exec(db, 'INSERT INTO token (id, expires, extra, valid, user_id) VALUES (?, ?, ?, ?, ?)', [t.id, date(t.expires), t.extra, t.valid, t.userId]);
}
export async function getToken(db: Db, id: string): Promise<TokenRow | null> {
  const r = (await select(db, 'SELECT * FROM token WHERE id = ?', [id]))[0];
  return r ? { id: s(r, 'id'), expires: secs(r['expires']), extra: s(r, 'extra'), valid: b(r, 'valid'), userId: s(r, 'user_id') } : null;
}
export async function invalidateToken(db: Db, id: string): Promise<void> {
  await exec(db, 'UPDATE token SET valid = 0 WHERE id = ?', [id]);
}
export async function pruneTokens(db: Db, expiredBefore: number): Promise<number> {
  return exec(db, 'DELETE FROM token WHERE expires < ?', [date(expiredBefore)]);
}

export async function insertRevokedToken(db: Db, hash: string, expires: number, revokedAt: number): Promise<void> {
  await exec(db, 'INSERT IGNORE INTO revoked_token (id, expires, revoked_at) VALUES (?, ?, ?)', [hash, date(expires), date(revokedAt)]);
}
export async function listRevokedTokens(db: Db, now: number): Promise<{ id: string; expires: number }[]> {
  return (await select(db, 'SELECT id, expires FROM revoked_token WHERE expires >= ? ORDER BY revoked_at', [date(now)])).map((r) => ({ id: s(r, 'id'), expires: secs(r['expires']) }));
}
