// Starts each workload's agents inside their containers and turns every
// line they print into a history event as it arrives.
import { MOUNT } from '../paths.js';
import type { History, OpType } from '../observe/history.js';
import type { Runtime } from '../runtime/runtime.js';
import type { HeartbeatSpec } from '../scenario/schema.js';
import type { Deployment } from '../topology/deploy.js';

/** Agents keep running this long after the workload's end to collect the last replies. */
export const AGENT_DRAIN_MS = 1000;

export function startHeartbeat(w: HeartbeatSpec, d: Deployment, runtime: Runtime, durationMs: number, history: History): Promise<unknown>[] {
  const address = (ref: string) => d.plan.sites.flatMap((s) => s.nodes).find((n) => n.ref === ref)!.address;
  const ends = [
    [w.from, w.to],
    [w.to, w.from],
  ] as const;
  return ends.map(async ([self, peer]) => {
    const process = `${w.name}@${self}`;
    const cmd = ['node', `${MOUNT}/dist/agents/heartbeat.js`, '--peer', address(peer), '--port', String(w.port), '--interval', String(w.interval), '--duration', String(durationMs)];
    const r = await runtime.exec(d.containers.get(self)!, cmd, {
      onLine: (line) => {
        try {
          const e = JSON.parse(line) as { t: number; type: OpType; f: string; value: Record<string, unknown> };
          history.append({ t: e.t, kind: 'op', process, type: e.type, f: e.f, value: e.value });
        } catch {
          history.append({ t: performance.timeOrigin + performance.now(), kind: 'log', source: process, line });
        }
      },
    }).catch((err: Error) => ({ exitCode: -1, stderr: err.message, stdout: '' }));
    if (r.exitCode !== 0 && r.stderr.trim()) {
      history.append({ t: performance.timeOrigin + performance.now(), kind: 'log', source: process, line: `exit ${r.exitCode}: ${r.stderr.trim().slice(0, 500)}` });
    }
    return r;
  });
}
