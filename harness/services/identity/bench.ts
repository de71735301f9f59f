// Issue and validate latency of the identity API, measured where the API
// runs (inside the controller container, over TCP loopback), in the manner
// of Dolph Mathews' token benchmark: N issues serially (password method,
// project scope), then N validations serially of one token (with the
// catalog, as a client asking for it would, and ?nocatalog, as
// keystonemiddleware does). Prints one JSON line.
//
//   node dist/services/identity/bench.js --url http://127.0.0.1:5000 --user alice --password pw --project demo [--n 200]
import { parseArgs } from 'node:util';
import { IdentityClient } from '../../clients/identity.js';

export interface LatencySummary {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
  readonly mean: number;
  readonly max: number;
}

export function summarize(ms: readonly number[]): LatencySummary {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] ?? NaN;
  const r = (x: number) => Math.round(x * 100) / 100;
  return { n: s.length, p50: r(q(0.5)), p99: r(q(0.99)), mean: r(s.reduce((a, b) => a + b, 0) / (s.length || 1)), max: r(s[s.length - 1] ?? NaN) };
}

export interface BenchResult {
  readonly provider: string;
  readonly issue: LatencySummary;
  readonly validate: LatencySummary;
  readonly validateNocatalog: LatencySummary;
  readonly tokenBytes: number;
  readonly regions: number;
}

export async function bench(o: { url: string; user: string; password: string; project: string; admin: string; adminPassword: string; n: number }): Promise<BenchResult> {
  const c = new IdentityClient({ url: o.url });
  const admin = await c.login(o.admin, o.adminPassword, 'admin');
  const issue: number[] = [];
  let token = '';
  let regions = 0;
  for (let i = 0; i < o.n; i++) {
    const t0 = performance.now();
    const t = await c.issuePassword({ name: o.user, domain: { id: 'default' } }, o.password, { project: { name: o.project, domain: { id: 'default' } } });
    issue.push(performance.now() - t0);
    token = t.token;
    regions = new Set((t.body.catalog ?? []).flatMap((s) => s.endpoints.map((e) => e.region_id))).size;
  }
  const validate: number[] = [];
  const validateNocatalog: number[] = [];
  for (let i = 0; i < o.n; i++) {
    let t0 = performance.now();
    await admin.validate(token);
    validate.push(performance.now() - t0);
    t0 = performance.now();
    await admin.validate(token, { nocatalog: true });
    validateNocatalog.push(performance.now() - t0);
  }
  return {
    provider: token.startsWith('PKI_') ? 'pki' : /^[0-9a-f]{32}$/.test(token) ? 'uuid' : 'fernet',
    issue: summarize(issue),
    validate: summarize(validate),
    validateNocatalog: summarize(validateNocatalog),
    tokenBytes: token.length,
    regions,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string', default: 'http://127.0.0.1:5000' },
      user: { type: 'string' },
      password: { type: 'string' },
      project: { type: 'string' },
      admin: { type: 'string', default: 'admin' },
      'admin-password': { type: 'string', default: 'admin' },
      n: { type: 'string', default: '200' },
    },
    strict: true,
  });
  if (!values.user || !values.password || !values.project) throw new Error('--user, --password and --project are required');
  const r = await bench({ url: values.url, user: values.user, password: values.password, project: values.project, admin: values.admin, adminPassword: values['admin-password'], n: Number(values.n) });
  process.stdout.write(`${JSON.stringify(r)}\n`);
}

if (process.argv[1]?.endsWith('identity/bench.js')) await main();
