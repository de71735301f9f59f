// A scenario's workloads: what they need before they start (the token under
// test, bad-token corpora), starting every agent at once, and what is read
// back once they are done (middleware counters, the audit of writes).
import { now, type History } from '../observe/history.js';
import type { Runtime } from '../runtime/runtime.js';
import type { Scenario } from '../scenario/schema.js';
import type { Deployment } from '../topology/deploy.js';
import type { Overlays } from '../topology/overlays.js';
import { prepareBadTokens, startBadTokens, type BadTokenCorpus } from './bad-tokens.js';
import { startCalls, startVipProbes } from './ha.js';
import { planAttachments } from '../topology/overlay.js';
import { checkKind } from '../checks/registry.js';
import { auditWrites, startIdentityRequests, startWsrepProbes } from './identity-requests.js';
import { runRemotePortCrud } from './remote-port-crud.js';
import { prepareTokens, recordAuthStats, startTokens, type Tokens } from './tokens.js';
import { AGENT_DRAIN_MS, startHeartbeat } from './workload.js';

export interface Prepared {
  readonly tokens?: Tokens;
  readonly corpora: ReadonlyMap<string, BadTokenCorpus>;
}

export async function prepareWorkloads(s: Scenario, d: Deployment, history: History): Promise<Prepared> {
  const tokens = s.identity ? await prepareTokens(s, d, history) : undefined;
  const corpora = new Map<string, BadTokenCorpus>();
  for (const w of s.workload) if (w.kind === 'bad-tokens') corpora.set(w.name, await prepareBadTokens(w, s, d, tokens!.service, history));
  return { ...(tokens ? { tokens } : {}), corpora };
}

/** Starts every workload's agents; each promise settles when its agent is done. */
export function startWorkloads(s: Scenario, d: Deployment, runtime: Runtime, history: History, p: Prepared, overlays: Overlays | undefined): Promise<void>[] {
  const agents = s.workload.flatMap((w) => {
    switch (w.kind) {
      case 'heartbeat':
        return startHeartbeat(w, d, runtime, s.duration, history);
      case 'calls':
        return [startCalls(w, s, d, runtime, history, s.duration)];
      case 'tokens':
        return startTokens(w, s, d, runtime, history, p.tokens!, s.duration);
      case 'bad-tokens':
        return startBadTokens(w, s, d, runtime, history, p.corpora.get(w.name)!, s.duration);
      case 'writes':
      case 'issue':
        return startIdentityRequests(w, s, d, runtime, history, p.tokens!.service, s.duration);
      case 'remote-port-crud':
        // A step that throws is already in the history as its op's fail; the check reads it there.
        return [runRemotePortCrud(w, s, d, runtime, overlays!, history).catch((err: Error) => history.append({ t: now(), kind: 'log', source: `${w.name}@harness`, line: `stopped: ${err.message}` }))];
    }
  });
  if (s.checks.some((c) => checkKind(c.kind).needs.probes?.includes('wsrep'))) agents.push(...startWsrepProbes(d, runtime, history, s.duration + AGENT_DRAIN_MS));
  agents.push(...startVipProbes(s, planAttachments(s), d, runtime, history, overlays, s.duration));
  return agents;
}

/** What the checks read back once the agents are done. */
export async function afterWorkloads(s: Scenario, d: Deployment, runtime: Runtime, history: History, p: Prepared): Promise<void> {
  await recordAuthStats(s, d, history);
  for (const w of s.workload) if (w.kind === 'writes') await auditWrites(w, s, d, runtime, history, p.tokens!.service);
}
