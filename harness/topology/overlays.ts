// Tenant overlays across sites, built the way the HA seed proposes and only
// through each site's network API: networks and local ports in every site,
// VM interfaces wired to the controller's bridge, then for each port the
// harness reads its VTEP in one site and creates the remote port in the others.
import { execa } from 'execa';
import { checksumInSoftware, inPid } from '../net/ip.js';
import type { Runtime } from '../runtime/runtime.js';
import type { Scenario } from '../scenario/schema.js';
import { NetworkClient, type Port } from '../clients/network.js';
import { bridgeName, tapName } from '../services/network/l2.js';
import { MOUNT } from '../paths.js';
import type { Deployment } from './deploy.js';
import { siteDir } from './deploy.js';
import { type Attachment, vniAt } from './overlay.js';
import { MTU } from './plan.js';

export interface SiteNetwork {
  readonly networkId: string;
  readonly subnetId: string;
}

export interface Overlays {
  readonly clients: ReadonlyMap<string, NetworkClient>; // site -> its network API
  readonly networks: ReadonlyMap<string, SiteNetwork>; // "site/network"
  readonly ports: ReadonlyMap<string, Port>; // "site/node/network": the VM's local port
  readonly remotePorts: number;
}

export interface ServicesOptions {
  readonly arpResponder: boolean;
  /** More options per site (identity). */
  readonly args: (site: string) => readonly string[];
  /** One site at a time: Keystones bootstrapping one shared database must not race. */
  readonly sequential: boolean;
  /** Serve the network API (default true); without it, no network client is returned. */
  readonly network?: boolean;
}

/** Starts each controller's site services and waits for the network API. */
export async function startSiteServices(d: Deployment, runtime: Runtime, opts: ServicesOptions): Promise<Map<string, NetworkClient>> {
  const clients = new Map<string, NetworkClient>();
  const startOne = async (s: Deployment['plan']['sites'][number]) => {
      const ctl = s.nodes.find((n) => n.role === 'controller');
      if (!ctl) return;
      const network = opts.network ?? true;
      const args = ['--site', s.name, '--vtep', ctl.address, ...(network ? [] : ['--no-network']), ...(opts.arpResponder ? [] : ['--no-arp-responder']), ...opts.args(s.name)];
      await runtime.spawn(d.containers.get(ctl.ref)!, ['sh', '-c', `exec node ${MOUNT}/dist/services/main.js ${args.join(' ')} >>/run/msh/services.out 2>&1`]);
      if (!network) return;
      const client = new NetworkClient({ socketPath: `${await siteDir(d.stateDir, s.name)}/network.sock` });
      await client.waitReady(30_000);
      clients.set(s.name, client);
  };
  if (opts.sequential) for (const s of d.plan.sites) await startOne(s);
  else await Promise.all(d.plan.sites.map(startOne));
  return clients;
}

export async function buildOverlays(s: Scenario, d: Deployment, runtime: Runtime, attachments: readonly Attachment[], clients: ReadonlyMap<string, NetworkClient>): Promise<Overlays> {
  const networks = new Map<string, SiteNetwork>();
  for (const n of s.networks) {
    await Promise.all(
      n.sites.map(async (site) => {
        const api = clients.get(site)!;
        const net = await api.createNetwork({ name: n.name, 'provider:network_type': 'vxlan', 'provider:segmentation_id': vniAt(n, site) });
        const sub = await api.createSubnet({ network_id: net.id, cidr: n.cidr, ip_version: 4, name: `${n.name}-v4`, gateway_ip: null, enable_dhcp: false });
        networks.set(`${site}/${n.name}`, { networkId: net.id, subnetId: sub.id });
      }),
    );
  }

  const ports = new Map<string, Port>();
  const pid = async (ref: string) => runtime.pid(d.containers.get(ref)!);
  for (const a of attachments) {
    const net = networks.get(`${a.site}/${a.network}`)!;
    const port = await clients.get(a.site)!.createPort({
      network_id: net.networkId,
      name: `${a.ref}-${a.network}`,
      fixed_ips: [{ subnet_id: net.subnetId, ip_address: a.address }],
      device_owner: 'compute:nova',
      device_id: a.ref,
      'binding:host_id': a.site,
    });
    ports.set(`${a.ref}/${a.network}`, port);
    const ctl = d.plan.sites.find((x) => x.name === a.site)!.nodes.find((n) => n.role === 'controller')!;
    const [ctlPid, vmPid] = await Promise.all([pid(ctl.ref), pid(a.ref)]);
    const tap = tapName(port.id);
    await execa('ip', ['link', 'add', tap, 'netns', String(ctlPid), 'type', 'veth', 'peer', 'name', a.dev, 'netns', String(vmPid)]);
    await inPid(ctlPid, [`link set ${tap} master ${bridgeName(net.networkId)} mtu ${MTU.overlay} up`]);
    await inPid(vmPid, [`link set ${a.dev} address ${port.mac_address} mtu ${MTU.overlay} up`, `addr add ${a.address}/${a.prefix} dev ${a.dev}`]);
    await Promise.all([checksumInSoftware(ctlPid, tap), checksumInSoftware(vmPid, a.dev)]);
  }

  // The seed's procedure: read the port's VTEP in its own site, create the fake remote port elsewhere.
  let remotePorts = 0;
  for (const a of attachments) {
    const n = s.networks.find((x) => x.name === a.network)!;
    const local = await clients.get(a.site)!.getPort(ports.get(`${a.ref}/${a.network}`)!.id);
    for (const other of n.sites.filter((x) => x !== a.site)) {
      const net = networks.get(`${other}/${a.network}`)!;
      await clients.get(other)!.createRemotePort({
        network_id: net.networkId,
        mac_address: local.mac_address,
        fixed_ips: local.fixed_ips.map((f) => ({ subnet_id: net.subnetId, ip_address: f.ip_address })),
        tunnel_ip: String(local['binding:vtep_ip']),
        host: a.site,
        name: `remote-${a.ref}-${a.network}`,
        device_id: a.ref,
      });
      remotePorts += 1;
    }
  }
  return { clients, networks, ports, remotePorts };
}
