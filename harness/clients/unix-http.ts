// JSON over HTTP on a site API's unix socket (<run-dir>/<service>.sock, a
// host directory bind-mounted into the controller): the host has no route
// into the topology. Shared by the typed clients in this directory.
import { request } from 'node:http';

export interface RawResponse {
  readonly status: number;
  readonly text: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

export interface RawRequest {
  readonly method: string;
  readonly path: string;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  readonly contentType?: string;
}

export function unixRequest(socketPath: string, r: RawRequest, timeoutMs: number): Promise<RawResponse> {
  const payload = r.body === undefined ? undefined : JSON.stringify(r.body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath,
        method: r.method,
        path: r.path,
        headers: {
          Accept: 'application/json',
          ...(payload !== undefined ? { 'Content-Type': r.contentType ?? 'application/json', 'Content-Length': Buffer.byteLength(payload) } : {}),
          ...r.headers,
        },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${r.method} ${r.path}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Polls `probe` until it returns a value, or throws after timeoutMs with the last reason. */
export async function pollUntil<T>(what: string, probe: () => Promise<T | null>, timeoutMs: number, intervalMs = 100): Promise<T> {
  const t0 = performance.now();
  let last = '';
  for (;;) {
    try {
      const v = await probe();
      if (v !== null) return v;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
      if (e instanceof TerminalError) throw e;
    }
    if (performance.now() - t0 > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (last: ${last})` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Thrown by a probe to stop polling at once (e.g. the server went to ERROR). */
export class TerminalError extends Error {}
