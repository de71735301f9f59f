// Configuration and wire formats of the fake telecom VNF (agents/vnf.ts), its
// witness (agents/witness.ts) and the call generator (agents/calls.ts).
// Pure TypeScript (a type import only): the harness imports the types and the
// validator, and the agents import them inside containers.
import type { VrrpParams } from './vnf-keepalived.js';

/** A fellow member of the VNF cluster, reached on the backup plane. */
export interface VnfPeer {
  id: string;
  /** The peer's address on the backup plane. */
  ip: string;
}

/** The floating service address, claimed on the external plane interface. */
export interface VnfVip {
  address: string;
  prefix: number;
  dev: string;
}

/**
 * This member's VRRP instance (keepalived), as the harness chose it; the
 * peers, VIP and notify script come from the rest of the config at start.
 */
export type VnfVrrp = Pick<VrrpParams, 'instance' | 'vrid' | 'priority' | 'advertMs' | 'interface' | 'srcIp'> & {
  /**
   * How long to wait for an active peer before starting keepalived: 0 for the
   * preferred master. With nopreempt, whoever wins the first election keeps
   * the VIP, so the others give the first member the head start.
   */
  startupWaitMs: number;
};

/** One member of a fake VNF: `node dist/agents/vnf.js --config '<json of this>'`. */
export interface VnfConfig {
  id: string;
  /**
   * `active-standby`: exactly one peer. `nway`: any number of peers. Either way
   * one member is active at a time and the others are standbys ranked by
   * priority; the highest-priority surviving standby takes over.
   */
  mode: 'active-standby' | 'nway';
  /** Higher wins (ties: the smaller id wins). */
  priority: number;
  peers: VnfPeer[];
  /** UDP port of heartbeats, replication and witness traffic (every member and the witness). */
  backupPort: number;
  hbIntervalMs: number;
  /** A peer is lost after this many intervals without a heartbeat from it. */
  hbMisses: number;
  /** Third-site arbiter. Without it the cluster is "naive": a partition gives two actives. */
  witness?: { ip: string; port: number };
  vip: VnfVip;
  /** UDP port of the call service (bound on 0.0.0.0 and, while active, on the VIP). */
  servicePort: number;
  /**
   * `garp`: the agent elects itself, claims the VIP and announces it with
   * gratuitous ARP. `vrrp`: keepalived (started by the agent, configured from
   * `vrrp`) owns the VIP; the agent serves while the VIP is on its interface.
   */
  takeover: 'garp' | 'vrrp';
  /** Required with `takeover: vrrp`. */
  vrrp?: VnfVrrp;
  /** Optional: stop (releasing the VIP) after this long. Default: run until SIGTERM/SIGINT. */
  durationMs?: number;
  /** Optional: the active forgets calls with no message for this long. Default 30000. */
  callIdleMs?: number;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Checks untrusted JSON (a parsed `--config`) and returns it typed; throws one Error listing every problem. */
export function parseVnfConfig(raw: unknown): VnfConfig {
  const errors: string[] = [];
  const obj = (v: unknown, at: string): Record<string, unknown> => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      errors.push(`${at}: expected an object`);
      return {};
    }
    return v as Record<string, unknown>;
  };
  const str = (o: Record<string, unknown>, k: string, at: string): string => {
    const v = o[k];
    if (typeof v !== 'string' || v === '') errors.push(`${at}.${k}: expected a non-empty string`);
    return String(v);
  };
  const ip = (o: Record<string, unknown>, k: string, at: string): string => {
    const v = str(o, k, at);
    if (typeof o[k] === 'string' && !IPV4.test(v)) errors.push(`${at}.${k}: expected an IPv4 address, got ${JSON.stringify(v)}`);
    return v;
  };
  const int = (o: Record<string, unknown>, k: string, at: string, min: number, max: number): number => {
    const v = o[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) errors.push(`${at}.${k}: expected an integer in [${min}, ${max}]`);
    return Number(v);
  };
  const c = obj(raw, 'config');
  const id = str(c, 'id', 'config');
  const mode = c.mode;
  if (mode !== 'active-standby' && mode !== 'nway') errors.push(`config.mode: expected 'active-standby' or 'nway'`);
  const priority = int(c, 'priority', 'config', -1_000_000, 1_000_000);
  const peers: VnfPeer[] = [];
  if (!Array.isArray(c.peers)) errors.push('config.peers: expected an array');
  else {
    c.peers.forEach((p, i) => {
      const po = obj(p, `config.peers[${i}]`);
      peers.push({ id: str(po, 'id', `config.peers[${i}]`), ip: ip(po, 'ip', `config.peers[${i}]`) });
    });
    if (mode === 'active-standby' && peers.length !== 1) errors.push(`config.peers: active-standby needs exactly one peer, got ${peers.length}`);
    if (mode === 'nway' && peers.length < 1) errors.push('config.peers: nway needs at least one peer');
    const ids = new Set([id, ...peers.map((p) => p.id)]);
    if (ids.size !== peers.length + 1) errors.push('config.peers: ids must be distinct and differ from config.id');
  }
  const backupPort = int(c, 'backupPort', 'config', 1, 65535);
  const hbIntervalMs = int(c, 'hbIntervalMs', 'config', 5, 60_000);
  const hbMisses = int(c, 'hbMisses', 'config', 1, 100);
  let witness: VnfConfig['witness'];
  if (c.witness !== undefined) {
    const w = obj(c.witness, 'config.witness');
    witness = { ip: ip(w, 'ip', 'config.witness'), port: int(w, 'port', 'config.witness', 1, 65535) };
  }
  const v = obj(c.vip, 'config.vip');
  const vip: VnfVip = { address: ip(v, 'address', 'config.vip'), prefix: int(v, 'prefix', 'config.vip', 0, 32), dev: str(v, 'dev', 'config.vip') };
  const servicePort = int(c, 'servicePort', 'config', 1, 65535);
  const takeover = c.takeover;
  if (takeover !== 'garp' && takeover !== 'vrrp') errors.push(`config.takeover: expected 'garp' or 'vrrp'`);
  const out: VnfConfig = { id, mode: mode as VnfConfig['mode'], priority, peers, backupPort, hbIntervalMs, hbMisses, vip, servicePort, takeover: takeover as VnfConfig['takeover'] };
  if (witness) out.witness = witness;
  if (takeover === 'vrrp') {
    const r = obj(c.vrrp, 'config.vrrp');
    out.vrrp = {
      instance: str(r, 'instance', 'config.vrrp'),
      vrid: int(r, 'vrid', 'config.vrrp', 1, 255),
      priority: int(r, 'priority', 'config.vrrp', 1, 254),
      advertMs: int(r, 'advertMs', 'config.vrrp', 10, 40_950),
      interface: str(r, 'interface', 'config.vrrp'),
      srcIp: ip(r, 'srcIp', 'config.vrrp'),
      startupWaitMs: int(r, 'startupWaitMs', 'config.vrrp', 0, 600_000),
    };
    // keepalived has no witness: a grant it cannot ask for would be a promise the agent cannot keep.
    if (witness) errors.push('config.witness: takeover vrrp elects by VRRP priority alone and cannot consult a witness');
  } else if (c.vrrp !== undefined) errors.push(`config.vrrp: only with takeover 'vrrp'`);
  if (c.durationMs !== undefined) out.durationMs = int(c, 'durationMs', 'config', 1, 2 ** 31);
  if (c.callIdleMs !== undefined) out.callIdleMs = int(c, 'callIdleMs', 'config', 1, 2 ** 31);
  if (errors.length) throw new Error(`invalid VNF config:\n  ${errors.join('\n  ')}`);
  return out;
}

