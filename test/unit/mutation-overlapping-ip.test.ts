// overlapping-ip (HA-OVERLAPPING-IP) on literal histories: two VNFs with the
// same backup addresses on separate overlays both serve calls outside fault
// windows (a fault's window plus the failover limit is left out), have an
// active member, and every member heard each of its peers; written with
// mutation testing, each assertion failing on a changed checker.
import { describe, expect, it } from 'vitest';
import { backupOnOverlay } from '../../harness/checks/kinds/backup-on-overlay.js';
import { overlappingIp, peersHeard, SERVED_RATIO } from '../../harness/checks/kinds/overlapping-ip.js';
import { wanCapture } from '../support/capture.js';
import type { HistoryEvent } from '../../harness/observe/history.js';
import { parseScenario } from '../../harness/scenario/load.js';
import { planTopology } from '../../harness/topology/plan.js';
import { fault } from '../support/faults.js';

const yaml = (o: { cidr2?: string; calls2?: boolean; l3?: boolean; own?: boolean; crossed?: boolean; three?: boolean } = {}) => `
name: ov
duration: 8s
sites:
  - { name: east, subnet: 198.18.1.0/24, nodes: [{ name: ctl, role: controller }, { name: a1, role: vm }, { name: a2, role: vm }] }
  - { name: west, subnet: 198.18.2.0/24, nodes: [{ name: ctl, role: controller }, { name: b1, role: vm }, { name: b2, role: vm }] }
  - { name: users, subnet: 198.18.3.0/24, nodes: [{ name: ctl, role: controller }, { name: client, role: vm }${o.three ? ', { name: c3, role: vm }' : ''}] }
links:
  - { name: ew, between: [east, west], latency: 5ms }
  - { name: eu, between: [east, users], latency: 10ms }
  - { name: wu, between: [west, users], latency: 10ms }
networks:
  - { name: ext1, vni: 5002, cidr: 198.18.201.0/24, sites: [east, west, users] }
  - { name: ext2, vni: 5004, cidr: 198.18.202.0/24, sites: [east, west, users] }
  - { name: backup1, vni: 5001, ${o.crossed ? 'vniBySite: { west: 5003 }, ' : ''}cidr: 198.18.200.0/24, sites: [east, west] }
  - { name: backup2, vni: 5003, ${o.crossed ? 'vniBySite: { west: 5001 }, ' : ''}cidr: ${o.cidr2 ?? '198.18.200.0/24'}, sites: [east, west${o.three ? ', users' : ''}] }
  - { name: backup3, vni: 5005, cidr: 198.18.220.0/24, sites: [east, west] }
vnfs:
  - { name: vnf1, members: [east/a1, west/b1], backup: { network: backup1 }, external: { network: ext1, vip: 198.18.201.100 } }
  - { name: vnf2, members: [east/a2, west/b2${o.three ? ', users/c3' : ''}], backup: { network: backup2 }, external: { network: ext2, vip: 198.18.202.100 } }
${o.l3 ? '  - { name: vnf3, members: [east/a1, west/b1], backup: {}, external: { network: ext1, vip: 198.18.201.101 }, backupPort: 7102, port: 5062 }' : ''}
${o.own ? '  - { name: vnf4, members: [east/a1, west/b1], backup: { network: backup3 }, external: { network: ext1, vip: 198.18.201.102 }, backupPort: 7103, port: 5063 }' : ''}
${o.own ? '  - { name: vnf5, members: [east/a1, west/b1], backup: { network: backup3 }, external: { network: ext1, vip: 198.18.201.103 }, backupPort: 7104, port: 5064 }' : ''}
workload:
  - { kind: calls, name: calls1, from: users/client, vnf: vnf1 }
${o.calls2 === false ? '' : '  - { kind: calls, name: calls2, from: users/client, vnf: vnf2 }'}
checks:
  - { name: overlap, kind: overlapping-ip, requirements: [HA-OVERLAPPING-IP] }
`;

