// The site services process on the real thing: a controller container from
// msh/base:current (MariaDB, iproute2, node), wired with an eth0 on
// 198.18.1.2/24, running dist/services/main.js; driven through the typed
// client over the bind-mounted unix socket; kernel state read back with
// `bridge -j fdb` and `ip -j neigh` inside the container.
//
// Runs the compiled code: build first (npx tsc -p tsconfig.json).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIST, MOUNT } from '../../harness/paths.js';
import { DockerRuntime } from '../../harness/runtime/docker.js';
import { NetworkClient, NeutronClientError, type Network, type Port, type Subnet } from '../../harness/clients/network.js';
import { bridgeName } from '../../harness/services/network/l2.js';
import { startTestController, type TestController } from '../support/controller.js';

const VTEP = '198.18.1.2';
const REMOTE_A = '198.18.2.2';
const REMOTE_B = '198.18.3.2';
const FLOOD = '00:00:00:00:00:00';

const runtime = new DockerRuntime();
const tag = randomBytes(3).toString('hex');
const name = `msh-test-netapi-${tag}`; // container and the namespace holding eth0's peer
const runDir = mkdtempSync('/tmp/msh-test-netapi-');
const socket = join(runDir, 'network.sock');
const client = new NetworkClient({ socketPath: socket });

let controller: TestController | undefined;
let startMs = NaN;

interface FdbJson {
  mac: string;
  dst?: string;
  master?: string;
  flags?: string[];
}
interface NeighJson {
  dst: string;
  lladdr?: string;
  state?: string[];
}

async function inside(cmd: readonly string[]): Promise<string> {
  const r = await runtime.exec(name, cmd);
  if (r.exitCode !== 0) throw new Error(`${cmd.join(' ')} in ${name}: exit ${r.exitCode}: ${r.stderr}`);
  return r.stdout;
}

async function jsonInside<T>(cmd: readonly string[]): Promise<T> {
  const out = (await inside(cmd)).trim();
  return (out === '' ? [] : JSON.parse(out)) as T;
}

/** The vxlan device's own remote entries as "mac>dst", sorted. */
async function fdb(dev = 'vxlan-5001'): Promise<string[]> {
  const all = await jsonInside<FdbJson[]>(['bridge', '-j', 'fdb', 'show', 'dev', dev]);
  return all
    .filter((e) => e.dst !== undefined && e.master === undefined)
    .map((e) => `${e.mac}>${e.dst}`)
    .sort();
}

async function neigh(dev = 'vxlan-5001'): Promise<string[]> {
  const all = await jsonInside<NeighJson[]>(['ip', '-4', '-j', 'neigh', 'show', 'dev', dev]);
  return all.map((n) => `${n.dst}=${n.lladdr ?? '?'}${n.state?.includes('PERMANENT') ? '' : ' (not permanent)'}`).sort();
}

async function linkInfo(dev: string): Promise<{ mtu: number; master?: string; flags: string[]; linkinfo?: { info_kind: string; info_data?: Record<string, unknown> } } | null> {
  const r = await runtime.exec(name, ['ip', '-j', '-d', 'link', 'show', dev]);
  if (r.exitCode !== 0) return null;
  return (JSON.parse(r.stdout) as { mtu: number; master?: string; flags: string[]; linkinfo?: { info_kind: string; info_data?: Record<string, unknown> } }[])[0] ?? null;
}

async function startServices(): Promise<void> {
  await execa('docker', ['exec', '-d', name, 'node', `${MOUNT}/dist/services/main.js`, '--site', 'east', '--vtep', VTEP]);
}

function servicesPid(): number | null {
  const f = join(runDir, 'services.pid');
  return existsSync(f) ? Number(readFileSync(f, 'utf8').trim()) : null;
}

async function waitFor(what: string, cond: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A raw request, to see the exact body shape the client turns into an error. */
function raw(method: string, path: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, method, path }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) as unknown }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function expectNeutronError(p: Promise<unknown>, status: number, type: string): Promise<NeutronClientError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(NeutronClientError);
  const e = err as NeutronClientError;
  expect({ status: e.status, type: e.type }).toEqual({ status, type });
  return e;
}

