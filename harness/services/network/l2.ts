// Linux bridge agent with L2 population, as commands. Pure: every function
// here maps a state (or a change of state) to iproute2 `ip`/`bridge` batch
// lines; agent.ts runs them. Device names and the programmed entries follow
// Neutron's linuxbridge agent:
//   network      -> bridge brq<id[:11]> + vxlan-<vni> (nolearning, proxy) enslaved
//   remote port  -> bridge fdb append 00:00:00:00:00:00 dev vxlan-N dst VTEP   (flooding, one per (network, VTEP))
//                   bridge fdb replace MAC dev vxlan-N dst VTEP self permanent
//                   ip neigh replace IP lladdr MAC dev vxlan-N nud permanent  (ARP responder, per fixed IP)

export const VXLAN_DSTPORT = 4789;
export const FLOOD_MAC = '00:00:00:00:00:00';
/** IPv4 VXLAN overhead: outer Ethernet 14 + IP 20 + UDP 8 + VXLAN 8. */
export const VXLAN_OVERHEAD = 50;

export interface L2Config {
  /** This site's VTEP (the controller's underlay address). */
  readonly vtep: string;
  /** Underlay device the VXLAN devices ride (the controller's eth0). */
  readonly dev: string;
  /** `proxy` on the vxlan devices plus one permanent neigh entry per remote fixed IP (Neutron's [vxlan] arp_responder). */
  readonly arpResponder: boolean;
}

export interface Cmd {
  readonly tool: 'ip' | 'bridge';
  /** One `-batch` line, i.e. the command without the tool name. */
  readonly line: string;
  /** Removals: the entry may already be gone, so a failure is not an error. */
  readonly mayFail: boolean;
}

/** "ip link add ..." as a shell would read it (tests, logs, error messages). */
export function render(c: Cmd): string {
  return `${c.tool} ${c.line}`;
}

const ip = (line: string, mayFail = false): Cmd => ({ tool: 'ip', line, mayFail });
const br = (line: string, mayFail = false): Cmd => ({ tool: 'bridge', line, mayFail });

/** Neutron's bridge name: "brq" + the first 11 characters of the network id (14 characters, under IFNAMSIZ). */
export function bridgeName(networkId: string): string {
  return `brq${networkId.slice(0, 11)}`;
}

export function vxlanName(vni: number): string {
  return `vxlan-${vni}`;
}

/** Neutron's tap name for a port ("tap" + port id[:11]): what the harness names a VM veth's bridge end. */
export function tapName(portId: string): string {
  return `tap${portId.slice(0, 11)}`;
}

export interface L2Network {
  readonly id: string;
  readonly vni: number;
  /** The network's MTU, given to its bridge and vxlan device. */
  readonly mtu: number;
}

/** What a remote port puts in the kernel. `null` for a port that programs nothing (local, or admin down). */
export interface RemoteEndpoint {
  readonly portId: string;
  readonly networkId: string;
  readonly vni: number;
  readonly mac: string;
  readonly ips: readonly string[];
  /** The remote VTEP (binding:profile.tunnel_ip). */
  readonly vtep: string;
}

// ---------------------------------------------------------------- networks

function vxlanAdd(cfg: L2Config, vni: number): string {
  return `link add ${vxlanName(vni)} type vxlan id ${vni} local ${cfg.vtep} dstport ${VXLAN_DSTPORT} dev ${cfg.dev} nolearning${cfg.arpResponder ? ' proxy' : ''}`;
}

function networkLinkSet(net: L2Network): Cmd[] {
  const b = bridgeName(net.id);
  return [ip(`link set ${b} mtu ${net.mtu} up`), ip(`link set ${vxlanName(net.vni)} mtu ${net.mtu} master ${b} up`)];
}

/** A new network: its bridge (no STP, no forwarding delay) and its VXLAN device, enslaved, both up. */
export function networkUpCommands(cfg: L2Config, net: L2Network): Cmd[] {
  return [ip(`link add ${bridgeName(net.id)} type bridge forward_delay 0 stp_state 0`), ip(vxlanAdd(cfg, net.vni)), ...networkLinkSet(net)];
}