function ctx(o: Parameters<typeof yaml>[0] = {}) {
  const scenario = parseScenario('ov.yaml', yaml(o)).scenario;
  return { scenario, plan: planTopology(scenario, 'abcdef'), spec: scenario.checks[0]! };
}

const op = (t: number, process: string, type: 'invoke' | 'ok' | 'fail' | 'info', f: string, value: Record<string, unknown>): HistoryEvent => ({ t, kind: 'op', process, type, f, value });

/** Setups of workload `w` every `every` ms from 0 until `until`; those for which `fails(t)` fail 5 ms later. */
function setups(w: string, every: number, until: number, fails: (t: number) => boolean = () => false): HistoryEvent[] {
  const p = `${w}@users/client`;
  const ev: HistoryEvent[] = [];
  for (let t = 0; t < until; t += every) ev.push(op(t, p, 'invoke', 'call-setup', { call: `${w}-${t}` }), op(t + 5, p, fails(t) ? 'fail' : 'ok', 'call-setup', { call: `${w}-${t}`, by: 'x' }));
  return ev;
}
const active = (vnf: string, m: string) => op(0, `${vnf}@${m}`, 'info', 'role', { from: '?', to: 'active', reason: 'test' });
/** Member `m` of `vnf` heard peer `peer` (an agent id, site-node) for the first time, or another peer event. */
const peer = (vnf: string, m: string, peerId: string, event = 'up') => op(0, `${vnf}@${m}`, 'info', 'peer', { peer: peerId, event, role: 'init', epoch: 0 });
/** Every member of both VNFs heard its peer, as on a working backup plane. */
const HEARD = [peer('vnf1', 'east/a1', 'west-b1'), peer('vnf1', 'west/b1', 'east-a1'), peer('vnf2', 'east/a2', 'west-b2'), peer('vnf2', 'west/b2', 'east-a2')];
const bare = (...xs: HistoryEvent[][]) => xs.flat().sort((a, b) => a.t - b.t);
/** A history with the members hearing each other (HEARD) added. */
const sorted = (...xs: HistoryEvent[][]) => bare(...xs, HEARD);
const rows = (r: ReturnType<typeof overlappingIp.check>) => r.evidence.rows as Record<string, unknown>[];

