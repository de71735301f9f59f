// Token validator, run in a region: validates a token against that region's
// identity endpoint at a steady rate (Keystone's GET /v3/auth/tokens with
// X-Auth-Token and X-Subject-Token) and prints one event per validation.
// Several subjects (`--subject LABEL=TOKEN`, repeated) are validated in turn,
// each event carrying its label: the bad-token corpus runs through here too.
// `--via service`: the token goes to a site API instead (GET /v2.0/networks
// on the region's network API, the token as X-Auth-Token), so the site's auth
// middleware validates it as it would for a user: 200 accepted, 401 rejected.
// Only Node built-ins: the image has no node_modules of its own.
import { eventLog, now } from './events.js';
import { paced } from './paced.js';
import { Agent, request } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    url: { type: 'string' }, // e.g. http://198.18.1.2:5000, or the network API http://198.18.1.2:9696 with --via service
    via: { type: 'string', default: 'identity' }, // identity | service
    auth: { type: 'string' }, // the service's own token (via identity only)
    subject: { type: 'string', multiple: true }, // the token(s) to validate: TOKEN or LABEL=TOKEN
    'allow-expired': { type: 'boolean', default: false }, // ?allow_expired=true, as a misconfigured service would send
    rate: { type: 'string', default: '20' },
    duration: { type: 'string' },
    timeout: { type: 'string', default: '2000' },
  },
});
const viaService = values.via === 'service';
if (!values.url || (!viaService && !values.auth) || !values.subject?.length || values.duration === undefined || !['identity', 'service'].includes(values.via!) || (viaService && values['allow-expired'])) {
  process.stderr.write('usage: tokens.js [--via identity] --url URL --auth TOKEN --subject [LABEL=]TOKEN... --duration ms [--rate n --timeout ms --allow-expired]\n       tokens.js --via service --url NETWORK_API_URL --subject [LABEL=]TOKEN... --duration ms [--rate n --timeout ms]\n');
  process.exit(2);
}
// Tokens never start with a lowercase label and '=' (Fernet starts gAAAA, PKI_ and hex have no '='), so the split is unambiguous.
const subjects = values.subject.map((s) => {
  const m = /^([a-z][a-z0-9-]*)=(.+)$/s.exec(s);
  return m ? { label: m[1] as string | undefined, token: m[2]! } : { label: undefined, token: s };
});
const url = viaService ? new URL('/v2.0/networks', values.url) : new URL(`/v3/auth/tokens?nocatalog${values['allow-expired'] ? '&allow_expired=true' : ''}`, values.url);
const headers = (token: string): Record<string, string> => (viaService ? { 'X-Auth-Token': token } : { 'X-Auth-Token': values.auth!, 'X-Subject-Token': token });
const duration = Number(values.duration);
const timeout = Number(values.timeout);
const agent = new Agent({ keepAlive: true, maxSockets: 4 });

const log = eventLog();
const emit = log.emit;

function validate(n: number, settled: () => void): void {
  const subject = subjects[(n - 1) % subjects.length]!;
  const label = subject.label === undefined ? {} : { label: subject.label };
  const at = now();
  emit('invoke', 'validate', { n, ...label });
  const done = (type: 'ok' | 'fail', value: Record<string, unknown>) => {
    settled();
    emit(type, 'validate', { n, ...label, latencyMs: now() - at, ...value });
  };
  const req = request(url, { method: 'GET', agent, timeout, headers: headers(subject.token) }, (res) => {
    res.resume();
    res.on('end', () => done(res.statusCode === 200 ? 'ok' : 'fail', { status: res.statusCode }));
  });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', (e) => done('fail', { error: e.message }));
  req.end();
}

paced({ rate: Number(values.rate), durationMs: duration, timeoutMs: timeout, send: validate, onEnd: () => (log.close(), agent.destroy()) });
