// A heartbeat peer, run inside a node container. Sends a heartbeat to its
// peer every interval, echoes the peer's heartbeats back, and prints one JSON
// line per event on stdout (the harness turns them into history):
//   send (invoke), ack (ok, with rtt), lost (fail, no ack within 1 s),
//   recv (info, with the one-way delay: both ends share the kernel clock).
// Only Node built-ins: the image has no node_modules of its own.
import { eventLog, now } from './events.js';
import { createSocket } from 'node:dgram';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    peer: { type: 'string' },
    port: { type: 'string', default: '7000' },
    interval: { type: 'string', default: '50' },
    duration: { type: 'string' },
  },
});
const peer = values.peer!;
const port = Number(values.port);
const interval = Number(values.interval);
const duration = Number(values.duration);
const ACK_TIMEOUT_MS = 1000;

const log = eventLog();
const emit = log.emit;

const sock = createSocket('udp4');
const outstanding = new Map<number, number>(); // seq -> sent at
let seq = 0;

sock.on('message', (buf, rinfo) => {
  const m = JSON.parse(buf.toString()) as { k: 'hb' | 'ack'; seq: number; sentAt: number };
  const t = now();
  if (m.k === 'hb') {
    emit('info', 'recv', { seq: m.seq, delayMs: t - m.sentAt });
    sock.send(JSON.stringify({ k: 'ack', seq: m.seq, sentAt: m.sentAt }), rinfo.port, rinfo.address);
  } else if (outstanding.delete(m.seq)) {
    emit('ok', 'ack', { seq: m.seq, rttMs: t - m.sentAt });
  }
});

sock.bind(port, () => {
  const start = now();
  const tick = () => {
    const t = now();
    for (const [s, at] of outstanding) {
      if (t - at > ACK_TIMEOUT_MS) {
        outstanding.delete(s);
        emit('fail', 'lost', { seq: s, sentAt: at });
      }
    }
    if (t - start >= duration) {
      // Let the last acks arrive, then stop.
      setTimeout(() => {
        sock.close();
        log.close();
      }, ACK_TIMEOUT_MS);
      return;
    }
    seq += 1;
    outstanding.set(seq, t);
    emit('invoke', 'send', { seq });
    sock.send(JSON.stringify({ k: 'hb', seq, sentAt: t }), port, peer);
    // Schedule against the start time, not the last tick, so timer lateness does not accumulate.
    setTimeout(tick, Math.max(0, start + seq * interval - now()));
  };
  tick();
});
