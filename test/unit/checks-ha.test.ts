// HA checkers on literal histories: each passes on a good run and fails on a
// known-bad one (slow failover, dropped calls, split brain, wrong plane, FDB
// not following the port).
import { wanCapture } from '../support/capture.js';
import { fault, type FaultOpts } from '../support/faults.js';
import { describe, expect, it } from 'vitest';
import { backupOnOverlay } from '../../harness/checks/kinds/backup-on-overlay.js';
import { callContinuity } from '../../harness/checks/kinds/call-continuity.js';
import { failoverTime } from '../../harness/checks/kinds/failover-time.js';
import { remotePortFdb } from '../../harness/checks/kinds/remote-port-fdb.js';
import { splitBrain } from '../../harness/checks/kinds/split-brain.js';
import type { HistoryEvent } from '../../harness/observe/history.js';
import { parseScenario } from '../../harness/scenario/load.js';
import { planTopology } from '../../harness/topology/plan.js';
import { haSites } from '../support/topologies.js';

const yaml = (witness: boolean, hb = '{ interval: 50ms, misses: 3 }') => `
name: ha
duration: 20s
${haSites()}
vnfs:
  - name: vnf1
    members: [east/vnf-a, west/vnf-b]
    backup: { network: backup }
    external: { network: ext, vip: 198.18.201.100 }
    heartbeat: ${hb}
${witness ? '    witness: users/witness' : ''}
workload:
  - { kind: calls, name: calls, from: users/client, vnf: vnf1 }
  - { kind: remote-port-crud, name: crud, network: backup, site: west, tunnelIps: [198.18.1.2, 198.18.3.2] }
checks:
  - { name: failover, kind: failover-time, vnf: vnf1, requirements: [HA-NEW-CALLS-1S] }
  - { name: ongoing, kind: call-continuity, vnf: vnf1, requirements: [HA-ONGOING-CALLS] }
  - { name: brain, kind: split-brain, vnf: vnf1, requirements: [HA-NO-SPLIT-BRAIN] }
  - { name: overlay, kind: backup-on-overlay, vnf: vnf1, requirements: [HA-BACKUP-L2-OVERLAY] }
  - { name: fdb, kind: remote-port-fdb, workload: crud, requirements: [HA-REMOTE-PORT-L2POP] }
`;

function ctx(name: string, witness = true) {
  const scenario = parseScenario('ha.yaml', yaml(witness)).scenario;
  return { scenario, plan: planTopology(scenario, 'abcdef'), spec: scenario.checks.find((c) => c.name === name)! };
}

const op = (t: number, process: string, type: 'invoke' | 'ok' | 'fail' | 'info', f: string, value: Record<string, unknown>): HistoryEvent => ({ t, kind: 'op', process, type, f, value });
const role = (t: number, m: string, to: string) => op(t, `vnf1@${m}`, 'info', 'role', { from: '?', to, reason: 'test' });
const lose = (t: number, site: string, o: FaultOpts = {}): HistoryEvent[] => fault({ kind: 'site-loss', site }, t, undefined, { name: 'lose', ...o });
const cut = (t: number, end: number): HistoryEvent[] => fault({ kind: 'partition', link: 'ew' }, t, end, { name: 'cut' });

/** Calls every 200 ms from t=0; setups between outFrom and outTo fail; ongoing calls see a gap of `gap` ms. */
function calls(outFrom: number, outTo: number, opts: { gap?: number; dropOngoing?: boolean } = {}): HistoryEvent[] {
  const p = 'calls@users/client';
  const ev: HistoryEvent[] = [];
  for (let i = 0, t = 0; t < 20000; i++, t += 200) {
    const call = `c${i}`;
    ev.push(op(t, p, 'invoke', 'call-setup', { call }));
    if (t >= outFrom && t < outTo) {
      ev.push(op(t + 200, p, 'fail', 'call-setup', { call, reason: 'timeout' }));
      continue;
    }
    ev.push(op(t + 5, p, 'ok', 'call-setup', { call, by: t < outFrom ? 'east-vnf-a' : 'west-vnf-b' }));
    const end = t + 2000;
    const spans = t < outFrom && end > outFrom;
    if (spans && opts.gap) ev.push(op(outTo, p, 'info', 'media-gap', { call, gapMs: opts.gap }));
    ev.push(op(end, p, spans && opts.dropOngoing ? 'fail' : 'ok', 'call-end', { call, ...(spans && opts.dropOngoing ? { reason: 'dropped' } : {}) }));
  }
  return ev;
}

