// A small HTTP router shared by the site's API services (network now;
// identity, compute and volume later). Each service module gives a Router
// and its own error shape; serve() puts it on a TCP port and a unix socket
// (the harness's way in: the host has no route into the containers) and
// logs one line per request.
import { randomUUID } from 'node:crypto';
import { chmodSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** An error the API answers with: the service decides the body's shape. */
export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
  body(): unknown {
    return { error: { code: this.status, message: this.message } };
  }
}

export interface RouteRequest {
  readonly method: string;
  /** How the request arrived: the unix socket is the harness's own way in. */
  readonly transport: 'tcp' | 'unix';
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly body: unknown;
  readonly headers: IncomingHttpHeaders;
}

export interface Reply {
  readonly status: number;
  readonly body?: unknown;
  /** Extra response headers (e.g. Keystone's X-Subject-Token). */
  readonly headers?: Readonly<Record<string, string>>;
  /** With a string body: sent as is with this content type instead of as JSON. */
  readonly contentType?: string;
}

export type Handler = (req: RouteRequest) => Promise<Reply>;

/** Runs in front of every matched route of a service (e.g. the auth middleware); calls `next` to go on. */
export type Middleware = (req: RouteRequest, next: Handler) => Promise<Reply>;

interface Route {
  readonly method: string;
  readonly parts: readonly string[]; // literal segments, or "{name}"
  readonly handler: Handler;
}

export type Match = { readonly handler: Handler; readonly params: Record<string, string> } | { readonly status: 404 | 405; readonly allow?: string[] };

export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: Handler): this {
    this.routes.push({ method: method.toUpperCase(), parts: split(pattern), handler });
    return this;
  }

  match(method: string, path: string): Match {
    const segs = split(path);
    const allow: string[] = [];
    for (const r of this.routes) {
      const params = matchParts(r.parts, segs);
      if (!params) continue;
      if (r.method === method.toUpperCase()) return { handler: r.handler, params };
      allow.push(r.method);
    }
    return allow.length > 0 ? { status: 405, allow } : { status: 404 };
  }
}

function split(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

function matchParts(parts: readonly string[], segs: readonly string[]): Record<string, string> | null {
  if (parts.length !== segs.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    const s = segs[i]!;
    if (p.startsWith('{') && p.endsWith('}')) params[p.slice(1, -1)] = safeDecode(s);
    else if (p !== s) return null;
  }
  return params;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export interface ServiceDefinition {
  readonly name: string;
  readonly router: Router;
  /** The body of an error the framework raises itself (unknown route, bad JSON, internal error). */
  errorBody(status: number, type: string, message: string): unknown;
  /** In front of every matched route; errors it throws are answered like a handler's. */
  readonly middleware?: Middleware;
}

/**
 * A service with `mw` (the auth middleware) in front of every route but the
 * version document (GET /), which OpenStack services serve without a token
 * (clients discover versions before they authenticate); unchanged without one.
 */
export function behind(svc: ServiceDefinition, mw: Middleware | undefined): ServiceDefinition {
  if (!mw) return svc;
  return { ...svc, middleware: (req, next) => (req.method === 'GET' && req.path === '/' ? next(req) : mw(req, next)) };
}

export interface ListenOptions {
  readonly host: string;
  readonly port: number;
  readonly socketPath: string;
}

export interface Served {
  close(): Promise<void>;
}

const MAX_BODY = 1 << 20;

export async function serve(svc: ServiceDefinition, listen: ListenOptions, log: (line: string) => void): Promise<Served> {
  const handle = (req: IncomingMessage, res: ServerResponse, peer: string, transport: 'tcp' | 'unix') => {
    const t0 = performance.now();
    const requestId = `req-${randomUUID()}`;
    void respond(svc, req, transport, log)
      .then((reply) => {
        const rawText = typeof reply.body === 'string' && reply.contentType !== undefined;
        const payload = reply.status === 204 || reply.body === undefined ? '' : rawText ? (reply.body as string) : JSON.stringify(reply.body);
        res.writeHead(reply.status, {
          'Content-Type': rawText ? reply.contentType! : 'application/json',
          'Content-Length': Buffer.byteLength(payload),
          'X-Openstack-Request-Id': requestId,
          ...(reply.status === 405 && 'allow' in reply ? { Allow: String(reply.allow) } : {}),
          ...reply.headers,
        });
        res.end(payload);
        log(`${svc.name} ${req.method} ${req.url} ${reply.status} ${(performance.now() - t0).toFixed(1)}ms ${peer} ${requestId}`);
      })
      .catch((err: unknown) => {
        log(`${svc.name} ${req.method} ${req.url} response failed: ${String(err)}`);
        res.destroy();
      });
  };

  const tcp = createServer((req, res) => handle(req, res, `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`, 'tcp'));
  const unix = createServer((req, res) => handle(req, res, 'unix', 'unix'));
  // TCP first: if another instance holds the port, fail before touching its socket file.
  await listenOn(tcp, () => tcp.listen(listen.port, listen.host));
  try {
    rmSync(listen.socketPath, { force: true }); // a stale socket from a killed process
    await listenOn(unix, () => unix.listen(listen.socketPath));
  } catch (err) {
    await closeServer(tcp);
    throw err;
  }
  chmodSync(listen.socketPath, 0o666);
  return {
    async close() {
      await Promise.all([tcp, unix].map(closeServer));
      rmSync(listen.socketPath, { force: true });
    },
  };
}

function listenOn(server: Server, start: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      resolve();
    });
    start();
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

type FullReply = Reply & { allow?: string[] };

async function respond(svc: ServiceDefinition, req: IncomingMessage, transport: 'tcp' | 'unix', log: (line: string) => void): Promise<FullReply> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname.replace(/\.json$/, ''); // Neutron accepts a format suffix
  const m = svc.router.match(req.method ?? 'GET', path);
  if ('status' in m) {
    const msg = m.status === 404 ? 'The resource could not be found.' : `The method ${req.method} is not allowed for this resource.`;
    return { status: m.status, body: svc.errorBody(m.status, m.status === 404 ? 'HTTPNotFound' : 'HTTPMethodNotAllowed', msg), ...(m.status === 405 ? { allow: m.allow ?? [] } : {}) };
  }
  let body: unknown;
  try {
    const raw = await readBody(req);
    body = raw.trim() === '' ? undefined : (JSON.parse(raw) as unknown);
  } catch (err) {
    if (err instanceof ApiError) return { status: err.status, body: svc.errorBody(err.status, 'HTTPRequestEntityTooLarge', err.message) };
    return { status: 400, body: svc.errorBody(400, 'HTTPBadRequest', 'Malformed request body') };
  }
  try {
    const routeReq: RouteRequest = { method: req.method ?? 'GET', transport, path, params: m.params, query: url.searchParams, body, headers: req.headers };
    return await (svc.middleware ? svc.middleware(routeReq, m.handler) : m.handler(routeReq));
  } catch (err) {
    if (err instanceof ApiError) return { status: err.status, body: err.body() };
    const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
    log(`${svc.name} ${req.method} ${req.url} internal error: ${detail.replace(/\n\s*/g, ' | ')}`);
    return { status: 500, body: svc.errorBody(500, 'HTTPInternalServerError', `Request Failed: internal server error while processing your request. ${detail.split('\n')[0]}`) };
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new ApiError(413, 'Request entity too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
