// Identity writes and token issues at a rate in each region's Keystone, the
// Galera status of every identity database node as the node sees it, and,
// after the workload, an audit of every acknowledged write in every region.
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { now, type History, type HistoryEvent } from '../observe/history.js';
import type { Runtime } from '../runtime/runtime.js';
import type { IdentityRequestsSpec, Scenario } from '../scenario/schema.js';
import { clientRegions } from '../checks/identity-history.js';
import { GALERA_LAYOUT } from '../db/galera.js';
import { IdentityClient } from '../clients/identity.js';
import type { Deployment } from '../topology/deploy.js';
import { controllerOf, identityUrl, runsKeystone } from '../topology/identity.js';
import { runAgent } from './workload.js';

const AUDIT_WAIT_MS = 15_000;

function controllerContainer(d: Deployment, site: string): string {
  return d.containers.get(controllerOf(d.plan, site)!.ref)!;
}

export function startIdentityRequests(w: IdentityRequestsSpec, s: Scenario, d: Deployment, runtime: Runtime, history: History, adminToken: string, durationMs: number): Promise<void>[] {
  return clientRegions(s, w).map((region) => {
    const url = identityUrl(d.plan, s.identity!, region);
    const op = w.kind === 'writes' ? ['--op', 'user', '--auth', adminToken, '--prefix', `${w.name}-${region}`] : ['--op', 'token'];
    const args = [...op, '--url', url, '--rate', String(w.rate), '--timeout', String(w.timeout), '--duration', String(durationMs)];
    return runAgent(runtime, controllerContainer(d, region), 'identity-ops', args, `${w.name}@${region}`, history);
  });
}

/** One status poller in every controller holding an identity Galera node. */
export function startWsrepProbes(d: Deployment, runtime: Runtime, history: History, durationMs: number): Promise<void>[] {
  const sites = d.plan.sites.filter((x) => controllerOf(d.plan, x.name)).map((x) => x.name);
  return sites.map((site) => runAgent(runtime, controllerContainer(d, site), 'wsrep', ['--socket', GALERA_LAYOUT.socket, '--duration', String(durationMs)], `wsrep@${site}`, history));
}

/** Names of users whose creation a writes workload saw acknowledged (201). */
export function acknowledgedWrites(h: readonly HistoryEvent[], w: IdentityRequestsSpec): string[] {
  return h.flatMap((e) => (e.kind === 'op' && e.f === 'write' && e.type === 'ok' && e.process.startsWith(`${w.name}@`) ? [String(e.value?.name)] : []));
}

/**
 * Every acknowledged write must be readable in every region whose Keystone
 * is still up; replication gets AUDIT_WAIT_MS to converge. One audit event
 * per region, with what is missing.
 */
export async function auditWrites(w: IdentityRequestsSpec, s: Scenario, d: Deployment, runtime: Runtime, history: History, adminToken: string): Promise<void> {
  const acked = new Set(acknowledgedWrites(history.events(), w));
  await Promise.all(
    clientRegions(s, w).map(async (region) => {
      if (!runsKeystone(s.identity!, region)) return;
      const alive = await runtime.pid(controllerContainer(d, region)).then(() => true, () => false);
      if (!alive) return history.append({ t: now(), kind: 'op', process: 'identity@harness', type: 'info', f: 'audit', value: { region, skipped: 'its controller is gone' } });
      const api = new IdentityClient({ socketPath: join(d.stateDir, 'sites', region, 'identity.sock') }).withToken(adminToken);
      const deadline = now() + AUDIT_WAIT_MS;
      let missing = [...acked];
      let error: string | undefined;
      for (;;) {
        try {
          const names = new Set((await api.listUsers()).map((u) => u.name));
          missing = [...acked].filter((n) => !names.has(n));
          error = undefined;
        } catch (err) {
          error = (err as Error).message;
        }
        if ((missing.length === 0 && !error) || now() >= deadline) break;
        await sleep(250);
      }
      history.append({ t: now(), kind: 'op', process: 'identity@harness', type: 'info', f: 'audit', value: { region, acked: acked.size, missing, ...(error ? { error } : {}) } });
    }),
  );
}