describe('site network API on a real controller container', () => {
  let net: Network;
  let subnet: Subnet;
  let local: Port;
  let remote: Port;

  beforeAll(async () => {
    if (!existsSync(join(DIST, 'services', 'main.js'))) throw new Error('dist/services/main.js missing: run npx tsc -p tsconfig.json first');
    const t0 = performance.now();
    controller = await startTestController(runtime, name, 'network-api', runDir, VTEP);
    await startServices();
    await client.waitReady(60_000, 20);
    startMs = performance.now() - t0;
    console.log(`services process: container create -> network API answering: ${startMs.toFixed(0)} ms`);
  });

  afterAll(async () => {
    await controller?.remove();
    rmSync(runDir, { recursive: true, force: true });
  });

  it('starts MariaDB and answers within seconds', () => {
    expect(startMs).toBeLessThan(15_000);
    const log = readFileSync(join(runDir, 'services.log'), 'utf8');
    expect(log).toMatch(/mariadb started \(pid \d+\)/);
    expect(log).toMatch(/services ready in \d+ ms/);
  });

  it('creates a VXLAN network: Neutron attributes, bridge brq<id[:11]> and vxlan-5001 in the kernel', async () => {
    net = await client.createNetwork({ name: 'ha-backup', 'provider:network_type': 'vxlan', 'provider:segmentation_id': 5001 });
    expect(net).toMatchObject({ name: 'ha-backup', status: 'ACTIVE', mtu: 1400, 'provider:network_type': 'vxlan', 'provider:segmentation_id': 5001, admin_state_up: true });
    expect(net.id).toMatch(/^[0-9a-f-]{36}$/);

    const vx = await linkInfo('vxlan-5001');
    expect(vx?.linkinfo?.info_kind).toBe('vxlan');
    expect(vx?.linkinfo?.info_data).toMatchObject({ id: 5001, local: VTEP, port: 4789, link: 'eth0', learning: false, proxy: true });
    expect(vx?.master).toBe(bridgeName(net.id));
    expect(vx?.mtu).toBe(1400);
    expect(vx?.flags).toContain('UP');
    const br = await linkInfo(bridgeName(net.id));
    expect(br?.linkinfo?.info_kind).toBe('bridge');
    expect(br?.mtu).toBe(1400);

    subnet = await client.createSubnet({ network_id: net.id, cidr: '10.10.0.0/24', ip_version: 4, name: 'backup' });
    expect(subnet).toMatchObject({ cidr: '10.10.0.0/24', gateway_ip: '10.10.0.1', allocation_pools: [{ start: '10.10.0.2', end: '10.10.0.254' }], ip_version: 4 });
    expect((await client.getNetwork(net.id)).subnets).toEqual([subnet.id]);
    expect((await client.listNetworks()).map((n) => n.id)).toEqual([net.id]);
  });

  it("gives a local port a generated fa:16:3e MAC, an address, and the site's VTEP", async () => {
    local = await client.createPort({ network_id: net.id, name: 'vm-a', device_owner: 'compute:nova', device_id: 'vm-a', 'binding:host_id': 'controller-east' });
    expect(local.mac_address).toMatch(/^fa:16:3e(:[0-9a-f]{2}){3}$/);
    expect(local.fixed_ips).toEqual([{ subnet_id: subnet.id, ip_address: '10.10.0.2' }]);
    expect(local['binding:vtep_ip']).toBe(VTEP);
    expect(local.status).toBe('ACTIVE');
    // A local port programs nothing on the vxlan device.
    expect(await fdb()).toEqual([]);
  });

  it('creates a remote port: MAC and flooding entries to its VTEP, ARP proxy entry for its IP', async () => {
    remote = await client.createRemotePort({ network_id: net.id, mac_address: 'fa:16:3e:00:20:02', fixed_ips: [{ ip_address: '10.10.0.20' }], tunnel_ip: REMOTE_A, host: 'west', name: 'vm-b@west' });
    expect(remote).toMatchObject({
      device_owner: 'compute:remote',
      'binding:vtep_ip': REMOTE_A,
      'binding:host_id': 'west',
      'binding:profile': { type: 'remote', tunnel_ip: REMOTE_A, host: 'west' },
      fixed_ips: [{ subnet_id: subnet.id, ip_address: '10.10.0.20' }],
      status: 'ACTIVE',
    });
    expect(await fdb()).toEqual([`${FLOOD}>${REMOTE_A}`, `fa:16:3e:00:20:02>${REMOTE_A}`]);
    expect(await neigh()).toEqual(['10.10.0.20=fa:16:3e:00:20:02']);

    expect((await client.listPorts({ network_id: net.id })).map((p) => p.id).sort()).toEqual([local.id, remote.id].sort());
    const remotes = await client.listPorts({ device_owner: 'compute:remote' });
    expect(remotes.map((p) => [p.id, p['binding:vtep_ip']])).toEqual([[remote.id, REMOTE_A]]);
    expect((await client.listPorts({ fixed_ips: 'ip_address=10.10.0.20' })).map((p) => p.id)).toEqual([remote.id]);
    expect((await client.getPort(remote.id))['binding:vtep_ip']).toBe(REMOTE_A);
  });

  it("moves the entries when the remote port's tunnel_ip changes", async () => {
    const moved = await client.updatePort(remote.id, { 'binding:profile': { type: 'remote', tunnel_ip: REMOTE_B, host: 'north' } });
    expect(moved['binding:vtep_ip']).toBe(REMOTE_B);
    expect(moved['binding:host_id']).toBe('north');
    expect(moved.revision_number).toBe(remote.revision_number + 1);
    expect(await fdb()).toEqual([`${FLOOD}>${REMOTE_B}`, `fa:16:3e:00:20:02>${REMOTE_B}`]);
    expect(await neigh()).toEqual(['10.10.0.20=fa:16:3e:00:20:02']);
  });

  it('reprograms a changed MAC and fixed IP, removing the old entries', async () => {
    remote = await client.updatePort(remote.id, { mac_address: 'fa:16:3e:00:20:03', fixed_ips: [{ subnet_id: subnet.id, ip_address: '10.10.0.21' }] });
    expect(remote.fixed_ips).toEqual([{ subnet_id: subnet.id, ip_address: '10.10.0.21' }]);
    expect(await fdb()).toEqual([`${FLOOD}>${REMOTE_B}`, `fa:16:3e:00:20:03>${REMOTE_B}`]);
    expect(await neigh()).toEqual(['10.10.0.21=fa:16:3e:00:20:03']);

    // Admin down takes it out of L2 population; admin up puts it back.
    expect((await client.updatePort(remote.id, { admin_state_up: false })).status).toBe('DOWN');
    expect(await fdb()).toEqual([]);
    expect(await neigh()).toEqual([]);
    expect((await client.updatePort(remote.id, { admin_state_up: true })).status).toBe('ACTIVE');
    expect(await fdb()).toEqual([`${FLOOD}>${REMOTE_B}`, `fa:16:3e:00:20:03>${REMOTE_B}`]);
    expect(await neigh()).toEqual(['10.10.0.21=fa:16:3e:00:20:03']);
  });

  it('keeps a shared flooding entry until the last remote port on that VTEP goes', async () => {
    const other = await client.createRemotePort({ network_id: net.id, mac_address: 'fa:16:3e:00:20:04', fixed_ips: [{ ip_address: '10.10.0.22' }], tunnel_ip: REMOTE_B, host: 'north' });
    expect(await fdb()).toEqual([`${FLOOD}>${REMOTE_B}`, `fa:16:3e:00:20:03>${REMOTE_B}`, `fa:16:3e:00:20:04>${REMOTE_B}`]);

    await client.deletePort(remote.id);
    expect(await fdb()).toEqual([`${FLOOD}>${REMOTE_B}`, `fa:16:3e:00:20:04>${REMOTE_B}`]);
    expect(await neigh()).toEqual(['10.10.0.22=fa:16:3e:00:20:04']);

    await client.deletePort(other.id);
    expect(await fdb()).toEqual([]);
    expect(await neigh()).toEqual([]);
    await expectNeutronError(client.getPort(remote.id), 404, 'PortNotFound');
  });

  it("answers errors in Neutron's shape", async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    expect(await raw('GET', `/v2.0/ports/${missing}`)).toEqual({
      status: 404,
      body: { NeutronError: { type: 'PortNotFound', message: `Port ${missing} could not be found.`, detail: '' } },
    });
    const e = await expectNeutronError(client.getPort(missing), 404, 'PortNotFound');
    expect(e.message).toContain(missing);
    await expectNeutronError(client.getNetwork(missing), 404, 'NetworkNotFound');
    await expectNeutronError(client.createPort({ network_id: missing }), 404, 'NetworkNotFound');
    await expectNeutronError(client.createNetwork({ 'provider:segmentation_id': 5001 }), 409, 'TunnelIdInUse');
    await expectNeutronError(client.createPort({ network_id: net.id, mac_address: local.mac_address }), 409, 'MacAddressInUse');
    await expectNeutronError(client.createPort({ network_id: net.id, fixed_ips: [{ ip_address: '10.10.0.2' }] }), 409, 'IpAddressAlreadyAllocated');
    await expectNeutronError(client.createPort({ network_id: net.id, fixed_ips: [{ ip_address: '10.99.0.2' }] }), 400, 'InvalidIpForNetwork');
    await expectNeutronError(client.createPort({ network_id: net.id, 'binding:profile': { type: 'remote', tunnel_ip: 'nowhere', host: 'west' } }), 400, 'HTTPBadRequest');
    await expectNeutronError(client.createPort({ network_id: net.id, 'binding:profile': { type: 'remote', tunnel_ip: VTEP, host: 'west' } }), 400, 'HTTPBadRequest');
    await expectNeutronError(client.deleteNetwork(net.id), 409, 'NetworkInUse');
    await expectNeutronError(client.deleteSubnet(subnet.id), 409, 'SubnetInUse');
    expect(await raw('GET', '/v2.0/nothing')).toMatchObject({ status: 404, body: { NeutronError: { type: 'HTTPNotFound' } } });
    // Nothing above touched the kernel.
    expect(await fdb()).toEqual([]);
  });

  it('also serves on TCP 9696 inside the container, and logs one line per request', async () => {
    const out = await inside(['node', '-e', "fetch('http://127.0.0.1:9696/v2.0/networks').then(r => r.json()).then(j => console.log(JSON.stringify(j)))"]);
    expect((JSON.parse(out) as { networks: { id: string }[] }).networks.map((n) => n.id)).toEqual([net.id]);
    const log = readFileSync(join(runDir, 'services.log'), 'utf8');
    expect(log).toMatch(/network POST \/v2\.0\/ports 201 [\d.]+ms unix/);
    expect(log).toMatch(/network GET \/v2\.0\/networks 200 [\d.]+ms 127\.0\.0\.1:\d+/);
  });

  it('refuses a second instance and leaves the running one alone', async () => {
    const r = await runtime.exec(name, ['node', `${MOUNT}/dist/services/main.js`, '--site', 'east', '--vtep', VTEP]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/already running/);
    expect(existsSync(socket)).toBe(true);
    expect((await client.listNetworks()).map((n) => n.id)).toEqual([net.id]);
  });

  it('reports an unknown option as usage (exit 2), not as a stack trace', async () => {
    const r = await runtime.exec(name, ['node', `${MOUNT}/dist/services/main.js`, '--site', 'east', '--bogus']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^Unknown option '--bogus'.*\nusage: node dist\/services\/main\.js --site NAME/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('survives a restart of the service process: resources kept, kernel reconciled from the database', async () => {
    remote = await client.createRemotePort({ network_id: net.id, mac_address: 'fa:16:3e:00:30:01', fixed_ips: [{ ip_address: '10.10.0.30' }], tunnel_ip: REMOTE_A, host: 'west' });
    const before = { networks: await client.listNetworks(), ports: await client.listPorts() };

    const pid = servicesPid();
    expect(pid).not.toBeNull();
    await inside(['kill', '-TERM', String(pid)]);
    await waitFor('the services process to exit', async () => (await runtime.exec(name, ['test', '-e', `/proc/${pid}`])).exitCode !== 0);
    expect(existsSync(socket)).toBe(false);
    expect(readFileSync(join(runDir, 'services.log'), 'utf8')).toMatch(/services stopped/);

    // While it is down, the kernel drifts: the bridge goes, an entry goes, a stale one appears.
    await inside(['ip', 'link', 'del', bridgeName(net.id)]);
    await inside(['bridge', 'fdb', 'del', 'fa:16:3e:00:30:01', 'dev', 'vxlan-5001', 'dst', REMOTE_A, 'self']);
    await inside(['ip', 'neigh', 'del', '10.10.0.30', 'dev', 'vxlan-5001']);
    await inside(['bridge', 'fdb', 'append', FLOOD, 'dev', 'vxlan-5001', 'dst', '198.18.9.9']);

    const t0 = performance.now();
    await startServices();
    await client.waitReady(30_000, 20);
    console.log(`services process restart (database already running) -> answering: ${(performance.now() - t0).toFixed(0)} ms`);

    expect(await client.listNetworks()).toEqual(before.networks);
    expect(await client.listPorts()).toEqual(before.ports);
    expect((await linkInfo('vxlan-5001'))?.master).toBe(bridgeName(net.id));
    expect((await linkInfo(bridgeName(net.id)))?.flags).toContain('UP');
    expect(await fdb()).toEqual([`${FLOOD}>${REMOTE_A}`, `fa:16:3e:00:30:01>${REMOTE_A}`]);
    expect(await neigh()).toEqual(['10.10.0.30=fa:16:3e:00:30:01']);
    const log = readFileSync(join(runDir, 'services.log'), 'utf8');
    expect(log).toMatch(/mariadb already running/);

    // SIGKILL leaves a stale socket and pid file behind: the next start copes.
    const pid2 = servicesPid();
    await inside(['kill', '-KILL', String(pid2)]);
    await waitFor('the services process to die', async () => (await runtime.exec(name, ['test', '-e', `/proc/${pid2}`])).exitCode !== 0);
    await startServices();
    await waitFor('a new pid file', async () => servicesPid() !== pid2);
    await client.waitReady(30_000, 20);
    expect(await client.listPorts()).toEqual(before.ports);

    // And it still programs: the restored state is the one it counts from.
    await client.deletePort(remote.id);
    expect(await fdb()).toEqual([]);
  });

  it('deletes the network and its devices', async () => {
    await client.deletePort(local.id);
    await client.deleteNetwork(net.id);
    await expectNeutronError(client.getSubnet(subnet.id), 404, 'SubnetNotFound');
    expect(await client.listNetworks()).toEqual([]);
    expect(await linkInfo('vxlan-5001')).toBeNull();
    expect(await linkInfo(bridgeName(net.id))).toBeNull();
  });
});
