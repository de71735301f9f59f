// A DR failover reproduced by hand, as an engineer would: msh up, the site
// APIs behind the auth middleware (401 without a token), Debian's openstack
// client listing servers, volumes and images in the primary region, the primary
// killed, msh dr failover, and the restored servers booted in the backup
// region (read from the run's history). afterAll tears down whatever is left, even after a failure.
import { execa } from 'execa';
import { readFile } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { leftovers } from '../support/leftovers.js';
import { openrcEnv } from '../support/openrc.js';

const msh = (args: string[]) => execa('node', ['bin/msh.js', ...args], { reject: false });

let runId: string | null = null;

describe('DR by hand: msh up, openstack client, msh dr failover', () => {
  afterAll(async () => {
    if (runId !== null && (await leftovers(runId)).length > 0) await msh(['down', runId]);
  });

  it('the APIs refuse requests without a token, the client lists what the VNF runs on, a manual failover restores it in the backup site', async () => {
    const up = await msh(['up', 'fixtures/scenarios/dr-by-hand.yaml']);
    runId = /^run ([0-9a-f]{6})/m.exec(up.stdout)?.[1] ?? null;
    expect(up.exitCode, up.stderr).toBe(0);
    const ns = (site: string) => new RegExp(`^site ${site}: .* router namespace (\\S+)$`, 'm').exec(up.stdout)![1]!;
    const rc = async (site: string) => openrcEnv(await readFile(new RegExp(`^ {2}openrc: (\\S+openrc-${site})\\b`, 'm').exec(up.stdout)![1]!, 'utf8'));
    const openstack = async (site: string, args: string[]) => execa('ip', ['netns', 'exec', ns(site), 'openstack', ...args, '-f', 'json'], { reject: false, env: { ...process.env, ...(await rc(site)) }, extendEnv: false });

    // Behind the auth middleware: no token, no answer.
    const probe = await execa('ip', ['netns', 'exec', ns('primary'), 'python3', '-c', `
import urllib.request, urllib.error
for u in ['http://198.18.1.2:8774/v2.1/servers', 'http://198.18.1.2:8776/v3/p/volumes', 'http://198.18.1.2:9292/v2/images']:
    try:
        print(urllib.request.urlopen(u).status)
    except urllib.error.HTTPError as e:
        print(e.code)
`]);
    expect(probe.stdout.trim().split('\n')).toEqual(['401', '401', '401']);

    const servers = await openstack('primary', ['server', 'list']);
    expect(servers.exitCode, servers.stderr).toBe(0);
    expect((JSON.parse(servers.stdout) as { Name: string; Status: string }[]).map((s) => [s.Name, s.Status]).sort()).toEqual([['app-0', 'ACTIVE'], ['app-1', 'ACTIVE']]);
    const volumes = await openstack('primary', ['volume', 'list']);
    expect(volumes.exitCode, volumes.stderr).toBe(0);
    expect((JSON.parse(volumes.stdout) as { Name: string; Status: string }[]).map((v) => v.Name).sort()).toEqual(['app-0-boot', 'app-0-data', 'app-1-boot', 'app-1-data']);
    const images = await openstack('primary', ['image', 'list']);
    expect(images.exitCode, images.stderr).toBe(0);

    // Replication has had time to ship the VNF's first writes; lose the primary and fail over by hand.
    await new Promise((r) => setTimeout(r, 1500));
    await execa('docker', ['kill', `msh-${runId}-primary-ctl`]);
    const failover = await msh(['dr', 'failover', runId!, '--to', 'backup']);
    expect(failover.exitCode, failover.stdout + failover.stderr).toBe(0);
    expect(failover.stdout).toMatch(/^VNF app restored in backup from replicas: cut \d+\/\d+, serving since /m);
    // The backup region's compute API, through the harness's own socket: the client cannot be used here any more,
    // since every site's auth middleware logs in at the auth URL, in the lost primary (the identity seed's problem).
    const history = (await readFile(`/tmp/msh-runs/${runId}/history.jsonl`, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { process?: string; f?: string; type?: string });
    expect(history.filter((e) => e.process === 'dr@backup' && e.f === 'boot' && e.type === 'ok')).toHaveLength(2);
    expect(history.filter((e) => e.process === 'dr@backup' && e.f === 'attach' && e.type === 'ok')).toHaveLength(2);

    const down = await msh(['down', runId!]);
    expect(down.exitCode).toBe(0);
    expect(await leftovers(runId!)).toEqual([]);
  });
});
