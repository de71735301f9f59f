// Where each Keystone reads and writes, and who replicates from whom, in
// the identity database's star and multi-cluster modes (pure planning).
import { describe, expect, it } from 'vitest';
import { MshError } from '../../harness/scenario/errors.js';
import { parseScenario } from '../../harness/scenario/load.js';
import { planMultiCluster } from '../../harness/db/multi-cluster.js';
import { replicaLayout } from '../../harness/db/replica.js';
import { defaultClusters, identityArgs, planIdentityDb } from '../../harness/topology/identity.js';
import { planTopology } from '../../harness/topology/plan.js';

const SITES = ['east', 'west', 'north', 'south', 'up'];

function scenario(identity: string, n = 4) {
  const sites = SITES.slice(0, n)
    .map((s, i) => `  - { name: ${s}, subnet: 198.18.${i + 1}.0/24, nodes: [{ name: ctl, role: controller }] }`)
    .join('\n');
  const links = SITES.slice(1, n)
    .map((s, i) => `  - { name: l${i}, between: [east, ${s}], latency: 10ms }`)
    .join('\n');
  const s = parseScenario('id.yaml', `name: id\nduration: 1s\nsites:\n${sites}\nlinks:\n${links}\nidentity: ${identity}\n`).scenario;
  return { s, plan: planTopology(s, 'abc123') };
}

/** The loader's messages for an invalid identity block ('' when it loads). */
function problems(identity: string, n = 4): string {
  try {
    scenario(identity, n);
    return '';
  } catch (err) {
    if (!(err instanceof MshError)) throw err;
    return err.issues.map((i) => i.message).join('\n');
  }
}

const addr = (plan: ReturnType<typeof planTopology>, site: string) => plan.sites.find((x) => x.name === site)!.nodes[0]!.address;

describe('star mode plan', () => {
  const { s, plan } = scenario('{ site: east, database: star, masters: [east, west] }');
  const p = planIdentityDb(s.identity!, plan);

  it('puts two replicas in every slave site, one following each master site, on distinct ports', () => {
    expect(p.clusters).toEqual([['east', 'west']]);
    expect(p.replicas).toEqual([
      { site: 'north', slot: 1, port: 3308, masterSite: 'east' },
      { site: 'north', slot: 2, port: 3309, masterSite: 'west' },
      { site: 'south', slot: 1, port: 3308, masterSite: 'east' },
      { site: 'south', slot: 2, port: 3309, masterSite: 'west' },
    ]);
    expect(new Set([1, 2].map((k) => replicaLayout(k).datadir)).size).toBe(2);
  });

  it('gives master sites their Galera member, slave sites a local read replica and a master to write to', () => {
    expect(identityArgs(s, 'east', plan)).toEqual(['--region', 'east', '--token-provider', 'fernet', '--identity-db', 'keystone:keystone-db@127.0.0.1:3307/keystone']);
    expect(identityArgs(s, 'south', plan)).toEqual([
      '--region', 'south', '--token-provider', 'fernet',
      '--identity-db', 'keystone:keystone-db@127.0.0.1:3308/keystone',
      '--identity-db-write', `keystone:keystone-db@${addr(plan, 'east')}:3307/keystone`,
    ]);
  });

  it('defaults the masters to the first two controller sites', () => {
    const d = scenario('{ site: east, database: star }');
    expect(planIdentityDb(d.s.identity!, d.plan).clusters).toEqual([['east', 'west']]);
  });

  it('rejects masters outside the controllers, a star with no slave site, and masters in another mode', () => {
    expect(problems('{ site: east, database: star, masters: [east, nowhere] }')).toMatch(/master "nowhere" is not a site \(sites with a controller: east, west, north, south\)/);
    expect(problems('{ site: east, database: star }', 2)).toMatch(/star mode needs a site outside the master cluster/);
    expect(problems('{ site: east, database: galera, masters: [east] }')).toMatch(/masters is for database: star/);
    expect(problems('{ site: east, database: star, placement: centralized }')).toMatch(/use placement: distributed/);
  });
});

describe('multi-cluster mode plan', () => {
  it('has member 0 of each follower cluster follow the first cluster, members in turn', () => {
    expect(planMultiCluster([2, 2, 1, 3])).toEqual([
      { cluster: 1, member: 0, master: 0 },
      { cluster: 2, member: 0, master: 1 },
      { cluster: 3, member: 0, master: 0 },
    ]);
    expect(() => planMultiCluster([3])).toThrow(/at least two clusters/);
  });

  it('reads locally everywhere; follower clusters write to the member their cluster follows', () => {
    const { s, plan } = scenario('{ site: east, database: multi-cluster, clusters: [[east, west], [north, south]] }');
    const p = planIdentityDb(s.identity!, plan);
    expect(p.follows).toEqual([{ cluster: 1, site: 'north', masterSite: 'east' }]);
    const local = 'keystone:keystone-db@127.0.0.1:3307/keystone';
    expect(p.endpoints['west']).toEqual({ read: local, write: null });
    expect(p.endpoints['south']).toEqual({ read: local, write: `keystone:keystone-db@${addr(plan, 'east')}:3307/keystone` });
    expect(identityArgs(s, 'north', plan)).toContain('--identity-db-write');
    expect(identityArgs(s, 'west', plan)).not.toContain('--identity-db-write');
  });

  it('groups controller sites in consecutive pairs by default', () => {
    expect(defaultClusters(['a', 'b', 'c', 'd', 'e'])).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    const { s, plan } = scenario('{ site: east, database: multi-cluster }', 5);
    expect(planIdentityDb(s.identity!, plan).clusters).toEqual([['east', 'west'], ['north', 'south'], ['up']]);
  });

  it('rejects a site in two clusters, a controller site in none, and too few sites for the default', () => {
    expect(problems('{ site: east, database: multi-cluster, clusters: [[east, west], [west, north, south]] }')).toMatch(/already in cluster 1/);
    expect(problems('{ site: east, database: multi-cluster, clusters: [[east, west], [north]] }')).toMatch(/missing: south/);
    expect(problems('{ site: east, database: multi-cluster }', 2)).toMatch(/at least three/);
  });
});

describe('identity args without a replicated database', () => {
  it('local: the site MariaDB (no --identity-db); galera: the local member for reads and writes', () => {
    const l = scenario('{ site: east }');
    expect(identityArgs(l.s, 'north', l.plan)).toEqual(['--region', 'north', '--token-provider', 'fernet']);
    const g = scenario('{ site: east, database: galera }');
    expect(identityArgs(g.s, 'north', g.plan)).toEqual(['--region', 'north', '--token-provider', 'fernet', '--identity-db', 'keystone:keystone-db@127.0.0.1:3307/keystone']);
  });
});
