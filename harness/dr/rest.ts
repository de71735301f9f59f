// The DR runner's REST calls, as the seed's GR software makes them: plain
// OpenStack requests to a site API over the unix socket its services process
// listens on (clients/unix-http.ts: the host has no route into the topology).
// Every call returns its status and timing so the runner can record it in the
// history; nothing here retries or interprets: a 4xx/5xx is an answer, a dead
// socket throws.
import { parseJson, unixRequest } from '../clients/unix-http.js';

export interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly ms: number;
}

export type Call = (method: string, path: string, body?: unknown, headers?: Readonly<Record<string, string>>) => Promise<Answer>;

export function restOn(socketPath: string, timeoutMs = 15_000): Call {
  return async (method, path, body, headers = {}) => {
    const t0 = performance.now();
    const r = await unixRequest(socketPath, { method, path, body, headers }, timeoutMs);
    const json = r.text === '' ? null : parseJson(r.text);
    // Not JSON: the text itself, which the caller reports.
    return { status: r.status, body: json === undefined ? r.text : json, headers: r.headers, ms: performance.now() - t0 };
  };
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
