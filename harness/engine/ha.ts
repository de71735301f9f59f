// Starts the fake VNFs (and their witnesses) and the call generators of a
// scenario, wired to the addresses the overlay plan gave them.
import type { VnfConfig } from '../agents/vnf-config.js';
import type { History, OpEvent } from '../observe/history.js';
import type { Runtime } from '../runtime/runtime.js';
import type { CallsSpec, Scenario, VnfSpec } from '../scenario/schema.js';
import type { Deployment } from '../topology/deploy.js';
import { attachmentOf, type Attachment } from '../topology/overlay.js';
import type { Overlays } from '../topology/overlays.js';
import { sleepUntil } from './time.js';
import { host, parseCidr, size } from '../scenario/cidr.js';
import { PROBE_INTERVAL_MS } from '../checks/kinds/split-brain.js';
import { checkKind } from '../checks/registry.js';
import { now } from '../observe/history.js';
import { runAgent } from './workload.js';

/** The witness of a VNF listens beside its backup plane port (7100 -> 7200), so VNFs sharing a witness node do not collide. */
export const witnessPort = (v: VnfSpec): number => v.backupPort + 100;

/** VRRP priority of the first listed member; the others follow one below each (255 would mean address owner). */
export const VRRP_TOP_PRIORITY = 254;

/**
 * How long the members after the first wait for an active peer before starting
 * keepalived. With nopreempt the first election's winner keeps the VIP, so
 * the preferred master gets a head start longer than any exec skew between
 * containers; if it never comes up the others still elect in time for the
 * settle window (2 s + 3 adverts at 100 ms).
 */
export const VRRP_STARTUP_WAIT_MS = 2000;

/**
 * The config of each member: priority by order of listing (first = preferred
 * active). `vrid`: the VNF's VRRP router id (1-255), unique per scenario so
 * crossed clusters on the same members (active/active) keep apart.
 */
export function vnfConfigs(v: VnfSpec, attachments: readonly Attachment[], lanAddress: (ref: string) => string, durationMs: number | undefined, vrid = 1): { ref: string; config: VnfConfig }[] {
  // An L2 backup plane uses the overlay addresses; an L3 one the routed site LAN addresses.
  const net = v.backup.network;
  const backupIp = (ref: string) => (net ? attachmentOf(attachments, ref, net).address : lanAddress(ref));
  const ext = attachmentOf(attachments, v.members[0]!, v.external.network);
  return v.members.map((ref, i) => ({
    ref,
    config: {
      id: ref.replace('/', '-'),
      mode: v.mode,
      priority: v.members.length - i,
      peers: v.members.filter((m) => m !== ref).map((m) => ({ id: m.replace('/', '-'), ip: backupIp(m) })),
      backupPort: v.backupPort,
      hbIntervalMs: v.heartbeat.interval,
      hbMisses: v.heartbeat.misses,
      ...(v.witness ? { witness: { ip: backupIp(v.witness), port: witnessPort(v) } } : {}),
      vip: { address: v.external.vip, prefix: ext.prefix, dev: v.external.network },
      servicePort: v.port,
      takeover: v.takeover,
      ...(v.takeover === 'vrrp'
        ? {
            vrrp: {
              instance: v.name,
              vrid,
              priority: VRRP_TOP_PRIORITY - i,
              // One failure-detection knob per VNF: the heartbeat interval is VRRP's advert_int.
              advertMs: v.heartbeat.interval,
              interface: net ?? 'eth0',
              srcIp: backupIp(ref),
              startupWaitMs: i === 0 ? 0 : VRRP_STARTUP_WAIT_MS,
            },
          }
        : {}),
      ...(durationMs === undefined ? {} : { durationMs }),
    },
  }));
}

/** The history process of a VNF's agent on `ref`: a member's, or the witness's. */
export const vnfProcess = (v: VnfSpec, ref: string): string => (v.members.includes(ref) ? `${v.name}@${ref}` : `${v.name}-witness@${ref}`);

/** Starts one agent in a container: attached, its events into the history (msh run), or as a daemon of a run left up (msh up). */
export type Launch = (container: string, agent: string, args: readonly string[], process: string) => Promise<void>;