describe('overlapping-ip (HA-OVERLAPPING-IP)', () => {
  const addresses = ['198.18.200.10', '198.18.200.11'];
  it('passes when both VNFs serve every call outside the fault window and its failover limit, each with an active member', () => {
    // Cut 4000-5000: setups sent in [4000, 6000) are left out (those fail here); the one sent at 6000 counts.
    const out = (t: number) => t >= 4000 && t < 6000;
    const h = sorted(fault({ kind: 'partition', link: 'ew' }, 4000, 5000, { name: 'cut' }), setups('calls1', 200, 8000, out), setups('calls2', 200, 8000, out), [active('vnf1', 'east/a1'), active('vnf2', 'west/b2')]);
    const r = overlappingIp.check(h, ctx());
    expect(r.status).toBe('pass');
    expect(rows(r)).toEqual([
      { vnf: 'vnf1', network: 'backup1', addresses, vnis: { east: 5001, west: 5001 }, peersHeard: 2, peerPairs: 2, setups: 30, served: 30, membersEverActive: 1, status: 'pass' },
      { vnf: 'vnf2', network: 'backup2', addresses, vnis: { east: 5003, west: 5003 }, peersHeard: 2, peerPairs: 2, setups: 30, served: 30, membersEverActive: 1, status: 'pass' },
    ]);
    expect(r.summary).toBe(
      'vnf1 on backup1 (198.18.200.10, 198.18.200.11; VNI 5001): 2/2 peers heard, 30/30 calls served; vnf2 on backup2 (198.18.200.10, 198.18.200.11; VNI 5003): 2/2 peers heard, 30/30 calls served',
    );
    expect(overlappingIp.needs).toEqual({ faults: true });
  });
  it(`passes at ${SERVED_RATIO * 100} % of setups served, fails below, and fails with no member ever active`, () => {
    const one = (t: number) => t === 500;
    const h = sorted(setups('calls1', 50, 5000, one), setups('calls2', 50, 4950, one), [active('vnf1', 'east/a1'), active('vnf2', 'east/a2')]);
    expect(rows(overlappingIp.check(h, ctx())).map((x) => [x.setups, x.served, x.status])).toEqual([
      [100, 99, 'pass'],
      [99, 98, 'fail'],
    ]);
    const idle = overlappingIp.check(sorted(setups('calls1', 200, 8000), setups('calls2', 200, 8000), [active('vnf1', 'east/a1')]), ctx());
    expect(idle.status).toBe('fail');
    expect(rows(idle).map((x) => [x.vnf, x.membersEverActive, x.status])).toEqual([
      ['vnf1', 1, 'pass'],
      ['vnf2', 0, 'fail'],
    ]);
  });
  it('is unknown for a VNF with no call workload, and when no two VNFs share addresses on separate overlays', () => {
    const r = overlappingIp.check(sorted(setups('calls1', 200, 8000), [active('vnf1', 'east/a1'), active('vnf2', 'east/a2')]), ctx({ calls2: false }));
    expect(r.status).toBe('unknown');
    expect(rows(r)[1]).toMatchObject({ vnf: 'vnf2', setups: 0, served: 0, status: 'unknown' });
    const apart = overlappingIp.check(setups('calls1', 200, 8000), ctx({ cidr2: '198.18.210.0/24' }));
    expect(apart).toEqual({ status: 'unknown', summary: 'no two VNFs use the same internal addresses on separate overlays: the scenario does not exercise overlapping IPs', evidence: {} });
  });
  it('leaves out a VNF whose backup plane is routed, and VNFs sharing addresses on one overlay only (the same addresses there are the same VMs)', () => {
    const h = sorted(setups('calls1', 200, 8000), setups('calls2', 200, 8000), [active('vnf1', 'east/a1'), active('vnf2', 'east/a2')]);
    expect(rows(overlappingIp.check(h, ctx({ l3: true }))).map((x) => x.vnf)).toEqual(['vnf1', 'vnf2']);
    expect(rows(overlappingIp.check(h, ctx({ own: true }))).map((x) => x.vnf)).toEqual(['vnf1', 'vnf2']);
  });
  it('counts a setup never answered as attempted and not served', () => {
    const h = sorted(setups('calls1', 200, 8000), setups('calls2', 200, 8000), [op(7990, 'calls2@users/client', 'invoke', 'call-setup', { call: 'last' })], [active('vnf1', 'east/a1'), active('vnf2', 'east/a2')]);
    expect(rows(overlappingIp.check(h, ctx())).map((x) => [x.vnf, x.setups, x.served, x.status])).toEqual([
      ['vnf1', 40, 40, 'pass'],
      ['vnf2', 41, 40, 'fail'],
    ]);
  });
});

