// The token workload: a user logs in once at the one auth URL; the token is
// then validated in every region against that region's identity endpoint
// (its own Keystone, or the central one), by an agent in the region.
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { now, type History } from '../observe/history.js';
import type { Runtime } from '../runtime/runtime.js';
import type { Scenario, TokensSpec } from '../scenario/schema.js';
import { IdentityClient } from '../services/identity/client.js';
import type { Deployment } from '../topology/deploy.js';
import { controllerOf, identityUrl } from '../topology/identity.js';
import { runAgent } from './workload.js';

export interface Tokens {
  readonly service: string; // the validating services' own token (X-Auth-Token)
  readonly subject: string; // the user's token under test (X-Subject-Token)
  revoke(site: string): Promise<Record<string, unknown>>;
}

export const ADMIN = { user: 'admin', password: 'admin', project: 'admin' };

export function clientAt(d: Deployment, site: string): IdentityClient {
  return new IdentityClient({ socketPath: join(d.stateDir, 'sites', site, 'identity.sock') });
}

/** Logs in at the auth site (retrying while its Keystone finishes bootstrapping) and issues the token under test. */
export async function prepareTokens(s: Scenario, d: Deployment, history: History): Promise<Tokens> {
  const id = s.identity!;
  const api = clientAt(d, id.site);
  let service: IdentityClient | undefined;
  for (let i = 0; ; i++) {
    try {
      service = await api.login(ADMIN.user, ADMIN.password, ADMIN.project);
      break;
    } catch (err) {
      if (i >= 100) throw new Error(`cannot log in at the identity service of ${id.site}: ${(err as Error).message}`);
      await sleep(100);
    }
  }
  const issued = await api.issuePassword({ name: ADMIN.user, domain: { id: 'default' } }, ADMIN.password, { project: { name: ADMIN.project, domain: { id: 'default' } } });
  history.append({ t: now(), kind: 'op', process: 'identity@harness', type: 'info', f: 'issue', value: { provider: id.provider, site: id.site, size: issued.token.length, catalogEntries: issued.body.catalog?.length ?? 0 } });
  return {
    service: service.token!,
    subject: issued.token,
    revoke: async (site) => {
      const where = s.identity!.placement === 'distributed' ? site : id.site;
      await clientAt(d, where).withToken(service!.token!).revoke(issued.token);
      return { revokedIn: where, tokenBytes: issued.token.length };
    },
  };
}

export function startTokens(w: TokensSpec, s: Scenario, d: Deployment, runtime: Runtime, history: History, t: Tokens, durationMs: number): Promise<void>[] {
  const regions = w.regions ?? d.plan.sites.filter((x) => controllerOf(d.plan, x.name)).map((x) => x.name);
  return regions.map((region) =>
    runAgent(
      runtime,
      d.containers.get(controllerOf(d.plan, region)!.ref)!,
      'tokens',
      ['--url', identityUrl(d.plan, s.identity!, region), '--auth', t.service, '--subject', t.subject, '--rate', String(w.rate), '--duration', String(durationMs)],
      `${w.name}@${region}`,
      history,
    ),
  );
}
