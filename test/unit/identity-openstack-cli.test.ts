// What the standard client needs from the identity service's pure parts:
// assignment rows with names (`role assignment list --names`) and the
// catalog entries of the APIs a site serves (`openstack network list`).
import { describe, expect, it } from 'vitest';
import { assignmentView, type NameLookup, type Named } from '../../harness/services/identity/assignments.js';
import { serviceIdFor } from '../../harness/services/identity/bootstrap.js';
import { siteServices } from '../../harness/services/identity/site-services.js';
import type { AssignmentRow } from '../../harness/services/identity/store.js';

const BASE = 'http://198.18.1.2:5000/v3';
const DEFAULT = { id: 'default', name: 'Default' };
const NAMES: Record<string, Named> = {
  'role:r1': { name: 'member' },
  'user:u1': { name: 'alice', domain: DEFAULT },
  'group:g1': { name: 'ops', domain: DEFAULT },
  'project:p1': { name: 'demo', domain: DEFAULT },
  'domain:default': { name: 'Default' },
};
const names: NameLookup = (kind, id) => NAMES[`${kind}:${id}`];
const row = (type: AssignmentRow['type'], actor_id: string, target_id: string): AssignmentRow => ({ type, actor_id, target_id, role_id: 'r1' });

describe('assignmentView', () => {
  it('renders ids only without include_names, as Keystone does', () => {
    expect(assignmentView(row('UserProject', 'u1', 'p1'), BASE, null)).toEqual({
      role: { id: 'r1' },
      user: { id: 'u1' },
      scope: { project: { id: 'p1' } },
      links: { assignment: `${BASE}/projects/p1/users/u1/roles/r1` },
    });
  });

  it('adds names and owning domains for a user on a project (the client prints alice@Default, demo@Default)', () => {
    expect(assignmentView(row('UserProject', 'u1', 'p1'), BASE, names)).toEqual({
      role: { id: 'r1', name: 'member' },
      user: { id: 'u1', name: 'alice', domain: DEFAULT },
      scope: { project: { id: 'p1', name: 'demo', domain: DEFAULT } },
      links: { assignment: `${BASE}/projects/p1/users/u1/roles/r1` },
    });
  });

  it('names a group on a domain, and keeps system scope as all', () => {
    const g = assignmentView(row('GroupDomain', 'g1', 'default'), BASE, names);
    expect(g).toMatchObject({ group: { id: 'g1', name: 'ops', domain: DEFAULT }, scope: { domain: { id: 'default', name: 'Default' } } });
    expect(g.links.assignment).toBe(`${BASE}/domains/default/groups/g1/roles/r1`);
    const s = assignmentView(row('UserSystem', 'u1', 'system'), BASE, names);
    expect(s.scope).toEqual({ system: { all: true } });
    expect(s.links.assignment).toBe(`${BASE}/system/users/u1/roles/r1`);
  });

  it('leaves an id whose row is gone without a name', () => {
    expect(assignmentView(row('UserProject', 'gone', 'p1'), BASE, names)).toMatchObject({ user: { id: 'gone' } });
  });
});

describe('siteServices', () => {
  const none = { address: '198.18.2.2', network: null, compute: null, image: null, volume: null, objectStore: null };

  it('registers nothing when the process serves only identity', () => {
    expect(siteServices(none)).toEqual([]);
  });

  it('registers the network API unversioned (the client discovers /v2.0)', () => {
    expect(siteServices({ ...none, network: 9696 })).toEqual([{ type: 'network', name: 'neutron', url: 'http://198.18.2.2:9696' }]);
  });

  it('registers every API a DR site serves, with the URL shapes the clients expect', () => {
    const all = siteServices({ ...none, network: 9696, compute: 8774, image: 9292, volume: 8776, objectStore: 8080 });
    expect(Object.fromEntries(all.map((s) => [s.type, s.url]))).toEqual({
      network: 'http://198.18.2.2:9696',
      compute: 'http://198.18.2.2:8774/v2.1',
      image: 'http://198.18.2.2:9292',
      volumev3: 'http://198.18.2.2:8776/v3/%(project_id)s',
      'object-store': 'http://198.18.2.2:8080/v1/AUTH_%(project_id)s',
    });
    expect(new Set(all.map((s) => s.type)).size).toBe(all.length);
  });
});

describe('serviceIdFor', () => {
  it('is the same id in every region (concurrent bootstraps collide instead of duplicating a type)', () => {
    expect(serviceIdFor('network')).toBe(serviceIdFor('network'));
    expect(serviceIdFor('network')).toMatch(/^[0-9a-f]{32}$/);
    expect(serviceIdFor('network')).not.toBe(serviceIdFor('compute'));
  });
});
