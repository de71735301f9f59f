import { describe, expect, it } from 'vitest';
import { planBootstrap, serviceIdFor, DEFAULT_DOMAIN } from '../../harness/services/identity/bootstrap.js';
import type { BootstrapSnapshot, EndpointRow } from '../../harness/services/identity/store.js';

const EMPTY: BootstrapSnapshot = { defaultDomain: null, project: null, roles: [], implied: [], user: null, grants: [], region: null, services: [], endpoints: [] };

const OPTS = {
  username: 'admin',
  projectName: 'admin',
  roleName: 'admin',
  serviceName: 'keystone',
  region: 'east',
  publicUrl: 'http://198.18.1.2:5000/v3',
  internalUrl: 'http://198.18.1.2:5000/v3',
  adminUrl: 'http://198.18.1.2:5000/v3',
  services: [{ type: 'network', name: 'neutron', url: 'http://198.18.1.2:9696' }],
};

function ids() {
  let n = 0;
  return () => `id${++n}`;
}

/** The snapshot a database would hold after `plan`'s rows were written (what the next region's bootstrap reads). */
function after(plan: ReturnType<typeof planBootstrap>, region: string): BootstrapSnapshot {
  const rows = (table: string) => plan.writes.filter((w) => w.statement.sql.startsWith(`INSERT INTO ${table} `) || w.statement.sql.startsWith(`INSERT IGNORE INTO ${table} `)).map((w) => w.statement.values);
  return {
    defaultDomain: { ...DEFAULT_DOMAIN, enabled: true },
    project: { id: plan.adminProjectId, name: 'admin', domain_id: 'default', description: '', enabled: true, parent_id: 'default' },
    roles: rows('role').map((v) => ({ id: String(v[0]), name: String(v[1]), domain_id: null, description: '' })),
    implied: rows('implied_role').map((v) => ({ prior: String(v[0]), implied: String(v[1]) })),
    user: { id: plan.adminUserId, name: 'admin', domain_id: 'default', enabled: true, password_hash: 'h', default_project_id: null },
    grants: rows('assignment').map((v) => ({ type: v[0] as 'UserProject', actor_id: String(v[1]), target_id: String(v[2]), role_id: String(v[3]) })),
    region: null,
    services: rows('service').map((v) => ({ id: String(v[0]), type: String(v[1]), name: String(v[2]), description: '', enabled: true })),
    endpoints: rows('endpoint').filter((v) => v[4] === region).map((v) => ({ id: String(v[0]), interface: String(v[1]), service_id: String(v[2]), url: String(v[3]), region_id: region, enabled: true })),
  };
}

