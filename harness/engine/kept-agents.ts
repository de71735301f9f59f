// The VNFs of a run left up (`msh up`): daemons of their containers, so they
// outlive the msh process and run until `msh down`. Each writes its events
// (the same JSON lines `msh run` turns into history events) to
// /var/log/msh/<name>.jsonl in its container, which `msh logs` prints, and
// which `msh up --workloads` follows into the run's history while they run
// (live: a member lost with its site takes its file with it).
import { MOUNT } from '../paths.js';
import type { History } from '../observe/history.js';
import type { Runtime } from '../runtime/runtime.js';
import type { Scenario } from '../scenario/schema.js';
import type { Deployment } from '../topology/deploy.js';
import type { Attachment } from '../topology/overlay.js';
import { startVnfs, vnfProcess } from './ha.js';
import { agentLine } from './workload.js';

export const KEPT_LOG_DIR = '/var/log/msh';

/** `vnf1@east/vnf-a` -> `vnf1`: a container holds one member of a VNF, so the name is unique in it. */
const logName = (process: string): string => process.split('@')[0]!;

/** Every kept agent: its container, log name and history process (`vnf1@east/vnf-a`, `vnf1-witness@users/witness`). */
function keptAgents(s: Scenario, d: Deployment): { container: string; name: string; process: string }[] {
  return s.vnfs.flatMap((v) =>
    [...v.members, ...(v.witness ? [v.witness] : [])].map((ref) => ({ container: d.containers.get(ref)!, name: logName(vnfProcess(v, ref)), process: vnfProcess(v, ref) })),
  );
}

/**
 * Each kept agent's events since it started, then as they come, into the
 * history, for `forMs`: `tail -F` in its container (one exec each), ended by
 * `timeout`, or by the container's death.
 */
export function followKeptVnfs(s: Scenario, d: Deployment, runtime: Runtime, history: History, forMs: number): Promise<void> {
  const seconds = (forMs / 1000).toFixed(1);
  return Promise.all(
    keptAgents(s, d).map((a) =>
      runtime.exec(a.container, ['timeout', seconds, 'tail', '-n', '+1', '-F', `${KEPT_LOG_DIR}/${a.name}.jsonl`], { onLine: agentLine(a.process, history) }).catch(() => undefined),
    ),
  ).then(() => undefined);
}

export async function startKeptVnfs(s: Scenario, attachments: readonly Attachment[], d: Deployment, runtime: Runtime): Promise<void> {
  // sh names the log after $0 and hands the agent its arguments untouched ("$@"): no quoting of the JSON config.
  const daemon = (container: string, agent: string, args: readonly string[], process: string) =>
    runtime.spawn(container, ['sh', '-c', `mkdir -p ${KEPT_LOG_DIR} && exec "$@" >>"${KEPT_LOG_DIR}/$0.jsonl" 2>&1`, logName(process), 'node', `${MOUNT}/dist/agents/${agent}.js`, ...args]);
  await Promise.all(startVnfs(s, attachments, d, daemon, undefined));
}

/** The role a member's events last reported (null before any). */
export function lastRole(lines: readonly string[]): string | null {
  let role: string | null = null;
  for (const l of lines) {
    try {
      const e = JSON.parse(l) as { f?: string; value?: { to?: unknown } };
      if (e.f === 'role' && typeof e.value?.to === 'string') role = e.value.to;
    } catch {
      // a line that is not an event (an agent's stderr)
    }
  }
  return role;
}

export interface KeptVnf {
  readonly vnf: string;
  /** Each member's role, as it last reported. */
  readonly roles: Readonly<Record<string, string | null>>;
}

/** Each VNF's members and their roles, read from their logs (`gone`: the container is). */
export async function keptVnfRoles(s: Scenario, containers: ReadonlyMap<string, string>, runtime: Runtime): Promise<KeptVnf[]> {
  return Promise.all(
    s.vnfs.map(async (v) => {
      const roles: Record<string, string | null> = {};
      for (const ref of v.members) {
        const r = await runtime.exec(containers.get(ref)!, ['cat', `${KEPT_LOG_DIR}/${v.name}.jsonl`]).catch(() => null);
        roles[ref] = r === null ? 'gone' : lastRole(r.stdout.split('\n'));
      }
      return { vnf: v.name, roles };
    }),
  );
}

/** `east/vnf-a active, west/vnf-b standby`. */
export const rolesText = (v: KeptVnf): string => Object.entries(v.roles).map(([ref, role]) => `${ref} ${role ?? 'no role yet'}`).join(', ');

/**
 * Polls until every VNF has an active member and every member has reported
 * a role (the standby's can come a moment after the active's: printing then
 * said "no role yet"); the last roles read, whether or not they got there.
 * `ok`: every VNF has an active member.
 */
export async function awaitKeptActives(s: Scenario, d: Deployment, runtime: Runtime, timeoutMs: number): Promise<{ ok: boolean; vnfs: KeptVnf[] }> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const vnfs = await keptVnfRoles(s, d.containers, runtime);
    const ok = vnfs.every((v) => Object.values(v.roles).includes('active'));
    const settled = ok && vnfs.every((v) => Object.values(v.roles).every((r) => r !== null));
    if (settled || performance.now() > deadline) return { ok, vnfs };
    await new Promise((r) => setTimeout(r, 200));
  }
}
