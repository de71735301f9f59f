// Runs agents inside their containers and turns every line they print into a
// history event as it arrives.
import { MOUNT } from '../paths.js';
import { now, type History, type OpType } from '../observe/history.js';
import type { Runtime } from '../runtime/runtime.js';
import type { HeartbeatSpec } from '../scenario/schema.js';
import type { Deployment } from '../topology/deploy.js';

/** Agents keep running this long after the workload's end to collect the last replies. */
export const AGENT_DRAIN_MS = 1000;

/** An agent's output line as a history event: its event (op), or a log line. */
export function agentLine(process: string, history: History): (line: string) => void {
  return (line) => {
    try {
      const e = JSON.parse(line) as { t: number; type: OpType; f: string; value: Record<string, unknown> };
      history.append({ t: e.t, kind: 'op', process, type: e.type, f: e.f, value: e.value });
    } catch {
      history.append({ t: now(), kind: 'log', source: process, line });
    }
  };
}

/** Runs `node <agent> args...` in a container; resolves when the agent exits (or its container dies). */
export async function runAgent(runtime: Runtime, container: string, agent: string, args: readonly string[], process: string, history: History): Promise<void> {
  const cmd = ['node', `${MOUNT}/dist/agents/${agent}.js`, ...args];
  const r = await runtime.exec(container, cmd, { onLine: agentLine(process, history) }).catch((err: Error) => ({ exitCode: -1, stderr: err.message, stdout: '' }));
  if (r.exitCode !== 0 && r.stderr.trim()) {
    history.append({ t: now(), kind: 'log', source: process, line: `exit ${r.exitCode}: ${r.stderr.trim().slice(0, 500)}` });
  }
}

export function startHeartbeat(w: HeartbeatSpec, d: Deployment, runtime: Runtime, durationMs: number, history: History): Promise<void>[] {
  const address = (ref: string) => d.plan.sites.flatMap((s) => s.nodes).find((n) => n.ref === ref)!.address;
  return [
    [w.from, w.to],
    [w.to, w.from],
  ].map(([self, peer]) =>
    runAgent(runtime, d.containers.get(self!)!, 'heartbeat', ['--peer', address(peer!), '--port', String(w.port), '--interval', String(w.interval), '--duration', String(durationMs)], `${w.name}@${self}`, history),
  );
}
