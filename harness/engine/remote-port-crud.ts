// The remote-port workload: the harness itself drives the site's network API
// through create, show, update (move to another VTEP) and delete of a fake
// remote port, and after each step reads the controller's kernel state: the
// port's FDB entry, the flooding entry to its VTEP, the ARP-proxy entry.
import { now, type History } from '../observe/history.js';
import type { Runtime } from '../runtime/runtime.js';
import { host, parseCidr } from '../scenario/cidr.js';
import type { Scenario, WorkloadSpec } from '../scenario/schema.js';
import { vxlanName } from '../services/network/l2.js';
import type { Deployment } from '../topology/deploy.js';
import type { Overlays } from '../topology/overlays.js';
import { vniAt } from '../topology/overlay.js';

type CrudSpec = Extract<WorkloadSpec, { kind: 'remote-port-crud' }>;

interface Observed {
  readonly mac: boolean;
  readonly flood: boolean;
  readonly neigh: boolean;
}

/** Kernel state for one remote port, read inside the controller. */
async function observe(runtime: Runtime, ctl: string, vni: number, mac: string, ip: string, vtep: string | null): Promise<Observed> {
  const dev = vxlanName(vni);
  const fdb = JSON.parse((await runtime.exec(ctl, ['bridge', '-j', 'fdb', 'show', 'dev', dev])).stdout || '[]') as { mac: string; dst?: string }[];
  const neigh = JSON.parse((await runtime.exec(ctl, ['ip', '-j', 'neigh', 'show', 'dev', dev])).stdout || '[]') as { dst: string; lladdr?: string }[];
  const at = (e: { dst?: string }) => vtep === null || e.dst === vtep;
  return {
    mac: fdb.some((e) => e.mac === mac && at(e)),
    flood: fdb.some((e) => e.mac === '00:00:00:00:00:00' && at(e)),
    neigh: neigh.some((e) => e.dst === ip && e.lladdr === mac),
  };
}

export async function runRemotePortCrud(w: CrudSpec, s: Scenario, d: Deployment, runtime: Runtime, overlays: Overlays, history: History): Promise<void> {
  const process = `${w.name}@harness`;
  const api = overlays.clients.get(w.site)!;
  const net = overlays.networks.get(`${w.site}/${w.network}`)!;
  const spec = s.networks.find((n) => n.name === w.network)!;
  const ctl = d.containers.get(d.plan.sites.find((x) => x.name === w.site)!.nodes.find((n) => n.role === 'controller')!.ref)!;
  const mac = 'fa:16:3e:0d:d0:01';
  const ip = host(parseCidr(spec.cidr)!, 250);
  const [first, second] = [w.tunnelIps[0]!, w.tunnelIps[1]!];
  const op = (type: 'invoke' | 'ok' | 'fail' | 'info', f: string, value: Record<string, unknown>) => history.append({ t: now(), kind: 'op', process, type, f, value });
  const record = async (step: string, portExists: boolean, vtep: string | null) => {
    op('info', 'fdb', { step, portExists, vtep, ...(await observe(runtime, ctl, vniAt(spec, w.site), mac, ip, vtep)) });
  };
  const step = async <T>(f: string, value: Record<string, unknown>, act: () => Promise<T>): Promise<T> => {
    op('invoke', f, value);
    try {
      const r = await act();
      op('ok', f, value);
      return r;
    } catch (err) {
      op('fail', f, { ...value, error: (err as Error).message });
      throw err;
    }
  };

  await record('before', false, null);
  const port = await step('create', { mac, ip, tunnelIp: first }, () =>
    api.createRemotePort({ network_id: net.networkId, mac_address: mac, fixed_ips: [{ subnet_id: net.subnetId, ip_address: ip }], tunnel_ip: first, host: 'remote', name: 'crud-remote' }),
  );
  await record('create', true, first);
  const shown = await step('show', { id: port.id }, () => api.getPort(port.id));
  op(shown['binding:vtep_ip'] === first ? 'ok' : 'fail', 'vtep-query', { expected: first, got: shown['binding:vtep_ip'] });
  await step('update', { id: port.id, tunnelIp: second }, () => api.updatePort(port.id, { 'binding:profile': { type: 'remote', tunnel_ip: second, host: 'remote' } }));
  await record('update', true, second);
  // The old VTEP must be forgotten: nothing may still point there.
  const stale = await observe(runtime, ctl, vniAt(spec, w.site), mac, ip, first);
  op('info', 'fdb', { step: 'update (old VTEP)', portExists: false, vtep: first, mac: stale.mac, flood: stale.flood, neigh: false });
  await step('delete', { id: port.id }, () => api.deletePort(port.id));
  await record('delete', false, null);
}