const sorted = (...xs: HistoryEvent[][]) => xs.flat().sort((a, b) => a.t - b.t);

describe('failover-time (HA-NEW-CALLS-1S)', () => {
  const roles = (takeover: number) => [role(0, 'east/vnf-a', 'active'), role(takeover, 'west/vnf-b', 'active')];
  type Row = { outageMs: number | null; failedSetups: number; resolutionMs: number | null; servedBy: string | null; failedAfterFirstServed: number };
  const row = (r: ReturnType<typeof failoverTime.check>) => (r.evidence.rows as Row[])[0]!;
  it('passes when new calls succeed 300 ms after the active site is lost, counted from the first death', () => {
    const h = sorted(lose(7900, 'east', { from: 8000, stopped: { 'east/vnf-a': 8000, 'east/ctl': 8010 } }), calls(8000, 8300), roles(8200));
    const r = failoverTime.check(h, ctx('failover'));
    expect(r.status).toBe('pass');
    expect(r.summary).toMatch(/after 405 ms \(limit 1000 ms, resolution 200 ms\), 2 failed setups, by west-vnf-b/);
    expect(row(r)).toMatchObject({ outageMs: 405, failedSetups: 2, resolutionMs: 200, servedBy: 'west-vnf-b', failedAfterFirstServed: 0 });
  });
  it('fails when a slow VNF (400 ms x 3 heartbeats) needs 1.6 s', () => {
    const r = failoverTime.check(sorted(lose(8000, 'east'), calls(8000, 9600), roles(9400)), ctx('failover'));
    expect(r.status).toBe('fail');
    expect(row(r)).toMatchObject({ outageMs: 1605, failedSetups: 8 });
  });
  it('fails when service never comes back', () => {
    const r = failoverTime.check(sorted(lose(8000, 'east'), calls(8000, 30000), roles(8200)), ctx('failover'));
    expect(r.status).toBe('fail');
    expect(row(r).outageMs).toBeNull();
    expect(r.summary).toMatch(/after never/);
  });
  it('is unknown, not failed, when no call was served again but the calls stopped being offered before the limit passed', () => {
    // Only the calls sent before `until`: a session by hand whose fault came as its calls ended.
    const offeredUntil = (until: number, ev: HistoryEvent[]) => ev.filter((e) => e.kind !== 'op' || Number(String(e.value?.call).slice(1)) * 200 < until);
    const early = failoverTime.check(sorted(lose(8000, 'east'), offeredUntil(8600, calls(8000, 30000)), roles(8200)), ctx('failover'));
    expect(early.status).toBe('unknown');
    expect(row(early)).toMatchObject({ outageMs: null, lastOfferedMs: 400, failedSetups: 3 });
    expect(early.summary).toBe('undecided; lose: none served again, but the last new call was offered 400 ms after the fault, before the 1000 ms limit: the calls stopped before the outage could be judged');
    // The last offer 800 ms in: still undecided; one offered at the limit and not served is the failure.
    expect(failoverTime.check(sorted(lose(8000, 'east'), offeredUntil(9000, calls(8000, 30000)), roles(8200)), ctx('failover')).status).toBe('unknown');
    const atLimit = failoverTime.check(sorted(lose(8000, 'east'), offeredUntil(9001, calls(8000, 30000)), roles(8200)), ctx('failover'));
    expect(atLimit.status).toBe('fail');
    expect(row(atLimit)).toMatchObject({ outageMs: null, lastOfferedMs: 1000, failedSetups: 6 });
  });
  it('skips, saying why, when the lost site held only the standby', () => {
    const r = failoverTime.check(sorted(lose(8000, 'west'), calls(30000, 30000), roles(30000)), ctx('failover'));
    expect(r.status).toBe('skip');
    expect(r.summary).toBe('the active (east/vnf-a) was not taken away by lose (site west): no failover to judge');
  });
  it('does not count a call the dying active answered before the kill landed as recovery', () => {
    // East is lost at 8000; the old active still answers the call sent at 8000, then setups fail until 9000.
    const h = sorted(lose(8000, 'east'), calls(8200, 9000), roles(8900));
    const r = failoverTime.check(h, ctx('failover'));
    expect(row(r)).toMatchObject({ outageMs: 1005, servedBy: 'west-vnf-b' });
    expect(r.status).toBe('fail');
  });
  it('counts failures after the first served call: recovery is the first call after which none failed', () => {
    // Setups every 200 ms; those sent in [8000, 8200) and [8400, 9400) fail, the one at 8200 is served by the survivor.
    const p = 'calls@users/client';
    const flap = (t: number) => (t >= 8000 && t < 8200) || (t >= 8400 && t < 9400);
    const ev = Array.from({ length: 100 }, (_, i) => i * 200).flatMap((t) => [
      op(t, p, 'invoke', 'call-setup', { call: `c${t}` }),
      flap(t) ? op(t + 200, p, 'fail', 'call-setup', { call: `c${t}`, reason: 'timeout' }) : op(t + 5, p, 'ok', 'call-setup', { call: `c${t}`, by: t < 8000 ? 'east-vnf-a' : 'west-vnf-b' }),
    ]);
    const r = failoverTime.check(sorted(lose(8000, 'east'), ev, roles(8100)), ctx('failover'));
    expect(row(r)).toMatchObject({ failedSetups: 6, failedAfterFirstServed: 5, outageMs: 1405 });
    expect(r.status).toBe('fail');
  });
  it('is unknown when no member was active when the fault began', () => {
    const r = failoverTime.check(sorted(lose(8000, 'east'), calls(8000, 8300)), ctx('failover'));
    expect(r.status).toBe('unknown');
    expect(r.summary).toMatch(/no member of vnf1 was active when lose began/);
  });
});

