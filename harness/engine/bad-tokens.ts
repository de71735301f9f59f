// The bad-token workload: before the workload starts, the harness issues a
// control token and a token it then revokes through the API (waiting until
// every validating region's Keystone rejects it), reads the provider's
// secrets from the auth site's state dir, builds the corpus
// (bad-token-corpus.ts) and records it; then the token agent in every region
// validates each corpus token in turn at that region's identity endpoint.
import { createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { now, type History } from '../observe/history.js';
import type { Runtime } from '../runtime/runtime.js';
import type { BadTokensSpec, Scenario } from '../scenario/schema.js';
import { load } from '../services/identity/keys.js';
import type { Deployment } from '../topology/deploy.js';
import { controllerOf, identityUrl, runsKeystone } from '../topology/identity.js';
import { buildCorpus, type CorpusToken, type ProviderSecrets } from './bad-token-corpus.js';
import { ADMIN, clientAt } from './tokens.js';
import { runAgent } from './workload.js';

/** A revocation that has not reached a region's Keystone by then fails the run's preparation. */
const REVOCATION_TIMEOUT_MS = 10_000;

export interface BadTokenCorpus {
  readonly service: string;
  readonly subjects: readonly CorpusToken[];
}

function regionsOf(w: BadTokensSpec, d: Deployment): string[] {
  return w.regions ?? d.plan.sites.filter((x) => controllerOf(d.plan, x.name)).map((x) => x.name);
}

async function secretsOf(s: Scenario, d: Deployment): Promise<ProviderSecrets> {
  const id = s.identity!;
  const dir = join(d.stateDir, 'sites', id.site);
  switch (id.provider) {
    case 'fernet':
      return { provider: 'fernet', keys: await load(join(dir, 'fernet-keys')) };
    case 'pki':
      return { provider: 'pki', privateKey: createPrivateKey(await readFile(join(dir, 'pki-keys', 'private.pem'), 'utf8')) };
    case 'uuid':
      return { provider: 'uuid' };
  }
}

/** Polls every Keystone the regions validate at until each rejects `token`; the time it took. */
async function awaitRevoked(d: Deployment, keystones: readonly string[], service: string, token: string): Promise<number> {
  const t0 = now();
  for (const site of keystones) {
    const api = clientAt(d, site).withToken(service);
    while (await api.check(token)) {
      if (now() - t0 > REVOCATION_TIMEOUT_MS) throw new Error(`the revoked token is still accepted by the Keystone of ${site} ${REVOCATION_TIMEOUT_MS} ms after the revocation`);
      await sleep(20);
    }
  }
  return now() - t0;
}

export async function prepareBadTokens(w: BadTokensSpec, s: Scenario, d: Deployment, service: string, history: History): Promise<BadTokenCorpus> {
  const id = s.identity!;
  const api = clientAt(d, id.site);
  const issue = async () => (await api.issuePassword({ name: ADMIN.user, domain: { id: 'default' } }, ADMIN.password, { project: { name: ADMIN.project, domain: { id: 'default' } } })).token;
  const valid = await issue();
  const revoked = await issue();
  await api.withToken(service).revoke(revoked);
  const keystones = [...new Set(regionsOf(w, d).map((r) => (runsKeystone(id, r) ? r : id.site)))];
  const revocationReachedAllMs = Math.round(await awaitRevoked(d, keystones, service, revoked));
  const corpus = buildCorpus({ secrets: await secretsOf(s, d), valid, revoked, now: Date.now() / 1000 });
  history.append({
    t: now(),
    kind: 'op',
    process: `${w.name}@harness`,
    type: 'info',
    f: 'corpus',
    value: {
      provider: id.provider,
      tokens: corpus.tokens.map((t) => ({ label: t.label, bytes: t.token.length, how: t.how })),
      skipped: corpus.skipped,
      revocationReachedAllMs,
      keystones,
    },
  });
  return { service, subjects: corpus.tokens };
}

export function startBadTokens(w: BadTokensSpec, s: Scenario, d: Deployment, runtime: Runtime, history: History, c: BadTokenCorpus, durationMs: number): Promise<void>[] {
  const subjects = c.subjects.flatMap((t) => ['--subject', `${t.label}=${t.token}`]);
  return regionsOf(w, d).map((region) =>
    runAgent(
      runtime,
      d.containers.get(controllerOf(d.plan, region)!.ref)!,
      'tokens',
      ['--url', identityUrl(d.plan, s.identity!, region), '--auth', c.service, ...subjects, '--rate', String(w.rate), '--duration', String(durationMs), ...(w.allowExpired ? ['--allow-expired'] : [])],
      `${w.name}@${region}`,
      history,
    ),
  );
}
