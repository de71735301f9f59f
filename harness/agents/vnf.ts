// One member of a fake telecom VNF, run inside a node container:
//   node /opt/msh/dist/agents/vnf.js --config '<VnfConfig as JSON>'
//
// - Heartbeats on the backup plane to every peer and the witness; a peer is
//   lost after hbMisses intervals of silence.
// - One active at a time: after a startup window the highest-priority member
//   becomes active; when the active is lost the highest-priority surviving
//   standby takes over (no preemption). With a witness, a standby takes over
//   only with the witness's grant, and an active that hears neither peers nor
//   the witness for the miss window demotes itself. Without one ("naive") a
//   partition makes both sides active: the harness is meant to see it.
// - Takeover: `ip addr add VIP`, bind a socket to VIP:servicePort (replies
//   must leave from the VIP), then gratuitous ARP (`arping -U`, not awaited).
// - Takeover `vrrp` instead: keepalived (a child of this agent, configured
//   from cfg.vrrp) elects, owns the VIP and sends the gratuitous ARPs; this
//   agent runs no election and serves while the VIP is on its external
//   interface (watched through netlink), emitting the same role events.
//   Heartbeats and replication are unchanged: standbys still follow the
//   active they hear.
// - Calls: invite / media / bye on UDP; every call-table change is sent to
//   the standbys before the reply that reveals it, so a new active continues
//   each call's count.
// Prints one JSON event per line on stdout, flushed every 100 ms (see
// heartbeat.ts). Node built-ins only.
import { eventLog, now } from './events.js';
import { execFile, spawn } from 'node:child_process';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { parseArgs } from 'node:util';
import {
  parseVnfConfig,
  type AnswerMsg,
  type AskMsg,
  type BackupMsg,
  type HeartbeatMsg,
  type ReplicationMsg,
  type ServiceReply,
  type ServiceRequest,
  type VnfRole,
  type WitnessHeartbeatMsg,
} from './vnf-config.js';
import { startKeepalived, watchAddress, type Stoppable } from './vnf-vrrp.js';

const { values } = parseArgs({ options: { config: { type: 'string' } } });
if (!values.config) {
  process.stderr.write("usage: vnf.js --config '<json>'\n");
  process.exit(2);
}
const cfg = parseVnfConfig(JSON.parse(values.config));
const VRRP = cfg.takeover === 'vrrp' ? cfg.vrrp! : null;

const log = eventLog();
const emit = log.emit;

const IV = cfg.hbIntervalMs;
const MISS_MS = cfg.hbMisses * IV; // silence after which a peer (or the witness) is lost
const TICK_MS = Math.max(5, Math.min(10, IV / 5)); // failure checks: finer than the heartbeat
const STARTUP_MS = MISS_MS + IV; // hear everyone before the first election
// With no preemption the first election's winner keeps the VIP, so members
// other than the preferred one (the highest priority of the listing) give it
// this long to come up before electing themselves: containers' agents start
// hundreds of ms apart, and the preferred member must not find another one
// already active (active/active pairs would both end up on one member).
const PREFERRED_HEAD_START_MS = 2000;
const preferred = cfg.priority === cfg.peers.length + 1;
const ASK_RETRY_MS = Math.min(IV, 50);
const CALL_IDLE_MS = cfg.callIdleMs ?? 30_000;
const SNAPSHOT_CHUNK = 400; // calls per snapshot datagram (well under 64 KiB)
const VIP_CIDR = `${cfg.vip.address}/${cfg.vip.prefix}`;

// ---- membership state ----

interface Member {
  id: string;
  ip: string;
  prio: number | null;
  role: VnfRole | null;
  epoch: number;
  lastHeard: number; // 0: never
  alive: boolean;
  lostAt: number;
  needSync: boolean;
  lastSnapshotAt: number;
}
const members = new Map<string, Member>(
  cfg.peers.map((p) => [p.id, { id: p.id, ip: p.ip, prio: null, role: null, epoch: 0, lastHeard: 0, alive: false, lostAt: 0, needSync: false, lastSnapshotAt: 0 }]),
);
const witness = { lastHeard: 0, alive: false, lostAt: 0, epoch: 0, taker: null as string | null };

