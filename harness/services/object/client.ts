// A Swift client (auth v1, the object API) on Node built-ins only: it runs
// on the host and inside controllers (the volume service backs up across
// the WAN to the backup site's proxy).
//
// Decisions:
// - Auth v1 (tempauth): GET <authUrl> with X-Auth-User/X-Auth-Key gives
//   X-Storage-Url and X-Auth-Token. A 401 on any later request re-authenticates
//   once and retries (tokens expire, memcached may have restarted).
// - Every request has a timeout (default 5 s): an inactivity timeout on the
//   socket, connect included, so an unreachable or cut site fails in bounded
//   time while a large object on a slow but live link still gets through.
// - putObject sends the body's MD5 as ETag (Swift answers 422 if what it
//   stored differs) and also checks the ETag Swift answers with, as Cinder's
//   Swift driver does: a mismatch throws.
import { createHash } from 'node:crypto';
import { request, type IncomingHttpHeaders } from 'node:http';

export const DEFAULT_TIMEOUT_MS = 5000;

/** A failed request; `status` is the HTTP status, or 0 when none came (refused, timed out, reset). */
export class SwiftError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'SwiftError';
    this.status = status;
  }
}

export interface SwiftConnectOptions {
  /** e.g. http://198.18.2.2:8080/auth/v1.0 */
  readonly authUrl: string;
  /** account:user, e.g. msh:backup */
  readonly user: string;
  readonly key: string;
  /** Per-request inactivity timeout (connect included); default 5000 ms. */
  readonly timeoutMs?: number;
}

export interface ObjectInfo {
  readonly etag: string;
  readonly length: number;
  readonly headers: Readonly<Record<string, string>>;
}

