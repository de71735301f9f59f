// Identity database checkers on literal histories, both ways: writes under
// faults, the Galera minority, token issue latency.
import { wanCapture } from '../support/capture.js';
import { fault } from '../support/faults.js';
import { describe, expect, it } from 'vitest';
import { galeraQuorum } from '../../harness/checks/kinds/galera-quorum.js';
import { tokenIssue } from '../../harness/checks/kinds/token-issue.js';
import { validationDuringFaults } from '../../harness/checks/kinds/validation-during-faults.js';
import { writeAvailability } from '../../harness/checks/kinds/write-availability.js';
import { components, faultedSites, partitionCuts } from '../../harness/checks/site-faults.js';
import { faultWindows } from '../../harness/checks/series.js';
import type { HistoryEvent } from '../../harness/observe/history.js';
import { parseScenario } from '../../harness/scenario/load.js';
import { planTopology } from '../../harness/topology/plan.js';
import { validationHistory } from '../support/histories.js';
import { THREE_REGIONS } from '../support/topologies.js';

const scenario = parseScenario(
  'idw.yaml',
  `
name: idw
duration: 20s
${THREE_REGIONS}
identity: { provider: fernet, placement: distributed, site: east, database: galera }
workload:
  - { kind: writes, name: writes, rate: 4 }
  - { kind: issue, name: issue, rate: 10 }
  - { kind: tokens, name: tokens }
checks:
  - { name: quorum, kind: galera-quorum, requirements: [ID-GALERA-MINORITY] }
  - { name: writes, kind: write-availability, requirements: [ID-WRITES-CLEAN] }
  - { name: issue, kind: token-issue, requirements: [ID-ISSUE-LOCAL] }
  - { name: during, kind: validation-during-faults, requirements: [ID-VALIDATE-SITE-LOSS] }
  - { name: issue-bounded, kind: token-issue, limit: 50ms, requirements: [ID-ISSUE-LOCAL] }
`,
).scenario;
const ctx = (name: string) => ({ scenario, plan: planTopology(scenario, 'abcdef'), spec: scenario.checks.find((c) => c.name === name)! });
const REGIONS = ['east', 'west', 'north'];
const CUT = { start: 4000, end: 16000 };

/** East cut off from both others between 4 s and 16 s. */
function partition(): HistoryEvent[] {
  return ['ew', 'en'].flatMap((link) => fault({ kind: 'partition', link }, CUT.start, CUT.end, { name: `cut-${link}` }));
}

/** Requests every `every` ms for 20 s in each region; `answer` gives the status (or an error) and the latency. */
function requests(f: 'write' | 'issue', every: number, answer: (region: string, t: number) => { status?: number; error?: string; ms: number }): HistoryEvent[] {
  const ev: HistoryEvent[] = [];
  for (const region of REGIONS) {
    const process = `${f === 'write' ? 'writes' : 'issue'}@${region}`;
    for (let n = 0, t = 0; t < 20000; n++, t += every) {
      const a = answer(region, t);
      const name = `writes-${region}-${n}`;
      ev.push({ t, kind: 'op', process, type: 'invoke', f, value: { n, name } });
      ev.push({ t: t + a.ms, kind: 'op', process, type: a.status === 201 ? 'ok' : 'fail', f, value: { n, name, latencyMs: a.ms, ...(a.status ? { status: a.status } : { error: a.error }) } });
    }
  }
  return ev.sort((a, b) => a.t - b.t);
}
const cutOff = (region: string, t: number) => region === 'east' && t >= CUT.start && t < CUT.end + 1500;
const audit = (missing: Record<string, string[]> = {}): HistoryEvent[] =>
  REGIONS.map((region) => ({ t: 30000, kind: 'op', process: 'identity@harness', type: 'info', f: 'audit', value: { region, acked: 100, missing: missing[region] ?? [] } }));
const wsrep = (site: string, t: number, status: string, ready = status === 'Primary'): HistoryEvent => ({ t, kind: 'op', process: `wsrep@${site}`, type: 'info', f: 'wsrep', value: { status, ready } });