/** Deleting the devices drops every FDB and neigh entry on them with them. */
export function networkDownCommands(net: Pick<L2Network, 'id' | 'vni'>): Cmd[] {
  return [ip(`link del ${vxlanName(net.vni)}`, true), ip(`link del ${bridgeName(net.id)}`, true)];
}

// ------------------------------------------------------- remote port state

/** The remote endpoints currently programmed, by port id. Flooding entries are reference-counted over it. */
export type L2State = ReadonlyMap<string, RemoteEndpoint>;

export const EMPTY_STATE: L2State = new Map();

/** How many programmed remote ports of a network sit on a VTEP: the flooding entry's reference count. */
export function floodRefs(state: L2State, networkId: string, vtep: string): number {
  let n = 0;
  for (const e of state.values()) if (e.networkId === networkId && e.vtep === vtep) n++;
  return n;
}

function floodAdd(vni: number, vtep: string): Cmd {
  return br(`fdb append ${FLOOD_MAC} dev ${vxlanName(vni)} dst ${vtep}`);
}
function floodDel(vni: number, vtep: string): Cmd {
  return br(`fdb del ${FLOOD_MAC} dev ${vxlanName(vni)} dst ${vtep} self`, true);
}
function macAdd(vni: number, mac: string, vtep: string): Cmd {
  return br(`fdb replace ${mac} dev ${vxlanName(vni)} dst ${vtep} self permanent`);
}
function macDel(vni: number, mac: string, vtep: string): Cmd {
  return br(`fdb del ${mac} dev ${vxlanName(vni)} dst ${vtep} self`, true);
}
function neighAdd(vni: number, ipAddr: string, mac: string): Cmd {
  return ip(`neigh replace ${ipAddr} lladdr ${mac} dev ${vxlanName(vni)} nud permanent`);
}
function neighDel(vni: number, ipAddr: string): Cmd {
  return ip(`neigh del ${ipAddr} dev ${vxlanName(vni)}`, true);
}

export interface Transition {
  readonly state: L2State;
  readonly commands: Cmd[];
}

/**
 * A remote port appears (before absent), changes, or goes (next null).
 * Additions come first, then removals, so moving a port to another VTEP
 * never leaves a moment with no path. Removals undo exactly what the port
 * added; a flooding entry goes only with the last port on its VTEP.
 */
export function transition(cfg: L2Config, state: L2State, portId: string, next: RemoteEndpoint | null): Transition {
  const prev = state.get(portId) ?? null;
  const rest = new Map(state);
  rest.delete(portId);
  const adds: Cmd[] = [];
  const dels: Cmd[] = [];

  if (prev && next && prev.networkId !== next.networkId) {
    // A port cannot change network in the API; handle it as leave + join anyway.
    const a = transition(cfg, state, portId, null);
    const b = transition(cfg, a.state, portId, next);
    return { state: b.state, commands: [...b.commands, ...a.commands] };
  }

  if (next) {
    const sameVtep = prev !== null && prev.vtep === next.vtep;
    if (!sameVtep && floodRefs(rest, next.networkId, next.vtep) === 0) adds.push(floodAdd(next.vni, next.vtep));
    // Unicast `replace` moves an entry to a new dst in place; only a changed MAC needs the old one deleted.
    if (!prev || prev.mac !== next.mac || prev.vtep !== next.vtep) adds.push(macAdd(next.vni, next.mac, next.vtep));
    if (cfg.arpResponder) {
      for (const a of next.ips) if (!prev || prev.mac !== next.mac || !prev.ips.includes(a)) adds.push(neighAdd(next.vni, a, next.mac));
    }
  }
  if (prev) {
    if (!next || prev.mac !== next.mac) dels.push(macDel(prev.vni, prev.mac, prev.vtep));
    if (cfg.arpResponder) {
      for (const a of prev.ips) if (!next || !next.ips.includes(a)) dels.push(neighDel(prev.vni, a));
    }
    const stillUsed = next !== null && next.vtep === prev.vtep;
    if (!stillUsed && floodRefs(rest, prev.networkId, prev.vtep) === 0) dels.push(floodDel(prev.vni, prev.vtep));
  }

  if (next) rest.set(portId, next);
  return { state: rest, commands: [...adds, ...dels] };
}

