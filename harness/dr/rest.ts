// The DR runner's REST calls, as the seed's GR software makes them: plain
// OpenStack requests to a site API over the unix socket its services process
// listens on (the host has no route into the topology). Every call returns
// its status and timing so the runner can record it in the history; nothing
// here retries or interprets: a 4xx/5xx is an answer, a dead socket throws.
import { request } from 'node:http';

export interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly ms: number;
}

export type Call = (method: string, path: string, body?: unknown, headers?: Readonly<Record<string, string>>) => Promise<Answer>;

export function restOn(socketPath: string, timeoutMs = 15_000): Call {
  return (method, path, body, headers = {}) =>
    new Promise<Answer>((resolve, reject) => {
      const t0 = performance.now();
      const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const req = request(
        {
          socketPath,
          method,
          path,
          timeout: timeoutMs,
          headers: { accept: 'application/json', ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}), ...headers },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = text === '' ? null : JSON.parse(text);
            } catch {
              // not JSON: keep the text, the caller reports it
            }
            resolve({ status: res.statusCode ?? 0, body: parsed, headers: res.headers, ms: performance.now() - t0 });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
}

/** A call that must answer one of `ok`, else throws with the status and body (the runner records the failure). */
export async function expect(call: Call, ok: readonly number[], method: string, path: string, body?: unknown, headers?: Readonly<Record<string, string>>): Promise<Answer> {
  const a = await call(method, path, body, headers);
  if (!ok.includes(a.status)) throw new Error(`${method} ${path} -> ${a.status} ${JSON.stringify(a.body).slice(0, 300)}`);
  return a;
}

/** Polls `get` until `done` says so (true) or fails (a string: why), within timeoutMs. */
export async function until<T>(get: () => Promise<T>, done: (x: T) => boolean | string, timeoutMs: number, what: string, intervalMs = 50): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const x = await get();
    const d = done(x);
    if (d === true) return x;
    if (typeof d === 'string') throw new Error(`${what}: ${d}`);
    if (performance.now() > deadline) throw new Error(`${what}: not done within ${timeoutMs} ms (last: ${JSON.stringify(x).slice(0, 200)})`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
