// Identity requests at a steady rate against one region's Keystone, one event
// per request: `--op user` creates a user (a database write: POST /v3/users),
// `--op token` issues a token with the password method (POST /v3/auth/tokens;
// a database write only for persisted providers such as UUID), paced (see
// paced.ts). Only Node built-ins: the image has no node_modules of its own.
import { eventLog, now } from './events.js';
import { paced } from './paced.js';
import { Agent, request } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    op: { type: 'string' }, // user | token
    url: { type: 'string' }, // e.g. http://198.18.1.2:5000
    auth: { type: 'string' }, // an admin token (X-Auth-Token), for --op user
    prefix: { type: 'string', default: 'w' }, // names of created users: <prefix>-<n>
    user: { type: 'string', default: 'admin' }, // --op token: who logs in
    password: { type: 'string', default: 'admin' },
    project: { type: 'string', default: 'admin' },
    rate: { type: 'string', default: '5' },
    duration: { type: 'string' },
    timeout: { type: 'string', default: '3000' },
  },
});
const op = values.op;
if ((op !== 'user' && op !== 'token') || !values.url || values.duration === undefined || (op === 'user' && !values.auth)) {
  process.stderr.write('usage: identity-ops.js --op user|token --url URL [--auth TOKEN] --duration ms [--rate n --timeout ms --prefix p]\n');
  process.exit(2);
}
const duration = Number(values.duration);
const timeout = Number(values.timeout);
const agent = new Agent({ keepAlive: true, maxSockets: 8 });
const log = eventLog();
const f = op === 'user' ? 'write' : 'issue';

function body(n: number): { path: string; json: string; headers: Record<string, string> } {
  if (op === 'user') {
    const name = `${values.prefix}-${n}`;
    return { path: '/v3/users', json: JSON.stringify({ user: { name, domain_id: 'default', password: 'secret', enabled: true } }), headers: { 'X-Auth-Token': values.auth! } };
  }
  const auth = {
    identity: { methods: ['password'], password: { user: { name: values.user, domain: { id: 'default' }, password: values.password } } },
    scope: { project: { name: values.project, domain: { id: 'default' } } },
  };
  return { path: '/v3/auth/tokens?nocatalog', json: JSON.stringify({ auth }), headers: {} };
}

function send(n: number, settled: () => void): void {
  const at = now();
  const b = body(n);
  const name = op === 'user' ? `${values.prefix}-${n}` : undefined;
  log.emit('invoke', f, { n, ...(name ? { name } : {}) });
  let answered = false;
  const done = (type: 'ok' | 'fail', value: Record<string, unknown>) => {
    if (answered) return;
    answered = true;
    settled();
    log.emit(type, f, { n, ...(name ? { name } : {}), latencyMs: now() - at, ...value });
  };
  const req = request(new URL(b.path, values.url), { method: 'POST', agent, timeout, headers: { 'Content-Type': 'application/json', ...b.headers } }, (res) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (c: string) => (text += c));
    res.on('end', () => {
      const ok = res.statusCode === 201;
      const size = op === 'token' ? String(res.headers['x-subject-token'] ?? '').length : undefined;
      // A clean refusal says why in Keystone's error body; keep its first words.
      const reason = ok ? undefined : text.slice(0, 160);
      done(ok ? 'ok' : 'fail', { status: res.statusCode, ...(size ? { size } : {}), ...(reason ? { reason } : {}) });
    });
  });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', (e) => done('fail', { error: e.message }));
  req.end(b.json);
}

paced({ rate: Number(values.rate), durationMs: duration, timeoutMs: timeout, send, onEnd: () => (log.close(), agent.destroy()) });
