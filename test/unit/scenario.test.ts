// Positive tests for the scenario format: the good example loads, units
// parse, defaults are filled in, and fault schedules resolve to absolute times.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadScenario, parseScenario } from '../../harness/scenario/load.js';
import { MshError } from '../../harness/scenario/errors.js';
import { resolveSchedule } from '../../harness/scenario/schedule.js';
import { scenarioJsonSchema, type FaultSpec } from '../../harness/scenario/schema.js';
import { formatMs, parseDuration, parsePercent, parseRate } from '../../harness/scenario/units.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const GOOD = join(ROOT, 'scenarios', 'wan-heartbeat.yaml');

describe('scenarios/wan-heartbeat.yaml', () => {
  it('loads, with units converted to numbers', async () => {
    const { file, scenario: s } = await loadScenario(GOOD);
    expect(file).toBe(GOOD);
    expect(s.name).toBe('wan-heartbeat');
    expect(s.seed).toBe(42);
    expect(s.duration).toBe(30_000);
    expect(s.sites.map((x) => `${x.name} ${x.subnet}`)).toEqual(['east 198.18.1.0/24', 'west 198.18.2.0/24']);
    expect(s.links).toEqual([{ name: 'wan1', between: ['east', 'west'], latency: 20 }]);
    expect(s.workload[0]).toMatchObject({ kind: 'heartbeat', from: 'east/hb', to: 'west/hb', interval: 50 });
    expect(s.faults.map((f) => f.name)).toEqual(['cut', 'slow']);
    expect(s.faults[1]).toMatchObject({ kind: 'impair', duration: 8000, latency: 100, after: { fault: 'cut', on: 'heal', delay: 3000 } });
    expect(s.checks.map((c) => c.requirements).flat()).toEqual([
      'WAN-FIDELITY',
      'WAN-PARTITION-GAP',
      'WAN-HEARTBEAT-CONTINUITY',
      'HARNESS-BASELINE-RESTORED',
    ]);
  });

  it('has a schedule of absolute times', async () => {
    const { scenario } = await loadScenario(GOOD);
    const sched = resolveSchedule(scenario.faults);
    expect(sched.ok).toBe(true);
    if (!sched.ok) return;
    expect(sched.faults.map((t) => [t.fault.name, t.startMs, t.endMs])).toEqual([
      ['cut', 5000, 15_000],
      ['slow', 18_000, 26_000], // 15 s heal + 3 s delay, for 8 s
    ]);
  });
});

describe('units', () => {
  it('parses durations to milliseconds', () => {
    expect(parseDuration('50ms')).toBe(50);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration('250us')).toBe(0.25);
    expect(parseDuration(' 10 s ')).toBe(10_000);
    expect(parseDuration(42)).toBe(42);
    expect(parseDuration(0)).toBe(0);
    for (const bad of ['5 parsecs', '10', '-1s', 's', '1h', '']) expect(parseDuration(bad), bad).toBeNull();
    expect(parseDuration(-1)).toBeNull();
    expect(parseDuration(Number.POSITIVE_INFINITY)).toBeNull();
  });

  it('parses percentages, 0 to 100', () => {
    expect(parsePercent('0.5%')).toBe(0.5);
    expect(parsePercent('10 %')).toBe(10);
    expect(parsePercent('100%')).toBe(100);
    expect(parsePercent(0)).toBe(0);
    expect(parsePercent(2.5)).toBe(2.5);
    for (const bad of ['150%', '10', 'ten%', '-1%', '']) expect(parsePercent(bad), bad).toBeNull();
    expect(parsePercent(101)).toBeNull();
    expect(parsePercent(-0.1)).toBeNull();
  });

  it('parses bandwidths to kbit/s', () => {
    expect(parseRate('512kbit')).toBe(512);
    expect(parseRate('10mbit')).toBe(10_000);
    expect(parseRate('10Mbit')).toBe(10_000);
    expect(parseRate('1gbit')).toBe(1_000_000);
    expect(parseRate('1.5 mbit')).toBe(1500);
    expect(parseRate('500bit')).toBe(0.5);
    expect(parseRate(64)).toBe(64);
    for (const bad of ['10 mbps', '10', 'fast', '']) expect(parseRate(bad), bad).toBeNull();
    expect(parseRate(0)).toBeNull();
  });

  it('formats milliseconds for messages', () => {
    expect(formatMs(50)).toBe('50 ms');
    expect(formatMs(0.25)).toBe('0.25 ms');
    expect(formatMs(15_000)).toBe('15 s');
    expect(formatMs(1500)).toBe('1.50 s');
  });
});

