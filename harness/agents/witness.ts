// The witness (arbiter at a third site) of the fake VNF, run inside a node container:
//   node /opt/msh/dist/agents/witness.js --port 7200 [--hb-interval 50 --hb-misses 3 --duration ms]
//
// Members (agents/vnf.ts) heartbeat it; it answers each heartbeat (so an
// active knows it still has quorum) and answers "may X take over from Y in
// epoch E?" with a grant only if:
//   - it has not heard Y, nor any other member claiming to be active, for
//     that member's grace: miss window + one interval + max(one interval, 30 ms).
//     An isolated active demotes itself once it has heard neither peers nor
//     the witness for the miss window; its last peer heartbeat can be up to
//     one interval younger than its last exchange with the witness, and the
//     rest covers its check tick and `ip addr del`. So the old active has
//     released the VIP before the witness lets anyone claim it;
//   - it has been up for that long itself (a restarted witness knows nothing);
//   - E is above every epoch it has granted or seen (at most one taker per
//     epoch; asking again for the same epoch is answered the same way).
// Window and interval come from each member's heartbeat (`iv`, `misses`);
// the flags are the defaults for members never heard.
// Prints one JSON event per line, flushed every 100 ms (see heartbeat.ts).
import { eventLog, now } from './events.js';
import { createSocket, type RemoteInfo } from 'node:dgram';
import { parseArgs } from 'node:util';
import type { AnswerMsg, AskMsg, BackupMsg, HeartbeatMsg, VnfRole, WitnessHeartbeatMsg } from './vnf-config.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '7200' },
    bind: { type: 'string', default: '0.0.0.0' },
    'hb-interval': { type: 'string', default: '50' },
    'hb-misses': { type: 'string', default: '3' },
    duration: { type: 'string' },
  },
});
const port = Number(values.port);
const defaultIv = Number(values['hb-interval']);
const defaultMisses = Number(values['hb-misses']);
const duration = values.duration === undefined ? undefined : Number(values.duration);

const log = eventLog();
const emit = log.emit;

interface Member {
  id: string;
  lastHeard: number;
  role: VnfRole;
  epoch: number;
  iv: number;
  misses: number;
  alive: boolean;
  lostAt: number;
}
const members = new Map<string, Member>();
const grants = new Map<number, string>(); // epoch -> taker
let maxGranted = 0;
let maxSeen = 0;
let lastTaker: string | null = null;
const startedAt = now();

const missMs = (m: Member | undefined) => (m ? m.iv * m.misses : defaultIv * defaultMisses);
/** Silence needed before the witness lets someone replace this member (see the header). */
const graceMs = (m: Member | undefined) => {
  const iv = m ? m.iv : defaultIv;
  return missMs(m) + iv + Math.max(iv, 30);
};

const sock = createSocket('udp4');
sock.on('error', (e) => emit('fail', 'socket', { error: String(e) }));
const send = (msg: BackupMsg, r: RemoteInfo) => sock.send(JSON.stringify(msg), r.port, r.address, () => undefined);

function onHeartbeat(m: HeartbeatMsg, r: RemoteInfo) {
  const t = now();
  let mem = members.get(m.from);
  if (!mem) {
    mem = { id: m.from, lastHeard: t, role: m.role, epoch: m.epoch, iv: m.iv, misses: m.misses, alive: true, lostAt: 0 };
    members.set(m.from, mem);
    emit('info', 'member', { member: m.from, event: 'up', role: m.role, epoch: m.epoch, address: r.address });
  } else if (!mem.alive) {
    mem.alive = true;
    emit('info', 'member', { member: m.from, event: 'recovered', downMs: t - mem.lostAt, role: m.role, epoch: m.epoch });
  }
  if (mem.role !== m.role || mem.epoch !== m.epoch) emit('info', 'member', { member: m.from, event: 'role', role: m.role, epoch: m.epoch });
  Object.assign(mem, { lastHeard: t, role: m.role, epoch: m.epoch, iv: m.iv, misses: m.misses });
  maxSeen = Math.max(maxSeen, m.epoch);
  const reply: WitnessHeartbeatMsg = { k: 'whb', seq: m.seq, sentAt: m.sentAt, epoch: Math.max(maxGranted, maxSeen), taker: lastTaker };
  send(reply, r);
}

function decide(a: AskMsg): { granted: boolean; reason: string; detail: Record<string, unknown> } {
  const t = now();
  const prior = grants.get(a.epoch);
  if (prior !== undefined) {
    return prior === a.from ? { granted: true, reason: 'already-granted', detail: {} } : { granted: false, reason: 'epoch-taken', detail: { taker: prior } };
  }
  const known = Math.max(maxGranted, maxSeen);
  if (a.epoch <= known) return { granted: false, reason: 'stale-epoch', detail: { known } };
  const up = t - startedAt;
  const needUp = Math.max(graceMs(members.get(a.from)), a.over ? graceMs(members.get(a.over)) : 0);
  if (up < needUp) return { granted: false, reason: 'witness-warming-up', detail: { upMs: up } };
  if (a.over !== null) {
    const over = members.get(a.over);
    if (over && t - over.lastHeard <= graceMs(over)) {
      return { granted: false, reason: 'active-alive', detail: { overSilentMs: t - over.lastHeard } };
    }
  }
  for (const m of members.values()) {
    if (m.id !== a.from && m.role === 'active' && t - m.lastHeard <= graceMs(m)) {
      return { granted: false, reason: 'other-active', detail: { active: m.id, silentMs: t - m.lastHeard } };
    }
  }
  grants.set(a.epoch, a.from);
  maxGranted = a.epoch;
  lastTaker = a.from;
  const over = a.over === null ? undefined : members.get(a.over);
  return { granted: true, reason: a.over === null ? 'no-active' : 'over-silent', detail: over ? { overSilentMs: t - over.lastHeard } : {} };
}

function onAsk(a: AskMsg, r: RemoteInfo) {
  const d = decide(a);
  emit(d.granted ? 'ok' : 'fail', 'ask', { from: a.from, over: a.over, epoch: a.epoch, decision: d.granted ? 'granted' : 'denied', reason: d.reason, ...d.detail });
  const answer: AnswerMsg = { k: 'answer', id: a.id, granted: d.granted, reason: d.reason, epoch: Math.max(maxGranted, maxSeen) };
  send(answer, r);
}

sock.on('message', (buf, r) => {
  let m: BackupMsg;
  try {
    m = JSON.parse(buf.toString()) as BackupMsg;
  } catch {
    return;
  }
  if (m.k === 'hb') onHeartbeat(m, r);
  else if (m.k === 'ask') onAsk(m, r);
});

const checker = setInterval(() => {
  const t = now();
  for (const m of members.values()) {
    if (m.alive && t - m.lastHeard > missMs(m)) {
      m.alive = false;
      m.lostAt = t;
      emit('info', 'member', { member: m.id, event: 'lost', silentMs: t - m.lastHeard, role: m.role, epoch: m.epoch });
    }
  }
}, 10);

let stopped = false;
function stop(reason: string) {
  if (stopped) return;
  stopped = true;
  clearInterval(checker);
  emit('info', 'stop', { reason, grants: Object.fromEntries(grants) });
  sock.close();
  log.close();
  process.exit(0);
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));

sock.bind(port, values.bind, () => {
  emit('info', 'start', { port, defaultIntervalMs: defaultIv, defaultMisses });
  if (duration !== undefined) setTimeout(() => stop('duration'), duration);
});
