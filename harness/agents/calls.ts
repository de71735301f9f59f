// Call generator on the external plane, run inside a node container:
//   node /opt/msh/dist/agents/calls.js --vip 198.18.201.100 --port 5060 --rate 20 \
//     --hold 1500 --media 20 --timeout 200 --duration 10000
//
// New-call availability: one `call-setup` invoke per attempt, then ok (with
// setup latency and the answering member) or fail (timeout / error).
// Continuity: each established call sends media every --media ms and tracks
// the acks, without an event per packet:
//   media-gap  (info) a gap over --gap ms between acks, when it ends (or,
//              marked open, when the call ends inside it)
//   call-end   (ok|fail) one per call: ok if the server's count only ever went
//              up; fail 'dropped' (unknown-call, or no ack for --drop ms) or
//              'state-lost' (the count went backwards or did not advance)
//   served-by  (info) whenever the answering member changes
// New calls are placed until duration - hold (so each call can complete);
// at duration every call still up hangs up, and the agent exits after
// --timeout more ms. Replies must come from the VIP: any other source is
// ignored and reported (`wrong-source`).
// Prints one JSON event per line, flushed every 100 ms (see heartbeat.ts).
import { eventLog, now } from './events.js';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { parseArgs } from 'node:util';
import type { ServiceReply, ServiceRequest } from './vnf-config.js';

const { values } = parseArgs({
  options: {
    vip: { type: 'string' },
    port: { type: 'string', default: '5060' },
    rate: { type: 'string', default: '10' },
    hold: { type: 'string', default: '3000' },
    media: { type: 'string', default: '20' },
    timeout: { type: 'string', default: '200' },
    duration: { type: 'string' },
    gap: { type: 'string', default: '60' },
    drop: { type: 'string', default: '2000' },
    tag: { type: 'string' },
  },
});
if (!values.vip || values.duration === undefined) {
  process.stderr.write('usage: calls.js --vip IP --duration ms [--port 5060 --rate n --hold ms --media ms --timeout ms --gap ms --drop ms]\n');
  process.exit(2);
}
const vip = values.vip;
const port = Number(values.port);
const rate = Number(values.rate);
const holdMs = Number(values.hold);
const mediaMs = Number(values.media);
const timeoutMs = Number(values.timeout);
const durationMs = Number(values.duration);
const gapMs = Number(values.gap);
const dropMs = Number(values.drop);
const tag = values.tag ?? randomBytes(3).toString('hex');

const log = eventLog();
const emit = log.emit;

interface Setup {
  at: number;
  timer: NodeJS.Timeout;
}
interface Call {
  id: string;
  setupAt: number;
  upAt: number;
  endAt: number;
  seq: number;
  acks: number;
  lastAckAt: number;
  lastAckSeq: number;
  lastCount: number;
  lastBy: string;
  servedBy: string[];
  gaps: number;
  maxGapMs: number;
  stateLost: { countBefore: number; countAfter: number; at: number } | null;
}

const sock = createSocket('udp4');
sock.on('error', (e) => emit('fail', 'socket', { error: String(e) }));
const send = (msg: ServiceRequest) => sock.send(JSON.stringify(msg), port, vip, () => undefined);

const setups = new Map<string, Setup>();
const timedOut = new Set<string>();
const calls = new Map<string, Call>();
let lastBy: string | null = null;
const totals = { attempts: 0, setupOk: 0, setupFail: 0, callsOk: 0, dropped: 0, stateLost: 0, mediaSent: 0, acks: 0 };
const wrongSource = { count: 0, source: '', lastEmit: 0 };
let n = 0;
let start = 0;

function place() {
  n += 1;
  const id = `${tag}-${n}`;
  const at = now();
  totals.attempts += 1;
  emit('invoke', 'call-setup', { call: id });
  const timer = setTimeout(() => {
    setups.delete(id);
    timedOut.add(id);
    totals.setupFail += 1;
    emit('fail', 'call-setup', { call: id, reason: 'timeout', latencyMs: now() - at });
  }, timeoutMs);
  setups.set(id, { at, timer });
  send({ k: 'invite', call: id });
}

function servedBy(by: string, call: string) {
  if (by === lastBy) return;
  emit('info', 'served-by', { from: lastBy, to: by, call });
  lastBy = by;
}

function end(c: Call, how: 'hangup' | 'dropped', detail: Record<string, unknown> = {}) {
  calls.delete(c.id);
  const t = now();
  // A gap still open at the end (no ack since) is reported too, marked open:
  // a call whose hold ran out during an outage would otherwise hide it.
  const tail = t - c.lastAckAt;
  if (tail > gapMs && detail.detail !== 'unknown-call') {
    c.gaps += 1;
    c.maxGapMs = Math.max(c.maxGapMs, tail);
    emit('info', 'media-gap', {
      call: c.id, gapMs: tail, from: c.lastAckAt, to: t, countBefore: c.lastCount, countAfter: null, byBefore: c.lastBy, byAfter: null, open: true,
    });
  }
  const value = {
    call: c.id, durationMs: t - c.upAt, mediaSent: c.seq, acks: c.acks, lastCount: c.lastCount,
    servedBy: c.servedBy, gaps: c.gaps, maxGapMs: c.maxGapMs, ...detail,
  };
  if (how === 'dropped') {
    totals.dropped += 1;
    emit('fail', 'call-end', { ...value, reason: 'dropped' });
  } else if (c.stateLost) {
    totals.stateLost += 1;
    emit('fail', 'call-end', { ...value, reason: 'state-lost', ...c.stateLost });
  } else {
    totals.callsOk += 1;
    emit('ok', 'call-end', value);
  }
  if (how === 'hangup') send({ k: 'bye', call: c.id });
}

