// ID-MIDDLEWARE-REGION (seed: multisite-identity-service-management.rst),
// validation through the site APIs' auth middleware (tokens workload with
// `via: service`): the seed's gap, bug 1488347: keystonemiddleware could not
// pick the Keystone of its region. Decided from the middleware's own
// counters (GET /msh/auth-stats, one `auth-stats` event per site after the
// workload): every online validation went to an identity endpoint in the
// site's own region, or the token was validated offline (PKI). Calls that
// are not validations (service login, PKI certificate and revocation list)
// are reported apart, with the region they went to.
import { z } from 'zod';
import type { OpEvent } from '../../observe/history.js';
import { contains, parseCidr } from '../../scenario/cidr.js';
import type { Plan } from '../../topology/plan.js';
import type { Checker } from '../context.js';
import { MIN_VALIDATIONS, tokensOf, validatingRegions } from '../identity-history.js';
import { requestKind } from '../identity-traffic.js';
import type { CheckKind, SpecOf } from '../kind.js';
import { checkFields, workload } from '../options.js';
import type { Status } from '../verdict.js';

const options = z.strictObject({
  ...checkFields('middleware-region'),
  workload: workload('tokens'),
});

/** The middleware's counters as /msh/auth-stats reports them (services/identity/middleware.ts AuthStats). */
interface AuthStatsValue {
  readonly region?: string;
  readonly validationUrl?: string | null;
  readonly validations?: { readonly total?: number; readonly byUrl?: Readonly<Record<string, number>> };
  readonly calls?: Readonly<Record<string, number>>;
  readonly cache?: { readonly hits?: number; readonly misses?: number };
  readonly offline?: { readonly validated?: number; readonly rejected?: number };
  readonly accepted?: number;
  readonly rejected?: number;
}

/** The site whose subnet holds a URL's host, or the host itself when no site does. */
export function siteOfUrl(plan: Plan, url: string): string {
  const host = /^[a-z]+:\/\/([^/:]+)/.exec(url)?.[1] ?? url;
  const addr = parseCidr(`${host}/32`);
  // A site's subnet was validated with the scenario: it parses.
  const site = addr ? plan.sites.find((s) => contains(parseCidr(s.subnet)!, addr)) : undefined;
  return site?.name ?? host;
}

const add = (m: Record<string, number>, k: string, n: number) => (m[k] = (m[k] ?? 0) + n);

const check: Checker<SpecOf<typeof options>> = (h, ctx) => {
  const w = tokensOf(ctx);
  if (w.via !== 'service') return { status: 'unknown', summary: `workload ${w.name} validates at the identity API directly (via: identity): no middleware was in the path; use via: service`, evidence: {} };
  const rows = validatingRegions(ctx, w).map((region) => {
    const e = h.filter((x): x is OpEvent => x.kind === 'op' && x.process === `auth@${region}` && x.f === 'auth-stats').at(-1);
    if (!e || e.type !== 'info') return { region, status: 'unknown' as Status, note: e ? `no counters: ${String(e.value?.error)}` : 'no auth-stats recorded' };
    const s = (e.value ?? {}) as AuthStatsValue;
    const onlineBySite: Record<string, number> = {};
    for (const [url, n] of Object.entries(s.validations?.byUrl ?? {})) add(onlineBySite, siteOfUrl(ctx.plan, url), n);
    // Calls other than validations, by the region they went to ("GET revocation-list @ east").
    const otherCalls: Record<string, number> = {};
    for (const [call, n] of Object.entries(s.calls ?? {})) {
      const [method = '', url = ''] = call.split(' ');
      const kind = requestKind(`${method} ${new URL(url, 'http://x').pathname}`);
      if (kind !== 'validation') add(otherCalls, `${kind} @ ${siteOfUrl(ctx.plan, url)}`, n);
    }
    const remote = Object.entries(onlineBySite).filter(([site]) => site !== region);
    const online = Object.values(onlineBySite).reduce((a, b) => a + b, 0);
    const offline = (s.offline?.validated ?? 0) + (s.offline?.rejected ?? 0);
    const decisions = (s.accepted ?? 0) + (s.rejected ?? 0);
    // Where validation goes is only seen when one happened (online or offline); answers all from the cache show nothing.
    const status: Status = remote.length > 0 ? 'fail' : decisions < MIN_VALIDATIONS || online + offline === 0 ? 'unknown' : 'pass';
    return {
      region,
      status,
      configuredRegion: s.region ?? null,
      validationUrl: s.validationUrl ?? null,
      decisions,
      online,
      onlineBySite,
      remoteOnline: remote.reduce((a, [, n]) => a + n, 0),
      offline,
      cacheHits: s.cache?.hits ?? 0,
      otherCalls,
    };
  });
  const text = (r: (typeof rows)[number]): string => {
    if ('note' in r) return `${r.region}: unknown (${r.note})`;
    const where = Object.entries(r.onlineBySite).map(([site, n]) => `${n} at ${site}`).join(', ') || 'none';
    const other = Object.entries(r.otherCalls).map(([k, n]) => `${n} ${k}`).join(', ');
    return `${r.region}: ${r.decisions} requests authenticated, online validations ${where}, offline ${r.offline}, cache hits ${r.cacheHits}${other ? `; other identity calls: ${other}` : ''}`;
  };
  const bad = rows.filter((r) => r.status === 'fail');
  const evidence = { rows };
  if (bad.length) return { status: 'fail', summary: `validation left the region: ${bad.map(text).join('; ')}`, evidence };
  if (rows.some((r) => r.status === 'unknown')) return { status: 'unknown', summary: rows.map(text).join('; '), evidence };
  return { status: 'pass', summary: `every validation stayed in its region (own endpoint or offline): ${rows.map(text).join('; ')}`, evidence };
};

export const middlewareRegion: CheckKind<typeof options> = {
  options,
  requirements: ['ID-MIDDLEWARE-REGION'],
  needs: { workloads: ['tokens'] },
  check,
};
