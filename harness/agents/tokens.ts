// Token validator, run in a region: validates a token against that region's
// identity endpoint at a steady rate (Keystone's GET /v3/auth/tokens with
// X-Auth-Token and X-Subject-Token) and prints one event per validation.
// Only Node built-ins: the image has no node_modules of its own.
import { eventLog, now } from './events.js';
import { Agent, request } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    url: { type: 'string' }, // e.g. http://198.18.1.2:5000
    auth: { type: 'string' }, // the service's own token
    subject: { type: 'string' }, // the token to validate
    rate: { type: 'string', default: '20' },
    duration: { type: 'string' },
    timeout: { type: 'string', default: '2000' },
  },
});
if (!values.url || !values.auth || !values.subject || values.duration === undefined) {
  process.stderr.write('usage: tokens.js --url URL --auth TOKEN --subject TOKEN --duration ms [--rate n --timeout ms]\n');
  process.exit(2);
}
const url = new URL('/v3/auth/tokens?nocatalog', values.url);
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
  const at = now();
  inFlight += 1;
  emit('invoke', 'validate', { n });
  const done = (type: 'ok' | 'fail', value: Record<string, unknown>) => {
    inFlight -= 1;
    emit(type, 'validate', { n, latencyMs: now() - at, ...value });
  };
  const req = request(url, { method: 'GET', agent, timeout, headers: { 'X-Auth-Token': values.auth!, 'X-Subject-Token': values.subject! } }, (res) => {
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
