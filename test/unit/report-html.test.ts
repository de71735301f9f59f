// report.html and reports/index.html on literal histories and results: the
// timeline's fault bands sit where the recorded windows are, lanes show what
// the checks' helpers and evidence say, every verdict has its row, every
// name is escaped, and the pages reach for nothing outside themselves.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Verdict } from '../../harness/checks/verdict.js';
import { faultOptions } from '../../harness/faults/registry.js';
import type { HistoryEvent } from '../../harness/observe/history.js';
import { reportHtml } from '../../harness/report/html.js';
import { latencySeries } from '../../harness/report/html-plots.js';
import { BIN_PX, LABEL_W, PLOT_W, timelineSvg } from '../../harness/report/html-timeline.js';
import { esc, runOutcome, tickStep } from '../../harness/report/html-util.js';
import { readHistoryFile } from '../../harness/report/html-write.js';
import { indexedRun, indexHtml, writeIndex } from '../../harness/report/index-page.js';
import type { ResultFile } from '../../harness/report/write.js';
import { parseScenario } from '../../harness/scenario/load.js';
import { fault } from '../support/faults.js';
import { testDir } from '../support/temp-dir.js';
import { haSites } from '../support/topologies.js';

const yaml = `
name: ha
description: test
duration: 20s
${haSites(false)}
vnfs:
  - name: vnf1
    members: [east/vnf-a, west/vnf-b]
    backup: { network: backup }
    external: { network: ext, vip: 198.18.201.100 }
    heartbeat: { interval: 50ms, misses: 3 }
workload:
  - { kind: calls, name: calls, from: users/client, vnf: vnf1 }
checks:
  - { name: failover, kind: failover-time, vnf: vnf1, requirements: [HA-NEW-CALLS-1S] }
`;
const scenario = parseScenario('ha.yaml', yaml).scenario;

const op = (t: number, process: string, type: 'invoke' | 'ok' | 'fail' | 'info', f: string, value: Record<string, unknown> = {}): HistoryEvent => ({ t, kind: 'op', process, type, f, value });

/** Ops from t=1000 to t=11000; a partition 3000-5000; east lost at 7000 (effect measured from 7100, its nodes dead at 7100 and 7150), never healed. */
function history(): HistoryEvent[] {
  return [
    { t: 500, kind: 'phase', phase: 'workload' },
    op(1000, 'calls@users/client', 'invoke', 'call-setup', { call: 'c1' }),
    op(1020, 'calls@users/client', 'ok', 'call-setup', { call: 'c1', latencyMs: 20, by: 'east-vnf-a' }),
    op(1100, 'vnf1@east/vnf-a', 'info', 'role', { from: 'init', to: 'active' }),
    op(2000, 'wsrep@east', 'info', 'wsrep', { status: 'Primary', size: 3, ready: true }),
    op(4000, 'wsrep@east', 'info', 'wsrep', { status: 'non-Primary', size: 1, ready: false }),
    op(6000, 'wsrep@east', 'info', 'wsrep', { status: 'Primary', size: 3, ready: true }),
    ...fault({ kind: 'partition', link: 'ew' }, 3000, 5000, { name: 'cut' }),
    op(4000, 'calls@users/client', 'invoke', 'call-setup', { call: 'c2' }),
    op(4500, 'calls@users/client', 'fail', 'call-setup', { call: 'c2' }),
    ...fault({ kind: 'site-loss', site: 'east' }, 7000, undefined, { name: 'lose-east', from: 7100, stopped: { 'east/ctl': 7150, 'east/vnf-a': 7100 } }),
    op(7400, 'vnf1@west/vnf-b', 'info', 'role', { from: 'standby', to: 'active' }),
    op(9000, 'tokens@west', 'invoke', 'validate', { n: 1 }),
    op(9012, 'tokens@west', 'ok', 'validate', { n: 1 }),
    op(11000, 'calls@users/client', 'ok', 'call-setup', { call: 'c3', latencyMs: 30, by: 'west-vnf-b' }),
  ];
}

const verdict = (id: string, status: Verdict['status'], checks: Verdict['checks'] = []): Verdict => ({ id, title: `title of ${id}`, status, source: 'DESIGN.md', section: 's', checks });