describe('write-availability (ID-WRITES-CLEAN)', () => {
  it('passes: the minority refuses with 503 during the cut and recovery, everyone writes after', () => {
    const h = [...partition(), ...requests('write', 250, (r, t) => (cutOff(r, t) ? { status: 503, ms: 20 } : { status: 201, ms: 15 })), ...audit()];
    const o = writeAvailability.check(h, ctx('writes'));
    expect(o.status, o.summary).toBe('pass');
    expect(o.summary).toMatch(/east: .* refused cleanly/);
  });
  it('fails: writes hang until the client gives up (not a clean refusal)', () => {
    const h = [...partition(), ...requests('write', 250, (r, t) => (cutOff(r, t) ? { error: 'timeout', ms: 3000 } : { status: 201, ms: 15 })), ...audit()];
    const o = writeAvailability.check(h, ctx('writes'));
    expect(o.status).toBe('fail');
    expect(o.summary).toMatch(/east: \d+ write\(s\) not refused cleanly \(timeout\)/);
  });
  it('fails: an acknowledged write is missing in a region afterwards', () => {
    const h = [...partition(), ...requests('write', 250, (r, t) => (cutOff(r, t) ? { status: 503, ms: 20 } : { status: 201, ms: 15 })), ...audit({ west: ['writes-east-20'] })];
    const o = writeAvailability.check(h, ctx('writes'));
    expect(o.status).toBe('fail');
    expect(o.summary).toMatch(/west: 1 acknowledged write\(s\) missing afterwards: writes-east-20/);
  });
  it('fails: writes never resume after healing', () => {
    const h = [...partition(), ...requests('write', 250, (r, t) => (r === 'east' && t >= CUT.start ? { status: 503, ms: 20 } : { status: 201, ms: 15 })), ...audit()];
    expect(writeAvailability.check(h, ctx('writes')).summary).toMatch(/east: .*did not resume within 10000 ms/);
  });
  it('is unknown without the read-back audit: acknowledged writes are not known kept', () => {
    const o = writeAvailability.check([...partition(), ...requests('write', 250, (r, t) => (cutOff(r, t) ? { status: 503, ms: 20 } : { status: 201, ms: 15 }))], ctx('writes'));
    expect(o.status).toBe('unknown');
    expect(o.summary).toBe('too few writes, or no read-back audit of the acknowledged writes (east, west, north)');
  });
  it('after a site loss (never healed) the survivors must write again within the limit; the lost region is not judged', () => {
    const lost = fault({ kind: 'site-loss', site: 'east' }, CUT.start);
    const ok = writeAvailability.check([...lost, ...requests('write', 250, (r, t) => (r !== 'east' && t >= CUT.start && t < CUT.start + 2000 ? { status: 503, ms: 20 } : { status: 201, ms: 15 })), ...audit()], ctx('writes'));
    expect(ok.status, ok.summary).toBe('pass');
    expect((ok.evidence.rows as { region: string; resumedAfterHealMs: number }[]).map((r) => [r.region, r.resumedAfterHealMs])).toEqual([['east', null], ['west', 2015], ['north', 2015]]);
    const stuck = writeAvailability.check([...lost, ...requests('write', 250, (r, t) => (r !== 'east' && t >= CUT.start ? { status: 503, ms: 20 } : { status: 201, ms: 15 })), ...audit()], ctx('writes'));
    expect(stuck.status).toBe('fail');
    expect(stuck.summary).toMatch(/^west: .*did not resume within 10000 ms of healing; north: /);
  });
});