describe('defaults', () => {
  const minimal = [
    'name: minimal',
    'duration: 10s',
    'sites:',
    '  - name: east',
    '    subnet: 198.18.1.0/24',
    '    nodes:',
    '      - name: a',
    '      - name: b',
    'workload:',
    '  - kind: heartbeat',
    '    name: hb',
    '    from: east/a',
    '    to: east/b',
    'faults:',
    '  - kind: pause-node',
    '    name: first',
    '    node: east/a',
    '    at: 1s',
    '    duration: 1s',
    '  - kind: pause-node',
    '    name: second',
    '    node: east/a',
    '    after: { fault: first }',
    '    duration: 2s',
    '',
  ].join('\n');

  it('fills in every optional field', () => {
    const { scenario: s } = parseScenario('minimal.yaml', minimal);
    expect(s.description).toBe('');
    expect(s.tags).toEqual([]);
    expect(s.seed).toBe(1);
    expect(s.links).toEqual([]);
    expect(s.checks).toEqual([]);
    expect(s.sites[0]!.nodes).toEqual([
      { name: 'a', role: 'host', image: 'base' },
      { name: 'b', role: 'host', image: 'base' },
    ]);
    expect(s.workload[0]).toMatchObject({ interval: 50, port: 7000 });
    // 'after' starts on the other fault's heal, with no delay, unless told otherwise.
    expect(s.faults[1]!.after).toEqual({ fault: 'first', on: 'heal', delay: 0 });
  });

  it('defaults a partition to both directions', () => {
    const { scenario } = parseScenario('partition.yaml', minimal
      .replace('sites:\n', 'links:\n  - name: l1\n    between: [east, west]\nsites:\n')
      .replace('workload:\n', '  - name: west\n    subnet: 198.18.2.0/24\n    nodes:\n      - name: c\nworkload:\n')
      .replace('  - kind: pause-node\n    name: first\n    node: east/a\n', '  - kind: partition\n    name: first\n    link: l1\n'));
    expect(scenario.faults[0]).toMatchObject({ kind: 'partition', direction: 'both' });
  });
});

describe('resolveSchedule', () => {
  type Partition = Extract<FaultSpec, { kind: 'partition' }>;
  const fault = (name: string, timing: Pick<Partition, 'at' | 'after' | 'duration'>): FaultSpec => ({
    kind: 'partition',
    name,
    link: 'wan1',
    direction: 'both',
    ...timing,
  });

  it('resolves chains of after to absolute times, whatever order they are written in', () => {
    const faults = [
      fault('d', { after: { fault: 'c', on: 'heal', delay: 0 }, duration: 1000 }),
      fault('c', { after: { fault: 'b', on: 'start', delay: 500 }, duration: 3000 }),
      fault('b', { after: { fault: 'a', on: 'heal', delay: 1000 }, duration: 2000 }),
      fault('a', { at: 2000, duration: 3000 }),
    ];
    const sched = resolveSchedule(faults);
    expect(sched.ok).toBe(true);
    if (!sched.ok) return;
    // a: 2-5 s; b: 1 s after a heals; c: 0.5 s after b starts; d: when c heals.
    expect(sched.faults.map((t) => [t.fault.name, t.index, t.startMs, t.endMs])).toEqual([
      ['a', 3, 2000, 5000],
      ['b', 2, 6000, 8000],
      ['c', 1, 6500, 9500],
      ['d', 0, 9500, 10_500],
    ]);
  });

  it('reports a cycle, an unknown fault and a missing start', () => {
    const cycle = resolveSchedule([
      fault('a', { after: { fault: 'b', on: 'heal', delay: 0 }, duration: 1000 }),
      fault('b', { after: { fault: 'a', on: 'heal', delay: 0 }, duration: 1000 }),
    ]);
    expect(cycle).toMatchObject({ ok: false, field: 'after' });
    if (!cycle.ok) expect(cycle.message).toContain('a -> b -> a');

    const unknown = resolveSchedule([fault('a', { after: { fault: 'zz', on: 'heal', delay: 0 }, duration: 1000 })]);
    expect(unknown).toMatchObject({ ok: false, index: 0, field: 'after' });

    const none = resolveSchedule([fault('a', { duration: 1000 })]);
    expect(none).toMatchObject({ ok: false, index: 0, field: 'at' });
  });
});

