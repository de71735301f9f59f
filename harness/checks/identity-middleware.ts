// Validation through the site APIs' auth middleware (tokens workload with
// `via: service`), seed: multisite-identity-service-management.rst:
//
//  - `middleware-region` (ID-MIDDLEWARE-REGION): the seed's gap, bug
//    1488347: keystonemiddleware could not pick the Keystone of its region.
//    Decided from the middleware's own counters (GET /msh/auth-stats, one
//    `auth-stats` event per site after the workload): every online
//    validation went to an identity endpoint in the site's own region, or
//    the token was validated offline (PKI). Calls that are not validations
//    (service login, PKI certificate and revocation list) are reported
//    apart, with the region they went to.
//  - `attributeIdentityHttp`: which identity requests crossed the WAN, so
//    local-validation can tell validation traffic from PKI's periodic
//    revocation-list fetches (both are identity packets).
import type { IdentityHttp } from '../observe/identity-http.js';
import type { OpEvent } from '../observe/history.js';
import { contains, parseCidr } from '../scenario/cidr.js';
import type { Plan } from '../topology/plan.js';
import type { Checker } from './context.js';
import { MIN_VALIDATIONS, tokensOf, validatingRegions } from './identity.js';
import type { Status } from './verdict.js';

// ---------------------------------------------------------------- requests on the WAN

export type IdentityRequestKind = 'validation' | 'revocation-list' | 'certificates' | 'token issue (login)' | 'other';

/** What an identity request is for, from its "METHOD /path". */
export function requestKind(line: string): IdentityRequestKind {
  const [method, path = ''] = line.split(' ');
  const p = path.replace(/\/+$/, '');
  if (/\/auth\/tokens\/OS-PKI\/revoked$/.test(p)) return 'revocation-list';
  if (/\/OS-SIMPLE-CERT\//.test(p)) return 'certificates';
  if (/\/auth\/tokens$/.test(p) && (method === 'GET' || method === 'HEAD')) return 'validation';
  if (/\/auth\/tokens$/.test(p) && method === 'POST') return 'token issue (login)';
  return 'other';
}

/** Requests a service makes on a timer or once, whatever the number of validations. */
const BACKGROUND: ReadonlySet<IdentityRequestKind> = new Set(['revocation-list', 'certificates', 'token issue (login)']);

export interface IdentityHttpAttribution {
  /** requests seen crossing, by kind */
  readonly requests: Readonly<Partial<Record<IdentityRequestKind, number>>>;
  /** packets on connections that carried a validation */
  readonly validationPackets: number;
  /** packets on connections that carried only background requests */
  readonly backgroundPackets: number;
  /** packets on connections with no request line seen, or other requests: not explained, so not excused */
  readonly unexplainedPackets: number;
}

export function attributeIdentityHttp(http: readonly IdentityHttp[]): IdentityHttpAttribution {
  const requests: Partial<Record<IdentityRequestKind, number>> = {};
  for (const h of http) for (const [line, n] of Object.entries(h.requests)) requests[requestKind(line)] = (requests[requestKind(line)] ?? 0) + n;
  let validationPackets = 0;
  let backgroundPackets = 0;
  let unexplainedPackets = 0;
  for (const c of http.flatMap((h) => h.connections)) {
    const kinds = c.requests === 'unattributed' ? [] : c.requests.split(' + ').map(requestKind);
    if (kinds.includes('validation')) validationPackets += c.packets;
    else if (kinds.length > 0 && kinds.every((k) => BACKGROUND.has(k))) backgroundPackets += c.packets;
    else unexplainedPackets += c.packets;
  }
  return { requests, validationPackets, backgroundPackets, unexplainedPackets };
}

// ---------------------------------------------------------------- middleware region

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
  const site = addr ? plan.sites.find((s) => { const net = parseCidr(s.subnet); return net !== null && contains(net, addr); }) : undefined;
  return site?.name ?? host;
}

const add = (m: Record<string, number>, k: string, n: number) => (m[k] = (m[k] ?? 0) + n);

export const middlewareRegion: Checker = (h, ctx) => {
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
    if (r.onlineBySite === undefined || r.otherCalls === undefined) return `${r.region}: unknown (${r.note})`;
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
