// Runs iproute2 against named namespaces and container netns (by pid).
import { execa } from 'execa';
import { MshError } from '../scenario/errors.js';

async function batch(prefixArgs: readonly string[], cmds: readonly string[], where: string): Promise<void> {
  if (cmds.length === 0) return;
  const r = await execa(prefixArgs[0]!, [...prefixArgs.slice(1), '-batch', '-'], { input: cmds.join('\n') + '\n', reject: false });
  if (r.exitCode !== 0) {
    throw new MshError('RUNTIME', `ip in ${where} failed: ${r.stderr.trim() || r.stdout.trim()}\ncommands:\n  ${cmds.join('\n  ')}`);
  }
}

export async function nsAdd(ns: string): Promise<void> {
  await execa('ip', ['netns', 'add', ns]);
}

export async function nsDelete(ns: string): Promise<void> {
  // Kill what still runs inside first: a process keeps the namespace alive.
  const pids = await execa('ip', ['netns', 'pids', ns], { reject: false });
  for (const p of pids.stdout.split(/\s+/).filter(Boolean)) {
    try {
      process.kill(Number(p), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await execa('ip', ['netns', 'delete', ns], { reject: false });
}

export async function nsList(): Promise<string[]> {
  const r = await execa('ip', ['netns', 'list'], { reject: false });
  return r.stdout.split('\n').map((l) => l.split(' ')[0]!).filter(Boolean);
}

export async function inNs(ns: string, cmds: readonly string[]): Promise<void> {
  await batch(['ip', '-n', ns], cmds, `namespace ${ns}`);
}

export async function inPid(pid: number, cmds: readonly string[]): Promise<void> {
  await batch(['nsenter', '-t', String(pid), '-n', 'ip'], cmds, `container netns of pid ${pid}`);
}

export async function sysctlNs(ns: string, settings: Readonly<Record<string, string>>): Promise<void> {
  await execa('ip', ['netns', 'exec', ns, 'sysctl', '-qw', ...Object.entries(settings).map(([k, v]) => `${k}=${v}`)]);
}

/** No IPv6 anywhere the harness wires: link-local chatter would cross the emulated WAN and blur counts and baselines. */
export const NO_IPV6 = { 'net.ipv6.conf.all.disable_ipv6': '1', 'net.ipv6.conf.default.disable_ipv6': '1' } as const;

/** JSON output of an `ip -j` query in a namespace (for baseline snapshots). */
export async function queryNs(ns: string, args: readonly string[]): Promise<unknown> {
  const r = await execa('ip', ['-n', ns, '-j', ...args]);
  return r.stdout.trim() === '' ? [] : JSON.parse(r.stdout);
}

/**
 * Checksum offload off on a device (of a container, by pid, or of a named
 * namespace; a container's eth0 by default): with it on, the kernel leaves
 * inner UDP/TCP checksums for the NIC to fill, the VXLAN frame reaches the
 * user-space relay as plain UDP payload with the checksum never computed, and
 * the far side drops every inner UDP datagram (ping still works: ICMP is
 * always summed in software).
 */
export async function checksumInSoftware(where: number | string, dev = 'eth0'): Promise<void> {
  const ethtool = ['ethtool', '-K', dev, 'tx', 'off'];
  if (typeof where === 'number') await execa('nsenter', ['-t', String(where), '-n', ...ethtool]);
  else await execa('ip', ['netns', 'exec', where, ...ethtool]);
}

export type DeviceState = 'up' | 'down' | 'absent';

/** Administrative state of devices in a namespace, read back from the kernel. */
export async function deviceStates(ns: string, devs: readonly string[]): Promise<Record<string, DeviceState>> {
  const links = (await queryNs(ns, ['link', 'show'])) as { ifname: string; flags?: string[] }[];
  return Object.fromEntries(devs.map((d) => {
    const l = links.find((x) => x.ifname === d);
    return [d, !l ? 'absent' : l.flags?.includes('UP') ? 'up' : 'down'];
  }));
}