describe('planBootstrap', () => {
  it('on an empty database plans every row in keystone-manage bootstrap order, reporting the rows it creates', () => {
    const p = planBootstrap(EMPTY, OPTS, { newId: ids(), passwordHash: '$scrypt$x' });
    expect(p.writes.flatMap((w) => w.created ?? [])).toEqual([
      'domain default', 'project admin', 'role reader', 'role member', 'role admin', 'user admin', 'region east', 'service keystone',
      'endpoint identity admin east', 'endpoint identity internal east', 'endpoint identity public east',
      'service neutron', 'endpoint network admin east', 'endpoint network internal east', 'endpoint network public east',
    ]);
    expect(p.writes).toHaveLength(19); // + 2 implied-role rules, 2 grants
    const sql = p.writes.map((w) => w.statement);
    // roles id2 reader, id3 member, id4 admin: admin -> member -> reader
    expect(sql.filter((st) => st.sql.includes('implied_role')).map((st) => st.values)).toEqual([['id4', 'id3'], ['id3', 'id2']]);
    expect(sql.filter((st) => st.sql.includes('assignment')).map((st) => st.values)).toEqual([
      ['UserProject', 'id5', 'id1', 'id4'],
      ['UserSystem', 'id5', 'system', 'id4'],
    ]);
    expect(sql.find((st) => st.sql.startsWith('INSERT INTO user '))!.values.slice(0, 5)).toEqual(['id5', 'admin', 'default', true, '$scrypt$x']);
    expect(sql.filter((st) => st.sql.startsWith('INSERT INTO service ')).map((st) => st.values[0])).toEqual([serviceIdFor('identity'), serviceIdFor('network')]);
    expect(p).toMatchObject({ adminUserId: 'id5', adminProjectId: 'id1' });
  });

  it('run again on what it wrote, plans nothing; a second region plans only its region and endpoints, on the shared services', () => {
    const first = planBootstrap(EMPTY, OPTS, { newId: ids(), passwordHash: 'h' });
    const again = planBootstrap({ ...after(first, 'east'), region: { id: 'east', description: '', parent_region_id: null } }, OPTS, { newId: ids(), passwordHash: null });
    expect(again.writes).toEqual([]);
    expect(again).toMatchObject({ adminUserId: first.adminUserId, adminProjectId: first.adminProjectId });

    const west = planBootstrap(after(first, 'west'), { ...OPTS, region: 'west', publicUrl: 'http://198.18.2.2:5000/v3', services: [{ type: 'network', name: 'neutron', url: 'http://198.18.2.2:9696' }] }, { newId: ids(), passwordHash: null });
    expect(west.writes.flatMap((w) => w.created ?? [])).toEqual([
      'region west', 'endpoint identity admin west', 'endpoint identity internal west', 'endpoint identity public west',
      'endpoint network admin west', 'endpoint network internal west', 'endpoint network public west',
    ]);
    expect(west.writes).toHaveLength(7);
    const publicIdentity = west.writes.find((w) => w.created === 'endpoint identity public west')!.statement.values;
    expect(publicIdentity.slice(1, 5)).toEqual(['public', serviceIdFor('identity'), 'http://198.18.2.2:5000/v3', 'west']);
  });

  it('keeps an existing service of the type whatever its id, and replaces an endpoint whose URL moved', () => {
    const endpoints: EndpointRow[] = [
      { id: 'e1', interface: 'admin', service_id: 'svc-n', url: 'http://198.18.1.2:9696', region_id: 'east', enabled: true },
      { id: 'e2', interface: 'internal', service_id: 'svc-n', url: 'http://198.18.1.9:9696', region_id: 'east', enabled: true },
      { id: 'e3', interface: 'public', service_id: 'svc-n', url: 'http://198.18.1.2:9696', region_id: 'east', enabled: true },
    ];
    const first = planBootstrap(EMPTY, OPTS, { newId: ids(), passwordHash: 'h' });
    const snap = { ...after(first, 'none'), region: { id: 'east', description: '', parent_region_id: null }, services: [{ id: 'svc-n', type: 'network', name: 'neutron', description: '', enabled: true }, ...after(first, 'none').services.filter((x) => x.type === 'identity')], endpoints };
    const p = planBootstrap(snap, { ...OPTS, services: OPTS.services }, { newId: ids(), passwordHash: null });
    const network = p.writes.filter((w) => JSON.stringify(w.statement.values).includes('svc-n') || w.statement.sql.startsWith('DELETE'));
    expect(network.map((w) => [w.statement.sql.split(' ')[0], w.created ?? w.statement.values[0]])).toEqual([
      ['DELETE', 'e2'],
      ['INSERT', 'endpoint network internal east'],
    ]);
    expect(p.writes.some((w) => w.statement.sql.startsWith('INSERT INTO service '))).toBe(false);
  });

  it('adds a missing implied-role rule or grant alone; without the user it needs the password hash', () => {
    const first = planBootstrap(EMPTY, OPTS, { newId: ids(), passwordHash: 'h' });
    const full = { ...after(first, 'east'), region: { id: 'east', description: '', parent_region_id: null } };
    const p = planBootstrap({ ...full, implied: full.implied.slice(1), grants: full.grants.slice(0, 1) }, OPTS, { newId: ids(), passwordHash: null });
    expect(p.writes.map((w) => [w.statement.sql.split(' ').slice(0, 4).join(' '), w.statement.values])).toEqual([
      ['INSERT IGNORE INTO implied_role', [full.implied[0]!.prior, full.implied[0]!.implied]],
      ['INSERT IGNORE INTO assignment', ['UserSystem', first.adminUserId, 'system', full.grants[1]!.role_id]],
    ]);
    expect(() => planBootstrap({ ...full, user: null }, OPTS, { newId: ids(), passwordHash: null })).toThrow(/password hash/);
  });
});
