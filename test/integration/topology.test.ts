// Real containers, real veths and VXLAN, the real relay: bring a two-site
// topology up, measure across it, tear it down, and find nothing left.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quantile } from '../../harness/checks/series.js';
import { newRunId } from '../../harness/engine/run.js';
import { DockerRuntime } from '../../harness/runtime/docker.js';
import { parseScenario } from '../../harness/scenario/load.js';
import { deploy, linkConfig, undeploy, type Deployment } from '../../harness/topology/deploy.js';
import { planTopology } from '../../harness/topology/plan.js';
import { leftovers } from '../support/leftovers.js';

const scenario = parseScenario(
  'two-sites.yaml',
  `
name: two-sites
duration: 1s
sites:
  - { name: east, subnet: 198.18.1.0/24, nodes: [{ name: a }, { name: b }] }
  - { name: west, subnet: 198.18.2.0/24, nodes: [{ name: c }] }
links:
  - { name: wan1, between: [east, west], latency: 20ms }
`,
).scenario;

const runtime = new DockerRuntime();
let d: Deployment;

/** Loss and the median RTT (one stall of this 2-core VM inside a short sample does not decide a median). */
async function ping(from: string, to: string, count = 20): Promise<{ loss: number; median: number }> {
  const r = await runtime.exec(d.containers.get(from)!, ['ping', '-n', '-c', String(count), '-i', '0.05', '-W', '1', to]);
  const loss = Number(/(\d+(?:\.\d+)?)% packet loss/.exec(r.stdout)?.[1] ?? 100);
  const rtts = [...r.stdout.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1])).sort((a, b) => a - b);
  return { loss, median: quantile(rtts, 0.5) };
}

describe('two-site topology on real containers', () => {
  beforeAll(async () => {
    d = await deploy(planTopology(scenario, newRunId()), runtime, { seed: 1 });
  });
  afterAll(async () => {
    if (d) await undeploy(d, runtime);
  });

  it('gives each node its planned address and no default route', async () => {
    const r = await runtime.exec(d.containers.get('east/a')!, ['ip', '-j', 'route']);
    const routes = JSON.parse(r.stdout) as { dst: string }[];
    expect(routes.map((x) => x.dst).sort()).toEqual(['198.18.0.0/16', '198.18.1.0/24']);
    const addr = await runtime.exec(d.containers.get('west/c')!, ['ip', '-j', 'addr', 'show', 'eth0']);
    const eth0 = (JSON.parse(addr.stdout) as { mtu: number; addr_info: { local: string }[] }[])[0]!;
    expect(eth0.addr_info.map((a) => a.local)).toEqual(['198.18.2.2']);
    expect(eth0.mtu).toBe(1450);
  });

  it('reaches a node in the same site directly', async () => {
    const r = await ping('east/a', '198.18.1.3', 5);
    expect(r.loss).toBe(0);
    expect(r.median).toBeLessThan(2);
  });

  it('measures an RTT across a 20 ms link within 10 % of 40 ms (20 ms each way)', async () => {
    const r = await ping('east/a', '198.18.2.2', 40);
    expect(r.loss).toBe(0);
    expect(Math.abs(r.median - 40)).toBeLessThanOrEqual(4);
  });

  it('carries full-size LAN frames across the link (MTU plan)', async () => {
    // 1450 MTU - 28 bytes of IP+ICMP headers, don't fragment.
    const r = await runtime.exec(d.containers.get('east/b')!, ['ping', '-c', '3', '-i', '0.2', '-M', 'do', '-s', '1422', '198.18.2.2']);
    expect(r.exitCode).toBe(0);
  });

  it('partitions one way only, and heals', async () => {
    const link = d.plan.links[0]!;
    await d.relay.set(linkConfig(d.plan, link, { ...link.baseline, down: true }, link.baseline));
    expect((await ping('east/a', '198.18.2.2', 5)).loss).toBe(100);
    const stats = (await d.relay.stats())['wan1']!;
    expect(stats.aToB.droppedDown).toBeGreaterThanOrEqual(5);
    expect(stats.bToA.droppedDown).toBe(0);
    await d.relay.set(linkConfig(d.plan, link, link.baseline, link.baseline));
    expect((await ping('east/a', '198.18.2.2', 5)).loss).toBe(0);
  });

  it('leaves no container or namespace behind after teardown', async () => {
    await undeploy(d, runtime);
    expect(await leftovers(d.plan.runId)).toEqual([]);
  });
});