// ---- Backup plane (members and witness, UDP on backupPort / the witness port) ----

export type VnfRole = 'init' | 'standby' | 'active';

/** Every interval, member -> every peer and the witness. */
export interface HeartbeatMsg {
  k: 'hb';
  from: string;
  prio: number;
  role: VnfRole;
  /** The epoch of the active this member serves or follows (0: none yet). */
  epoch: number;
  seq: number;
  sentAt: number;
  /** The sender's detection window, so the witness judges silence the same way. */
  iv: number;
  misses: number;
  /** A standby asking the active for a full snapshot of the call table. */
  needSync?: boolean;
}

/**
 * Call-table changes, active -> standbys, sent before the replies they cover
 * (`null` count: call removed). Incremental messages number `seq` 1, 2, ... per
 * epoch, sent to every standby; a snapshot (to one standby, on request) carries
 * the seq it is current as of and does not consume one.
 */
export interface ReplicationMsg {
  k: 'repl';
  from: string;
  epoch: number;
  seq: number;
  sentAt: number;
  ch: [string, number | null][];
  /** A chunk of a full snapshot; part 0 clears the receiver's table first. */
  snapshot?: { part: number; parts: number };
}

/** Witness -> member, answering each heartbeat; carries the witness's highest granted epoch. */
export interface WitnessHeartbeatMsg {
  k: 'whb';
  seq: number;
  sentAt: number;
  epoch: number;
  taker: string | null;
}

/** Member -> witness: may `from` become active (in `epoch`), taking over from `over`? */
export interface AskMsg {
  k: 'ask';
  id: number;
  from: string;
  over: string | null;
  epoch: number;
  sentAt: number;
}

export interface AnswerMsg {
  k: 'answer';
  id: number;
  granted: boolean;
  reason: string;
  /** The highest epoch the witness knows of (granted or seen). */
  epoch: number;
}

export type BackupMsg = HeartbeatMsg | ReplicationMsg | WitnessHeartbeatMsg | AskMsg | AnswerMsg;

// ---- Service (external plane, UDP on VIP:servicePort) ----

export type ServiceRequest =
  | { k: 'invite'; call: string }
  | { k: 'media'; call: string; seq: number }
  | { k: 'bye'; call: string };

export type ServiceReply =
  | { k: 'ok'; call: string; by: string }
  | { k: 'media-ack'; call: string; seq: number; count: number; by: string }
  | { k: 'bye-ok'; call: string; by: string }
  | { k: 'error'; call: string; reason: 'unknown-call' | 'bad-request'; by: string };
