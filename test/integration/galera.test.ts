// Real containers, the real relay: a 3-site Galera cluster (one node per
// site, 10 ms links) brought up from the cached seed, a partition of one
// site and its heal, and an async GTID replica in a 4th site across a cut.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newRunId } from '../../harness/engine/run.js';
import { DockerRuntime } from '../../harness/runtime/docker.js';
import { parseScenario } from '../../harness/scenario/load.js';
import { SqlError, startGalera, type GaleraCluster } from '../../harness/db/galera.js';
import { planStar, startReplica, type AsyncReplica } from '../../harness/db/replica.js';
import { deploy, linkConfig, undeploy, type Deployment } from '../../harness/topology/deploy.js';
import { planTopology } from '../../harness/topology/plan.js';
import { leftovers } from '../support/leftovers.js';

const scenario = parseScenario(
  'galera.yaml',
  `
name: galera-wan
duration: 1s
sites:
  - { name: g1, subnet: 198.18.41.0/24, nodes: [{ name: db, role: controller }] }
  - { name: g2, subnet: 198.18.42.0/24, nodes: [{ name: db, role: controller }] }
  - { name: g3, subnet: 198.18.43.0/24, nodes: [{ name: db, role: controller }] }
  - { name: r4, subnet: 198.18.44.0/24, nodes: [{ name: db, role: controller }] }
links:
  - { name: g1-g2, between: [g1, g2], latency: 10ms }
  - { name: g2-g3, between: [g2, g3], latency: 10ms }
  - { name: g1-g3, between: [g1, g3], latency: 10ms }
  - { name: g1-r4, between: [g1, r4], latency: 10ms }
`,
).scenario;

const SCHEMA = `
CREATE DATABASE keystone CHARACTER SET utf8mb4;
CREATE TABLE keystone.project (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(64) NOT NULL, site VARCHAR(16) NOT NULL);
`;

// The timers under test: failure detection in ~3 s. Bring-up uses its own
// fast timers and then switches to these.
const TIMERS = { 'evs.keepalive_period': 'PT1S', 'evs.suspect_timeout': 'PT3S', 'evs.inactive_timeout': 'PT6S', 'evs.install_timeout': 'PT3S' };

const runtime = new DockerRuntime();
let d: Deployment | undefined;
let cluster: GaleraCluster;
let replica: AsyncReplica;
let deployMs = 0;
let deployStart = 0;

const node = (site: string) => {
  const s = d!.plan.sites.find((x) => x.name === site)!;
  const n = s.nodes[0]!;
  // A controller: its /run/msh is a host dir, where the servers' sockets go.
  return { container: d!.containers.get(n.ref)!, address: n.address, site: s.name, name: s.name, runDir: join(d!.stateDir, 'sites', s.name) };
};

async function setLinks(names: string[], down: boolean): Promise<void> {
  for (const name of names) {
    const l = d!.plan.links.find((x) => x.name === name)!;
    const imp = { ...l.baseline, down };
    await d!.relay.set(linkConfig(d!.plan, l, imp, imp));
  }
}

const count = async (ref: number | string = 0) => Number((await cluster.query(ref, 'SET SESSION wsrep_sync_wait=1; SELECT COUNT(*) FROM keystone.project'))[0]![0]);
const insert = (ref: number, name: string, site: string) => cluster.query(ref, `INSERT INTO keystone.project (name, site) VALUES ('${name}', '${site}')`);
const log = (msg: string) => console.log(`[galera] ${msg}`);

