// An auth middleware for a site's APIs, like keystonemiddleware's auth_token
// filter, and with the seed's gap closed: keystonemiddleware could not pick
// the identity endpoint among several keystones (bug 1488347, fixed by its
// `region_name` option). Here:
//
//  - the service user authenticates at `authUrl` (any keystone, possibly a
//    central one) and gets a token with the catalog;
//  - tokens are validated at the identity endpoint of `region` (and
//    `interface`, default internal) from that catalog, so validation stays
//    in the configured region: GET <endpoint>/auth/tokens?nocatalog with
//    X-Auth-Token (the service token) and X-Subject-Token (the request's);
//  - results are cached `cacheTimeSeconds` (keystonemiddleware's
//    token_cache_time, 300 s), never past the token's expiry; rejections
//    are cached too;
//  - a PKI token is validated offline: signature with the public key
//    (fetched once from <endpoint>/OS-SIMPLE-CERT/certificates), expiry, and
//    the revocation list (<endpoint>/auth/tokens/OS-PKI/revoked), refetched
//    when older than `revocationIntervalSeconds` (keystonemiddleware's
//    revocation_cache_time, 10 s) and checked before the cache.
//
// Missing or invalid token: 401 with keystonemiddleware's body and
// WWW-Authenticate; identity unreachable: 503. Every call to an identity
// endpoint is counted by URL (`stats()`), so a check can prove where
// validation went.
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { Middleware, Reply, RouteRequest } from '../http.js';
import { endpointFor } from './catalog.js';
import type { CatalogEntry, TokenBody } from './model.js';
import { parseIsotime } from './model.js';
import { isPkiToken, publicKeyFromPem, tokenHash, verifyToken } from './pki.js';
import type { KeyObject } from 'node:crypto';

export interface HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly text: string;
}
export type Transport = (method: string, url: string, headers: Readonly<Record<string, string>>, body?: string) => Promise<HttpResponse>;

export interface AuthMiddlewareOptions {
  /** The service user's keystone, e.g. http://198.18.1.2:5000/v3 */
  readonly authUrl: string;
  /** The region whose identity endpoint validates tokens (keystonemiddleware's region_name). */
  readonly region: string;
  readonly interface?: 'public' | 'internal' | 'admin';
  readonly username: string;
  readonly password: string;
  readonly projectName: string;
  readonly userDomainId?: string;
  readonly projectDomainId?: string;
  /** token_cache_time, seconds (default 300) */
  readonly cacheTimeSeconds?: number;
  /** revocation_cache_time, seconds (default 10) */
  readonly revocationIntervalSeconds?: number;
  /** Requests on the unix socket (the harness's own way in) skip the middleware. */
  readonly exemptUnix?: boolean;
  readonly now?: () => number;
  readonly transport?: Transport;
  readonly log?: (line: string) => void;
}

export interface AuthStats {
  readonly region: string;
  readonly authUrl: string;
  /** the identity endpoint picked for validation (null before the first request) */
  readonly validationUrl: string | null;
  /** online validations (GET .../auth/tokens), by URL */
  readonly validations: { total: number; byUrl: Record<string, number> };
  /** every request made to an identity endpoint, "METHOD url" -> count */
  readonly calls: Record<string, number>;
  readonly cache: { hits: number; misses: number; size: number };
  readonly offline: { validated: number; rejected: number };
  readonly accepted: number;
  readonly rejected: number;
}

/** What a valid token says about its caller (the X-* headers passed on). */
export interface CallerIdentity {
  readonly userId: string;
  readonly userName: string;
  readonly userDomainId: string;
  readonly projectId: string | null;
  readonly projectName: string | null;
  readonly projectDomainId: string | null;
  readonly roles: readonly string[];
  /** seconds */
  readonly expiresAt: number;
}

type CacheEntry = { readonly until: number; readonly identity: CallerIdentity | null };