let role: VnfRole = 'init';
let epoch = 0; // the epoch this member serves (active) or follows (standby)
let maxEpoch = 0; // highest epoch heard of anywhere
let following: string | null = null; // id of the active this standby replicates from
const startedAt = now();
let stopping = false;

/** Higher rank wins: priority, then the smaller id. */
const outranks = (aPrio: number, aId: string, bPrio: number, bId: string) => aPrio > bPrio || (aPrio === bPrio && aId < bId);

function setRole(to: VnfRole, reason: string, extra: Record<string, unknown> = {}) {
  if (to === role) return;
  emit('info', 'role', { from: role, to, reason, epoch, ...extra });
  role = to;
  if (!VRRP) void reconcileVip(); // with VRRP the VIP leads and the role follows
}

// ---- sockets ----

const backup = createSocket({ type: 'udp4' });
const service = createSocket({ type: 'udp4', reuseAddr: true });
let vipSock: Socket | null = null; // bound to VIP:servicePort while the VIP is ours
let vipReady = false;
let sendErrors = 0;
const onSent = (err: Error | null) => {
  // Sends to a peer whose link is down fail (EHOSTUNREACH, ENETUNREACH ...):
  // expected during faults. Without a callback they would kill the process.
  if (err) sendErrors += 1;
};
backup.on('error', (e) => emit('fail', 'socket', { socket: 'backup', error: String(e) }));
service.on('error', (e) => emit('fail', 'socket', { socket: 'service', error: String(e) }));

const sendBackup = (msg: BackupMsg, ip: string, port = cfg.backupPort) => backup.send(JSON.stringify(msg), port, ip, onSent);

// ---- heartbeats ----

let hbSeq = 0;
let needSync = false; // this standby's table is not a faithful copy of the active's
function sendHeartbeats() {
  hbSeq += 1;
  const hb: HeartbeatMsg = { k: 'hb', from: cfg.id, prio: cfg.priority, role, epoch, seq: hbSeq, sentAt: now(), iv: IV, misses: cfg.hbMisses };
  if (role !== 'active' && needSync) hb.needSync = true;
  for (const m of members.values()) sendBackup(hb, m.ip);
  if (cfg.witness) sendBackup(hb, cfg.witness.ip, cfg.witness.port);
}

function onHeartbeat(m: HeartbeatMsg) {
  const p = members.get(m.from);
  if (!p) return;
  const t = now();
  if (!p.alive) {
    emit('info', 'peer', p.lastHeard === 0 ? { peer: p.id, event: 'up', role: m.role, epoch: m.epoch } : { peer: p.id, event: 'recovered', downMs: t - p.lostAt, role: m.role, epoch: m.epoch });
    p.alive = true;
  }
  p.lastHeard = t;
  p.prio = m.prio;
  p.role = m.role;
  p.epoch = m.epoch;
  p.needSync = !!m.needSync;
  maxEpoch = Math.max(maxEpoch, m.epoch);
  if (m.role === 'active') {
    if (role === 'active') checkConflict(p);
    else if (m.epoch >= epoch) follow(p); // a deposed active (lower epoch) is not followed
  }
  if (role === 'active' && p.needSync) maybeSnapshot(p);
}

function follow(p: Member) {
  const changed = following !== p.id || epoch !== p.epoch;
  following = p.id;
  epoch = p.epoch;
  cancelAsk();
  if (changed) {
    needSync = true;
    repl.from = null;
    repl.inSnapshot = false;
  }
  if (role === 'init') setRole('standby', 'peer-active', { active: p.id });
}

/** Two actives heard each other: the higher epoch stays (then the higher rank); the other steps down. */
function checkConflict(p: Member) {
  const theyWin = p.epoch > epoch || (p.epoch === epoch && outranks(p.prio ?? 0, p.id, cfg.priority, cfg.id));
  // With VRRP, keepalived settles it (the lower priority drops the VIP); stepping down here would serve nobody.
  emit('info', 'conflict', { peer: p.id, peerEpoch: p.epoch, epoch, resolution: VRRP ? 'vrrp' : theyWin ? 'step-down' : 'stay' });
  if (theyWin && !VRRP) {
    demote('higher-epoch-active', { active: p.id });
    follow(p);
  }
}

