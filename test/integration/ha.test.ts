// VNF HA on the real thing: sites with controllers (MariaDB + network API),
// overlays built through the API, fake VNFs, calls across a site loss. The
// known-good configuration passes every HA requirement it decides; the
// known-bad ones fail exactly the requirement they break.
import { execa } from 'execa';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { leftovers } from '../support/leftovers.js';
import { detail, evidenceOf, runFile, status } from '../support/run.js';

/** failover-time and call-continuity rows (one per site loss or partition). */
interface FailoverRow {
  readonly outageMs: number | null;
  readonly takeoverMs: number | null;
  readonly newActive: string | null;
}
interface ContinuityRow {
  readonly ongoingCalls: number;
  readonly dropped: string[];
  readonly maxMediaGapMs: number;
}
const failover = (r: Awaited<ReturnType<typeof runFile>>, id: string, check?: string) => evidenceOf<{ rows: FailoverRow[] }>(r, id, check).rows[0]!;
const continuity = (r: Awaited<ReturnType<typeof runFile>>, id: string, check?: string) => evidenceOf<{ rows: ContinuityRow[] }>(r, id, check).rows[0]!;

describe('VNF high availability across sites', () => {
  it('active site lost: new calls within 1 s, ongoing calls kept, one active, backup plane on the overlay', async () => {
    const r = await runFile('scenarios/ha-l2-site-loss.yaml');
    expect(r.error, detail(r)).toBeUndefined();
    for (const id of ['HA-NEW-CALLS-1S', 'HA-ONGOING-CALLS', 'HA-NO-SPLIT-BRAIN', 'HA-BACKUP-L2-OVERLAY']) expect(status(r, id), `${id}\n${detail(r)}`).toBe('pass');
    expect(await leftovers(r.runId)).toEqual([]);

    // The run's own pcap decodes in tshark with the options its summary prints: every packet a
    // link's VXLAN (ew, eu, wu: VNIs 1000-1002), the heartbeats' backup overlay (VNI 5001) inside.
    expect(await readFile(join(r.outDir, 'summary.md'), 'utf8')).toContain(`\`tshark -r wan.pcap ${r.capture!.decodeAs}\``);
    const ts = await execa('tshark', ['-r', join(r.outDir, 'wan.pcap'), ...r.capture!.decodeAs.split(' '), '-T', 'fields', '-e', 'vxlan.vni']);
    const vnis = ts.stdout.split('\n').filter(Boolean).map((l) => l.split(',').map(Number));
    expect(vnis.length).toBeGreaterThan(1000);
    expect([...new Set(vnis.map((v) => v[0]))].sort()).toEqual([1000, 1001, 1002]);
    expect(vnis.filter((v) => v[1] === 5001).length).toBeGreaterThan(500);
  });

  it('takeover: vrrp: keepalived moves the VIP within 1 s of the site loss, calls kept, nothing left behind', async () => {
    const r = await runFile('scenarios/ha-l2-site-loss-vrrp.yaml');
    expect(r.error, detail(r)).toBeUndefined();
    for (const id of ['HA-NEW-CALLS-1S', 'HA-ONGOING-CALLS', 'HA-NO-SPLIT-BRAIN', 'HA-BACKUP-L2-OVERLAY']) expect(status(r, id), `${id}\n${detail(r)}`).toBe('pass');
    // keepalived did it: the survivor's notify script reported MASTER, and the agent served from the VIP it saw appear.
    const ops = (await readFile(join(r.outDir, 'history.jsonl'), 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { kind: string; process?: string; f?: string; value?: Record<string, unknown> })
      .filter((e) => e.kind === 'op' && e.process === 'vnf1@west/vnf-b');
    expect(ops.some((e) => e.f === 'vrrp' && e.value?.state === 'MASTER')).toBe(true);
    expect(ops.some((e) => e.f === 'role' && e.value?.to === 'active' && e.value.reason === 'vrrp-master')).toBe(true);
    expect(ops.some((e) => e.f === 'witness' || e.f === 'garp')).toBe(false);
    expect(await leftovers(r.runId)).toEqual([]);
  });

  it('known-bad: keepalived with 1 s adverts (3 missed + skew) cannot fail over within 1 s', async () => {
    const r = await runFile('fixtures/scenarios/ha-vrrp-slow-advert.yaml');
    expect(r.error, detail(r)).toBeUndefined();
    expect(status(r, 'HA-NEW-CALLS-1S'), detail(r)).toBe('fail');
  });

  it('active/active: each member active for one VIP; the survivor serves both after a site loss', async () => {
    const r = await runFile('scenarios/ha-active-active.yaml');
    expect(r.error, detail(r)).toBeUndefined();
    for (const id of ['HA-ACTIVE-ACTIVE', 'HA-NEW-CALLS-1S', 'HA-ONGOING-CALLS', 'HA-NO-SPLIT-BRAIN']) expect(status(r, id), `${id}\n${detail(r)}`).toBe('pass');
  });

  it('known-bad: 400 ms x 3 heartbeats cannot fail over within 1 s; the calls in progress go silent for over 1 s', async () => {
    const r = await runFile('fixtures/scenarios/ha-slow-heartbeat.yaml');
    expect(r.error, detail(r)).toBeUndefined();
    expect(status(r, 'HA-NEW-CALLS-1S'), detail(r)).toBe('fail');
    expect(failover(r, 'HA-NEW-CALLS-1S').outageMs ?? Infinity, detail(r)).toBeGreaterThan(1000); // measured 2120 ms (null: never within the run)
    // HA-ONGOING-CALLS: the same slow detection leaves every call in progress without media for over the 1 s limit.
    expect(status(r, 'HA-ONGOING-CALLS'), detail(r)).toBe('fail');
    const ongoing = continuity(r, 'HA-ONGOING-CALLS');
    expect(ongoing.ongoingCalls, detail(r)).toBeGreaterThan(0); // measured 15
    expect(ongoing.maxMediaGapMs, detail(r)).toBeGreaterThan(1000); // measured 1940 ms, none dropped (the client drops after 2 s)
  });

  it('known-bad: naive mode under a partition is a split brain, measured', async () => {
    const r = await runFile('scenarios/ha-l2-partition.yaml');
    expect(r.error, detail(r)).toBeUndefined();
    expect(status(r, 'HA-NO-SPLIT-BRAIN'), detail(r)).toBe('fail');
    const brain = r.verdicts.find((v) => v.id === 'HA-NO-SPLIT-BRAIN')!.checks[0]!;
    // Two actives for most of the 4 s cut: the window is measured, not guessed.
    expect(brain.evidence.worstMs as number).toBeGreaterThan(3000);
    expect(brain.evidence.worstMs as number).toBeLessThan(4500);
    expect(status(r, 'HARNESS-BASELINE-RESTORED'), detail(r)).toBe('pass');
  });

  it('remote ports: CRUD through the API, L2 population follows', async () => {
    const r = await runFile('scenarios/ha-remote-port-crud.yaml');
    expect(status(r, 'HA-REMOTE-PORT-L2POP'), detail(r)).toBe('pass');
  });
});

// The other side of each HA requirement: a known-bad configuration that breaks
// it, and the known-good scenarios no other test runs. Short runs (8-10 s);
// each asserts the verdict and the evidence numbers (measured values in the
// comments, from runs by hand on the 2-core development machine).
describe('VNF high availability: the verdict matrix (test/verdict-matrix.yaml)', () => {
  it('known-bad: active/active with one cluster on 500 ms x 3 heartbeats leaves its VIP out for over 1 s', async () => {
    const r = await runFile('fixtures/scenarios/ha-active-active-asymmetric.yaml');
    expect(r.error, detail(r)).toBeUndefined();
    expect(status(r, 'HA-ACTIVE-ACTIVE'), detail(r)).toBe('fail');
    const aa = evidenceOf<{ replication: { vnf: string; changes: number }[]; rows: { vnf: string; outageMs: number | null; status: string }[] }>(r, 'HA-ACTIVE-ACTIVE');
    // Really active/active: state was replicated both ways before the loss (measured 1197 and 1043 changes).
    expect(aa.replication.map((x) => x.vnf)).toEqual(['vnf1', 'vnf2']);
    for (const x of aa.replication) expect(x.changes, detail(r)).toBeGreaterThan(0);
    const [vnf1, vnf2] = aa.rows;
    expect(vnf1!.vnf).toBe('vnf1');
    expect(vnf1!.outageMs ?? Infinity, detail(r)).toBeGreaterThan(1000); // measured 2456-2602 ms (null: never within the run)
    // The tuned cluster was active in west all along: its VIP kept serving.
    expect([vnf2!.vnf, vnf2!.status], detail(r)).toEqual(['vnf2', 'pass']);
    expect(status(r, 'HA-NEW-CALLS-1S'), detail(r)).toBe('fail');
    const slow = failover(r, 'HA-NEW-CALLS-1S', 'new-calls-1');
    expect(slow.takeoverMs ?? Infinity, detail(r)).toBeGreaterThan(1000); // measured 2256-2449 ms: the 1.5 s miss window, then the witness's
    expect(slow.newActive ?? 'vnf1@west/vnf-b').toBe('vnf1@west/vnf-b');
    expect(status(r, 'HA-NO-SPLIT-BRAIN'), detail(r)).toBe('pass');
    expect(await leftovers(r.runId)).toEqual([]);
  });

  it('N-way (3 members): the next member takes over within 1 s of the active site loss', async () => {
    const r = await runFile('scenarios/ha-nway.yaml');
    expect(r.error, detail(r)).toBeUndefined();
    expect(status(r, 'HA-NWAY'), detail(r)).toBe('pass');
    expect(failover(r, 'HA-NWAY', 'new-calls').outageMs, detail(r)).toBeLessThan(1000);
    expect(continuity(r, 'HA-NWAY', 'ongoing').dropped, detail(r)).toEqual([]);
  });

  it('known-bad: a 3-way VNF with 500 ms x 3 heartbeats takes over only after the miss window', async () => {
    const r = await runFile('fixtures/scenarios/ha-nway-slow-heartbeat.yaml');
    expect(r.error, detail(r)).toBeUndefined();
    expect(status(r, 'HA-NWAY'), detail(r)).toBe('fail');
    const row = failover(r, 'HA-NWAY', 'new-calls');
    expect(row.outageMs ?? Infinity, detail(r)).toBeGreaterThan(1000); // measured 2696 and 2317 ms (null: never within the run)
    expect(row.newActive ?? 'vnf1@s2/m').toBe('vnf1@s2/m'); // the next member in order, when one took over within the run
    expect(continuity(r, 'HA-NWAY', 'ongoing').maxMediaGapMs, detail(r)).toBeGreaterThan(1000); // measured 1903 ms
    expect(await leftovers(r.runId)).toEqual([]);
  });

  it('L3 backup plane: routed heartbeats still give new calls within 1 s of the site loss', async () => {
    const r = await runFile('scenarios/ha-l3.yaml');
    expect(r.error, detail(r)).toBeUndefined();
    expect(status(r, 'HA-L3-BACKUP'), detail(r)).toBe('pass');
    expect(failover(r, 'HA-L3-BACKUP').outageMs, detail(r)).toBeLessThan(1000);
  });

  it('known-bad: an L3 backup plane with 100 ms x 15 heartbeats fails over after 1.5 s of silence', async () => {
    const r = await runFile('fixtures/scenarios/ha-l3-slow-detection.yaml');
    expect(r.error, detail(r)).toBeUndefined();
    expect(status(r, 'HA-L3-BACKUP'), detail(r)).toBe('fail');
    const row = failover(r, 'HA-L3-BACKUP');
    expect(row.takeoverMs ?? Infinity, detail(r)).toBeGreaterThan(1000); // measured 1698 ms (1218 ms with 10 misses)
    expect(row.outageMs ?? Infinity, detail(r)).toBeGreaterThan(1000); // measured 1894 and 1867 ms
  });

  it('known-bad: a backup plane routed at L3 instead of the overlay: heartbeats cross the WAN outside any tenant VNI', async () => {
    const r = await runFile('fixtures/scenarios/ha-backup-routed.yaml');
    expect(r.error, detail(r)).toBeUndefined();
    expect(status(r, 'HA-BACKUP-L2-OVERLAY'), detail(r)).toBe('fail');
    // The checker decides from the scenario (no backup network); the capture shows the same on the wire.
    const flows = (await readFile(join(r.outDir, 'history.jsonl'), 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { kind: string; flows?: { port: number; proto: number; tenantVni: number | null; packets: number }[] })
      .filter((e) => e.kind === 'capture')
      .flatMap((e) => e.flows ?? [])
      .filter((f) => f.proto === 17 && f.port === 7100);
    const routed = flows.filter((f) => f.tenantVni === null).reduce((n, f) => n + f.packets, 0);
    const overlaid = flows.filter((f) => f.tenantVni !== null).reduce((n, f) => n + f.packets, 0);
    expect(routed, detail(r)).toBeGreaterThan(500); // measured 2166 heartbeat/replication packets in 8 s
    expect(overlaid).toBe(0);
    expect(await leftovers(r.runId)).toEqual([]);
  });

  it('overlapping IPs: two VNFs with the same backup addresses on two VNIs both serve their calls', async () => {
    const r = await runFile('scenarios/ha-overlapping-ip.yaml');
    expect(r.error, detail(r)).toBeUndefined();
    expect(status(r, 'HA-OVERLAPPING-IP'), detail(r)).toBe('pass');
    const rows = evidenceOf<{ rows: { vnf: string; addresses: string[]; peersHeard: number; peerPairs: number; setups: number; served: number }[] }>(r, 'HA-OVERLAPPING-IP').rows;
    expect(rows.map((x) => x.vnf)).toEqual(['vnf1', 'vnf2']);
    expect(rows[0]!.addresses).toEqual(rows[1]!.addresses);
    for (const x of rows) {
      expect([x.peersHeard, x.peerPairs], detail(r)).toEqual([2, 2]); // each member heard its own peer on its overlay
      expect(x.setups, detail(r)).toBeGreaterThan(20); // measured 30 and 31 in 8 s at 5 calls/s
      expect(x.served / x.setups, detail(r)).toBeGreaterThanOrEqual(0.99);
    }
  });
});
