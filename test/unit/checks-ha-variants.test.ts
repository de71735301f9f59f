// The HA variants on literal histories: the routed (L3) backup plane and the
// active/active pair, each passing on a good run and failing on a bad one.
import { describe, expect, it } from 'vitest';
import { activeActive } from '../../harness/checks/kinds/active-active.js';
import { backupOnOverlay } from '../../harness/checks/kinds/backup-on-overlay.js';
import { backupRouted } from '../../harness/checks/kinds/backup-routed.js';
import type { HistoryEvent } from '../../harness/observe/history.js';
import { parseScenario } from '../../harness/scenario/load.js';
import { MshError } from '../../harness/scenario/errors.js';
import { planTopology } from '../../harness/topology/plan.js';
import { wanCapture } from '../support/capture.js';
import { fault } from '../support/faults.js';
import { haSites } from '../support/topologies.js';

const yaml = (backup: string, second = true) => `
name: ha
duration: 20s
${haSites()}
vnfs:
  - { name: vnf1, members: [east/vnf-a, west/vnf-b], backup: ${backup}, external: { network: ext, vip: 198.18.201.100 }, witness: users/witness }
${second ? '  - { name: vnf2, members: [west/vnf-b, east/vnf-a], backup: { network: backup }, external: { network: ext, vip: 198.18.201.101 }, witness: users/witness, backupPort: 7101, port: 5061 }' : ''}
workload:
  - { kind: calls, name: calls1, from: users/client, vnf: vnf1 }
${second ? '  - { kind: calls, name: calls2, from: users/client, vnf: vnf2 }' : ''}
checks:
  - { name: routed, kind: backup-routed, vnf: vnf1, requirements: [HA-L3-BACKUP] }
${second ? '  - { name: both, kind: active-active, vnf: vnf1, limit: 1s, requirements: [HA-ACTIVE-ACTIVE] }' : ''}
`;

function ctx(name: string, backup = '{ network: backup }', second = true) {
  const scenario = parseScenario('ha.yaml', yaml(backup, second)).scenario;
  return { scenario, plan: planTopology(scenario, 'abcdef'), spec: scenario.checks.find((c) => c.name === name)! };
}
const op = (t: number, process: string, type: 'invoke' | 'ok' | 'fail' | 'info', f: string, value: Record<string, unknown>): HistoryEvent => ({ t, kind: 'op', process, type, f, value });
const sorted = (...xs: HistoryEvent[][]) => xs.flat().sort((a, b) => a.t - b.t);

describe('backup-routed (HA-L3-BACKUP)', () => {
  it('passes when heartbeats cross the WAN routed, in no tenant VNI', () => {
    const r = backupRouted.check([wanCapture([{ tenantVni: null, port: 7100, packets: 900 }, { tenantVni: 5002, port: 5060, packets: 400 }])], ctx('routed', '{}', false));
    expect(r.status).toBe('pass');
    expect(r.summary).toBe('900 heartbeat/replication packets crossed the WAN routed between the sites (no tenant VNI)');
  });
  it('fails when none crossed routed, or some crossed inside an overlay', () => {
    expect(backupRouted.check([wanCapture([{ tenantVni: 5002, port: 5060, packets: 400 }])], ctx('routed', '{}', false)).status).toBe('fail');
    const r = backupRouted.check([wanCapture([{ tenantVni: null, port: 7100, packets: 900 }, { tenantVni: 5001, port: 7100, packets: 30 }])], ctx('routed', '{}', false));
    expect(r.summary).toBe('30 backup-plane packets crossed inside a tenant overlay (VNI 5001), not routed');
  });
  it('fails for a VNF whose backup plane is an overlay; unknown without a usable capture', () => {
    expect(backupRouted.check([wanCapture([{ tenantVni: null, port: 7100, packets: 9 }])], ctx('routed', '{ network: backup }', false)).summary).toMatch(/is the overlay backup, not routed/);
    expect(backupRouted.check([wanCapture([])], ctx('routed', '{}', false)).status).toBe('unknown');
  });
});