// ---- the witness ----

let askSeq = 0;
let ask: { id: number; epoch: number; over: string | null; sentAt: number } | null = null;
let lastAskAt = 0;

function cancelAsk() {
  if (ask) emit('fail', 'witness', { id: ask.id, over: ask.over, epoch: ask.epoch, decision: 'abandoned' });
  ask = null;
}

function askWitness(over: string | null) {
  const t = now();
  if (ask) {
    if (t - ask.sentAt < ASK_RETRY_MS) return;
    emit('fail', 'witness', { id: ask.id, over: ask.over, epoch: ask.epoch, decision: 'timeout', waitedMs: t - ask.sentAt });
    ask = null;
  }
  if (t - lastAskAt < ASK_RETRY_MS) return;
  askSeq += 1;
  const e = Math.max(maxEpoch, witness.epoch, epoch) + 1;
  ask = { id: askSeq, epoch: e, over, sentAt: t };
  lastAskAt = t;
  emit('invoke', 'witness', { id: askSeq, over, epoch: e });
  const msg: AskMsg = { k: 'ask', id: askSeq, from: cfg.id, over, epoch: e, sentAt: t };
  sendBackup(msg, cfg.witness!.ip, cfg.witness!.port);
}

function onAnswer(m: AnswerMsg) {
  maxEpoch = Math.max(maxEpoch, m.epoch);
  if (!ask || m.id !== ask.id) return;
  const a = ask;
  ask = null;
  const waitedMs = now() - a.sentAt;
  if (!m.granted) {
    emit('fail', 'witness', { id: a.id, over: a.over, epoch: a.epoch, decision: 'denied', reason: m.reason, waitedMs });
    return;
  }
  emit('ok', 'witness', { id: a.id, over: a.over, epoch: a.epoch, decision: 'granted', reason: m.reason, waitedMs });
  // Hearing an active while the question was in flight cancels it (follow()), so a pending grant is still wanted.
  if (role === 'active') return;
  becomeActive(a.over === null ? 'startup' : 'peer-lost', a.epoch, { over: a.over, witness: 'granted' });
}

function onWitnessHeartbeat(m: WitnessHeartbeatMsg) {
  const t = now();
  if (!witness.alive) {
    emit('info', 'witness-link', witness.lastHeard === 0 ? { event: 'up' } : { event: 'recovered', downMs: t - witness.lostAt });
    witness.alive = true;
  }
  witness.lastHeard = t;
  witness.epoch = m.epoch;
  witness.taker = m.taker;
  maxEpoch = Math.max(maxEpoch, m.epoch);
}

// ---- election ----

const aliveActive = (): Member | undefined => {
  let best: Member | undefined;
  for (const p of members.values()) if (p.alive && p.role === 'active' && (!best || p.epoch > best.epoch)) best = p;
  return best;
};

function becomeActive(reason: string, newEpoch: number, extra: Record<string, unknown> = {}) {
  epoch = newEpoch;
  maxEpoch = Math.max(maxEpoch, newEpoch);
  following = null;
  const t = now();
  for (const c of calls.values()) c.lastSeen = t; // replicated copies carry no activity time
  replSeq = 0;
  needSync = false;
  setRole('active', reason, extra);
  // Standbys ask for a snapshot (needSync in their heartbeat) once they hear us as active.
  for (const p of members.values()) p.lastSnapshotAt = 0;
}

function demote(reason: string, extra: Record<string, unknown> = {}) {
  if (role !== 'active') return;
  setRole('standby', reason, extra);
  needSync = true; // whatever we hold may diverge from the next active's
}

