// keepalived.conf and its notify script for a VNF member whose takeover is
// VRRP (`takeover: vrrp`). Pure: no imports, so the VNF agent renders the
// files inside its container from the parameters the harness chose.
//
// Choices, and why:
// - VRRPv3: advert_int below 1 s needs it (v2 counts whole seconds).
// - Unicast adverts on the backup plane: multicast does not cross our
//   VXLAN/relay reliably, and unicast is what operators run across sites.
// - Every member starts BACKUP with nopreempt: a member coming back must not
//   take the VIP from a healthy active (a second outage, and its call table
//   is stale until it has synced). Revertive moves belong in a maintenance
//   window, not in the protocol.
// - The VIP carries the external network's prefix, on the external
//   interface; keepalived sends the gratuitous ARPs itself on transition.

/** What the harness decides for one member's VRRP instance. */
export interface VrrpParams {
  /** The VNF's name: the vrrp_instance, and the member's directory for files. */
  instance: string;
  /** 1-255, unique among the VNFs sharing a backup plane. */
  vrid: number;
  /** 1-254 (255 means address owner, which no member is); first listed member highest. */
  priority: number;
  /** advert_int; VRRPv3 carries centiseconds, so a multiple of 10 ms from 10 ms to 40.95 s. */
  advertMs: number;
  /** The backup plane interface the adverts use. */
  interface: string;
  /** This member's address on the backup plane. */
  srcIp: string;
  /** The other members' addresses on the backup plane. */
  peers: string[];
  /** The VIP (the external network's prefix) and the external interface it goes on. */
  vip: { address: string; prefix: number; dev: string };
  /** Absolute path of the notify script. */
  notifyPath: string;
}

export const VRRP_ADVERT_MIN_MS = 10;
export const VRRP_ADVERT_MAX_MS = 40_950;

/** Problems with the parameters, each said as what to change; empty if none. */
export function vrrpProblems(p: VrrpParams): string[] {
  const out: string[] = [];
  if (!Number.isInteger(p.vrid) || p.vrid < 1 || p.vrid > 255) out.push(`vrid ${p.vrid}: use an integer from 1 to 255`);
  if (!Number.isInteger(p.priority) || p.priority < 1 || p.priority > 254) out.push(`priority ${p.priority}: use an integer from 1 to 254`);
  if (!Number.isInteger(p.advertMs) || p.advertMs % 10 !== 0 || p.advertMs < VRRP_ADVERT_MIN_MS || p.advertMs > VRRP_ADVERT_MAX_MS) {
    out.push(`advert ${p.advertMs} ms: VRRPv3 counts centiseconds, use a multiple of 10 ms from ${VRRP_ADVERT_MIN_MS} ms to ${VRRP_ADVERT_MAX_MS} ms`);
  }
  if (p.peers.length === 0) out.push('peers: a VRRP instance needs at least one unicast peer');
  if (!/^[A-Za-z0-9_-]+$/.test(p.instance)) out.push(`instance "${p.instance}": letters, digits, '-' and '_' only`);
  if (!p.notifyPath.startsWith('/') || /\s/.test(p.notifyPath)) out.push(`notifyPath "${p.notifyPath}": an absolute path without spaces`);
  return out;
}

/** advert_int as keepalived reads it: seconds, with centisecond precision. */
export const advertInt = (ms: number): string => String(Math.round(ms / 10) / 100);

/**
 * VRRP's own failure detection (RFC 5798): Master_Down_Interval = 3 x
 * advert + skew, skew = (256 - priority) x advert / 256. The floor of a
 * VRRP failover, before the VIP is added and announced.
 */
export const masterDownMs = (advertMs: number, priority: number): number => 3 * advertMs + ((256 - priority) * advertMs) / 256;

export function keepalivedConf(p: VrrpParams): string {
  const problems = vrrpProblems(p);
  if (problems.length) throw new Error(`invalid VRRP parameters:\n  ${problems.join('\n  ')}`);
  return [
    'global_defs {',
    `  router_id ${p.instance}-${p.vrid}`,
    '  vrrp_version 3',
    // The notify script runs as root from a directory only root can write.
    '  script_user root',
    '  enable_script_security',
    // Real-time scheduling needs CAP_SYS_NICE, which the containers lack: say so, so keepalived does not nag.
    '  max_auto_priority -1',
    '}',
    '',
    `vrrp_instance ${p.instance} {`,
    '  state BACKUP',
    '  nopreempt',
    `  interface ${p.interface}`,
    `  virtual_router_id ${p.vrid}`,
    `  priority ${p.priority}`,
    `  advert_int ${advertInt(p.advertMs)}`,
    `  unicast_src_ip ${p.srcIp}`,
    '  unicast_peer {',
    ...p.peers.map((ip) => `    ${ip}`),
    '  }',
    '  virtual_ipaddress {',
    `    ${p.vip.address}/${p.vip.prefix} dev ${p.vip.dev}`,
    '  }',
    `  notify ${p.notifyPath}`,
    '}',
    '',
  ].join('\n');
}

/**
 * The notify script: keepalived runs it as `notify INSTANCE <name> <state>
 * <priority>` on every transition, with its output thrown away, so it
 * forwards the transition to the agent over UDP on loopback (bash's
 * /dev/udp; dash has none). The agent turns it into a history event.
 */
export function notifyScript(agentPort: number): string {
  if (!Number.isInteger(agentPort) || agentPort < 1 || agentPort > 65535) throw new Error(`notify port ${agentPort}: use 1-65535`);
  return ['#!/bin/bash', `printf '%s %s %s %s\\n' "$1" "$2" "$3" "$4" > /dev/udp/127.0.0.1/${agentPort}`, ''].join('\n');
}

/** One line from the notify script, e.g. "INSTANCE vnf1 MASTER 254". */
export interface VrrpTransition {
  instance: string;
  state: 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP';
  priority: number;
}

export function parseNotify(line: string): VrrpTransition | null {
  const m = /^(?:INSTANCE|GROUP) (\S+) (MASTER|BACKUP|FAULT|STOP|DELETED) (\d+)\s*$/.exec(line);
  if (!m || m[2] === 'DELETED') return null;
  return { instance: m[1]!, state: m[2] as VrrpTransition['state'], priority: Number(m[3]) };
}