const UNAUTHORIZED = { error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } };
const UNAVAILABLE = { error: { code: 503, title: 'Service Unavailable', message: 'The Keystone service is temporarily unavailable.' } };
/** Headers the middleware sets; a client's own copies are removed first. */
const IDENTITY_HEADERS = [
  'x-identity-status', 'x-user-id', 'x-user-name', 'x-user-domain-id', 'x-project-id', 'x-project-name', 'x-project-domain-id', 'x-roles', 'x-tenant-id', 'x-tenant-name', 'x-tenant',
];

export class IdentityUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IdentityUnavailable';
  }
}

export function identityFromBody(t: TokenBody): CallerIdentity {
  return {
    userId: t.user.id,
    userName: t.user.name,
    userDomainId: t.user.domain.id,
    projectId: t.project?.id ?? null,
    projectName: t.project?.name ?? null,
    projectDomainId: t.project?.domain.id ?? null,
    roles: (t.roles ?? []).map((r) => r.name),
    expiresAt: parseIsotime(t.expires_at),
  };
}

/** keystoneauth's rule: the versioned identity URL of a catalog entry ("http://h:5000/v3/" or "http://h:5000" -> "http://h:5000/v3"). */
export function versionedIdentityUrl(url: string): string {
  const u = url.replace(/\/+$/, '');
  return /\/v3$/.test(u) ? u : `${u}/v3`;
}

export class AuthMiddleware {
  private readonly o: AuthMiddlewareOptions;
  private readonly now: () => number;
  private readonly transport: Transport;
  private readonly cacheMs: number;
  private readonly revocationMs: number;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inflight = new Map<string, Promise<CallerIdentity | null>>();
  private service: { token: string; until: number; validationUrl: string } | null = null;
  private serviceLogin: Promise<{ token: string; until: number; validationUrl: string }> | null = null;
  private publicKey: KeyObject | null = null;
  private revoked: { at: number; hashes: Set<string> } | null = null;
  private revokedFetch: Promise<Set<string>> | null = null;
  private readonly counters = {
    validations: { total: 0, byUrl: {} as Record<string, number> },
    calls: {} as Record<string, number>,
    cache: { hits: 0, misses: 0 },
    offline: { validated: 0, rejected: 0 },
    accepted: 0,
    rejected: 0,
  };

  constructor(o: AuthMiddlewareOptions) {
    this.o = o;
    this.now = o.now ?? Date.now;
    this.transport = o.transport ?? httpTransport;
    this.cacheMs = (o.cacheTimeSeconds ?? 300) * 1000;
    this.revocationMs = (o.revocationIntervalSeconds ?? 10) * 1000;
  }

  stats(): AuthStats {
    const c = this.counters;
    return {
      region: this.o.region,
      authUrl: this.o.authUrl,
      validationUrl: this.service?.validationUrl ?? null,
      validations: { total: c.validations.total, byUrl: { ...c.validations.byUrl } },
      calls: { ...c.calls },
      cache: { ...c.cache, size: this.cache.size },
      offline: { ...c.offline },
      accepted: c.accepted,
      rejected: c.rejected,
    };
  }

  /** The middleware for a ServiceDefinition. */
  readonly handler: Middleware = async (req, next) => {
    if (req.transport === 'unix' && (this.o.exemptUnix || req.path.startsWith('/msh/'))) return next(req);
    const h = req.headers['x-auth-token'];
    const token = typeof h === 'string' && h !== '' ? h : null;
    let identity: CallerIdentity | null = null;
    if (token !== null) {
      try {
        identity = await this.authenticate(token);
      } catch (e) {
        this.o.log?.(`auth middleware: identity unavailable: ${e instanceof Error ? e.message : String(e)}`);
        return { status: 503, body: UNAVAILABLE };
      }
    }
    if (identity === null) {
      this.counters.rejected++;
      return this.unauthorized();
    }
    this.counters.accepted++;
    return next({ ...req, headers: withIdentity(req.headers, identity) });
  };