function check() {
  if (stopping) return;
  const t = now();
  for (const p of members.values()) {
    if (p.alive && t - p.lastHeard > MISS_MS) {
      p.alive = false;
      p.lostAt = t;
      emit('info', 'peer', { peer: p.id, event: 'lost', silentMs: t - p.lastHeard, role: p.role, epoch: p.epoch });
    }
  }
  if (cfg.witness && witness.alive && t - witness.lastHeard > MISS_MS) {
    witness.alive = false;
    witness.lostAt = t;
    emit('info', 'witness-link', { event: 'lost', silentMs: t - witness.lastHeard });
  }
  if (VRRP) {
    vrrpCheck(t);
    return;
  }

  if (role === 'active') {
    const anyPeer = [...members.values()].some((p) => p.alive);
    if (cfg.witness && !anyPeer && !witness.alive) demote('quorum-lost');
    return;
  }
  if (role === 'init' && t - startedAt < STARTUP_MS) return;
  const act = aliveActive();
  if (act) {
    if (following !== act.id || epoch !== act.epoch) follow(act);
    if (role === 'init') setRole('standby', 'peer-active', { active: act.id });
    return;
  }
  if (role === 'init' && !preferred && t - startedAt < STARTUP_MS + PREFERRED_HEAD_START_MS) return;
  // No live active. Take over if this member outranks every live non-active member.
  const lost = following;
  let top = true;
  for (const p of members.values()) {
    if (p.alive && p.prio !== null && outranks(p.prio, p.id, cfg.priority, cfg.id)) top = false;
  }
  if (!top) {
    if (role === 'init') setRole('standby', 'lower-priority');
    cancelAsk();
    return;
  }
  if (!cfg.witness) {
    becomeActive(lost === null ? 'startup' : 'peer-lost', Math.max(maxEpoch, epoch) + 1, { over: lost });
    return;
  }
  if (role === 'init') setRole('standby', 'startup');
  // Only a witness we hear can answer: asking an unreachable one would only add timeouts.
  if (witness.alive) askWitness(lost);
  else cancelAsk();
}

// ---- call table and replication ----

interface Call {
  count: number;
  lastSeen: number;
}
const calls = new Map<string, Call>();

let replSeq = 0;
const changes = new Map<string, number | null>();
const replies: { msg: ServiceReply; port: number; address: string }[] = [];
let flushScheduled = false;

/** Changes first, then the replies that reveal them: a reply never runs ahead of the standbys' copy. */
function scheduleServiceFlush() {
  if (flushScheduled) return;
  flushScheduled = true;
  setImmediate(() => {
    flushScheduled = false;
    if (changes.size && role === 'active') {
      const ch = [...changes.entries()];
      changes.clear();
      for (let i = 0; i < ch.length; i += SNAPSHOT_CHUNK) {
        replSeq += 1;
        const msg: ReplicationMsg = { k: 'repl', from: cfg.id, epoch, seq: replSeq, sentAt: now(), ch: ch.slice(i, i + SNAPSHOT_CHUNK) };
        for (const p of members.values()) sendBackup(msg, p.ip);
      }
    }
    changes.clear();
    const sock = vipSock ?? service;
    for (const r of replies) sock.send(JSON.stringify(r.msg), r.port, r.address, onSent);
    replies.length = 0;
  });
}

function maybeSnapshot(p: Member) {
  const t = now();
  if (t - p.lastSnapshotAt < IV) return;
  p.lastSnapshotAt = t;
  p.needSync = false;
  const all: [string, number | null][] = [...calls.entries()].map(([id, c]) => [id, c.count]);
  const parts = Math.max(1, Math.ceil(all.length / SNAPSHOT_CHUNK));
  for (let i = 0; i < parts; i += 1) {
    // Current as of replSeq, without taking a number: the other standbys' stream stays gapless.
    const msg: ReplicationMsg = {
      k: 'repl', from: cfg.id, epoch, seq: replSeq, sentAt: now(), ch: all.slice(i * SNAPSHOT_CHUNK, (i + 1) * SNAPSHOT_CHUNK), snapshot: { part: i, parts },
    };
    sendBackup(msg, p.ip);
  }
  emit('info', 'sync', { direction: 'sent', peer: p.id, calls: all.length, epoch, parts });
}

// Standby side.
const repl = { from: null as string | null, seq: 0, inSnapshot: false, parts: 0 };
const lag = { from: null as string | null, msgs: 0, changes: 0, sumMs: 0, maxMs: 0, gaps: 0 };