interface Response {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

function header(h: IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** Swift's ETag may come quoted; compare bare lowercase hex. */
function bareEtag(v: string | undefined): string {
  return (v ?? '').replace(/^"|"$/g, '').toLowerCase();
}

/** Object names hold '/': encode each segment, keep the separators. */
function encodePath(...parts: string[]): string {
  return parts.map((p) => p.split('/').map(encodeURIComponent).join('/')).join('/');
}

function send(method: string, url: URL, headers: Record<string, string>, body: Buffer | null, timeoutMs: number): Promise<Response> {
  return new Promise((resolve, reject) => {
    const what = `${method} ${url.pathname}`;
    const req = request(
      url,
      { method, headers: { ...headers, ...(body ? { 'content-length': String(body.length) } : {}) }, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', (e) => reject(new SwiftError(0, `${what}: ${e.message}`)));
      },
    );
    req.on('timeout', () => req.destroy(new SwiftError(0, `${what}: no answer within ${timeoutMs} ms (${url.host})`)));
    req.on('error', (e) => reject(e instanceof SwiftError ? e : new SwiftError(0, `${what}: ${e.message} (${url.host})`)));
    req.end(body ?? undefined);
  });
}

/** The object API of SwiftClient (what SwiftClient.lazy returns). */
export interface SwiftStore {
  ensureContainer(name: string): Promise<void>;
  putObject(container: string, name: string, body: Buffer, headers?: Record<string, string>): Promise<{ etag: string }>;
  getObject(container: string, name: string): Promise<Buffer>;
  headObject(container: string, name: string): Promise<ObjectInfo | null>;
  listObjects(container: string, prefix?: string): Promise<string[]>;
  deleteObject(container: string, name: string): Promise<void>;
}

export class SwiftClient implements SwiftStore {
  private readonly opts: SwiftConnectOptions;
  private readonly timeoutMs: number;
  private storageUrl = '';
  private token = '';

  private constructor(opts: SwiftConnectOptions) {
    this.opts = opts;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** Authenticates (auth v1) and returns a client on the account's storage URL. */
  static async connect(opts: SwiftConnectOptions): Promise<SwiftClient> {
    const c = new SwiftClient(opts);
    await c.authenticate();
    return c;
  }

  /**
   * A client that authenticates on first use (and again after a failed
   * attempt): a service can be started while the backup site is still
   * down or cut off, and each call then fails in bounded time instead.
   */
  static lazy(opts: SwiftConnectOptions): SwiftStore {
    let pending: Promise<SwiftClient> | null = null;
    const client = () => {
      pending ??= SwiftClient.connect(opts).catch((e: unknown) => {
        pending = null;
        throw e;
      });
      return pending;
    };
    return {
      ensureContainer: async (name) => (await client()).ensureContainer(name),
      putObject: async (c, n, body, headers) => (await client()).putObject(c, n, body, headers),
      getObject: async (c, n) => (await client()).getObject(c, n),
      headObject: async (c, n) => (await client()).headObject(c, n),
      listObjects: async (c, prefix) => (await client()).listObjects(c, prefix),
      deleteObject: async (c, n) => (await client()).deleteObject(c, n),
    };
  }

  /** The account's storage URL, as the auth service gave it. */
  get url(): string {
    return this.storageUrl;
  }

  private async authenticate(): Promise<void> {
    const r = await send('GET', new URL(this.opts.authUrl), { 'x-auth-user': this.opts.user, 'x-auth-key': this.opts.key }, null, this.timeoutMs);
    if (r.status < 200 || r.status > 299) throw new SwiftError(r.status, `auth as ${this.opts.user} at ${this.opts.authUrl}: HTTP ${r.status}`);
    const url = header(r.headers, 'x-storage-url');
    const token = header(r.headers, 'x-auth-token');
    if (!url || !token) throw new SwiftError(r.status, `auth at ${this.opts.authUrl}: no X-Storage-Url or X-Auth-Token in the answer`);
    this.storageUrl = url.replace(/\/+$/, '');
    this.token = token;
  }

  /** One request on the storage URL; a 401 re-authenticates once and retries. */
  private async call(method: string, path: string, opts: { headers?: Record<string, string>; body?: Buffer; query?: Record<string, string> } = {}): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      const url = new URL(`${this.storageUrl}/${path}`);
      for (const [k, v] of Object.entries(opts.query ?? {})) url.searchParams.set(k, v);
      const r = await send(method, url, { ...(opts.headers ?? {}), 'x-auth-token': this.token }, opts.body ?? null, this.timeoutMs);
      if (r.status !== 401 || attempt > 0) return r;
      await this.authenticate();
    }
  }

  private static fail(r: Response, what: string): never {
    const text = r.body.toString('utf8').slice(0, 200).trim();
    throw new SwiftError(r.status, `${what}: HTTP ${r.status}${text ? `: ${text}` : ''}`);
  }

  /** PUT container: 201 created, 202 already there. */
  async ensureContainer(name: string): Promise<void> {
    const r = await this.call('PUT', encodePath(name));
    if (r.status !== 201 && r.status !== 202) SwiftClient.fail(r, `PUT container ${name}`);
  }

  async putObject(container: string, name: string, body: Buffer, headers: Record<string, string> = {}): Promise<{ etag: string }> {
    const md5 = createHash('md5').update(body).digest('hex');
    const r = await this.call('PUT', encodePath(container, name), { body, headers: { 'content-type': 'application/octet-stream', ...headers, etag: md5 } });
    if (r.status !== 201) SwiftClient.fail(r, `PUT ${container}/${name}`);
    const etag = bareEtag(header(r.headers, 'etag'));
    if (etag !== md5) throw new SwiftError(r.status, `PUT ${container}/${name}: Swift's ETag ${etag || '(none)'} is not the MD5 sent (${md5})`);
    return { etag };
  }

  async getObject(container: string, name: string): Promise<Buffer> {
    const r = await this.call('GET', encodePath(container, name));
    if (r.status !== 200) SwiftClient.fail(r, `GET ${container}/${name}`);
    return r.body;
  }

  /** The object's ETag, length and headers; null when it does not exist. */
  async headObject(container: string, name: string): Promise<ObjectInfo | null> {
    const r = await this.call('HEAD', encodePath(container, name));
    if (r.status === 404) return null;
    if (r.status !== 200) SwiftClient.fail(r, `HEAD ${container}/${name}`);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(r.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    return { etag: bareEtag(headers['etag']), length: Number(headers['content-length'] ?? 0), headers };
  }

  /** Every object name in the container (with the prefix), page by page (marker). */
  async listObjects(container: string, prefix?: string): Promise<string[]> {
    const names: string[] = [];
    for (;;) {
      const query: Record<string, string> = { format: 'json' };
      if (prefix) query['prefix'] = prefix;
      if (names.length > 0) query['marker'] = names[names.length - 1]!;
      const r = await this.call('GET', encodePath(container), { query });
      if (r.status === 204) return names;
      if (r.status !== 200) SwiftClient.fail(r, `GET container ${container}`);
      const page = JSON.parse(r.body.toString('utf8')) as { name: string }[];
      if (page.length === 0) return names;
      for (const o of page) names.push(o.name);
    }
  }

  async deleteObject(container: string, name: string): Promise<void> {
    const r = await this.call('DELETE', encodePath(container, name));
    if (r.status !== 204 && r.status !== 200) SwiftClient.fail(r, `DELETE ${container}/${name}`);
  }
}