describe('overlapping-ip: every member hears its peers on its own overlay', () => {
  const calls = () => [setups('calls1', 200, 8000), setups('calls2', 200, 8000), [active('vnf1', 'east/a1'), active('vnf2', 'east/a2')]];
  it('fails a VNF in which a member never heard its peer, though every call was served', () => {
    const h = bare(...calls(), HEARD.slice(0, 3)); // west/b2 never heard east/a2
    const r = overlappingIp.check(h, ctx());
    expect(r.status).toBe('fail');
    expect(rows(r).map((x) => [x.vnf, x.peersHeard, x.peerPairs, x.served, x.status])).toEqual([
      ['vnf1', 2, 2, 40, 'pass'],
      ['vnf2', 1, 2, 40, 'fail'],
    ]);
    expect(r.summary).toBe('vnf2 on backup2 (198.18.200.10, 198.18.200.11; VNI 5003): 1/2 peers heard, 40/40 calls served');
  });
  it('counts only a first hearing of a member of the same VNF: not a loss, nor a VM of another VNF', () => {
    // Crossed overlays: each member's packets reach the other VNF's VM at its peer's address.
    const h = bare(...calls(), [peer('vnf1', 'east/a1', 'west-b1', 'lost'), peer('vnf1', 'west/b1', 'east-a2'), peer('vnf2', 'east/a2', 'west-b1'), peer('vnf2', 'west/b2', 'east-a1')]);
    const r = overlappingIp.check(h, ctx({ crossed: true }));
    expect(r.status).toBe('fail');
    expect(rows(r).map((x) => [x.vnf, x.vnis, x.peersHeard, x.peerPairs, x.status])).toEqual([
      ['vnf1', { east: 5001, west: 5003 }, 0, 2, 'fail'],
      ['vnf2', { east: 5003, west: 5001 }, 0, 2, 'fail'],
    ]);
    expect(r.summary).toBe(
      'vnf1 on backup1 (198.18.200.10, 198.18.200.11; VNI 5001 in east, 5003 in west): 0/2 peers heard, 40/40 calls served; vnf2 on backup2 (198.18.200.10, 198.18.200.11; VNI 5003 in east, 5001 in west): 0/2 peers heard, 40/40 calls served',
    );
    // The same members hearing each other pass, crossed VNIs or not: the verdict is what was heard.
    expect(overlappingIp.check(sorted(...calls()), ctx({ crossed: true })).status).toBe('pass');
  });
  it('counts ordered pairs: three members make six, each heard once however often it recovers', () => {
    const v = { ...ctx().scenario.vnfs[0]!, members: ['east/a1', 'west/b1', 'users/client'] };
    // A member's event about itself (the agent sends none) does not count either.
    const h = [peer('vnf1', 'east/a1', 'east-a1'), peer('vnf1', 'east/a1', 'west-b1'), peer('vnf1', 'east/a1', 'west-b1', 'recovered'), peer('vnf1', 'east/a1', 'west-b1'), peer('vnf1', 'east/a1', 'users-client'), peer('vnf1', 'users/client', 'east-a1'), peer('vnf2', 'west/b1', 'east-a1')];
    expect(peersHeard(h, v)).toEqual({ heard: 3, pairs: 6 });
    expect(peersHeard([], v)).toEqual({ heard: 0, pairs: 6 });
  });
});

describe('overlapping-ip: VNFs whose addresses overlap in part', () => {
  it('judges both a 2-member VNF and a 3-member one holding its two addresses and one more', () => {
    // vnf1 has .10 and .11 on backup1; vnf2 (a third member in users) .10, .11 and .12 on backup2: some, not all, of vnf2's are vnf1's.
    const three = [peer('vnf2', 'east/a2', 'users-c3'), peer('vnf2', 'west/b2', 'users-c3'), peer('vnf2', 'users/c3', 'east-a2'), peer('vnf2', 'users/c3', 'west-b2')];
    const r = overlappingIp.check(sorted(setups('calls1', 200, 8000), setups('calls2', 200, 8000), [active('vnf1', 'east/a1'), active('vnf2', 'east/a2')], three), ctx({ three: true }));
    expect(rows(r).map((x) => [x.vnf, x.addresses, x.peersHeard, x.peerPairs, x.status])).toEqual([
      ['vnf1', ['198.18.200.10', '198.18.200.11'], 2, 2, 'pass'],
      ['vnf2', ['198.18.200.10', '198.18.200.11', '198.18.200.12'], 6, 6, 'pass'],
    ]);
  });
});

describe('backup-on-overlay on this scenario', () => {
  it("reads the VNI of the VNF's own backup network, not the first network's", () => {
    const r = backupOnOverlay.check([wanCapture([{ tenantVni: 5001, port: 7100, packets: 40 }])], ctx());
    expect(r.status).toBe('pass');
    expect(r.evidence).toMatchObject({ backupVni: 5001, onOverlay: 40 });
  });
});