  private unauthorized(): Reply {
    return { status: 401, body: UNAUTHORIZED, headers: { 'WWW-Authenticate': `Keystone uri="${this.o.authUrl}"` } };
  }

  /** The caller behind a token, or null when the token is not valid. Throws IdentityUnavailable. */
  async authenticate(token: string): Promise<CallerIdentity | null> {
    const key = createHash('sha256').update(token).digest('hex');
    if (isPkiToken(token)) {
      const revoked = await this.revokedHashes();
      if (revoked.has(tokenHash(token))) {
        this.cache.set(key, { until: this.now() + this.cacheMs, identity: null });
        this.counters.offline.rejected++;
        return null;
      }
    }
    const hit = this.cache.get(key);
    if (hit && hit.until > this.now()) {
      this.counters.cache.hits++;
      return hit.identity;
    }
    this.cache.delete(key);
    this.counters.cache.misses++;
    let p = this.inflight.get(key);
    if (!p) {
      p = (isPkiToken(token) ? this.offline(token) : this.online(token)).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    const identity = await p;
    const until = identity ? Math.min(this.now() + this.cacheMs, identity.expiresAt * 1000) : this.now() + this.cacheMs;
    this.cache.set(key, { until, identity });
    return identity;
  }

  // ---------------------------------------------------------------- online (fernet, uuid)

  private async online(token: string, retried = false): Promise<CallerIdentity | null> {
    const svc = await this.serviceToken();
    const url = `${svc.validationUrl}/auth/tokens`;
    const r = await this.call('GET', `${url}?nocatalog`, { 'X-Auth-Token': svc.token, 'X-Subject-Token': token });
    this.counters.validations.total++;
    this.counters.validations.byUrl[url] = (this.counters.validations.byUrl[url] ?? 0) + 1;
    if (r.status === 200) return identityFromBody((JSON.parse(r.text) as { token: TokenBody }).token);
    if (r.status === 404 || r.status === 400) return null;
    if ((r.status === 401 || r.status === 403) && !retried) {
      this.service = null; // our own token expired or was revoked: log in again once
      return this.online(token, true);
    }
    throw new IdentityUnavailable(`GET ${url}: HTTP ${r.status}`);
  }

  private async serviceToken(): Promise<{ token: string; until: number; validationUrl: string }> {
    if (this.service && this.service.until > this.now()) return this.service;
    this.serviceLogin ??= this.login().finally(() => (this.serviceLogin = null));
    this.service = await this.serviceLogin;
    return this.service;
  }

  private async login(): Promise<{ token: string; until: number; validationUrl: string }> {
    const url = `${versionedIdentityUrl(this.o.authUrl)}/auth/tokens`;
    const body = JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: this.o.username, domain: { id: this.o.userDomainId ?? 'default' }, password: this.o.password } } },
        scope: { project: { name: this.o.projectName, domain: { id: this.o.projectDomainId ?? 'default' } } },
      },
    });
    const r = await this.call('POST', url, { 'Content-Type': 'application/json' }, body);
    const token = r.headers['x-subject-token'];
    if (r.status !== 201 || typeof token !== 'string') throw new IdentityUnavailable(`POST ${url}: HTTP ${r.status} ${r.text.slice(0, 200)}`);
    const t = (JSON.parse(r.text) as { token: TokenBody }).token;
    const iface = this.o.interface ?? 'internal';
    const ep = endpointFor((t.catalog ?? []) as CatalogEntry[], 'identity', this.o.region, iface);
    if (ep === null) throw new IdentityUnavailable(`no ${iface} identity endpoint for region ${this.o.region} in the catalog of ${this.o.authUrl}`);
    // keystoneauth re-authenticates shortly before expiry
    return { token, until: parseIsotime(t.expires_at) * 1000 - 30_000, validationUrl: versionedIdentityUrl(ep) };
  }

  // ---------------------------------------------------------------- offline (pki)

  private async offline(token: string): Promise<CallerIdentity | null> {
    const key = await this.pkiPublicKey();
    const v = verifyToken(key, token);
    const t = v.ok ? (v.body as { token?: TokenBody }).token : undefined;
    if (!t || parseIsotime(t.expires_at) * 1000 <= this.now()) {
      this.counters.offline.rejected++;
      return null;
    }
    this.counters.offline.validated++;
    return identityFromBody(t);
  }

  private async pkiPublicKey(): Promise<KeyObject> {
    if (this.publicKey) return this.publicKey;
    const svc = await this.serviceToken();
    const url = `${svc.validationUrl}/OS-SIMPLE-CERT/certificates`;
    const r = await this.call('GET', url, {});
    if (r.status !== 200) throw new IdentityUnavailable(`GET ${url}: HTTP ${r.status}`);
    this.publicKey = publicKeyFromPem(r.text);
    return this.publicKey;
  }

  private async revokedHashes(): Promise<Set<string>> {
    if (this.revoked && this.now() - this.revoked.at < this.revocationMs) return this.revoked.hashes;
    // One fetch at a time: requests arriving while the list is on its way wait for
    // it (without this, every request during a slow WAN round trip fetched it again).
    this.revokedFetch ??= this.fetchRevoked().finally(() => (this.revokedFetch = null));
    return this.revokedFetch;
  }

  private async fetchRevoked(): Promise<Set<string>> {
    const svc = await this.serviceToken();
    const url = `${svc.validationUrl}/auth/tokens/OS-PKI/revoked`;
    const r = await this.call('GET', url, { 'X-Auth-Token': svc.token });
    if (r.status !== 200) throw new IdentityUnavailable(`GET ${url}: HTTP ${r.status}`);
    const list = (JSON.parse(r.text) as { revoked: { id: string }[] }).revoked;
    this.revoked = { at: this.now(), hashes: new Set(list.map((x) => x.id)) };
    return this.revoked.hashes;
  }

  // ---------------------------------------------------------------- transport

  private async call(method: string, url: string, headers: Record<string, string>, body?: string): Promise<HttpResponse> {
    const k = `${method} ${url.replace(/\?.*$/, '')}`;
    this.counters.calls[k] = (this.counters.calls[k] ?? 0) + 1;
    try {
      return await this.transport(method, url, { Accept: 'application/json', ...headers }, body);
    } catch (e) {
      throw new IdentityUnavailable(`${method} ${url}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

function withIdentity(headers: IncomingHttpHeaders, id: CallerIdentity): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = { ...headers };
  for (const h of IDENTITY_HEADERS) delete out[h];
  out['x-identity-status'] = 'Confirmed';
  out['x-user-id'] = id.userId;
  out['x-user-name'] = id.userName;
  out['x-user-domain-id'] = id.userDomainId;
  out['x-roles'] = id.roles.join(',');
  if (id.projectId !== null) {
    out['x-project-id'] = id.projectId;
    out['x-tenant-id'] = id.projectId;
    out['x-project-name'] = id.projectName ?? '';
    out['x-project-domain-id'] = id.projectDomainId ?? '';
  }
  return out;
}

/** Plain HTTP (node:http), 5 s timeout. */
export const httpTransport: Transport = (method, url, headers, body) =>
  new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request(
      {
        host: u.hostname,
        port: Number(u.port || 80),
        method,
        path: `${u.pathname}${u.search}`,
        headers: { ...headers, ...(body !== undefined ? { 'Content-Length': String(Buffer.byteLength(body)) } : {}) },
        timeout: 5000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within 5000 ms`)));
    req.on('error', reject);
    req.end(body);
  });

/** For a RouteRequest-based test: the identity headers the middleware passed on. */
export function passedIdentity(req: RouteRequest): { userId: string | undefined; projectId: string | undefined; roles: string[] } {
  const g = (k: string) => (typeof req.headers[k] === 'string' ? (req.headers[k] as string) : undefined);
  return { userId: g('x-user-id'), projectId: g('x-project-id'), roles: (g('x-roles') ?? '').split(',').filter((x) => x !== '') };
}