function onReplication(m: ReplicationMsg) {
  if (role === 'active') return;
  // Only from the active we follow, in its epoch (a deposed active may still be talking).
  if (m.from !== following || m.epoch !== epoch) return;
  const t = now();
  const lagMs = t - m.sentAt;
  lag.from = m.from;
  lag.msgs += 1;
  lag.changes += m.ch.length;
  lag.sumMs += lagMs;
  lag.maxMs = Math.max(lag.maxMs, lagMs);
  const snap = m.snapshot;
  if (snap) {
    if (snap.part === 0) {
      calls.clear();
      repl.from = m.from;
      repl.inSnapshot = true;
      repl.parts = 0;
    }
    if (!repl.inSnapshot) return; // a chunk of a snapshot whose start we missed
    repl.parts += 1;
  } else if (repl.from === m.from && m.seq !== repl.seq + 1) {
    lag.gaps += 1;
    needSync = true;
  }
  repl.seq = m.seq;
  for (const [id, count] of m.ch) {
    if (count === null) calls.delete(id);
    else calls.set(id, { count, lastSeen: t });
  }
  if (snap && snap.part === snap.parts - 1) {
    repl.inSnapshot = false;
    needSync = repl.parts !== snap.parts; // a chunk went missing: ask again
    emit('info', 'sync', { direction: 'received', peer: m.from, calls: calls.size, epoch: m.epoch, complete: !needSync });
  }
}

// ---- service ----

let stats = { invites: 0, media: 0, byes: 0, unknown: 0, bad: 0 };

function onService(buf: Buffer, rinfo: RemoteInfo) {
  if (role !== 'active' || !vipReady) return;
  let req: ServiceRequest;
  try {
    req = JSON.parse(buf.toString()) as ServiceRequest;
  } catch {
    stats.bad += 1;
    return;
  }
  const t = now();
  const reply = (msg: ServiceReply) => replies.push({ msg, port: rinfo.port, address: rinfo.address });
  if (typeof req.call !== 'string') {
    stats.bad += 1;
    return;
  }
  switch (req.k) {
    case 'invite': {
      stats.invites += 1;
      let c = calls.get(req.call);
      if (!c) {
        c = { count: 0, lastSeen: t };
        calls.set(req.call, c);
        changes.set(req.call, 0);
      }
      c.lastSeen = t;
      reply({ k: 'ok', call: req.call, by: cfg.id });
      break;
    }
    case 'media': {
      stats.media += 1;
      const c = calls.get(req.call);
      if (!c) {
        stats.unknown += 1;
        reply({ k: 'error', call: req.call, reason: 'unknown-call', by: cfg.id });
        break;
      }
      c.count += 1;
      c.lastSeen = t;
      changes.set(req.call, c.count);
      reply({ k: 'media-ack', call: req.call, seq: req.seq, count: c.count, by: cfg.id });
      break;
    }
    case 'bye': {
      stats.byes += 1;
      if (calls.delete(req.call)) changes.set(req.call, null);
      reply({ k: 'bye-ok', call: req.call, by: cfg.id });
      break;
    }
    default:
      stats.bad += 1;
      return;
  }
  scheduleServiceFlush();
}

service.on('message', onService);

// ---- the VIP ----

function run(cmd: string, args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, (err, _stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1) : 0;
      resolve({ code, stderr: String(stderr).trim() || (err ? String(err.message) : '') });
    });
  });
}

let vipHeld = false;
let vipChain: Promise<void> = Promise.resolve();

/** Brings the VIP in line with the role; operations are serialized so claim and release never interleave. */
function reconcileVip(): Promise<void> {
  vipChain = vipChain.then(async () => {
    const want = role === 'active' && !stopping;
    if (want && !vipHeld) await claimVip();
    else if (!want && vipHeld) await releaseVip();
  });
  return vipChain;
}