describe('backup-routed: evidence (mutation testing)', () => {
  it('counts routed packets on the backup port only, over every capture, and lists the overlay flows and the files', () => {
    const a = { ...wanCapture([{ tenantVni: null, port: 7100, packets: 900 }, { tenantVni: null, port: 5060, packets: 50 }, { tenantVni: 5001, port: 7100, packets: 30 }, { tenantVni: 5001, port: 5060, packets: 7 }]), file: 'a.pcap' } as HistoryEvent;
    const b = { ...wanCapture([{ tenantVni: null, port: 7100, packets: 100 }, { tenantVni: 5001, port: 7100, packets: 2 }]), file: 'b.pcap' } as HistoryEvent;
    const r = backupRouted.check([a, b], ctx('routed', '{}', false));
    expect(r.status).toBe('fail');
    expect(r.summary).toBe('32 backup-plane packets crossed inside a tenant overlay (VNI 5001, VNI 5001), not routed');
    expect(r.evidence).toEqual({
      backupPort: 7100,
      routed: 1000,
      overlay: [
        { linkVni: 1000, tenantVni: 5001, proto: 17, port: 7100, packets: 30, bytes: 3000 },
        { linkVni: 1000, tenantVni: 5001, proto: 17, port: 7100, packets: 2, bytes: 200 },
      ],
      files: ['a.pcap', 'b.pcap'],
    });
  });
  it('records no evidence when it cannot judge, and the empty crossing when nothing crossed routed', () => {
    expect(backupRouted.check([wanCapture([{ tenantVni: null, port: 7100, packets: 9 }])], ctx('routed', '{ network: backup }', false)).evidence).toEqual({});
    expect(backupRouted.check([], ctx('routed', '{}', false))).toEqual({ status: 'unknown', summary: 'no capture of the WAN was taken', evidence: {} });
    const none = backupRouted.check([wanCapture([{ tenantVni: 5002, port: 5060, packets: 400 }])], ctx('routed', '{}', false));
    expect(none).toEqual({ status: 'fail', summary: 'no heartbeat or replication packet (UDP 7100) crossed the WAN routed between the sites', evidence: { backupPort: 7100, routed: 0, overlay: [], files: ['wan.pcap'] } });
  });
  it('needs a WAN capture and decides HA-L3-BACKUP only', () => {
    expect(backupRouted.needs).toEqual({ capture: true });
    expect(backupRouted.requirements).toEqual(['HA-L3-BACKUP']);
  });
});

describe('backup-on-overlay: evidence (mutation testing)', () => {
  const overlay = () => ctx('routed', '{ network: backup }', false);
  it('counts packets on the backup port inside the backup VNI over every capture, and lists the flows outside it and the files', () => {
    const a = { ...wanCapture([{ tenantVni: 5001, port: 7100, packets: 900 }, { tenantVni: 5001, port: 5060, packets: 50 }, { tenantVni: null, port: 7100, packets: 3 }]), file: 'a.pcap' } as HistoryEvent;
    const b = { ...wanCapture([{ tenantVni: 5001, port: 7100, packets: 100 }, { tenantVni: 5002, port: 7100, packets: 2 }]), file: 'b.pcap' } as HistoryEvent;
    const r = backupOnOverlay.check([a, b], overlay());
    expect(r.status).toBe('fail');
    expect(r.summary).toBe('5 backup-plane packets crossed the WAN outside VNI 5001 (VNI none, VNI 5002)');
    expect(r.evidence).toEqual({
      backupVni: 5001,
      backupVnis: [5001],
      backupPort: 7100,
      onOverlay: 1000,
      elsewhere: [
        { linkVni: 1000, tenantVni: null, proto: 17, port: 7100, packets: 3, bytes: 300 },
        { linkVni: 1000, tenantVni: 5002, proto: 17, port: 7100, packets: 2, bytes: 200 },
      ],
      files: ['a.pcap', 'b.pcap'],
    });
    const clean = backupOnOverlay.check([wanCapture([{ tenantVni: 5001, port: 7100, packets: 40 }])], overlay());
    expect(clean).toEqual({ status: 'pass', summary: '40 heartbeat/replication packets crossed the WAN, all as VXLAN VNI 5001 inside the inter-site links', evidence: { backupVni: 5001, backupVnis: [5001], backupPort: 7100, onOverlay: 40, elsewhere: [], files: ['wan.pcap'] } });
  });
  it('records no evidence for an L3 plane or an unusable capture, and the empty crossing when nothing crossed inside the VNI', () => {
    expect(backupOnOverlay.check([wanCapture([{ tenantVni: 5001, port: 7100, packets: 9 }])], ctx('routed', '{}', false))).toEqual({ status: 'fail', summary: "VNF vnf1's backup plane is L3 (routed over the site LANs), not an L2 overlay", evidence: {} });
    expect(backupOnOverlay.check([], overlay())).toEqual({ status: 'unknown', summary: 'no capture of the WAN was taken', evidence: {} });
    const none = backupOnOverlay.check([wanCapture([{ tenantVni: 5002, port: 5060, packets: 400 }])], overlay());
    expect(none).toEqual({ status: 'fail', summary: 'no heartbeat or replication packet (UDP 7100) crossed the WAN inside VNI 5001', evidence: { backupVni: 5001, backupVnis: [5001], backupPort: 7100, onOverlay: 0, elsewhere: [], files: ['wan.pcap'] } });
  });
  it('a network whose sites gave it their own VNIs (vniBySite) is the overlay under each of them, and only them', () => {
    const c = ctx('routed', '{ network: backup }', false);
    const scenario = { ...c.scenario, networks: c.scenario.networks.map((n) => (n.name === 'backup' ? { ...n, vniBySite: { west: 5003 } } : n)) };
    const r = backupOnOverlay.check([wanCapture([{ tenantVni: 5001, port: 7100, packets: 30 }, { tenantVni: 5003, port: 7100, packets: 20 }, { tenantVni: 5002, port: 7100, packets: 4 }])], { ...c, scenario });
    expect(r.status).toBe('fail');
    expect(r.summary).toBe('4 backup-plane packets crossed the WAN outside VNI 5001/5003 (VNI 5002)');
    expect(r.evidence).toMatchObject({ backupVnis: [5001, 5003], onOverlay: 50 });
  });
  it('needs a WAN capture and decides HA-BACKUP-L2-OVERLAY only', () => {
    expect(backupOnOverlay.needs).toEqual({ capture: true });
    expect(backupOnOverlay.requirements).toEqual(['HA-BACKUP-L2-OVERLAY']);
  });
});