/** The state holding exactly these endpoints. */
export function stateOf(endpoints: readonly RemoteEndpoint[]): L2State {
  return new Map(endpoints.map((e) => [e.portId, e]));
}

// ---------------------------------------------------------- reconciliation

export interface ObservedLink {
  readonly name: string;
  readonly kind: string; // 'bridge', 'vxlan', 'veth', ...
  readonly master?: string;
  readonly mtu: number;
  readonly up: boolean;
  readonly vxlan?: {
    readonly id: number;
    readonly local?: string;
    readonly port?: number;
    readonly link?: string;
    readonly learning?: boolean;
    readonly proxy?: boolean;
  };
}

export interface FdbEntry {
  readonly mac: string;
  readonly dst: string;
}

export interface NeighEntry {
  readonly ip: string;
  readonly mac: string;
  readonly permanent: boolean;
}

export interface Observed {
  readonly links: readonly ObservedLink[];
  /** Per vxlan device: its own (self) entries that carry a remote dst. */
  readonly fdb: ReadonlyMap<string, readonly FdbEntry[]>;
  /** Per vxlan device: IPv4 neighbours. */
  readonly neigh: ReadonlyMap<string, readonly NeighEntry[]>;
}

function isOurs(name: string): boolean {
  return /^brq[0-9a-f-]{11}$/.test(name) || /^vxlan-\d+$/.test(name);
}

/** Entries a network's vxlan device must hold, from its programmed remote ports. */
export function desiredEntries(cfg: L2Config, endpoints: readonly RemoteEndpoint[]): { fdb: FdbEntry[]; neigh: NeighEntry[] } {
  const fdb: FdbEntry[] = [];
  const neigh: NeighEntry[] = [];
  const vteps = new Set<string>();
  for (const e of endpoints) {
    vteps.add(e.vtep);
    fdb.push({ mac: e.mac, dst: e.vtep });
    if (cfg.arpResponder) for (const a of e.ips) neigh.push({ ip: a, mac: e.mac, permanent: true });
  }
  for (const v of vteps) fdb.push({ mac: FLOOD_MAC, dst: v });
  return { fdb, neigh };
}

/**
 * Kernel state -> the database's view: devices of networks that no longer
 * exist go, missing or misconfigured devices are (re)made, stale FDB and
 * neigh entries go, missing ones come. Used at start-up (state survives a
 * restart of the service process) and after a failed change.
 */
export function reconcileCommands(cfg: L2Config, networks: readonly L2Network[], state: L2State, observed: Observed): Cmd[] {
  const cmds: Cmd[] = [];
  const links = new Map(observed.links.map((l) => [l.name, l]));
  const wanted = new Set(networks.flatMap((n) => [bridgeName(n.id), vxlanName(n.vni)]));
  // vxlan devices first: a bridge delete would otherwise only release them.
  const stale = observed.links.filter((l) => isOurs(l.name) && !wanted.has(l.name));
  for (const l of [...stale.filter((l) => l.kind === 'vxlan'), ...stale.filter((l) => l.kind !== 'vxlan')]) cmds.push(ip(`link del ${l.name}`, true));

  for (const net of networks) {
    const bname = bridgeName(net.id);
    const vname = vxlanName(net.vni);
    const b = links.get(bname);
    let v = links.get(vname);
    if (b && b.kind !== 'bridge') {
      cmds.push(ip(`link del ${bname}`, true));
    }
    if (!b || b.kind !== 'bridge') cmds.push(ip(`link add ${bname} type bridge forward_delay 0 stp_state 0`));
    if (v && !vxlanMatches(cfg, net.vni, v)) {
      cmds.push(ip(`link del ${vname}`, true));
      v = undefined;
    }
    if (!v) cmds.push(ip(vxlanAdd(cfg, net.vni)));
    cmds.push(...networkLinkSet(net));

    const { fdb, neigh } = desiredEntries(
      cfg,
      [...state.values()].filter((e) => e.networkId === net.id),
    );
    const haveFdb = v ? (observed.fdb.get(vname) ?? []) : [];
    const haveNeigh = v ? (observed.neigh.get(vname) ?? []) : [];
    const key = (e: FdbEntry) => `${e.mac}|${e.dst}`;
    const wantFdb = new Set(fdb.map(key));
    const gotFdb = new Set(haveFdb.map(key));
    for (const e of fdb) {
      if (gotFdb.has(key(e))) continue;
      cmds.push(e.mac === FLOOD_MAC ? floodAdd(net.vni, e.dst) : macAdd(net.vni, e.mac, e.dst));
    }
    for (const e of haveFdb) {
      if (wantFdb.has(key(e))) continue;
      // A unicast MAC that only moved was already replaced in place above.
      if (e.mac !== FLOOD_MAC && fdb.some((d) => d.mac === e.mac)) continue;
      cmds.push(e.mac === FLOOD_MAC ? floodDel(net.vni, e.dst) : macDel(net.vni, e.mac, e.dst));
    }
    const wantNeigh = new Map(neigh.map((n) => [n.ip, n.mac]));
    const gotNeigh = new Map(haveNeigh.map((n) => [n.ip, n]));
    for (const n of neigh) {
      const g = gotNeigh.get(n.ip);
      if (!g || g.mac !== n.mac || !g.permanent) cmds.push(neighAdd(net.vni, n.ip, n.mac));
    }
    for (const g of haveNeigh) if (!wantNeigh.has(g.ip)) cmds.push(neighDel(net.vni, g.ip));
  }
  return cmds;
}