async function claimVip() {
  const t0 = now();
  emit('invoke', 'vip', { action: 'claim', address: cfg.vip.address, dev: cfg.vip.dev });
  const r = await run('ip', ['addr', 'add', VIP_CIDR, 'dev', cfg.vip.dev]);
  if (r.code !== 0 && !/File exists/.test(r.stderr)) {
    emit('fail', 'vip', { action: 'claim', address: cfg.vip.address, dev: cfg.vip.dev, error: r.stderr, ms: now() - t0 });
    return;
  }
  vipHeld = true;
  const bound = await bindVip();
  emit('ok', 'vip', { action: 'claim', address: cfg.vip.address, dev: cfg.vip.dev, ms: now() - t0, vipSocket: bound });
  // Gratuitous ARP: tell the segment the VIP's new MAC. Not awaited: serving
  // starts now, and arping -c 3 takes ~2 s.
  const garpAt = now();
  const arping = spawn('arping', ['-U', '-c', '3', '-I', cfg.vip.dev, cfg.vip.address], { stdio: 'ignore' });
  emit('info', 'garp', { address: cfg.vip.address, dev: cfg.vip.dev, count: 3 });
  arping.on('error', (e) => emit('fail', 'garp', { address: cfg.vip.address, error: String(e) }));
  arping.on('exit', (code) => {
    if (code !== 0 && code !== null) emit('fail', 'garp', { address: cfg.vip.address, exitCode: code, ms: now() - garpAt });
  });
}

/** Serves from a socket bound to the VIP; true if bound (else from the wildcard socket). */
async function bindVip(): Promise<boolean> {
  if (vipSock) return true;
  // A socket bound to the VIP itself: replies from the 0.0.0.0 socket would take
  // the interface's primary address as source, and clients expect the VIP.
  const sock = createSocket({ type: 'udp4', reuseAddr: true });
  sock.on('message', onService);
  sock.on('error', (e) => emit('fail', 'socket', { socket: 'vip', error: String(e) }));
  const bound = await new Promise<boolean>((resolve) => {
    sock.once('error', () => resolve(false));
    sock.bind({ address: cfg.vip.address, port: cfg.servicePort }, () => resolve(true));
  });
  if (bound) {
    vipSock = sock;
    vipReady = true;
  } else {
    sock.close();
    vipReady = true; // serve anyway, from the wildcard socket (source may not be the VIP)
  }
  return bound;
}

function unbindVip() {
  vipReady = false;
  if (vipSock) {
    vipSock.close();
    vipSock = null;
  }
}

async function releaseVip() {
  const t0 = now();
  emit('invoke', 'vip', { action: 'release', address: cfg.vip.address, dev: cfg.vip.dev });
  unbindVip();
  const r = await run('ip', ['addr', 'del', VIP_CIDR, 'dev', cfg.vip.dev]);
  vipHeld = false;
  if (r.code !== 0 && !/Cannot assign/.test(r.stderr)) emit('fail', 'vip', { action: 'release', address: cfg.vip.address, error: r.stderr, ms: now() - t0 });
  else emit('ok', 'vip', { action: 'release', address: cfg.vip.address, dev: cfg.vip.dev, ms: now() - t0 });
}

// ---- VRRP: keepalived owns the VIP, the role follows it ----

let keepalived: Stoppable | null = null;
let keepalivedStarting = false;
let vipWatch: Stoppable | null = null;
let vipPresent = false;

function vrrpCheck(t: number) {
  // Start keepalived once the preferred master has had its head start (or is already serving).
  const act = aliveActive();
  if (!keepalived && !keepalivedStarting && (act || t - startedAt >= VRRP!.startupWaitMs)) {
    keepalivedStarting = true;
    void startKeepalived(cfg, VRRP!, emit).then(
      (k) => {
        keepalived = k;
        if (stopping) void k.stop();
        else if (role === 'init' && !vipPresent) setRole('standby', 'vrrp-started');
      },
      (e: unknown) => emit('fail', 'keepalived', { event: 'start', error: String(e) }),
    );
  }
  if (role !== 'active' && act && (following !== act.id || epoch !== act.epoch)) follow(act);
}

/** The VIP came or went: serve from it (bound socket first, then the role) or stop serving. */
function onVipPresence(present: boolean) {
  if (present === vipPresent) return;
  vipPresent = present;
  emit('info', 'vip', { action: present ? 'appeared' : 'gone', address: cfg.vip.address, dev: cfg.vip.dev });
  if (stopping) return;
  vipChain = vipChain.then(async () => {
    if (vipPresent && role !== 'active') {
      await bindVip();
      if (vipPresent && !stopping) becomeActive('vrrp-master', Math.max(maxEpoch, epoch) + 1);
    } else if (!vipPresent) {
      unbindVip();
      if (role === 'active') demote('vrrp-vip-gone');
    }
  });
}

