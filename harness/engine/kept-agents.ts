// The VNFs of a run left up (`msh up`): daemons of their containers, so they
// outlive the msh process and run until `msh down`. Each writes its events
// (the same JSON lines `msh run` turns into history events) to
// /var/log/msh/<name>.jsonl in its container, which `msh logs` prints.
import { MOUNT } from '../paths.js';
import type { Runtime } from '../runtime/runtime.js';
import type { Scenario } from '../scenario/schema.js';
import type { Deployment } from '../topology/deploy.js';
import type { Attachment } from '../topology/overlay.js';
import { startVnfs } from './ha.js';

export const KEPT_LOG_DIR = '/var/log/msh';

/** `vnf1@east/vnf-a` -> `vnf1`: a container holds one member of a VNF, so the name is unique in it. */
const logName = (process: string): string => process.split('@')[0]!;

export async function startKeptVnfs(s: Scenario, attachments: readonly Attachment[], d: Deployment, runtime: Runtime): Promise<void> {
  await Promise.all(
    startVnfs(s, attachments, d, (container, agent, args, process) =>
      runtime.spawn(container, ['sh', '-c', `mkdir -p ${KEPT_LOG_DIR} && exec "$@" >>"${KEPT_LOG_DIR}/$0.jsonl" 2>&1`, logName(process), 'node', `${MOUNT}/dist/agents/${agent}.js`, ...args]),
    undefined,
    ),
  );
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
  /** Members by role, as each last reported. */
  readonly roles: ReadonlyMap<string, string | null>;
}

/** Each VNF's members and their roles, read from their logs. */
export async function keptVnfRoles(s: Scenario, d: Deployment, runtime: Runtime): Promise<KeptVnf[]> {
  return Promise.all(
    s.vnfs.map(async (v) => {
      const roles = new Map<string, string | null>();
      for (const ref of v.members) {
        const r = await runtime.exec(d.containers.get(ref)!, ['cat', `${KEPT_LOG_DIR}/${v.name}.jsonl`]).catch(() => ({ stdout: '' }));
        roles.set(ref, lastRole(r.stdout.split('\n')));
      }
      return { vnf: v.name, roles };
    }),
  );
}

/** Polls until every VNF has an active member; the last roles read, whether or not they got there. */
export async function awaitKeptActives(s: Scenario, d: Deployment, runtime: Runtime, timeoutMs: number): Promise<{ ok: boolean; vnfs: KeptVnf[] }> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const vnfs = await keptVnfRoles(s, d, runtime);
    const ok = vnfs.every((v) => [...v.roles.values()].includes('active'));
    if (ok || performance.now() > deadline) return { ok, vnfs };
    await new Promise((r) => setTimeout(r, 200));
  }
}
