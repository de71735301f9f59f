// Break L2 population in one site behind its network API's back: a process
// in the site's controller deletes every remote VTEP entry (a port's FDB
// entry, the all-zero flooding entries) on the tenant VXLAN devices the
// moment the API programs it, as a Linux bridge agent does whose L2
// population state is lost (an agent restart that flushed the FDB and never
// got the entries again). The API keeps answering and its database keeps
// the ports: only the kernel disagrees, which HA-REMOTE-PORT-L2POP must
// catch. Nothing is restored at heal: the API reprograms a port only when
// it changes, as Neutron's L2 population does.
//
// Proof: injected, the process runs and a read-back of the kernel's FDB
// holds no remote entry on any tenant VXLAN device; healed, the process is
// gone, with the entries it removed.
import { z } from 'zod';
import { name, timing } from '../../scenario/fields.js';
import type { FaultEnv, FaultKind, Proof } from '../kind.js';
import { siteExists } from './targets.js';

const options = z.strictObject({
  kind: z.literal('break-l2pop'),
  ...timing,
  site: name('site name').meta({ description: "The site whose controller loses its L2 population entries as they are programmed" }),
});

/** A remote entry of a tenant VXLAN device, as `bridge fdb show` prints it. */
export interface RemoteEntry {
  readonly mac: string;
  readonly dev: string;
  readonly dst: string;
}

/** `bridge fdb show` (or monitor) lines -> the remote entries on tenant VXLAN devices (vxlan-<vni>), deletions left out (a monitor's "Deleted <mac> dev ..." has the MAC, not "dev", second). */
export function remoteEntries(text: string): RemoteEntry[] {
  return text
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[1] === 'dev' && /^vxlan-\d+$/.test(f[2] ?? '') && f[3] === 'dst' && f[4])
    .map((f) => ({ mac: f[0]!, dev: f[2]!, dst: f[4]! }));
}

// $1: the log of removed entries. The monitor starts before the sweep, so
// an entry programmed in between is caught by one or the other; "ready"
// once both are in place.
const WATCHER = `
LOG=$1
del() { case "$2" in vxlan-*) [ "$3" = dst ] && bridge fdb del "$1" dev "$2" dst "$4" self 2>/dev/null && echo "$1 dev $2 dst $4" >> "$LOG";; esac; }
bridge monitor fdb | while read -r mac _ dev kw dst _; do [ "$mac" = Deleted ] || del "$mac" "$dev" "$kw" "$dst"; done &
sleep 0.1
bridge fdb show | while read -r mac _ dev kw dst _; do del "$mac" "$dev" "$kw" "$dst"; done
echo ready > "$LOG.ready"
wait
`;

const START = `
rm -f "$2" "$2.ready"; : > "$2"
setsid sh -c "$1" sh "$2" </dev/null >/dev/null 2>&1 &
pid=$!
i=0; until [ -f "$2.ready" ]; do kill -0 $pid 2>/dev/null || { echo "watcher exited" >&2; exit 1; }; i=$((i+1)); [ $i -lt 100 ] || { echo "watcher not ready after 5 s" >&2; exit 1; }; sleep 0.05; done
echo $pid`;

/** The proof of the injection: the watcher runs and the kernel holds no remote entry. */
export function injectProof(site: string, alive: boolean, left: readonly RemoteEntry[], removed: readonly RemoteEntry[]): Proof {
  const ok = alive && left.length === 0;
  const summary = !alive
    ? `the watcher in ${site}'s controller is not running`
    : left.length > 0
      ? `${left.length} remote FDB entries still in ${site}'s kernel: ${left.map((e) => `${e.mac} ${e.dev} dst ${e.dst}`).slice(0, 3).join(', ')}`
      : `read back from ${site}'s kernel: no remote FDB entry on any tenant VXLAN device (${removed.length} removed so far)`;
  return { ok, summary, measured: { site, watcherRunning: alive, remoteEntries: left, removed } };
}

/**
 * The proof of the heal: the watcher ran through the whole window (alive
 * when the heal came: a monitor that died mid-window stopped breaking
 * anything) and is gone after; what it removed is measured, and nothing is
 * restored.
 */
export function healProof(site: string, ranThrough: boolean, alive: boolean, removed: readonly RemoteEntry[]): Proof {
  return {
    ok: ranThrough && !alive,
    summary: !ranThrough
      ? `the watcher in ${site}'s controller had already exited when the window ended: L2 population was not broken throughout (it removed ${removed.length} remote FDB entries)`
      : alive
        ? `the watcher in ${site}'s controller still runs after the kill`
        : `watcher stopped in ${site}'s controller; it removed ${removed.length} remote FDB entries behind the API's back`,
    measured: { site, watcherRanThrough: ranThrough, watcherRunning: alive, removed },
  };
}

function controllerOf(env: FaultEnv, site: string): string {
  const n = env.plan.sites.find((s) => s.name === site)?.nodes.find((x) => x.role === 'controller');
  if (!n) throw new Error(`site ${site} has no controller: no L2 population to break`);
  return env.container(n.ref);
}

export const breakL2pop: FaultKind<typeof options> = {
  options,
  heals: true,
  action: false,
  target: (f) => ({ key: `l2pop ${f.site}`, sites: [f.site] }),
  validate: (f, s) => {
    const issues = siteExists(f, s);
    if (issues.length > 0) return issues;
    const site = s.sites.find((x) => x.name === f.site)!;
    return site.nodes.some((n) => n.role === 'controller') ? [] : [['site', `fault "${f.name}" breaks L2 population in site "${f.site}", which has no controller (no network API programs its kernel)`]];
  },
  inject: async (f, env) => {
    const ctl = controllerOf(env, f.site);
    const log = `/tmp/msh-break-l2pop-${f.name}.log`;
    const started = await env.runtime.exec(ctl, ['sh', '-c', START, 'sh', WATCHER, log]);
    if (started.exitCode !== 0) throw new Error(`starting the L2 population breaker in ${f.site}: ${(started.stderr || started.stdout).trim()}`);
    const pid = Number(started.stdout.trim().split('\n').pop());
    const alive = async () => (await env.runtime.exec(ctl, ['sh', '-c', `kill -0 ${pid}`])).exitCode === 0;
    const removed = async () => remoteEntries((await env.runtime.exec(ctl, ['cat', log])).stdout);
    const fdb = async () => remoteEntries((await env.runtime.exec(ctl, ['bridge', 'fdb', 'show'])).stdout);
    return {
      proof: injectProof(f.site, await alive(), await fdb(), await removed()),
      heal: async () => {
        const ranThrough = await alive();
        // The watcher is its own session: the group holds the monitor and the loops.
        await env.runtime.exec(ctl, ['sh', '-c', `kill -TERM -${pid} 2>/dev/null; for i in 1 2 3 4 5 6 7 8 9 10; do kill -0 ${pid} 2>/dev/null || exit 0; sleep 0.05; done; kill -KILL -${pid}`]);
        return healProof(f.site, ranThrough, await alive(), await removed());
      },
    };
  },
};