describe('Galera over an emulated WAN, with an async replica', () => {
  beforeAll(async () => {
    deployStart = Date.now();
    d = await deploy(planTopology(scenario, newRunId()), runtime, { seed: 11 });
    deployMs = Date.now() - deployStart;
    cluster = await startGalera(runtime, [node('g1'), node('g2'), node('g3')], { schema: SCHEMA, runId: d.plan.runId, timers: TIMERS });
  });

  afterAll(async () => {
    if (d) await undeploy(d, runtime);
  });

  it('forms a Primary of 3 with every node Synced, from the seed', async () => {
    const t = cluster.timings;
    const primaryAt = t.startedAt + t.primaryMs!;
    log(
      `seed ${t.seeded ? `made in ${t.seedMs.toFixed(0)} ms` : 'cached'}; mariadbd launched ${t.startMs.toFixed(0)} ms, Primary ${t.primaryMs!.toFixed(0)} ms after startGalera(); ` +
        `deploy ${deployMs} ms; first container -> Primary ${primaryAt - deployStart} ms`,
    );
    for (const n of cluster.nodes) {
      const s = await cluster.status(n);
      expect(s).toMatchObject({ clusterStatus: 'Primary', size: 3, ready: true, connected: true, state: 'Synced' });
    }
    // The bring-up timers are gone: the timers under test are in force.
    const p = await cluster.providerOptions(2);
    expect(p['evs.suspect_timeout']).toBe('PT3S');
    expect(p['evs.keepalive_period']).toBe('PT1S');
    expect(p['gmcast.segment']).toBe('2');
    // The host reaches every server through its socket in the node's bind-mounted run dir.
    for (const n of cluster.nodes) expect(n.socket).toBe(join(d!.stateDir, 'sites', n.site, 'db', 'galera', 'mysqld.sock'));
    expect(statSync(cluster.nodes[0]!.socket).isSocket()).toBe(true);
    // No state transfer at bring-up: all started from one seqno.
    expect(await cluster.log(2, 400)).not.toMatch(/wsrep_sst_rsync|Receiving IST/);
  });

  it('reads on node 3 a row written on node 1', async () => {
    await insert(0, 'alpha', 'g1');
    const rows = await cluster.query(2, "SET SESSION wsrep_sync_wait=1; SELECT name, site FROM keystone.project WHERE name='alpha'");
    expect(rows).toEqual([['alpha', 'g1']]);
  });

  it('starts an async GTID replica in a 4th site from the seed, and it gets the rows', async () => {
    const t0 = Date.now();
    replica = await startReplica(runtime, node('r4'), cluster.nodes[0]!, { seed: cluster.seed });
    await insert(1, 'beta', 'g2'); // written on node 2: reaches node 1's binlog via log_slave_updates
    const [[pos] = []] = await cluster.query(0, 'SET SESSION wsrep_sync_wait=1; SELECT @@gtid_binlog_pos');
    const at = await replica.waitGtid(pos!, 10_000);
    log(`replica running ${replica.timings.runningMs!.toFixed(0)} ms after startReplica(); first rows there ${at - t0} ms after it`);
    expect(await replica.query('SELECT name FROM keystone.project ORDER BY id')).toEqual([['alpha'], ['beta']]);
    const s = await replica.status();
    expect(s).toMatchObject({ ioRunning: 'Yes', sqlRunning: 'Yes', lastIoErrno: 0, lastSqlErrno: 0 });
    expect(s.raw['Using_Gtid']).toBe('Slave_Pos');
    expect(Number(s.raw['Connect_Retry'])).toBe(1);
    expect((await replica.query('SELECT @@read_only, @@slave_net_timeout'))[0]).toEqual(['1', '3']);
  });

  it('cuts site g3 off: it goes non-Primary and refuses writes, the majority keeps writing; healed, it rejoins by IST', async () => {
    const before = await count(0);
    const cut = Date.now();
    await setLinks(['g1-g3', 'g2-g3'], true);
    const nonPrimaryAt = await cluster.waitStatus(2, { wsrep_cluster_status: 'non-Primary' }, 30_000);
    const majorityAt = await cluster.waitStatus(0, { wsrep_cluster_status: 'Primary', wsrep_cluster_size: 2 }, 30_000);
    log(`partition: g3 non-Primary ${nonPrimaryAt - cut} ms after the cut; majority Primary of 2 after ${majorityAt - cut} ms`);

    const refused = await insert(2, 'lost', 'g3').then(
      () => null,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(SqlError);
    expect([1047, 1180]).toContain((refused as SqlError).code);

    await insert(0, 'gamma', 'g1');
    await insert(1, 'delta', 'g2');
    expect(await count(1)).toBe(before + 2);

    const heal = Date.now();
    await setLinks(['g1-g3', 'g2-g3'], false);
    await cluster.waitPrimary(30_000);
    log(`heal: all 3 Synced in a Primary of 3 ${Date.now() - heal} ms after the heal`);
    expect(await count(2)).toBe(before + 2);
    const names = (await cluster.query(2, 'SELECT name FROM keystone.project ORDER BY id')).map((r) => r[0]);
    expect(names).toEqual(expect.arrayContaining(['gamma', 'delta']));
    expect(names).not.toContain('lost');
    const g3log = await cluster.log(2, 400);
    expect(g3log).toMatch(/IST received|Receiving IST/);
    expect(g3log).not.toMatch(/wsrep_sst_rsync/);
  });

  it('the replica notices a cut within seconds and catches up after the heal, losing nothing', async () => {
    const cut = Date.now();
    await setLinks(['g1-r4'], true);
    const noticedAt = await replica.waitIo(false, 15_000);
    const s = await replica.status();
    log(`replica: IO thread ${s.ioRunning} ${noticedAt - cut} ms after the cut (last IO error ${s.lastIoErrno}: ${s.lastIoError.slice(0, 80)})`);
    expect(noticedAt - cut).toBeLessThan(8_000);

    for (let i = 0; i < 5; i++) await insert(i % 2, `cut-${i}`, i % 2 ? 'g2' : 'g1');
    const [[pos] = []] = await cluster.query(0, 'SET SESSION wsrep_sync_wait=1; SELECT @@gtid_binlog_pos');

    const heal = Date.now();
    await setLinks(['g1-r4'], false);
    const caughtUp = await replica.waitGtid(pos!, 20_000);
    log(`replica: caught up (${pos}) ${caughtUp - heal} ms after the heal`);
    const master = await cluster.query(0, 'SELECT id, name FROM keystone.project ORDER BY id');
    expect(await replica.query('SELECT id, name FROM keystone.project ORDER BY id')).toEqual(master);
    expect(await replica.status()).toMatchObject({ ioRunning: 'Yes', sqlRunning: 'Yes', lastSqlErrno: 0 });
  });

  it('tears everything down', async () => {
    const runId = d!.plan.runId;
    await undeploy(d!, runtime);
    d = undefined;
    expect(await leftovers(runId)).toEqual([]);
  });
});

describe('star mode plan (no containers)', () => {
  const n = (site: string, i: number) => ({ container: `${site}-${i}`, site });
  it('gives each site two replicas from members in different master sites', () => {
    const masters = [n('a', 1), n('a', 2), n('b', 3), n('b', 4)];
    const pairs = planStar({ masters, replicas: [n('x', 5), n('x', 6), n('y', 7), n('y', 8)] });
    expect(pairs.map((p) => [p.replica.container, masters[p.master]!.container])).toEqual([
      ['x-5', 'a-1'],
      ['x-6', 'b-3'],
      ['y-7', 'a-2'],
      ['y-8', 'b-4'],
    ]);
  });
  it('refuses a site with one replica, a replica in a master site and three master sites', () => {
    expect(() => planStar({ masters: [n('a', 1), n('b', 2)], replicas: [n('x', 3)] })).toThrow(/at least two/);
    expect(() => planStar({ masters: [n('a', 1), n('b', 2)], replicas: [n('a', 3), n('a', 4)] })).toThrow(/master site/);
    expect(() => planStar({ masters: [n('a', 1), n('b', 2), n('c', 3)], replicas: [] })).toThrow(/one or two sites/);
  });
});
