// The token workload: a user logs in once at the one auth URL; the token is
// then validated in every region against that region's identity endpoint
// (its own Keystone, or the central one), by an agent in the region; or,
// `via: service`, through the region's network API and its auth middleware.
import type { IdentityActions } from '../faults/kind.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { now, type History } from '../observe/history.js';
import type { Runtime } from '../runtime/runtime.js';
import type { Scenario, TokensSpec } from '../scenario/schema.js';
import { IdentityClient } from '../clients/identity.js';
import type { Deployment } from '../topology/deploy.js';
import { controllerOf, identityUrl } from '../topology/identity.js';
import { runAgent } from './workload.js';
import { request } from 'node:http';
import { NETWORK_PORT } from '../services/network/api.js';
import { middlewareOn } from '../topology/auth-middleware.js';

/** How long, and how often, the revoking region is read back until it refuses the revoked token. */
const READ_BACK_MS = 5000;
const READ_BACK_EVERY_MS = 50;

export interface Tokens {
  readonly service: string; // the validating services' own token (X-Auth-Token)
  readonly subject: string; // the user's token under test (X-Subject-Token)
  revoke: IdentityActions['revoke'];
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
      const api = clientAt(d, where).withToken(service!.token!);
      await api.revoke(issued.token);
      // The read-back is the proof: the same region must now refuse the token.
      // Read again until it does (or READ_BACK_MS passed): a region that reads
      // an async replica (star, multi-cluster) sees its own revocation only
      // once replication brings it back (ci: a follower region answered 200
      // on the read right after the DELETE). The fault's time stays when the
      // DELETE began; how long the region took is in the proof.
      const deleted = now();
      let readBack = 0;
      let reads = 0;
      do {
        if (reads > 0) await sleep(READ_BACK_EVERY_MS);
        readBack = await api.check(issued.token).then((valid) => (valid ? 200 : 404), (err: { status?: number }) => err.status ?? 0);
        reads++;
      } while (readBack !== 404 && now() - deleted < READ_BACK_MS);
      return { revokedIn: where, readBack, readBackAt: now(), readBackMs: Math.round(now() - deleted), reads };
    },
  };
}

export function startTokens(w: TokensSpec, s: Scenario, d: Deployment, runtime: Runtime, history: History, t: Tokens, durationMs: number): Promise<void>[] {
  const regions = w.regions ?? d.plan.sites.filter((x) => controllerOf(d.plan, x.name)).map((x) => x.name);
  return regions.map((region) => {
    const ctl = controllerOf(d.plan, region)!;
    // via service: the region's own network API, whose auth middleware validates (as a Neutron would).
    const target = w.via === 'service' ? ['--via', 'service', '--url', `http://${ctl.address}:${NETWORK_PORT}`] : ['--url', identityUrl(d.plan, s.identity!, region), '--auth', t.service];
    return runAgent(runtime, d.containers.get(ctl.ref)!, 'tokens', [...target, '--subject', t.subject, '--rate', String(w.rate), '--duration', String(durationMs)], `${w.name}@${region}`, history);
  });
}

/** GET on a site's unix socket (the harness's way in, no token: the middleware exempts it). */
function getUnix(socketPath: string, path: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: 'GET', headers: { Accept: 'application/json' }, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: no answer within 5000 ms`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * After the workload: each site's auth middleware counters (GET
 * /msh/auth-stats on network.sock), one `auth-stats` event per site, so the
 * middleware-region check can say where validation went. A site that does
 * not answer (lost) gets an event saying why.
 */
export async function recordAuthStats(s: Scenario, d: Deployment, history: History): Promise<void> {
  if (!middlewareOn(s)) return;
  for (const site of d.plan.sites.filter((x) => controllerOf(d.plan, x.name)).map((x) => x.name)) {
    const process = `auth@${site}`;
    try {
      const r = await getUnix(join(d.stateDir, 'sites', site, 'network.sock'), '/msh/auth-stats');
      if (r.status !== 200) throw new Error(`HTTP ${r.status}: ${r.text.slice(0, 200)}`);
      history.append({ t: now(), kind: 'op', process, type: 'info', f: 'auth-stats', value: JSON.parse(r.text) as Record<string, unknown> });
    } catch (err) {
      history.append({ t: now(), kind: 'op', process, type: 'fail', f: 'auth-stats', value: { error: (err as Error).message } });
    }
  }
}

/**
 * After a key rotation: a fresh token issued in every region (each with its
 * own primary key) and validated in every region. The token under test was
 * issued before the rotation; only fresh ones exercise the new primary and
 * staged keys on both sides.
 */
export async function probeFreshTokens(d: Deployment, history: History, rotatedIn: string): Promise<void> {
  const regions = d.plan.sites.filter((x) => controllerOf(d.plan, x.name)).map((x) => x.name);
  for (const issuedIn of regions) {
    let fresh: string;
    try {
      fresh = (await clientAt(d, issuedIn).issuePassword({ name: ADMIN.user, domain: { id: 'default' } }, ADMIN.password, { project: { name: ADMIN.project, domain: { id: 'default' } } }, { nocatalog: true })).token;
    } catch (err) {
      history.append({ t: now(), kind: 'op', process: `key-probe@${issuedIn}`, type: 'fail', f: 'issue', value: { rotatedIn, issuedIn, error: (err as Error).message } });
      continue;
    }
    await Promise.all(
      regions.map(async (region) => {
        const sent = now();
        // The fresh token authenticates its own validation: a region that cannot read it answers 401 or 404.
        const status = await clientAt(d, region).withToken(fresh).check(fresh).then((valid) => (valid ? 200 : 404), (err: { status?: number }) => err.status ?? 0);
        history.append({ t: now(), kind: 'op', process: `key-probe@${region}`, type: status === 200 ? 'ok' : 'fail', f: 'validate', value: { rotatedIn, issuedIn, status, sent } });
      }),
    );
  }
}