sock.on('message', (buf, rinfo) => {
  const t = now();
  if (rinfo.address !== vip) {
    // Sent from the member's own address instead of the VIP: a real client
    // (connected socket, SIP transaction matching) would drop it too.
    wrongSource.count += 1;
    wrongSource.source = rinfo.address;
    if (t - wrongSource.lastEmit >= 1000) {
      emit('info', 'wrong-source', { source: rinfo.address, expected: vip, count: wrongSource.count });
      wrongSource.lastEmit = t;
      wrongSource.count = 0;
    }
    return;
  }
  let m: ServiceReply;
  try {
    m = JSON.parse(buf.toString()) as ServiceReply;
  } catch {
    return;
  }
  if (typeof m.by === 'string') servedBy(m.by, m.call);
  const s = setups.get(m.call);
  if (s) {
    clearTimeout(s.timer);
    setups.delete(m.call);
    if (m.k === 'ok') {
      totals.setupOk += 1;
      emit('ok', 'call-setup', { call: m.call, latencyMs: t - s.at, by: m.by });
      calls.set(m.call, {
        id: m.call, setupAt: s.at, upAt: t, endAt: t + holdMs, seq: 0, acks: 0, lastAckAt: t, lastAckSeq: 0,
        lastCount: 0, lastBy: m.by, servedBy: [m.by], gaps: 0, maxGapMs: 0, stateLost: null,
      });
    } else {
      totals.setupFail += 1;
      emit('fail', 'call-setup', { call: m.call, reason: 'error', error: m.k === 'error' ? m.reason : m.k, latencyMs: t - s.at, by: m.by });
    }
    return;
  }
  if (m.k === 'ok' && timedOut.delete(m.call)) {
    send({ k: 'bye', call: m.call }); // answered too late: the attempt already failed, free it at the server
    return;
  }
  const c = calls.get(m.call);
  if (!c) return;
  if (m.k === 'error') {
    end(c, 'dropped', { detail: m.reason, by: m.by });
    return;
  }
  if (m.k !== 'media-ack') return;
  c.acks += 1;
  totals.acks += 1;
  if (m.seq <= c.lastAckSeq) return; // reordered or duplicate: says nothing about continuity
  const gap = t - c.lastAckAt;
  if (gap > gapMs) {
    c.gaps += 1;
    emit('info', 'media-gap', {
      call: c.id, gapMs: gap, from: c.lastAckAt, to: t, countBefore: c.lastCount, countAfter: m.count, byBefore: c.lastBy, byAfter: m.by,
    });
  }
  c.maxGapMs = Math.max(c.maxGapMs, gap);
  if (m.count <= c.lastCount && !c.stateLost) c.stateLost = { countBefore: c.lastCount, countAfter: m.count, at: t };
  if (m.by !== c.lastBy && !c.servedBy.includes(m.by)) c.servedBy.push(m.by);
  c.lastAckAt = t;
  c.lastAckSeq = m.seq;
  c.lastCount = m.count;
  c.lastBy = m.by;
});

let mediaTicks = 0;
let mediaTimer: NodeJS.Timeout | undefined;
function mediaTick() {
  mediaTicks += 1;
  const t = now();
  for (const c of [...calls.values()]) {
    if (t >= c.endAt) {
      end(c, 'hangup');
    } else if (t - c.lastAckAt > dropMs) {
      end(c, 'dropped', { detail: 'no-ack', silentMs: t - c.lastAckAt });
    } else {
      c.seq += 1;
      totals.mediaSent += 1;
      send({ k: 'media', call: c.id, seq: c.seq });
    }
  }
  if (!stopping) mediaTimer = setTimeout(mediaTick, Math.max(0, start + (mediaTicks + 1) * mediaMs - now()));
}

let placeTimer: NodeJS.Timeout | undefined;
const lastPlaceAt = durationMs > holdMs ? durationMs - holdMs : durationMs;
function placeTick() {
  const t = now();
  if (t - start >= lastPlaceAt || stopping) return;
  place();
  placeTimer = setTimeout(placeTick, Math.max(0, start + (n * 1000) / rate - now()));
}

let stopping = false;
function stop(reason: string) {
  if (stopping) return;
  stopping = true;
  clearTimeout(placeTimer);
  clearTimeout(mediaTimer);
  for (const c of [...calls.values()]) end(c, 'hangup', { cut: true });
  // Let setups in flight finish (their timers are still armed), then stop.
  setTimeout(() => {
    for (const [id, s] of setups) {
      clearTimeout(s.timer);
      totals.setupFail += 1;
      emit('fail', 'call-setup', { call: id, reason: 'timeout', latencyMs: now() - s.at });
    }
    emit('info', 'summary', { reason, ...totals });
    sock.close();
    log.close();
    process.exit(0);
  }, timeoutMs + 10);
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));

sock.bind(0, () => {
  start = now();
  emit('info', 'start', { vip, port, rate, holdMs, mediaMs, timeoutMs, durationMs, tag });
  placeTick();
  mediaTimer = setTimeout(mediaTick, mediaMs);
  setTimeout(() => stop('duration'), durationMs);
});
