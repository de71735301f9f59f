// Debian's openstack client (python3-openstackclient) against `msh up`, as an
// engineer reproducing by hand would drive it: one bring-up, the openrc the
// run wrote, every command run inside the site's router namespace (the host
// has no route into the topology), each expected to exit 0. Then `msh down`;
// afterAll tears down whatever the test left up, even after a failure.
import { execa } from 'execa';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leftovers } from '../support/leftovers.js';
import { openrcEnv } from '../support/openrc.js';

const SCENARIO = 'fixtures/scenarios/id-openstack-cli.yaml';
const msh = (args: string[]) => execa('node', ['bin/msh.js', ...args], { reject: false });


interface Up {
  runId: string;
  ns: string;
  env: Record<string, string>;
  ms: number;
  stdout: string;
}

let up: Up | null = null;
let runId: string | null = null;

const openstack = (args: string[]) =>
  execa('ip', ['netns', 'exec', up!.ns, 'openstack', ...args], { reject: false, env: { ...process.env, ...up!.env }, extendEnv: false });

describe('openstack client against msh up', () => {
  beforeAll(async () => {
    const t0 = performance.now();
    const r = await msh(['up', SCENARIO]);
    const ms = performance.now() - t0;
    runId = /^run ([0-9a-f]{6})/m.exec(r.stdout)?.[1] ?? null;
    expect(r.exitCode, r.stderr).toBe(0);
    const ns = /^site east: .* router namespace (\S+)$/m.exec(r.stdout)?.[1];
    const rc = /^ {2}openrc: (\S+openrc-east)\b/m.exec(r.stdout)?.[1];
    expect(ns, r.stdout).toBeDefined();
    expect(rc, r.stdout).toBeDefined();
    up = { runId: runId!, ns: ns!, env: openrcEnv(await readFile(rc!, 'utf8')), ms, stdout: r.stdout };
  });

  afterAll(async () => {
    if (runId !== null && (await leftovers(runId)).length > 0) await msh(['down', runId]);
  });

  it('runs the engineer session: every command exits 0', async () => {
    expect(up!.env.OS_AUTH_URL).toMatch(/^http:\/\/198\.18\.\d+\.\d+:5000\/v3$/);
    expect(up!.env.OS_REGION_NAME).toBe('east');
    const t0 = performance.now();
    const token = await openstack(['token', 'issue', '-f', 'value', '-c', 'id']);
    expect(token.exitCode, token.stderr).toBe(0);
    const tokenId = token.stdout.trim();
    expect(tokenId.length).toBeGreaterThan(0);

    const unique = runId!;
    const [project, user, net] = [`p-${unique}`, `u-${unique}`, `n-${unique}`];
    const commands: string[][] = [
      ['catalog', 'list', '-f', 'json'],
      ['region', 'list', '-f', 'value', '-c', 'Region'],
      ['endpoint', 'list', '-f', 'value'],
      ['project', 'create', project],
      ['project', 'list', '-f', 'value', '-c', 'Name'],
      ['user', 'create', '--password', 'secret', user],
      ['user', 'list', '-f', 'value', '-c', 'Name'],
      ['role', 'add', '--project', project, '--user', user, 'member'],
      ['role', 'assignment', 'list', '--user', user, '--names', '-f', 'json'],
      ['service', 'list', '-f', 'value'],
      // found by type among several services: the `?name=` then `?type=` lookups
      ['endpoint', 'create', '--region', 'east', 'network', 'public', 'http://198.18.1.2:9696'],
      ['network', 'create', net],
      ['network', 'list', '-f', 'value', '-c', 'Name'],
      ['subnet', 'create', '--network', net, '--subnet-range', '198.18.210.0/24', `s-${unique}`],
      ['port', 'create', '--network', net, `port-${unique}`],
      ['port', 'list', '-f', 'value', '-c', 'Name'],
      ['port', 'delete', `port-${unique}`],
      ['token', 'revoke', tokenId],
    ];
    const out = new Map<string, string>();
    const failed: string[] = [];
    for (const c of commands) {
      const r = await openstack(c);
      out.set(c.slice(0, 2).join(' '), r.stdout);
      if (r.exitCode !== 0) failed.push(`openstack ${c.join(' ')}: exit ${r.exitCode}: ${r.stderr.trim().split('\n').at(-1)}`);
    }
    const sessionMs = performance.now() - t0;
    console.log(`openstack-cli: msh up ${(up!.ms / 1000).toFixed(1)} s, ${commands.length + 1} openstack commands ${(sessionMs / 1000).toFixed(1)} s`);
    expect(failed).toEqual([]);

    // What the fixes are for: the network service in the region's catalog, names in assignments.
    const catalog = JSON.parse(out.get('catalog list')!) as { Name: string; Type: string }[];
    expect(catalog.map((s) => s.Type).sort()).toEqual(['identity', 'network']);
    expect(JSON.parse(out.get('role assignment')!)).toEqual([expect.objectContaining({ Role: 'member', User: `${user}@Default`, Project: `${project}@Default` })]);
    expect(out.get('network list')!.split('\n')).toContain(net);
    expect(out.get('port list')!.split('\n')).toContain(`port-${unique}`);
    expect(out.get('project list')!.split('\n')).toContain(project);

    // The revoked token no longer authenticates anything.
    const { OS_USERNAME: _u, OS_PASSWORD: _p, OS_USER_DOMAIN_NAME: _d, OS_PROJECT_NAME: _n, OS_PROJECT_DOMAIN_NAME: _pd, ...rest } = up!.env;
    const after = await execa('ip', ['netns', 'exec', up!.ns, 'openstack', 'project', 'list'], {
      reject: false,
      env: { ...process.env, ...rest, OS_AUTH_TYPE: 'token', OS_TOKEN: tokenId },
      extendEnv: false,
    });
    expect(after.exitCode).not.toBe(0);
    // keystoneauth validates the token first: Keystone answers 404 for a revoked one
    expect(after.stderr).toMatch(/Failed to validate token \(HTTP 404\)|HTTP 401/);
  });

  it('from the other region\'s router namespace the auth URL in east answers too (routes sourced from the LAN gateway)', async () => {
    const westNs = up!.ns.replace(/-east$/, '-west');
    const rc = await readFile(`/tmp/msh-runs/${runId!}/openrc-west`, 'utf8');
    const env = openrcEnv(rc);
    expect(env.OS_REGION_NAME).toBe('west');
    expect(env.OS_AUTH_URL).toBe(up!.env.OS_AUTH_URL);
    const westCtl = /^site west:[\s\S]*?\n {2}network: http:\/\/([\d.]+):9696/m.exec(up!.stdout)?.[1];
    expect(westCtl, up!.stdout).toBeDefined();
    const west = (args: string[]) => execa('ip', ['netns', 'exec', westNs, 'openstack', ...args], { reject: false, env: { ...process.env, ...env }, extendEnv: false });
    const token = await west(['token', 'issue', '-f', 'value', '-c', 'id']);
    expect(token.exitCode, token.stderr).toBe(0);
    expect(token.stdout.trim().length).toBeGreaterThan(100);
    // west has no Keystone: its services process registered region west, the
    // central identity endpoint and west's network API in the central catalog,
    // so the client finds each by region and type
    const regions = await west(['region', 'list', '-f', 'value', '-c', 'Region']);
    expect(regions.exitCode, regions.stderr).toBe(0);
    expect(regions.stdout.split('\n').sort()).toEqual(expect.arrayContaining(['east', 'west']));
    const endpoints = await west(['endpoint', 'list', '--region', 'west', '-f', 'json']);
    expect(endpoints.exitCode, endpoints.stderr).toBe(0);
    const rows = JSON.parse(endpoints.stdout) as { 'Service Type': string; Interface: string; URL: string }[];
    expect(rows.map((e) => `${e['Service Type']} ${e.Interface} ${e.URL}`).sort()).toEqual(
      [...['admin', 'internal', 'public'].map((i) => `identity ${i} ${env.OS_AUTH_URL}`), ...['admin', 'internal', 'public'].map((i) => `network ${i} http://${westCtl}:9696`)],
    );
    const nets = await west(['network', 'create', `w-${runId!}`]);
    expect(nets.exitCode, nets.stderr).toBe(0);
    const list = await west(['network', 'list', '-f', 'value', '-c', 'Name']);
    expect(list.exitCode, list.stderr).toBe(0);
    // west's own neutron: its network, not east's
    expect(list.stdout.split('\n')).toContain(`w-${runId!}`);
    expect(list.stdout.split('\n')).not.toContain(`n-${runId!}`);
  });

  it('msh down removes the run', async () => {
    const r = await msh(['down', runId!]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await leftovers(runId!)).toEqual([]);
  });
});