function vxlanMatches(cfg: L2Config, vni: number, l: ObservedLink): boolean {
  const x = l.vxlan;
  return (
    l.kind === 'vxlan' &&
    x !== undefined &&
    x.id === vni &&
    x.local === cfg.vtep &&
    x.port === VXLAN_DSTPORT &&
    x.link === cfg.dev &&
    x.learning === false &&
    (x.proxy ?? false) === cfg.arpResponder
  );
}

// ------------------------------------------------ parsing `-j` query output

function rec(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}
function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
function num(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}
function bool(v: unknown): boolean | undefined {
  return typeof v === 'boolean' ? v : undefined;
}

/** `ip -j -d link show` */
export function parseLinks(json: unknown): ObservedLink[] {
  return arr(json).flatMap((raw): ObservedLink[] => {
    const l = rec(raw);
    const name = str(l['ifname']);
    if (!name) return [];
    const info = rec(l['linkinfo']);
    const data = rec(info['info_data']);
    const kind = str(info['info_kind']) ?? '';
    const flags = arr(l['flags']).filter((f): f is string => typeof f === 'string');
    const master = str(l['master']);
    const vx =
      kind === 'vxlan'
        ? {
            id: num(data['id']) ?? -1,
            ...opt('local', str(data['local'])),
            ...opt('port', num(data['port'])),
            ...opt('link', str(data['link'])),
            ...opt('learning', bool(data['learning'])),
            ...opt('proxy', bool(data['proxy'])),
          }
        : undefined;
    return [{ name, kind, mtu: num(l['mtu']) ?? 0, up: flags.includes('UP'), ...(master ? { master } : {}), ...(vx ? { vxlan: vx } : {}) }];
  });
}

function opt<K extends string, V>(k: K, v: V | undefined): { [P in K]?: V } {
  return (v === undefined ? {} : { [k]: v }) as { [P in K]?: V };
}

/** `bridge -j fdb show dev vxlan-N`: the device's own entries with a remote; bridge (master) entries are the bridge's business. */
export function parseFdb(json: unknown): FdbEntry[] {
  return arr(json).flatMap((raw) => {
    const e = rec(raw);
    const mac = str(e['mac']);
    const dst = str(e['dst']);
    if (!mac || !dst || e['master'] !== undefined) return [];
    return [{ mac: mac.toLowerCase(), dst }];
  });
}

/** `ip -4 -j neigh show dev vxlan-N` */
export function parseNeigh(json: unknown): NeighEntry[] {
  return arr(json).flatMap((raw) => {
    const e = rec(raw);
    const a = str(e['dst']);
    const mac = str(e['lladdr']);
    if (!a || !mac) return [];
    const state = arr(e['state']);
    return [{ ip: a, mac: mac.toLowerCase(), permanent: state.includes('PERMANENT') }];
  });
}