function result(over: Partial<ResultFile> = {}): ResultFile {
  return {
    scenario: { ...scenario, file: 'scenarios/ha.yaml' },
    runId: 'abc123',
    seed: 7,
    started: '2026-12-02T10:00:00.000Z',
    finished: '2026-12-02T10:00:20.000Z',
    aborted: false,
    timings: { bringUpMs: 1000 },
    faults: [
      { fault: 'cut', kind: 'partition', target: 'link ew', proven: true, proof: 'relay set both down' },
      { fault: 'lose-east', kind: 'site-loss', target: 'site east', proven: true, proof: '2 nodes seen dead' },
    ],
    verdicts: [
      verdict('HA-NEW-CALLS-1S', 'pass', [
        { check: 'failover', kind: 'failover-time', status: 'pass', summary: 'lose-east: served after 400 ms', evidence: { rows: [{ fault: 'lose-east', outageMs: 400, status: 'pass' }] } },
      ]),
      verdict('HA-ONGOING-CALLS', 'fail', [{ check: 'ongoing', kind: 'call-continuity', status: 'fail', summary: 'dropped', evidence: { rows: [] } }]),
      verdict('HA-NO-SPLIT-BRAIN', 'skip'),
    ],
    ...over,
  };
}

/** Attributes of every element of a tag with a class, in document order. */
function elements(html: string, tag: string, cls: string): Record<string, string>[] {
  const re = new RegExp(`<${tag} class="${cls}[^"]*"([^>]*)>`, 'g');
  return [...html.matchAll(re)].map((m) => Object.fromEntries([...m[1]!.matchAll(/([\w-]+)="([^"]*)"/g)].map((a) => [a[1]!, a[2]!])));
}

const xAt = (t: number) => LABEL_W + ((t - 1000) / 10_000) * PLOT_W;

describe('timeline', () => {
  const svg = timelineSvg(result(), history())!;

  it('draws a band per fault over its recorded window, from where its effect began, clipped to the history for one never healed', () => {
    const bands = elements(svg, 'rect', 'fault-band');
    expect(bands.map((b) => b['data-fault'])).toEqual(['cut', 'lose-east']);
    expect(Number(bands[0]!.x)).toBeCloseTo(xAt(3000), 1);
    expect(Number(bands[0]!.width)).toBeCloseTo(xAt(5000) - xAt(3000), 1);
    expect(Number(bands[1]!.x)).toBeCloseTo(xAt(7100), 1);
    expect(Number(bands[1]!.width)).toBeCloseTo(xAt(11_000) - xAt(7100), 1);
    // Injecting began 100 ms before the effect: that lead is drawn apart.
    const lead = elements(svg, 'rect', 'fault-lead');
    expect(lead).toHaveLength(1);
    expect(Number(lead[0]!.x)).toBeCloseTo(xAt(7000), 1);
    expect(svg).toContain('lose-east (not healed)');
  });

  it('puts the proof in the band and marks an unproven fault', () => {
    const h = history().map((e) => (e.kind === 'fault' && e.fault === 'cut' && e.type === 'heal' ? { ...e, proof: { ...e.proof, ok: false, summary: 'heal not proven' } } : e));
    const s = timelineSvg(result(), h)!;
    expect(elements(s, 'rect', 'fault-band unproven').map((b) => b['data-fault'])).toEqual(['cut']);
    expect(s).toContain('cut (partition, link ew): NOT PROVEN: proven (test); heal not proven');
  });

  it('has a lane per node with its death, per VNF member with its active spans, per Galera node and per workload process', () => {
    const lanes = elements(svg, 'g', 'lane').map((l) => l['data-lane']);
    expect(lanes).toEqual([
      'east/ctl (controller)', 'east/vnf-a (vm)', 'west/ctl (controller)', 'west/vnf-b (vm)', 'users/ctl (controller)', 'users/client (vm)',
      'vnf1 active @ east/vnf-a', 'vnf1 active @ west/vnf-b',
      'galera east',
      'failover gap (failover)',
      'calls@users/client', 'tokens@west', 'vnf1@east/vnf-a', 'vnf1@west/vnf-b',
    ]);
    const dead = elements(svg, 'rect', 'seg dead');
    expect(dead.map((d) => Number(d.x))).toEqual([expect.closeTo(xAt(7150), 1), expect.closeTo(xAt(7100), 1)]);
    // east/vnf-a active from its role event until its own death; west/vnf-b from its takeover to the end.
    const active = elements(svg, 'rect', 'seg active');
    expect(Number(active[0]!.x)).toBeCloseTo(xAt(1100), 1);
    expect(Number(active[0]!.width)).toBeCloseTo(xAt(7100) - xAt(1100), 1);
    expect(Number(active[1]!.x)).toBeCloseTo(xAt(7400), 1);
    expect(elements(svg, 'rect', 'seg primary')).toHaveLength(2);
    const np = elements(svg, 'rect', 'seg non-primary');
    expect(np).toHaveLength(1);
    expect(Number(np[0]!.width)).toBeCloseTo(xAt(6000) - xAt(4000), 1);
  });

  it('shows a paused node on its own lane for the pause', () => {
    const s = timelineSvg(result(), [...history(), ...fault({ kind: 'pause-node', node: 'west/vnf-b' }, 8000, 9000, { name: 'pause' })])!;
    const lane = s.slice(s.indexOf('data-lane="west/vnf-b (vm)"'));
    const paused = elements(lane.slice(0, lane.indexOf('</g>')), 'rect', 'seg paused');
    expect(paused).toHaveLength(1);
    expect(Number(paused[0]!.x)).toBeCloseTo(xAt(8000), 1);
    expect(Number(paused[0]!.width)).toBeCloseTo(xAt(9000) - xAt(8000), 1);
    expect(elements(s, 'rect', 'seg paused')).toHaveLength(1);
  });

  it('draws the failover gap the check measured, from the fault window start', () => {
    const gap = elements(svg, 'rect', 'seg gap');
    expect(gap).toHaveLength(1);
    expect(Number(gap[0]!.x)).toBeCloseTo(xAt(7100), 1);
    expect(Number(gap[0]!.width)).toBeCloseTo(xAt(7500) - xAt(7100), 1);
  });

  it('marks a one-shot action (a token revoked) as a moment, not a band to the end of the run', () => {
    const revoke = faultOptions.parse({ kind: 'revoke-token', name: 'revoke', site: 'west', at: '7s' });
    const h = [...history(), ...fault({ kind: 'revoke-token', site: 'west' }, 8000, undefined, { name: 'revoke' })];
    const s = timelineSvg(result({ scenario: { ...scenario, faults: [...scenario.faults, revoke], file: 'x.yaml' } }), h)!;
    expect(elements(s, 'rect', 'fault-band').map((b) => b['data-fault'])).toEqual(['cut', 'lose-east']);
    const marks = elements(s, 'line', 'fault-action');
    expect(marks.map((m) => m['data-fault'])).toEqual(['revoke']);
    expect(Number(marks[0]!.x1)).toBeCloseTo(xAt(8000), 1);
  });

  it('draws a revocation window per region from the revocation evidence', () => {
    const h = [...history(), ...fault({ kind: 'revoke-token', site: 'west' }, 8000, undefined, { name: 'revoke' })];
    const r = result({
      verdicts: [verdict('ID-REVOCATION', 'pass', [{ check: 'rev', kind: 'revocation', status: 'pass', summary: '', evidence: { rows: [{ region: 'west', windowMs: 500 }, { region: 'east', windowMs: 0 }] } }])],
    });
    const s = timelineSvg(r, h)!;
    const w = elements(s, 'rect', 'seg revocation');
    expect(w).toHaveLength(2);
    expect(Number(w[0]!.x)).toBeCloseTo(xAt(8000), 1);
    expect(Number(w[0]!.width)).toBeCloseTo(xAt(8500) - xAt(8000), 1);
  });

  it('marks operations per bin, a failure winning its bin', () => {
    const fails = elements(svg, 'rect', 'op-fail');
    expect(fails).toHaveLength(1);
    expect(Number(fails[0]!.x)).toBe(LABEL_W + Math.floor((xAt(4500) - LABEL_W) / BIN_PX) * BIN_PX);
    expect(elements(svg, 'rect', 'op-ok').length).toBe(3);
  });

  it('places an operation when it was sent: a heartbeat declared lost later sits where it was sent', () => {
    const h = [...history(), op(6000, 'hb@east/hb', 'fail', 'lost', { seq: 1, sentAt: 5000 }), op(9000, 'hb@east/hb', 'ok', 'ack', { seq: 2, rttMs: 1000 })];
    const s = timelineSvg(result(), h)!;
    const lane = s.slice(s.indexOf('data-lane="hb@east/hb"'));
    const marks = [...lane.slice(0, lane.indexOf('</g>')).matchAll(/<rect class="(op-\w+)" x="([\d.]+)"/g)].map((m) => [m[1], Number(m[2])]);
    const bin = (t: number) => LABEL_W + Math.floor((xAt(t) - LABEL_W) / BIN_PX) * BIN_PX;
    expect(marks).toEqual([['op-fail', bin(5000)], ['op-ok', bin(8000)]]);
  });

  it('has no timeline without operations or faults', () => {
    expect(timelineSvg(result(), [{ t: 1, kind: 'phase', phase: 'bring-up' }])).toBeNull();
  });
});

describe('latency series', () => {
  it('reads the agents own latency, else pairs invokes and answers by n', () => {
    const s = latencySeries([...history(), op(9100, 'hb@east/hb', 'ok', 'ack', { seq: 1, rttMs: 41 }), op(9200, 'tokens@west', 'invoke', 'validate', { n: 2 }), op(9300, 'tokens@west', 'fail', 'validate', { n: 2 })]);
    expect([...s.keys()]).toEqual(['ack', 'call-setup', 'validate']);
    expect(s.get('ack')![0]!.points).toEqual([{ t: 9059, ms: 41, ok: true }]);
    expect(s.get('call-setup')![0]!.points.map((p) => p.ms)).toEqual([20, 30]);
    expect(s.get('validate')![0]!.points).toEqual([{ t: 9000, ms: 12, ok: true }, { t: 9200, ms: 100, ok: false }]);
  });
});

describe('report page', () => {
  const html = reportHtml(result(), history());

  it('lists what the run decided before what it skipped', () => {
    const page = reportHtml(result({ verdicts: [verdict('A', 'skip'), verdict('B', 'fail'), verdict('C', 'skip'), verdict('D', 'pass')] }), history());
    expect(elements(page, 'tr', 'verdict').map((v) => v['data-id'])).toEqual(['B', 'D', 'A', 'C']);
  });

  it('has a row per verdict with its status, and the faults with their proofs', () => {
    expect(elements(html, 'tr', 'verdict').map((v) => [v['data-id'], v['data-status']])).toEqual([
      ['HA-NEW-CALLS-1S', 'pass'],
      ['HA-ONGOING-CALLS', 'fail'],
      ['HA-NO-SPLIT-BRAIN', 'skip'],
    ]);
    expect(elements(html, 'tr', 'fault-row').map((f) => f['data-fault'])).toEqual(['cut', 'lose-east']);
    expect(html).toContain('relay set both down');
    expect(html).toContain('<title>ha: fail</title>');
    expect(html).toContain('seed</th><td>7');
  });

  it('links the WAN capture with the tshark options that decode it, only when the run took one', () => {
    const page = reportHtml(result({ capture: { file: 'wan.pcap', decodeAs: '-d udp.port==40000,vxlan -d udp.port==40001,vxlan' } }), history());
    expect(page).toContain('WAN capture</th><td><a href="wan.pcap">wan.pcap</a>: <code>tshark -r wan.pcap -d udp.port==40000,vxlan -d udp.port==40001,vxlan</code>');
    expect(html).not.toContain('WAN capture');
  });

  it('escapes every name, summary and proof', () => {
    const evil = '<script>alert("x")</script>&';
    const r = result({
      scenario: { ...scenario, description: evil, file: evil },
      error: evil,
      faults: [{ fault: 'cut', kind: 'partition', target: evil, proven: true, proof: evil }],
      verdicts: [verdict('X', 'fail', [{ check: evil, kind: 'k', status: 'fail', summary: evil, evidence: { evil } }])],
    });
    const h = [...history(), op(2000, `${evil}@a/b`, 'ok', evil)];
    const page = reportHtml(r, h);
    expect(page).not.toContain('<script');
    expect(page).toContain(esc(evil));
    expect(esc(evil)).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;');
  });

  it('is self-contained: no script, no external reference', () => {
    expect(html).not.toMatch(/<script|<link|<img|@import|url\(/i);
    expect(html.match(/https?:\/\/[^"]*/g)).toEqual(expect.arrayContaining(['http://www.w3.org/2000/svg']));
    expect(new Set(html.match(/https?:\/\/[^"]*/g))).toEqual(new Set(['http://www.w3.org/2000/svg']));
  });
});

describe('run outcome and ticks', () => {
  it('fails a run that is aborted, errored, unproven or failing; else unknown beats pass; nothing decided is skip', () => {
    const base = { aborted: false, faults: [{ proven: true }], verdicts: [{ status: 'pass' as const }, { status: 'skip' as const }] };
    expect(runOutcome(base)).toBe('pass');
    expect(runOutcome({ ...base, aborted: true })).toBe('fail');
    expect(runOutcome({ ...base, error: 'x' })).toBe('fail');
    expect(runOutcome({ ...base, faults: [{ proven: false }] })).toBe('fail');
    expect(runOutcome({ ...base, verdicts: [{ status: 'unknown' }, { status: 'pass' }] })).toBe('unknown');
    expect(runOutcome({ ...base, verdicts: [{ status: 'skip' }] })).toBe('skip');
  });

  it('picks 1/2/5 tick steps giving at most 12 ticks', () => {
    expect(tickStep(10_000)).toBe(1000);
    expect(tickStep(25_000)).toBe(5000);
    expect(tickStep(600)).toBe(50);
  });
});

describe('history file', () => {
  it('keeps every whole line of a torn file', async () => {
    const dir = await testDir('msh-html');
    const p = join(dir, 'history.jsonl');
    await writeFile(p, JSON.stringify(op(1, 'a@b/c', 'ok', 'x')) + '\n' + JSON.stringify(op(2, 'a@b/c', 'ok', 'x')) + '\n{"t":3,"ki');
    expect((await readHistoryFile(p)).map((e) => e.t)).toEqual([1, 2]);
    expect(await readHistoryFile(join(dir, 'missing.jsonl'))).toEqual([]);
  });
});

describe('suite index', () => {
  const run = (dir: string, name: string, started: string, status: Verdict['status']) =>
    indexedRun(dir, { ...result({ started, verdicts: [verdict('A', status)] }), scenario: { name } }, dir !== 'old')!;

  it('lists runs newest first and per scenario its outcomes oldest to newest, linking each report', () => {
    const runs = [
      run('r1', 'wan', '2026-12-01T10:00:00.000Z', 'pass'),
      run('r3', 'wan', '2026-12-03T10:00:00.000Z', 'fail'),
      run('r2', 'ha', '2026-12-02T10:00:00.000Z', 'unknown'),
      run('old', 'wan', '2026-11-01T10:00:00.000Z', 'pass'),
    ];
    const page = indexHtml(runs);
    expect(elements(page, 'tr', 'run').map((r) => [r['data-dir'], r['data-outcome']])).toEqual([
      ['r3', 'fail'],
      ['r2', 'unknown'],
      ['r1', 'pass'],
      ['old', 'pass'],
    ]);
    expect(elements(page, 'tr', 'scenario').map((s) => s['data-scenario'])).toEqual(['ha', 'wan']);
    const wan = page.slice(page.indexOf('data-scenario="wan"'));
    expect([...wan.slice(0, wan.indexOf('</tr>')).matchAll(/class="sq st-(\w+)"[^>]*href="([^"]+)"/g)].map((m) => [m[1], m[2]])).toEqual([
      ['pass', 'old/summary.md'],
      ['pass', 'r1/report.html'],
      ['fail', 'r3/report.html'],
    ]);
    expect(page).toContain('<td>2/3</td>');
  });

  it('leaves out what is not a result file', () => {
    expect(indexedRun('x', { scenario: 'nope' }, true)).toBeNull();
  });

  it('is rewritten from the run dirs of a reports dir', async () => {
    const dir = await testDir('msh-index');
    for (const [d, started] of [['a', '2026-12-01T00:00:00.000Z'], ['b', '2026-12-02T00:00:00.000Z']] as const) {
      await mkdir(join(dir, d));
      await writeFile(join(dir, d, 'result.json'), JSON.stringify(result({ started })));
    }
    await mkdir(join(dir, 'half'));
    await writeFile(join(dir, 'half', 'result.json'), '{"scen');
    await mkdir(join(dir, 'mutation'));
    await writeIndex(dir);
    const page = await readFile(join(dir, 'index.html'), 'utf8');
    expect(elements(page, 'tr', 'run').map((r) => r['data-dir'])).toEqual(['b', 'a']);
  });
});