describe('call-continuity (HA-ONGOING-CALLS)', () => {
  it('passes when ongoing calls continue with a 300 ms gap', () => {
    expect(callContinuity.check(sorted(lose(8000, 'east'), calls(8000, 8300, { gap: 300 })), ctx('ongoing')).status).toBe('pass');
  });
  it('fails when ongoing calls are dropped (no state replication)', () => {
    const r = callContinuity.check(sorted(lose(8000, 'east'), calls(8000, 8300, { gap: 300, dropOngoing: true })), ctx('ongoing'));
    expect(r.status).toBe('fail');
    expect(r.summary).toMatch(/dropped/);
  });
  it('fails when the media gap exceeds 1 s', () => {
    expect(callContinuity.check(sorted(lose(8000, 'east'), calls(8000, 9600, { gap: 1600 })), ctx('ongoing')).status).toBe('fail');
  });
});

describe('split-brain (HA-NO-SPLIT-BRAIN)', () => {
  const A = 'fa:16:3e:00:00:0a';
  const B = 'fa:16:3e:00:00:0b';
  /** ARP probes of the VIP every 250 ms for 20 s; `answer(t)` gives the MACs that replied to the one sent at t. */
  const wire = (answer: (t: number) => string[]): HistoryEvent[] => [
    op(0, 'vip-arp@vnf1', 'info', 'members', { macs: { [A]: 'east/vnf-a', [B]: 'west/vnf-b' } }),
    ...Array.from({ length: 80 }, (_, i) => op(i * 250 + 1000, 'vip-arp@vnf1', 'info', 'probe', { sent: i * 250, macs: answer(i * 250) })),
  ];
  const failover = (t: number) => (t < 8000 ? [A] : t < 8250 ? [] : [B]);
  it('passes with one active at a time, by the members and on the wire', () => {
    const h = sorted(lose(8000, 'east', { stopped: { 'east/vnf-a': 8000 } }), [role(0, 'east/vnf-a', 'active'), role(8200, 'west/vnf-b', 'active')], wire(failover));
    const r = splitBrain.check(h, ctx('brain'));
    expect(r.status).toBe('pass');
    expect(r.summary).toBe('never two actives at once (limit 150 ms, witness users/witness); on the wire one MAC at most answered each of 80 ARP probes');
    expect(r.evidence.wire).toMatchObject({ probes: 80, answeredByOne: 79, unanswered: 1, windows: [] });
  });
  it('fails in naive mode when a partition leaves two actives for the whole cut, and measures it', () => {
    const h = sorted(cut(5000, 9000), [role(0, 'east/vnf-a', 'active'), role(5150, 'west/vnf-b', 'active'), role(9100, 'west/vnf-b', 'standby')], wire((t) => (t >= 5250 && t < 9000 ? [A, B] : [A])));
    const r = splitBrain.check(h, ctx('brain', false));
    expect(r.status).toBe('fail');
    expect(r.evidence.worstMs).toBe(3950);
    expect(r.summary).toMatch(/naive/);
    expect((r.evidence.wire as { windows: unknown[] }).windows).toEqual([{ from: 5250, to: 8750, minMs: 3500, maxMs: 4000, probes: 15, members: ['east/vnf-a', 'west/vnf-b'] }]);
  });
  it('fails on the wire when two MACs answer for the VIP though every member says it is alone', () => {
    const h = sorted([role(0, 'east/vnf-a', 'active')], wire((t) => (t >= 4000 && t < 6000 ? [A, B] : [A])));
    const r = splitBrain.check(h, ctx('brain'));
    expect(r.status).toBe('fail');
    expect(r.summary).toMatch(/^split brain: two actives at once for 1750 ms \(0 window\(s\) reported by the members/);
    expect(r.summary).toMatch(/east\/vnf-a \+ west\/vnf-b: 8 probes, 1750-2250 ms/);
  });
  it('is unknown when one probe saw two answers: the window lies somewhere between 0 and 500 ms', () => {
    const h = sorted([role(0, 'east/vnf-a', 'active')], wire((t) => (t === 4000 ? [A, B] : [A])));
    const r = splitBrain.check(h, ctx('brain'));
    expect(r.status).toBe('unknown');
    expect(r.summary).toMatch(/^two MACs answered ARP for the VIP for 0 to 500 ms/);
  });
  it('is unknown without any answered probe, and when the wire cannot be watched (the members\' account alone, said)', () => {
    const roles = [role(0, 'east/vnf-a', 'active')];
    expect(splitBrain.check(sorted(roles), ctx('brain')).status).toBe('unknown');
    const blind = splitBrain.check(sorted(roles, [op(1, 'vip-arp@vnf1', 'fail', 'probe', { error: 'no calls client of vnf1 on its external network ext' })]), ctx('brain'));
    expect(blind.status).toBe('unknown');
    expect(blind.summary).toMatch(/^never two actives at once by the members' own account .*, but the wire was not watched: no calls client/);
  });
  it("ends a lost member's active interval at its own death", () => {
    const h = sorted(lose(7900, 'east', { from: 8000, stopped: { 'east/vnf-a': 8000 } }), [role(0, 'east/vnf-a', 'active'), role(8100, 'west/vnf-b', 'active')], wire(failover));
    expect(splitBrain.check(h, ctx('brain')).evidence.windows).toEqual([]);
    // Without a recorded death, the lost member's self-report would overlap the new active.
    const unknownDeath = sorted(lose(7900, 'east'), [role(0, 'east/vnf-a', 'active'), role(8100, 'west/vnf-b', 'active')], wire(failover));
    expect(splitBrain.check(unknownDeath, ctx('brain')).evidence.worstMs).toBe(round2(end(unknownDeath) - 8100));
  });
});

const end = (h: readonly HistoryEvent[]) => h.reduce((m, e) => Math.max(m, e.t), 0);
const round2 = (x: number) => Math.round(x * 100) / 100;

describe('backup-on-overlay (HA-BACKUP-L2-OVERLAY)', () => {
  const capture = (flows: { tenantVni: number | null; port: number; packets: number }[]): HistoryEvent => wanCapture(flows);
  it('passes when heartbeats cross only inside VNI 5001', () => {
    expect(backupOnOverlay.check([capture([{ tenantVni: 5001, port: 7100, packets: 400 }, { tenantVni: 5002, port: 5060, packets: 900 }])], ctx('overlay')).status).toBe('pass');
  });
  it('fails when heartbeats travel on the external plane', () => {
    expect(backupOnOverlay.check([capture([{ tenantVni: 5002, port: 7100, packets: 400 }])], ctx('overlay')).status).toBe('fail');
  });
  it('fails when heartbeats cross routed, outside any overlay (L3 backup plane)', () => {
    expect(backupOnOverlay.check([capture([{ tenantVni: 5001, port: 7100, packets: 10 }, { tenantVni: null, port: 7100, packets: 400 }])], ctx('overlay')).status).toBe('fail');
  });
  it('is unknown without a capture', () => {
    expect(backupOnOverlay.check([], ctx('overlay')).status).toBe('unknown');
  });
});

describe('remote-port-fdb (HA-REMOTE-PORT-L2POP)', () => {
  const obs = (step: string, portExists: boolean, present: boolean) => op(1, 'crud@harness', 'info', 'fdb', { step, portExists, mac: present, flood: present, neigh: present });
  const answer = (f: string, type: 'ok' | 'fail' = 'ok', value: Record<string, unknown> = {}) => op(1, 'crud@harness', type, f, value);
  const allOk = ['create', 'show', 'vtep-query', 'update', 'delete'].map((f) => answer(f));
  const good = [obs('create', true, true), obs('update', true, true), obs('delete', false, false)];
  it('passes when every API step answered and entries exist exactly while the port exists', () => {
    const r = remotePortFdb.check([...allOk, ...good], ctx('fdb'));
    expect(r.status).toBe('pass');
    expect(r.summary).toMatch(/through 3 observations/);
  });
  it('fails when delete leaves the FDB entry behind', () => {
    const r = remotePortFdb.check([...allOk, obs('create', true, true), obs('delete', false, true)], ctx('fdb'));
    expect(r.status).toBe('fail');
    expect(r.summary).toBe('1 of 2 observations disagree: after delete: port gone, fdb present, flood present, neigh present');
  });
  it('fails when no L2 population happened (mechanism driver missing)', () => {
    expect(remotePortFdb.check([...allOk, obs('create', true, false)], ctx('fdb')).status).toBe('fail');
  });
  it('fails when an API step failed, even if the kernel entries look right', () => {
    const steps = [answer('create', 'fail', { error: 'HTTP 500' }), ...allOk.slice(1)];
    const r = remotePortFdb.check([...steps, ...good], ctx('fdb'));
    expect(r.status).toBe('fail');
    expect(r.summary).toBe('1 API step(s) failed: create: HTTP 500');
  });
  it('fails when binding:vtep_ip is read back wrong', () => {
    const steps = allOk.map((e) => (e.kind === 'op' && e.f === 'vtep-query' ? answer('vtep-query', 'fail', { expected: '198.18.1.2', got: '198.18.9.9' }) : e));
    const r = remotePortFdb.check([...steps, ...good], ctx('fdb'));
    expect(r.summary).toBe('1 API step(s) failed: vtep-query: binding:vtep_ip read back 198.18.9.9, expected 198.18.1.2');
  });
  it('is unknown when the workload stopped before its last step', () => {
    const r = remotePortFdb.check([...allOk.slice(0, 3), obs('create', true, true)], ctx('fdb'));
    expect(r.status).toBe('unknown');
    expect(r.summary).toBe('the workload never completed update, delete: 1 FDB observations');
    expect(remotePortFdb.check([], ctx('fdb')).status).toBe('unknown');
  });
});

// failover-time at its edges (mutation testing: each assertion failed on a
// changed checker that the tests above let through).
describe('failover-time: the evidence and the edges', () => {
  const p = 'calls@users/client';
  type Row = Record<string, unknown>;
  const rows = (r: ReturnType<typeof failoverTime.check>) => r.evidence.rows as Row[];
  /** The same VNF without the east-west link: cutting east-users takes east away from the caller. */
  function lineCtx() {
    const scenario = parseScenario('ha.yaml', yaml(true).replace('  - { name: ew, between: [east, west], latency: 5ms }\n', '')).scenario;
    return { scenario, plan: planTopology(scenario, 'abcdef'), spec: scenario.checks.find((c) => c.name === 'failover')! };
  }

  it('records per fault the actives, the one lost, the outage, who served, the takeover and the new active', () => {
    const h = sorted(lose(7900, 'east', { from: 8000, stopped: { 'east/vnf-a': 8000 } }), calls(8000, 8300), [role(0, 'east/vnf-a', 'active'), role(0, 'west/vnf-b', 'standby'), role(8100, 'west/vnf-b', 'candidate'), op(8150, 'vnf9@users/witness', 'info', 'role', { to: 'active' }), role(8200, 'west/vnf-b', 'active')]);
    const r = failoverTime.check(h, ctx('failover'));
    expect(r.status).toBe('pass');
    expect(rows(r)).toEqual([{ fault: 'lose', limitMs: 1000, activeAtFault: ['east/vnf-a'], lostActives: ['east/vnf-a'], outageMs: 405, lastOfferedMs: 11800, servedBy: 'west-vnf-b', failedSetups: 2, failedAfterFirstServed: 0, resolutionMs: 200, takeoverMs: 200, newActive: 'vnf1@west/vnf-b', status: 'pass', why: '' }]);
    expect(failoverTime.needs).toEqual({ faults: true, workloads: ['calls'] });
  });

  it('counts a takeover at the very start of the fault, and a member active from that instant as active at it', () => {
    const h = sorted(lose(8000, 'east'), calls(8000, 8300), [role(8000, 'east/vnf-a', 'active'), role(8000, 'west/vnf-b', 'active')], [op(7000, p, 'ok', 'call-setup', { call: 'x', by: 'east-vnf-a' })]);
    const r = failoverTime.check(h, ctx('failover'));
    expect(rows(r)[0]).toMatchObject({ activeAtFault: ['east/vnf-a', 'west/vnf-b'], lostActives: ['east/vnf-a'], takeoverMs: 0, newActive: 'vnf1@east/vnf-a' });
  });

  it('does not count a member that stepped down before, or exactly when, the fault began', () => {
    const h = sorted(lose(8000, 'east'), calls(8000, 8300), [role(0, 'west/vnf-b', 'active'), role(5000, 'west/vnf-b', 'standby'), role(5000, 'east/vnf-a', 'active'), role(8000, 'east/vnf-a', 'standby')]);
    const r = failoverTime.check(h, ctx('failover'));
    expect(r.status).toBe('unknown');
    expect(rows(r)[0]).toMatchObject({ activeAtFault: [], outageMs: null });
    const before = failoverTime.check(sorted(lose(8000, 'east'), calls(8000, 8300), [role(0, 'west/vnf-b', 'active'), role(5000, 'west/vnf-b', 'standby'), role(5000, 'east/vnf-a', 'active')]), ctx('failover'));
    expect(rows(before)[0]).toMatchObject({ activeAtFault: ['east/vnf-a'], lostActives: ['east/vnf-a'] });
  });

  it('is unknown when no call succeeded before the fault, even one answered at its very start', () => {
    const h = sorted(lose(8000, 'east'), calls(0, 8000), [op(8000, p, 'ok', 'call-setup', { call: 'c40', by: 'east-vnf-a' })], [role(0, 'east/vnf-a', 'active'), role(8200, 'west/vnf-b', 'active')]);
    const r = failoverTime.check(h, ctx('failover'));
    expect(r.status).toBe('unknown');
    expect(rows(r)[0]).toMatchObject({ status: 'unknown', why: 'no call succeeded before the fault: nothing to fail over from' });
  });

  it('does not take calls still answered by the lost active for a recovery, and says so in full', () => {
    const r = failoverTime.check(sorted(lose(8000, 'east'), calls(30000, 30000), [role(0, 'east/vnf-a', 'active')]), ctx('failover'));
    expect(r.status).toBe('fail');
    expect(r.summary).toBe('lose: new calls served again after never (limit 1000 ms), 0 failed setups');
  });

  it('skips a run with no site loss or partition, and a partition that leaves the active with the caller', () => {
    const slow = fault({ kind: 'impair', link: 'ew' }, 8000, 9000, { name: 'slow' });
    const none = failoverTime.check(sorted(slow, calls(30000, 30000), [role(0, 'east/vnf-a', 'active')]), ctx('failover'));
    expect(none).toEqual({ status: 'skip', summary: 'no site loss or partition in this run', evidence: { rows: [] } });
    const kept = failoverTime.check(sorted(cut(8000, 9000), calls(30000, 30000), [role(0, 'east/vnf-a', 'active')]), ctx('failover'));
    expect(kept.status).toBe('skip');
    expect(rows(kept)).toEqual([{ fault: 'cut', limitMs: 1000, activeAtFault: ['east/vnf-a'], lostActives: [], outageMs: null, status: 'skip', why: 'the active (east/vnf-a) was not taken away by cut (link ew): no failover to judge' }]);
  });

  it('judges a partition that cuts the active off from the caller', () => {
    const h = sorted(fault({ kind: 'partition', link: 'eu' }, 8000, 12000, { name: 'cut' }), calls(8000, 8300), [role(0, 'east/vnf-a', 'active'), role(8200, 'west/vnf-b', 'active')]);
    const r = failoverTime.check(h, lineCtx());
    expect(r.status).toBe('pass');
    expect(rows(r)[0]).toMatchObject({ fault: 'cut', lostActives: ['east/vnf-a'], outageMs: 405, servedBy: 'west-vnf-b' });
    const other = failoverTime.check(sorted(fault({ kind: 'partition', link: 'wu' }, 8000, 12000, { name: 'cut' }), calls(30000, 30000), [role(0, 'east/vnf-a', 'active')]), lineCtx());
    expect(other.status).toBe('skip');
  });

  it('judges each disruption up to the next one', () => {
    const h = sorted(cut(2000, 3000), lose(8000, 'east'), calls(8000, 8300), [role(0, 'east/vnf-a', 'active'), role(8200, 'west/vnf-b', 'active')]);
    const r = failoverTime.check(h, ctx('failover'));
    expect(r.status).toBe('pass');
    // The cut left the active with the caller: skipped, and left out of the rows judged.
    expect(rows(r).map((x) => [x.fault, x.status, x.outageMs])).toEqual([['lose', 'pass', 405]]);
  });
});

// call-continuity's evidence and edges (mutation testing).
describe('call-continuity: the evidence and the edges', () => {
  const p = 'calls@users/client';
  const rowsOf = (r: ReturnType<typeof callContinuity.check>) => r.evidence.rows as Record<string, unknown>[];
  it('counts the calls set up before the fault and ending after it, and their longest gap', () => {
    // Calls every 200 ms lasting 2 s: those set up at 6200..7800 span 8000 (the one at 6000 ends at 8000 exactly).
    // A call answered at the fault's very start is not in progress across it; a gap of a call not spanning it does not count.
    const h = sorted(lose(8000, 'east'), calls(8000, 8300, { gap: 300 }), [op(8000, p, 'ok', 'call-setup', { call: 'late' }), op(8500, p, 'info', 'media-gap', { call: 'c45', gapMs: 5000 }), op(8500, p, 'info', 'media-gap', { call: 'c35' })]);
    const r = callContinuity.check(h, ctx('ongoing'));
    expect(r.status).toBe('pass');
    expect(rowsOf(r)).toEqual([{ fault: 'lose', ongoingCalls: 9, dropped: [], unfinished: 0, endedBeforeMediaCameBack: 0, maxMediaGapMs: 300, limitMs: 1000, status: 'pass' }]);
    expect(r.summary).toBe('lose: 9 ongoing calls, 0 dropped or lost state, longest media gap 300 ms (limit 1000)');
    expect(callContinuity.needs).toEqual({ faults: true, workloads: ['calls'] });
  });
  it('names at most three dropped calls in the summary', () => {
    const r = callContinuity.check(sorted(lose(8000, 'east'), calls(8000, 8300, { gap: 300, dropOngoing: true })), ctx('ongoing'));
    expect(r.summary).toBe('lose: 9 ongoing calls, 9 dropped or lost state (c31 (dropped), c32 (dropped), c33 (dropped)), longest media gap 300 ms (limit 1000)');
  });
  it('allows a media gap of exactly the limit', () => {
    expect(callContinuity.check(sorted(lose(8000, 'east'), calls(8000, 8300, { gap: 1000 })), ctx('ongoing')).status).toBe('pass');
    expect(callContinuity.check(sorted(lose(8000, 'east'), calls(8000, 8300, { gap: 1000.5 })), ctx('ongoing')).status).toBe('fail');
  });
  it('names a dropped call with its reason, or "failed" without one', () => {
    const h = sorted(lose(8000, 'east'), calls(8000, 8300).filter((e) => !(e.kind === 'op' && e.f === 'call-end' && e.value?.call === 'c35')), [op(9000, p, 'fail', 'call-end', { call: 'c35' })]);
    const r = callContinuity.check(h, ctx('ongoing'));
    expect(r.status).toBe('fail');
    expect(rowsOf(r)[0]).toMatchObject({ ongoingCalls: 9, dropped: ['c35 (failed)'], unfinished: 0 });
  });
  it('is unknown when a call in progress never ended, or when none was in progress', () => {
    const h = sorted(lose(8000, 'east'), calls(8000, 8300).filter((e) => !(e.kind === 'op' && e.f === 'call-end' && e.value?.call === 'c35')));
    const r = callContinuity.check(h, ctx('ongoing'));
    expect(r.status).toBe('unknown');
    expect(rowsOf(r)[0]).toMatchObject({ ongoingCalls: 9, dropped: [], unfinished: 1, status: 'unknown' });
    const idle = callContinuity.check(sorted(lose(8000, 'east'), calls(0, 30000)), ctx('ongoing'));
    expect(idle.status).toBe('unknown');
    expect(rowsOf(idle)[0]).toMatchObject({ ongoingCalls: 0, status: 'unknown' });
  });
  it('a call that hung up in a gap open since before the fault shows nothing: pass on the others, unknown when none is left', () => {
    // c39 (set up 7800) hangs up at 8400 with no ack since 7950: its gap is open and began before the loss at 8000.
    const endsIn = (id: string) => (e: HistoryEvent) => !(e.kind === 'op' && e.value?.call === id && (e.f === 'call-end' || e.f === 'media-gap'));
    const quiet = (id: string, from: number, at: number) => [op(at, p, 'info', 'media-gap', { call: id, gapMs: at - from, from, to: at, open: true }), op(at, p, 'ok', 'call-end', { call: id })];
    const one = sorted(lose(8000, 'east'), calls(8000, 8300).filter(endsIn('c39')), quiet('c39', 7950, 8400));
    const r = callContinuity.check(one, ctx('ongoing'));
    expect(r.status).toBe('pass');
    expect(rowsOf(r)[0]).toMatchObject({ ongoingCalls: 9, endedBeforeMediaCameBack: 1 });
    // An open gap that began after the fault (media came back, then stopped) is an ordinary gap.
    const after = sorted(lose(8000, 'east'), calls(8000, 8300).filter(endsIn('c39')), quiet('c39', 8350, 8400));
    expect(rowsOf(callContinuity.check(after, ctx('ongoing')))[0]).toMatchObject({ endedBeforeMediaCameBack: 0, status: 'pass' });
    // Every call in progress hung up before its media came back: nothing shown.
    const ids = ['c31', 'c32', 'c33', 'c34', 'c35', 'c36', 'c37', 'c38', 'c39'];
    const all = sorted(lose(8000, 'east'), calls(8000, 8300).filter((e) => !(e.kind === 'op' && ids.includes(String(e.value?.call)) && (e.f === 'call-end' || e.f === 'media-gap'))), ...ids.map((id) => quiet(id, 7990, 8500)));
    const none = callContinuity.check(all, ctx('ongoing'));
    expect(none.status).toBe('unknown');
    expect(none.summary).toMatch(/^no call was in progress across the fault, a call never ended, or every one ended before its media came back; lose: 9 ongoing calls/);
    // A closed gap from before the fault is an ordinary failover gap; an open one from the fault's very start shows nothing.
    const closed = sorted(lose(8000, 'east'), calls(8000, 8300).filter(endsIn('c39')), [op(8400, p, 'info', 'media-gap', { call: 'c39', gapMs: 410, from: 7990, to: 8400, open: false }), op(8900, p, 'ok', 'call-end', { call: 'c39' })]);
    expect(rowsOf(callContinuity.check(closed, ctx('ongoing')))[0]).toMatchObject({ endedBeforeMediaCameBack: 0, status: 'pass' });
    const atStart = sorted(lose(8000, 'east'), calls(8000, 8300).filter(endsIn('c39')), quiet('c39', 8000, 8400));
    expect(rowsOf(callContinuity.check(atStart, ctx('ongoing')))[0]).toMatchObject({ endedBeforeMediaCameBack: 1 });
    // One longer than the limit still fails.
    expect(callContinuity.check(sorted(lose(8000, 'east'), calls(8000, 8300).filter(endsIn('c39')), quiet('c39', 6900, 8400)), ctx('ongoing')).status).toBe('fail');
  });
  it('judges partitions too, and skips a run with neither a site loss nor a partition', () => {
    // Without role events nothing says who was active: the calls alone are judged.
    expect(rowsOf(callContinuity.check(sorted(cut(8000, 9000), calls(30000, 30000)), ctx('ongoing')))).toMatchObject([{ fault: 'cut', ongoingCalls: 9, status: 'pass' }]);
    // A cut that leaves the active with the caller is no failover: skipped, and left out of the rows judged.
    const kept = callContinuity.check(sorted(cut(8000, 9000), calls(30000, 30000), [role(0, 'east/vnf-a', 'active')]), ctx('ongoing'));
    expect(kept).toEqual({ status: 'skip', summary: 'the active (east/vnf-a) was not taken away by cut (link ew): no failover to judge', evidence: { rows: [{ fault: 'cut', status: 'skip', why: 'the active (east/vnf-a) was not taken away by cut (link ew): no failover to judge' }] } });
    const both = callContinuity.check(sorted(cut(6000, 7000), lose(8000, 'east'), calls(8000, 8300), [role(0, 'east/vnf-a', 'active'), role(8300, 'west/vnf-b', 'active')]), ctx('ongoing'));
    expect(both.status).toBe('pass');
    expect(both.summary).toBe('lose: 9 ongoing calls, 0 dropped or lost state, longest media gap 0 ms (limit 1000)');
    // Taken away: the active's site lost.
    expect(rowsOf(callContinuity.check(sorted(lose(8000, 'east'), calls(8000, 8300), [role(0, 'east/vnf-a', 'active')]), ctx('ongoing')))).toMatchObject([{ fault: 'lose', status: 'pass' }]);
    const slow = fault({ kind: 'impair', link: 'ew' }, 8000, 9000, { name: 'slow' });
    expect(callContinuity.check(sorted(slow, calls(30000, 30000)), ctx('ongoing'))).toEqual({ status: 'skip', summary: 'no site loss or partition in this run', evidence: { rows: [] } });
  });
});