describe('JSON Schema', () => {
  it('is generated from the zod schema', () => {
    const schema = scenarioJsonSchema() as { properties?: Record<string, unknown>; required?: string[] };
    expect(Object.keys(schema.properties ?? {})).toEqual(
      expect.arrayContaining(['name', 'duration', 'sites', 'links', 'workload', 'faults', 'checks']),
    );
    expect(schema.required).toEqual(expect.arrayContaining(['name', 'duration', 'sites']));
  });
});

describe('active/active as two crossed clusters', () => {
  it('accepts the shipped scenario and rejects two VNFs on one node with one backup port', async () => {
    const { readFile } = await import('node:fs/promises');
    const text = await readFile('scenarios/ha-active-active.yaml', 'utf8');
    expect(parseScenario('aa.yaml', text).scenario.vnfs.map((v) => [v.name, v.members[0], v.backupPort])).toEqual([
      ['vnf1', 'east/vnf-a', 7100],
      ['vnf2', 'west/vnf-b', 7101],
    ]);
    const clash = text.replace(', backupPort: 7101, port: 5061', '');
    expect(() => parseScenario('aa.yaml', clash)).toThrow(MshError);
    try {
      parseScenario('aa.yaml', clash);
    } catch (err) {
      expect((err as MshError).issues[0]!.message).toMatch(/share a node and both use backupPort 7100: give "vnf2" another/);
    }
  });
});

describe('checks: what a kind needs', () => {
  const good = async () => (await import('node:fs/promises')).readFile(GOOD, 'utf8');
  const issues = (text: string) => {
    try {
      parseScenario('wan.yaml', text);
      return [];
    } catch (err) {
      return (err as MshError).issues.map((i) => i.message);
    }
  };

  it('rejects a check reading a workload kind the scenario lacks (needs.workloads)', async () => {
    const text = await good();
    // Without `workload`, a check reads the first workload of its kind.
    expect(issues(text.replace(/\n {4}workload: hb/g, ''))).toEqual([]);
    const crud = text + '  - { name: fdb, kind: remote-port-fdb, requirements: [HA-REMOTE-PORT-L2POP] }\n';
    expect(issues(crud)).toEqual(['check "fdb" (remote-port-fdb) reads a remote-port-crud workload: add one (kind: remote-port-crud)']);
  });

  it('names the workload a check reads when it is of another kind, and says once that an unknown one does not exist', async () => {
    const text = await good();
    const other = text + '  - { name: issue, kind: token-issue, workload: hb, requirements: [ID-ISSUE-LOCAL] }\n';
    expect(issues(other)).toContain('check "issue" (token-issue) reads an issue workload named "hb": add one (kind: issue)');
    const unknown = text.replace('workload: hb\n    tolerance: 10%', 'workload: hb1\n    tolerance: 10%');
    expect(issues(unknown)).toEqual(['check "rtt" reads workload "hb1", which does not exist: did you mean "hb"? (workloads: hb)']);
  });
});