describe('active-active (HA-ACTIVE-ACTIVE)', () => {
  /** Calls to each VIP every 200 ms; `out(vnf, t)` says whether the setup sent at t fails; served by the VIP's surviving member. */
  const calls = (out: (vnf: string, t: number) => boolean): HistoryEvent[] =>
    (['vnf1', 'vnf2'] as const).flatMap((vnf, k) =>
      Array.from({ length: 100 }, (_, i) => i * 200).flatMap((t) => {
        const p = `calls${k + 1}@users/client`;
        const call = `${vnf}-${t}`;
        return [op(t, p, 'invoke', 'call-setup', { call }), out(vnf, t) ? op(t + 200, p, 'fail', 'call-setup', { call, reason: 'timeout' }) : op(t + 5, p, 'ok', 'call-setup', { call, by: t >= 8000 || vnf === 'vnf2' ? 'west-vnf-b' : 'east-vnf-a' })];
      }),
    );
  const replicated = (both = true): HistoryEvent[] => [
    op(3000, 'vnf1@west/vnf-b', 'info', 'replication', { from: 'east-vnf-a', changes: 40 }),
    op(3000, 'vnf2@east/vnf-a', 'info', 'replication', { from: 'west-vnf-b', changes: both ? 35 : 0 }),
  ];
  const lose = fault({ kind: 'site-loss', site: 'east' }, 8000, undefined, { name: 'lose', stopped: { 'east/vnf-a': 8000 } });
  type Row = { vnf: string; outageMs: number | null };
  it('passes when both VIPs serve again within 1 s and state went both ways', () => {
    const r = activeActive.check(sorted(lose, replicated(), calls((v, t) => v === 'vnf1' && t >= 8000 && t < 8400)), ctx('both'));
    expect(r.status, r.summary).toBe('pass');
    expect((r.evidence.rows as Row[]).map((x) => [x.vnf, x.outageMs])).toEqual([['vnf1', 405], ['vnf2', 5]]);
    expect(r.summary).toMatch(/replicated both ways before the loss \(vnf1 east\/vnf-a -> west\/vnf-b: 40 changes, vnf2 west\/vnf-b -> east\/vnf-a: 35 changes\)$/);
  });
  it('fails when the VIP that lost its active is out for more than 1 s', () => {
    const r = activeActive.check(sorted(lose, replicated(), calls((v, t) => v === 'vnf1' && t >= 8000 && t < 9600)), ctx('both'));
    expect(r.status).toBe('fail');
    expect(r.summary).toMatch(/^lose: vnf1 served new calls again after 1605 ms \(limit 1000 ms\); replicated both ways/);
  });
  it('fails when the VIP whose active survived stalls too', () => {
    const r = activeActive.check(sorted(lose, replicated(), calls((_, t) => t >= 8000 && t < 8400).concat()), ctx('both'));
    expect(r.status, r.summary).toBe('pass');
    const stalled = activeActive.check(sorted(lose, replicated(), calls((v, t) => (v === 'vnf1' && t >= 8000 && t < 8400) || (v === 'vnf2' && t >= 8000 && t < 9400))), ctx('both'));
    expect(stalled.summary).toMatch(/^lose: vnf2 served new calls again after 1405 ms \(limit 1000 ms\);/);
  });
  it('fails when state was replicated one way only', () => {
    const r = activeActive.check(sorted(lose, replicated(false), calls((v, t) => v === 'vnf1' && t >= 8000 && t < 8400)), ctx('both'));
    expect(r.summary).toBe('state not replicated both ways before the loss: vnf2 west/vnf-b -> east/vnf-a: no change');
  });
  it('is skip without a site loss; the scenario must pair crossed VNFs', () => {
    expect(activeActive.check(calls(() => false), ctx('both')).status).toBe('skip');
    const lone = yaml('{ network: backup }', false) + '  - { name: both, kind: active-active, vnf: vnf1, requirements: [HA-ACTIVE-ACTIVE] }\n';
    const err = (() => {
      try {
        parseScenario('ha.yaml', lone);
      } catch (e) {
        return e as MshError;
      }
      throw new Error('accepted');
    })();
    expect(err).toBeInstanceOf(MshError);
    expect(err.issues[0]!.message).toMatch(/needs VNFs on the same members with a different first \(preferred active\) member each/);
  });
});