describe('galera-quorum (ID-GALERA-MINORITY)', () => {
  const statuses = (eastDuringCut: string): HistoryEvent[] => [
    ...REGIONS.map((s) => wsrep(s, 0, 'Primary')),
    wsrep('east', CUT.start + 6500, eastDuringCut),
    wsrep('east', CUT.end + 1500, 'Primary'),
  ];
  const minorityWrites = (eastOk: boolean) => requests('write', 250, (r, t) => (cutOff(r, t) && !eastOk ? { status: 503, ms: 20 } : { status: 201, ms: 15 }));

  it('finds east alone in its component when ew and en are cut', () => {
    const cuts = partitionCuts(faultWindows(partition()));
    expect(cuts).toHaveLength(1);
    expect(components(scenario, cuts[0]!.links, REGIONS)).toEqual([['east'], ['north', 'west']]);
    expect(components(scenario, new Set(['ew']), REGIONS)).toEqual([['east', 'north', 'west']]);
  });
  it('passes: the minority goes non-Primary, refuses writes, rejoins; the majority stays Primary', () => {
    const o = galeraQuorum.check([...partition(), ...statuses('non-Primary'), ...minorityWrites(false)].sort((a, b) => a.t - b.t), ctx('quorum'));
    expect(o.status, o.summary).toBe('pass');
    expect(o.summary).toMatch(/east \(minority\) non-Primary after 6500 ms/);
  });
  it('fails: the minority stays Primary and accepts writes (pc.ignore_quorum)', () => {
    const h = [...partition(), ...REGIONS.map((s) => wsrep(s, 0, 'Primary')), ...minorityWrites(true)].sort((a, b) => a.t - b.t);
    const o = galeraQuorum.check(h, ctx('quorum'));
    expect(o.status).toBe('fail');
    expect(o.summary).toMatch(/east \(minority\) stayed Primary for the whole partition: split brain/);
    expect(o.summary).toMatch(/east \(minority\) accepted \d+ write\(s\)/);
  });
  it('fails: the majority loses the Primary component', () => {
    const h = [...partition(), ...statuses('non-Primary'), wsrep('west', CUT.start + 6500, 'non-Primary'), ...minorityWrites(false)].sort((a, b) => a.t - b.t);
    expect(galeraQuorum.check(h, ctx('quorum')).summary).toMatch(/west \(majority\) left the Primary component/);
  });
  it('does not count a node its probe could not reach as having left the Primary component', () => {
    const unreachable = (site: string) => ({ ...wsrep(site, CUT.start + 1000, 'unreachable'), value: { status: 'unreachable', error: 'timeout' } });
    const minority = galeraQuorum.check([...partition(), ...REGIONS.map((s) => wsrep(s, 0, 'Primary')), unreachable('east'), wsrep('east', CUT.end + 1500, 'Primary'), ...minorityWrites(false)].sort((a, b) => a.t - b.t), ctx('quorum'));
    expect(minority.status).toBe('unknown');
    expect(minority.summary).toBe('east unreachable by its probe during the partition: its Galera state is not known');
    const majority = galeraQuorum.check([...partition(), ...statuses('non-Primary'), unreachable('west'), wsrep('west', CUT.end + 100, 'Primary'), ...minorityWrites(false)].sort((a, b) => a.t - b.t), ctx('quorum'));
    expect(majority.status, majority.summary).toBe('unknown');
    expect(majority.summary).not.toMatch(/left the Primary component/);
  });
  it('is undecided without status events, skipped without a partition', () => {
    expect(galeraQuorum.check(partition(), ctx('quorum')).status).toBe('unknown');
    expect(galeraQuorum.check(REGIONS.map((s) => wsrep(s, 0, 'Primary')), ctx('quorum')).status).toBe('skip');
  });
});

