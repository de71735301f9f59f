// Token validator, run in a region: validates a token against that region's
// identity endpoint at a steady rate (Keystone's GET /v3/auth/tokens with
// X-Auth-Token and X-Subject-Token) and prints one event per validation.
// Several subjects (`--subject LABEL=TOKEN`, repeated) are validated in turn,
// each event carrying its label: the bad-token corpus runs through here too.
// Only Node built-ins: the image has no node_modules of its own.
import { eventLog, now } from './events.js';
import { Agent, request } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    url: { type: 'string' }, // e.g. http://198.18.1.2:5000
    auth: { type: 'string' }, // the service's own token
    subject: { type: 'string', multiple: true }, // the token(s) to validate: TOKEN or LABEL=TOKEN
    'allow-expired': { type: 'boolean', default: false }, // ?allow_expired=true, as a misconfigured service would send
    rate: { type: 'string', default: '20' },
    duration: { type: 'string' },
    timeout: { type: 'string', default: '2000' },
  },
});
if (!values.url || !values.auth || !values.subject?.length || values.duration === undefined) {
  process.stderr.write('usage: tokens.js --url URL --auth TOKEN --subject [LABEL=]TOKEN... --duration ms [--rate n --timeout ms --allow-expired]\n');
  process.exit(2);
}
// Tokens never start with a lowercase label and '=' (Fernet starts gAAAA, PKI_ and hex have no '='), so the split is unambiguous.
const subjects = values.subject.map((s) => {
  const m = /^([a-z][a-z0-9-]*)=(.+)$/s.exec(s);
  return m ? { label: m[1] as string | undefined, token: m[2]! } : { label: undefined, token: s };
});
const url = new URL(`/v3/auth/tokens?nocatalog${values['allow-expired'] ? '&allow_expired=true' : ''}`, values.url);
const interval = 1000 / Number(values.rate);
const duration = Number(values.duration);
const timeout = Number(values.timeout);
const agent = new Agent({ keepAlive: true, maxSockets: 4 });

const log = eventLog();
const emit = log.emit;

let seq = 0;
let inFlight = 0;
function validate(): void {
  const n = ++seq;
  const subject = subjects[(n - 1) % subjects.length]!;
  const label = subject.label === undefined ? {} : { label: subject.label };
  const at = now();
  inFlight += 1;
  emit('invoke', 'validate', { n, ...label });
  const done = (type: 'ok' | 'fail', value: Record<string, unknown>) => {
    inFlight -= 1;
    emit(type, 'validate', { n, ...label, latencyMs: now() - at, ...value });
  };
  const req = request(url, { method: 'GET', agent, timeout, headers: { 'X-Auth-Token': values.auth!, 'X-Subject-Token': subject.token } }, (res) => {
    res.resume();
    res.on('end', () => done(res.statusCode === 200 ? 'ok' : 'fail', { status: res.statusCode }));
  });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', (e) => done('fail', { error: e.message }));
  req.end();
}

const start = now();
const tick = () => {
  if (now() - start >= duration) {
    const stop = () => (inFlight > 0 && now() - start < duration + timeout ? setTimeout(stop, 20) : (log.close(), agent.destroy()));
    stop();
    return;
  }
  validate();
  setTimeout(tick, Math.max(0, start + seq * interval - now()));
};
tick();