/** Every VNF's members and witness; `durationMs` undefined: they run until their container goes. */
export function startVnfs(s: Scenario, attachments: readonly Attachment[], d: Deployment, launch: Launch, durationMs: number | undefined): Promise<void>[] {
  const address = (ref: string) => d.plan.sites.flatMap((x) => x.nodes).find((n) => n.ref === ref)!.address;
  return s.vnfs.flatMap((v, k) => [
    ...vnfConfigs(v, attachments, address, durationMs, k + 1).map(({ ref, config }) => launch(d.containers.get(ref)!, 'vnf', ['--config', JSON.stringify(config)], vnfProcess(v, ref))),
    ...(v.witness
      ? [
          launch(
            d.containers.get(v.witness)!,
            'witness',
            ['--port', String(witnessPort(v)), '--hb-interval', String(v.heartbeat.interval), '--hb-misses', String(v.heartbeat.misses), ...(durationMs === undefined ? [] : ['--duration', String(durationMs)])],
            vnfProcess(v, v.witness),
          ),
        ]
      : []),
  ]);
}

/** Waits until every VNF has an active member; false if one never did within the time. */
export async function awaitActives(s: Scenario, history: History, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
  const deadline = now() + timeoutMs;
  const ready = () =>
    s.vnfs.every((v) => history.events().some((e) => e.kind === 'op' && (e as OpEvent).f === 'role' && e.process.startsWith(`${v.name}@`) && (e as OpEvent).value?.to === 'active'));
  while (!ready()) {
    if (now() > deadline || !(await sleepUntil(now() + 50, signal))) return false;
  }
  return true;
}

export function startCalls(w: CallsSpec, s: Scenario, d: Deployment, runtime: Runtime, history: History, durationMs: number): Promise<void> {
  const v = s.vnfs.find((x) => x.name === w.vnf)!;
  const args = ['--vip', v.external.vip, '--port', String(v.port), '--rate', String(w.rate), '--hold', String(w.hold), '--media', String(w.media), '--timeout', String(w.timeout), '--duration', String(durationMs)];
  return runAgent(runtime, d.containers.get(w.from)!, 'calls', args, `${w.name}@${w.from}`, history);
}

/**
 * For each VNF whose split brain is judged: who answers ARP for its VIP, seen
 * from the calls client on the external network, every 250 ms; and the MAC of
 * each member's external port, to name the answers. Without a client on that
 * L2 network the wire cannot be watched, and the history says so.
 */
export function startVipProbes(s: Scenario, attachments: readonly Attachment[], d: Deployment, runtime: Runtime, history: History, overlays: Overlays | undefined, durationMs: number): Promise<void>[] {
  const judged = new Set(s.checks.filter((c) => checkKind(c.kind).needs.probes?.includes('vip-arp')).map((c) => ('vnf' in c ? c.vnf : undefined) ?? s.vnfs[0]?.name));
  return s.vnfs.filter((v) => judged.has(v.name)).flatMap((v) => {
    const macs = Object.fromEntries(v.members.map((m) => [overlays?.ports.get(`${m}/${v.external.network}`)?.mac_address ?? 'unknown', m]));
    history.append({ t: now(), kind: 'op', process: `vip-arp@${v.name}`, type: 'info', f: 'members', value: { macs } });
    const client = s.workload.find((w): w is CallsSpec => w.kind === 'calls' && w.vnf === v.name)?.from;
    const at = client ? attachments.find((a) => a.ref === client && a.network === v.external.network) : undefined;
    if (!at) {
      history.append({ t: now(), kind: 'op', process: `vip-arp@${v.name}`, type: 'fail', f: 'probe', value: { error: `no calls client of ${v.name} on its external network ${v.external.network}: ARP for the VIP cannot be watched` } });
      return [];
    }
    const sources = probeSources(s, v, attachments);
    return [runAgent(runtime, d.containers.get(at.ref)!, 'vip-arp', ['--vip', v.external.vip, '--dev', at.dev, '--sources', sources.join(','), '--interval', String(PROBE_INTERVAL_MS), '--duration', String(durationMs)], `vip-arp@${v.name}`, history)];
  });
}

/** How many probes overlap: each waits a second for replies. */
const PROBERS = 1000 / PROBE_INTERVAL_MS;

/** Source addresses for a VNF's ARP probers: from the top of its external network down, four per VNF, none a VIP or an attachment's address. */
export function probeSources(s: Scenario, v: VnfSpec, attachments: readonly Attachment[]): string[] {
  const net = parseCidr(s.networks.find((n) => n.name === v.external.network)!.cidr)!;
  const taken = new Set([...s.vnfs.map((x) => x.external.vip), ...attachments.filter((a) => a.network === v.external.network).map((a) => a.address)]);
  const free = Array.from({ length: size(net) - 2 }, (_, i) => host(net, size(net) - 2 - i)).filter((a) => !taken.has(a));
  const k = s.vnfs.filter((x) => x.external.network === v.external.network).indexOf(v);
  return free.slice(k * PROBERS, (k + 1) * PROBERS);
}