// ---- periodic work ----

function everySecond() {
  const t = now();
  if (role === 'active') {
    if (stats.invites + stats.media + stats.byes + stats.unknown + stats.bad > 0) emit('info', 'service', { ...stats, calls: calls.size });
    stats = { invites: 0, media: 0, byes: 0, unknown: 0, bad: 0 };
    for (const [id, c] of calls) {
      if (t - c.lastSeen > CALL_IDLE_MS) {
        calls.delete(id);
        changes.set(id, null);
      }
    }
    if (changes.size) scheduleServiceFlush();
  }
  if (lag.msgs > 0) {
    emit('info', 'replication', { from: lag.from, msgs: lag.msgs, changes: lag.changes, meanLagMs: lag.sumMs / lag.msgs, maxLagMs: lag.maxMs, seqGaps: lag.gaps, calls: calls.size });
    Object.assign(lag, { msgs: 0, changes: 0, sumMs: 0, maxMs: 0, gaps: 0 });
  }
  if (sendErrors > 0) {
    emit('info', 'send-errors', { count: sendErrors });
    sendErrors = 0;
  }
}

backup.on('message', (buf) => {
  let m: BackupMsg;
  try {
    m = JSON.parse(buf.toString()) as BackupMsg;
  } catch {
    return;
  }
  switch (m.k) {
    case 'hb':
      if (m.from !== cfg.id) onHeartbeat(m);
      break;
    case 'repl':
      onReplication(m);
      break;
    case 'whb':
      onWitnessHeartbeat(m);
      break;
    case 'answer':
      onAnswer(m);
      break;
    default:
      break;
  }
});

const timers: NodeJS.Timeout[] = [];
let beatTimer: NodeJS.Timeout | undefined;

async function stop(reason: string) {
  if (stopping) return;
  stopping = true;
  for (const t of timers) clearInterval(t);
  clearTimeout(beatTimer);
  if (VRRP) {
    // Stop serving before keepalived hands the VIP over, so two members never both count as active.
    unbindVip();
    if (role === 'active') setRole('standby', 'stop');
    await keepalived?.stop();
    await vipWatch?.stop();
  } else await reconcileVip();
  emit('info', 'stop', { reason, role, epoch, calls: calls.size });
  backup.close();
  service.close();
  log.close();
  process.exit(0);
}
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));

async function main() {
  // A VIP left behind by an earlier run of this member would answer ARP for it.
  const stale = await run('ip', ['addr', 'del', VIP_CIDR, 'dev', cfg.vip.dev]);
  if (stale.code === 0) emit('info', 'vip', { action: 'cleanup', address: cfg.vip.address, dev: cfg.vip.dev });
  if (VRRP) vipWatch = await watchAddress(cfg.vip.dev, cfg.vip.address, emit, onVipPresence);
  await new Promise<void>((resolve) => backup.bind(cfg.backupPort, '0.0.0.0', resolve));
  await new Promise<void>((resolve) => service.bind(cfg.servicePort, '0.0.0.0', resolve));
  emit('info', 'start', {
    id: cfg.id, mode: cfg.mode, priority: cfg.priority, peers: cfg.peers.map((p) => p.id), witness: !!cfg.witness,
    hbIntervalMs: IV, hbMisses: cfg.hbMisses, vip: cfg.vip.address, takeover: cfg.takeover,
  });
  const hbStart = now();
  let n = 0;
  const beat = () => {
    if (stopping) return;
    sendHeartbeats();
    n += 1;
    // Against the start time, not the last beat, so timer lateness does not accumulate.
    beatTimer = setTimeout(beat, Math.max(0, hbStart + n * IV - now()));
  };
  beat();
  timers.push(setInterval(check, TICK_MS));
  timers.push(setInterval(everySecond, 1000));
  if (cfg.durationMs !== undefined) timers.push(setTimeout(() => void stop('duration'), cfg.durationMs));
}

void main();