describe('token-issue (ID-ISSUE-LOCAL)', () => {
  const capture = (identityPackets = 0): HistoryEvent => wanCapture([
      { proto: 6, port: 4567, packets: 600, bytes: 120000 },
      ...(identityPackets ? [{ proto: 6, port: 5000, packets: identityPackets, bytes: identityPackets * 400 }] : []),
    ]);
  it('passes when every region issues locally, and reports WAN bytes per 1000 issued tokens', () => {
    const o = tokenIssue.check([...requests('issue', 100, () => ({ status: 201, ms: 9 })), capture()], ctx('issue'));
    expect(o.status, o.summary).toBe('pass');
    const wan = o.evidence.wan as { protocol: string; bytesPer1000: number }[];
    expect(wan.find((p) => p.protocol.startsWith('Galera'))!.bytesPer1000).toBe(200000); // 120000 B over 600 tokens
  });
  it('fails when issuing crosses regions (a central Keystone)', () => {
    const o = tokenIssue.check([...requests('issue', 100, () => ({ status: 201, ms: 90 })), capture(1200)], ctx('issue'));
    expect(o.status).toBe('fail');
    expect(o.summary).toMatch(/^1200 identity packets crossed regions while tokens were issued/);
  });
  it('fails when a region cannot issue', () => {
    expect(tokenIssue.check([...requests('issue', 100, (r) => (r === 'north' ? { status: 503, ms: 5 } : { status: 201, ms: 9 })), capture()], ctx('issue')).status).toBe('fail');
  });
  it('fails over a latency limit when one is given, and is undecided without a capture', () => {
    const slowWest = requests('issue', 100, (r) => ({ status: 201, ms: r === 'west' ? 95 : 9 }));
    expect(tokenIssue.check([...slowWest, capture()], ctx('issue')).status).toBe('pass');
    expect(tokenIssue.check([...slowWest, capture()], ctx('issue-bounded')).summary).toMatch(/west: p99 95 ms over the 50 ms limit/);
    expect(tokenIssue.check(slowWest, ctx('issue')).status).toBe('unknown');
  });
});

describe('validation-during-faults (ID-VALIDATE-SITE-LOSS)', () => {
  /** 10 validations a second per region for 20 s; `status(region, t)` decides each answer. */
  const validations = (status: (region: string, t: number) => number): HistoryEvent[] => validationHistory({ regions: REGIONS, everyMs: 100, durationMs: 20000, latencyMs: 8, status });
  it('takes away the site a partition cuts off, or the site lost', () => {
    expect(faultedSites(scenario, faultWindows(partition())).map((f) => f.cutOff)).toEqual([['east']]);
    const lost = fault({ kind: 'site-loss', site: 'west' }, 1000);
    expect(faultedSites(scenario, faultWindows(lost))[0]).toMatchObject({ down: ['west'], cutOff: [], end: Infinity });
  });
  it('passes when every region, the cut-off one included, keeps validating', () => {
    const o = validationDuringFaults.check([...partition(), ...validations(() => 200)], ctx('during'));
    expect(o.status, o.summary).toBe('pass');
    expect(o.summary).toMatch(/east: 120\/120 valid while east cut off; west: 120\/120 valid while east cut off/);
  });
  it('fails when the cut-off region cannot validate (its database needs the others)', () => {
    const o = validationDuringFaults.check([...partition(), ...validations((r, t) => (cutOff(r, t) ? 503 : 200))], ctx('during'));
    expect(o.summary).toMatch(/^east: \d+\/120 valid while east cut off \(failures: 503\)$/);
  });
  it('does not judge a lost site, only the others', () => {
    const lost = fault({ kind: 'site-loss', site: 'east' }, CUT.start);
    const o = validationDuringFaults.check([...lost, ...validations((r, t) => (r === 'east' && t >= CUT.start ? 503 : 200))], ctx('during'));
    expect(o.status, o.summary).toBe('pass');
    expect((o.evidence.rows as { region: string }[]).map((r) => r.region)).toEqual(['west', 'north']);
  });
  it('fails when another region loses validation with it (a two-site master without quorum)', () => {
    const o = validationDuringFaults.check([...partition(), ...validations((r, t) => ((r === 'east' || r === 'west') && t >= CUT.start && t < CUT.end ? 503 : 200))], ctx('during'));
    expect(o.status).toBe('fail');
    expect(o.summary).toMatch(/^east: 0\/120 valid while east cut off \(failures: 503\); west: 0\/120 valid while east cut off \(failures: 503\)$/);
  });
  it('is skipped when no site is lost or cut off', () => {
    expect(validationDuringFaults.check(validations(() => 200), ctx('during')).status).toBe('skip');
  });
});
