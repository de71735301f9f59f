// The DR check kinds at their edges, on literal histories (the model of
// test/support/dr-history.ts, and events built by hand where a run can
// record something the model does not): mutation testing, each assertion
// here failed on a changed checker that test/unit/checks-dr.test.ts let
// through. Status and the numbers or names the verdict rests on are asserted.
import { describe, expect, it } from 'vitest';
import type { CheckKind } from '../../harness/checks/kind.js';
import { drAdminMetadata } from '../../harness/checks/kinds/dr-admin-metadata.js';
import { drCleanRestore } from '../../harness/checks/kinds/dr-clean-restore.js';
import { drManualTrigger } from '../../harness/checks/kinds/dr-manual-trigger.js';
import { drIncrementalBackup, SWIFT_PORT } from '../../harness/checks/kinds/dr-incremental-backup.js';
import { drServerSnapshot } from '../../harness/checks/kinds/dr-server-snapshot.js';
import { drRestore } from '../../harness/checks/kinds/dr-restore.js';
import { drQuiesceOrder } from '../../harness/checks/kinds/dr-quiesce-order.js';
import { drQuiesceWindow } from '../../harness/checks/kinds/dr-quiesce-window.js';
import type { HistoryEvent, OpType } from '../../harness/observe/history.js';
import { parseScenario } from '../../harness/scenario/load.js';
import { planTopology } from '../../harness/topology/plan.js';
import { drHistory, type DrModel } from '../support/dr-history.js';
import { wanCapture } from '../support/capture.js';
import { fault } from '../support/faults.js';

const yaml = (option: string, extra = '') => `
name: dr
duration: 16s
sites:
  - { name: primary, subnet: 198.18.1.0/24, nodes: [{ name: ctl, role: controller }] }
  - { name: backup, subnet: 198.18.2.0/24, nodes: [{ name: ctl, role: controller }] }
  - { name: third, subnet: 198.18.3.0/24, nodes: [{ name: ctl, role: controller }] }
links:
  - { name: pb, between: [primary, backup], latency: 10ms }
  - { name: pt, between: [primary, third], latency: 10ms }
dr: { primary: primary, backup: backup, option: ${option}, members: 3, rate: 20${option === 'replication' ? '' : ', every: 3s'}${extra} }
checks:
  - { name: restore, kind: dr-restore, requirements: [DR-RESTORE-BACKUP-SITE] }
  - { name: order, kind: dr-quiesce-order, requirements: [DR-OPT1-QUIESCE-ORDER] }
  - { name: order201, kind: dr-quiesce-order, order: [2, 0, 1], requirements: [DR-OPT1-QUIESCE-ORDER] }
  - { name: window, kind: dr-quiesce-window, limit: 100ms, requirements: [DR-OPT1-FAST-SNAPSHOT] }
  - { name: window0, kind: dr-quiesce-window, requirements: [DR-OPT1-FAST-SNAPSHOT] }
  - { name: window2, kind: dr-quiesce-window, limit: 2s, requirements: [DR-OPT1-FAST-SNAPSHOT] }
  - { name: window1072, kind: dr-quiesce-window, limit: 1072ms, requirements: [DR-OPT1-FAST-SNAPSHOT] }
  - { name: incremental, kind: dr-incremental-backup, requirements: [DR-INCREMENTAL-BACKUP] }
  - { name: manual, kind: dr-manual-trigger, requirements: [DR-MANUAL-TRIGGER] }
  - { name: clean, kind: dr-clean-restore, requirements: [DR-NO-PROPAGATED-FAULT] }
  - { name: snaps, kind: dr-server-snapshot, requirements: [DR-OPT2-SERVER-SNAPSHOT] }
  - { name: ref, kind: dr-admin-metadata, requirements: [DR-ADMIN-METADATA-REF] }
`;

type Option = NonNullable<DrModel['option']>;

/** Judge a history (built by the model, or given) with the check `name` of a scenario of `option`. */
function judge(kind: CheckKind, name: string, h: HistoryEvent[] | DrModel, option: Option = 'quiesce-group-snapshot', extra = '') {
  const scenario = parseScenario('dr.yaml', yaml(option, extra)).scenario;
  const spec = scenario.checks.find((c) => c.name === name)!;
  const events = Array.isArray(h) ? h : drHistory({ ...h, option });
  return kind.check(events, { scenario, plan: planTopology(scenario, 'abcdef'), spec });
}

const op = (t: number, process: string, f: string, value: Record<string, unknown>, type: OpType = 'ok'): HistoryEvent => ({ t, kind: 'op', process, type, f, value });
const sorted = (h: HistoryEvent[]) => [...h].sort((a, b) => a.t - b.t);
const three = <T extends object>(c: T = {} as T) => [c, c, c];

describe('dr-clean-restore', () => {
  const K = drCleanRestore as CheckKind;

  it('decides DR-NO-PROPAGATED-FAULT after faults', () => {
    expect(drCleanRestore.requirements).toEqual(['DR-NO-PROPAGATED-FAULT']);
    expect(drCleanRestore.needs).toEqual({ faults: true });
  });

  it('skips, saying why: no corruption, or no failover', () => {
    expect(judge(K, 'clean', { cycles: three() })).toEqual({ status: 'skip', summary: 'no corrupt data was written: no propagating fault to keep out', evidence: {} });
    expect(judge(K, 'clean', { cycles: three(), corruptAt: 4000, triggerAt: null })).toEqual({ status: 'skip', summary: 'no failover was triggered: nothing was restored', evidence: {} });
  });

  it('passes on a clean restore with what it read as evidence', () => {
    expect(judge(K, 'clean', { cycles: three(), corruptAt: 8500 })).toEqual({
      status: 'pass',
      summary: 'the state restored in backup is free of the corrupt data written at the primary',
      evidence: { option: 'quiesce-group-snapshot', corruptedAt: 8500, corruptedVm: 1, restoredCorrupt: [false, false, false], restoredSeqs: [137, 137, 137] },
    });
  });

  it('fails naming every corrupt VM; a backup option blames the backup', () => {
    const r = judge(K, 'clean', { cycles: three(), corruptAt: 4000, restoredCorrupt: [true, false, true] });
    expect(r).toMatchObject({ status: 'fail', summary: 'the corrupt data written at the primary was restored in backup (VM 0, 2): the backup carried the fault over', evidence: { restoredCorrupt: [true, false, true] } });
    // Only true is corrupt: a flag of another type is not.
    expect(judge(K, 'clean', { cycles: three(), corruptAt: 4000, restoredCorrupt: [false, 'yes', 1] as unknown as boolean[] }).status).toBe('pass');
  });

  it('is unknown when the restored VNF gave no flags, or not one per VM', () => {
    const none = judge(K, 'clean', { cycles: three(), corruptAt: 4000, restored: null });
    expect(none).toEqual({ status: 'unknown', summary: 'the restored VNF did not report whether its data is corrupt', evidence: { option: 'quiesce-group-snapshot', corruptedAt: 4000, corruptedVm: 1, restoredCorrupt: null, restoredSeqs: null } });
    expect(judge(K, 'clean', { cycles: three(), corruptAt: 4000, restoredCorrupt: [false, false] }).status).toBe('unknown');
    expect(judge(K, 'clean', { cycles: three(), corruptAt: 4000, restoredCorrupt: [false, false, false, true] }).status).toBe('unknown');
  });

  it('reads the restored report of the site restored in only, and names no VM when the fault measured none', () => {
    const h = drHistory({ cycles: three(), corruptAt: 4000, restored: null });
    const elsewhere = op(12_000, 'guest@third/app-0', 'restored', { seqs: [1, 1, 1], corrupt: [true, true, true] });
    expect(judge(K, 'clean', sorted([...h, elsewhere])).status).toBe('unknown');
    const unnamed = sorted([...drHistory({ cycles: three() }), ...fault({ kind: 'corrupt-data', member: 1 }, 4000, undefined, { name: 'bad' })]);
    expect(judge(K, 'clean', unnamed).evidence['corruptedVm']).toBeNull();
  });
});

describe('dr-manual-trigger', () => {
  const K = drManualTrigger as CheckKind;

  it('decides DR-MANUAL-TRIGGER after faults', () => {
    expect(drManualTrigger.requirements).toEqual(['DR-MANUAL-TRIGGER']);
    expect(drManualTrigger.needs).toEqual({ faults: true });
  });

  it('passes with the decision time and the steps after the trigger', () => {
    expect(judge(K, 'manual', { cycles: three() })).toEqual({
      status: 'pass',
      summary: "nothing was restored in backup until the trigger (997 ms after the primary's loss); 12 restore steps after it",
      evidence: { triggerAt: 11_000, lossAt: 10_003, decisionMs: 997, before: [], stepsAfter: 12 },
    });
    // The primary never lost: no decision time.
    expect(judge(K, 'manual', { lossAt: null }, 'replication')).toEqual({
      status: 'pass',
      summary: 'nothing was restored in backup until the trigger; 7 restore steps after it',
      evidence: { triggerAt: 11_000, lossAt: null, decisionMs: null, before: [], stepsAfter: 7 },
    });
  });

  it('counts a step started before the trigger though it ended after, and a guest started before it', () => {
    const h = drHistory({ cycles: three() });
    const straddling = op(11_010, 'dr@backup', 'restore', { member: 0, role: 'boot', started: 10_990 });
    const r = judge(K, 'manual', sorted([...h, straddling]));
    expect(r).toMatchObject({ status: 'fail', summary: '1 restore actions in backup before the trigger (first: restore by dr@backup)', evidence: { before: [{ process: 'dr@backup', f: 'restore', t: 11_010 }], stepsAfter: 13 } });
    // Without a start time, the step's own time decides.
    const after = op(11_010, 'dr@backup', 'restore', { member: 0, role: 'boot', started: 'soon' });
    expect(judge(K, 'manual', sorted([...h, after])).status).toBe('pass');
    const guest = op(10_999, 'guest@backup/app-2', 'start', { from: 'boot-volume' });
    expect(judge(K, 'manual', sorted([...h, guest]))).toMatchObject({ status: 'fail', summary: '1 restore actions in backup before the trigger (first: start by guest@backup/app-2)' });
    // A guest starting exactly at the trigger is not early.
    expect(judge(K, 'manual', sorted([...h, { ...guest, t: 11_000 } as HistoryEvent])).status).toBe('pass');
    expect(judge(K, 'manual', sorted([...h, { ...straddling, value: { started: 11_000 } } as HistoryEvent])).status).toBe('pass');
  });

  it('each kind of restore step counts, in the backup site only', () => {
    const h = drHistory({ cycles: three(), triggerAt: null });
    for (const f of ['restore', 'promote', 'boot', 'attach']) {
      expect(judge(K, 'manual', sorted([...h, op(9000, 'dr@backup', f, {}, 'fail')]))).toMatchObject({ status: 'fail', summary: `1 restore actions in backup though no failover was triggered (first: ${f}, fail)`, evidence: { triggerAt: null, before: [{ process: 'dr@backup', f, t: 9000 }] } });
    }
    expect(judge(K, 'manual', sorted([...h, op(9000, 'dr@third', 'boot', {}), op(9000, 'dr@backup', 'cut', {})]))).toEqual({ status: 'skip', summary: 'no failover was triggered, and nothing was restored', evidence: {} });
  });

  it('fails when the trigger started nothing', () => {
    const h = drHistory({ cycles: three() }).filter((e) => !(e.kind === 'op' && e.process === 'dr@backup' && e.f !== 'failover-trigger'));
    expect(judge(K, 'manual', h)).toMatchObject({ status: 'fail', summary: 'the trigger started no restore in backup', evidence: { stepsAfter: 0, before: [] } });
  });
});

describe('dr-admin-metadata', () => {
  const K = drAdminMetadata as CheckKind;
  const six = [0, 1, 2].flatMap((i) => [{ name: `app-${i}-boot` }, { name: `app-${i}-data` }]);

  it('decides DR-ADMIN-METADATA-REF after faults', () => {
    expect(drAdminMetadata.requirements).toEqual(['DR-ADMIN-METADATA-REF']);
    expect(drAdminMetadata.needs).toEqual({ faults: true });
  });

  it('skips other options and runs without a trigger; unknown when the promote never succeeded', () => {
    expect(judge(K, 'ref', { cycles: three() }, 'server-snapshot')).toEqual({ status: 'skip', summary: 'option server-snapshot restores new volumes from backups: no volume is handed over by the backend', evidence: {} });
    expect(judge(K, 'ref', { triggerAt: null }, 'replication')).toEqual({ status: 'skip', summary: 'no failover was triggered: no replica was promoted', evidence: {} });
    expect(judge(K, 'ref', { failStep: 'promote' }, 'replication')).toEqual({ status: 'unknown', summary: 'the replicas were never promoted: no volume to read back', evidence: {} });
  });

  it("passes with each volume's reference, path and read-back", () => {
    const r = judge(K, 'ref', {}, 'replication');
    expect(r.status).toBe('pass');
    expect((r.evidence['volumes'] as unknown[])[1]).toEqual({ name: 'app-0-data', backendRef: '{"source-name": "p1"}', backendPath: '/run/msh/volumes/p1', backendFileExists: true });
    expect(r.evidence['volumes']).toHaveLength(6);
  });

  it("judges the VNF's volumes only, by name", () => {
    const r = judge(K, 'ref', { promoted: [...six, { name: 'other-0-boot', ref: null }, { name: 'app0-x', ref: null }] }, 'replication');
    expect(r).toMatchObject({ status: 'pass', summary: 'all 6 promoted volumes keep their backend reference in admin metadata, each read back present' });
    const h = drHistory({ option: 'replication' }).map((e) =>
      e.kind === 'op' && e.f === 'promote' ? ({ ...e, value: { ...e.value, volumes: [...(e.value!['volumes'] as object[]), { name: 7 }, { id: 'x' }] } } as HistoryEvent) : e,
    );
    expect(judge(K, 'ref', h, 'replication').evidence['volumes']).toHaveLength(6);
  });

  it('an empty reference, or a promote without a volume list, fails', () => {
    expect(judge(K, 'ref', { promoted: six.map((v, k) => (k === 5 ? { ...v, ref: '' } : v)) }, 'replication')).toMatchObject({ status: 'fail', summary: '1 promoted volumes carry no backend reference in their admin metadata (first: app-2-data)' });
    const h = drHistory({ option: 'replication' }).map((e) => (e.kind === 'op' && e.f === 'promote' ? ({ ...e, value: { status: 202, volumes: 'six' } } as HistoryEvent) : e));
    expect(judge(K, 'ref', h, 'replication')).toEqual({ status: 'fail', summary: "0 of the VNF's 6 volumes were promoted", evidence: { volumes: [] } });
    const exists = (x: unknown) => drHistory({ option: 'replication' }).map((e) => (e.kind === 'op' && e.f === 'promote' ? ({ ...e, value: { ...e.value, volumes: (e.value!['volumes'] as object[]).map((v) => ({ ...v, backendFileExists: x })) } } as HistoryEvent) : e));
    expect(judge(K, 'ref', exists('yes'), 'replication')).toMatchObject({ status: 'fail', summary: "6 promoted volumes' backend reference names no object in the site (first: app-0-boot -> /run/msh/volumes/p0)" });
    const noMeta = drHistory({ option: 'replication' }).map((e) => (e.kind === 'op' && e.f === 'promote' ? ({ ...e, value: { ...e.value, volumes: (e.value!['volumes'] as object[]).map((v) => ({ ...v, adminMetadata: null })) } } as HistoryEvent) : e));
    expect(judge(K, 'ref', noMeta, 'replication')).toMatchObject({ status: 'fail', summary: '6 promoted volumes carry no backend reference in their admin metadata (first: app-0-boot)' });
    expect((judge(K, 'ref', noMeta, 'replication').evidence['volumes'] as unknown[])[0]).toEqual({ name: 'app-0-boot', backendRef: null, backendPath: null, backendFileExists: true });
  });

  it('takes the promote that succeeded, in the site restored in', () => {
    const h = drHistory({ option: 'replication' });
    const failedFirst = op(11_010, 'dr@backup', 'promote', { volumes: [] }, 'fail');
    const elsewhere = op(11_020, 'dr@third', 'promote', { volumes: [] });
    expect(judge(K, 'ref', sorted([...h, failedFirst, elsewhere]), 'replication').status).toBe('pass');
  });
});

/** One option-1 protection cycle built by hand: the runner's calls and the guests' freezes and thaws, at the times given. */
interface HandCycle {
  readonly cycle: number;
  readonly getVolumes?: readonly number[];
  readonly quiesce: readonly { member: number; t: number; started?: unknown; type?: OpType }[];
  readonly snapshot?: number;
  readonly unquiesce: readonly { member: number; t: number; type?: OpType }[];
  readonly freeze: readonly { member: number; t: number }[];
  readonly thaw: readonly { member: number; t: number }[];
}
function handCycle(c: HandCycle): HistoryEvent[] {
  const P = 'dr@primary';
  return [
    ...(c.getVolumes ?? []).map((t, i) => op(t, P, 'get-volumes', { cycle: c.cycle, member: i })),
    ...c.quiesce.map((q) => op(q.t, P, 'quiesce', { cycle: c.cycle, member: q.member, ...(q.started !== undefined ? { started: q.started } : {}) }, q.type ?? 'ok')),
    ...(c.snapshot !== undefined ? [op(c.snapshot, P, 'group-snapshot', { cycle: c.cycle })] : []),
    ...c.unquiesce.map((u) => op(u.t, P, 'unquiesce', { cycle: c.cycle, member: u.member }, u.type ?? 'ok')),
    ...c.freeze.map((f) => op(f.t, `guest@primary/app-${f.member}`, 'freeze', {})),
    ...c.thaw.map((f) => op(f.t, `guest@primary/app-${f.member}`, 'thaw', {})),
  ];
}
const m3 = (ts: readonly number[], extra: Record<string, unknown> = {}) => ts.map((t, member) => ({ member, t, ...extra }));
const rev3 = (ts: readonly number[]) => ts.map((t, k) => ({ member: 2 - k, t }));

describe('dr-quiesce-window', () => {
  const K = drQuiesceWindow as CheckKind;
  // Asked from 995, frozen 1000..1020, thawed 1050..1070, last unquiesce answered at 1072: held 70 ms, API 77 ms.
  const good = (o: Partial<HandCycle> = {}, cycle = 0) =>
    handCycle({ cycle, quiesce: [{ member: 0, t: 1001, started: 995 }, { member: 1, t: 1011 }, { member: 2, t: 1021 }], unquiesce: [{ member: 2, t: 1052 }, { member: 1, t: 1062 }, { member: 0, t: 1072 }], freeze: m3([1000, 1010, 1020]), thaw: rev3([1050, 1060, 1070]), ...o });

  it('decides DR-OPT1-FAST-SNAPSHOT and needs its faults proven (the loss excuses cycles)', () => {
    expect(drQuiesceWindow.requirements).toEqual(['DR-OPT1-FAST-SNAPSHOT']);
    expect(drQuiesceWindow.needs).toEqual({ faults: true });
  });

  it('measures first freeze to last thaw as the guests saw it, and the API calls around them', () => {
    expect(judge(K, 'window', sorted(good()))).toEqual({
      status: 'pass',
      summary: '1 cycles, VNF held at most 70 ms (limit 100 ms), measured by the guests',
      evidence: { limitMs: 100, windows: [{ cycle: 0, ms: 70, frozen: 3, thawed: 3, apiMs: 77 }], worstMs: 70, unmeasured: [] },
    });
  });

  it('the limit is inclusive, defaults to 1000 ms, and the worst cycle is reported', () => {
    const at = good({ thaw: rev3([1050, 1060, 1100]) });
    expect(judge(K, 'window', sorted(at))).toMatchObject({ status: 'pass', evidence: { worstMs: 100 } });
    const two = [...good({ thaw: rev3([1050, 1060, 1100.5]) }), ...good({ quiesce: [{ member: 0, t: 4001, started: 3995 }, { member: 1, t: 4011 }, { member: 2, t: 4021 }] }, 1).map((e) => (e.kind === 'op' && e.f === 'quiesce' ? e : ({ ...e, t: e.t + 3000 }) as HistoryEvent))];
    expect(judge(K, 'window', sorted(two))).toMatchObject({ status: 'fail', summary: '1 of 2 cycles held the VNF longer than 100 ms (worst 100.5 ms)', evidence: { worstMs: 100.5 } });
    expect(judge(K, 'window0', sorted(two))).toMatchObject({ status: 'pass', summary: '2 cycles, VNF held at most 100.5 ms (limit 1000 ms), measured by the guests', evidence: { limitMs: 1000 } });
  });

  it('the window opens when the first quiesce was asked (else answered): a freeze before it is not this cycle\'s', () => {
    // Without a start time the first quiesce's answer (1001) opens the window: VM 0's freeze at 1000 is outside.
    const noStart = good({ quiesce: [{ member: 0, t: 1001 }, { member: 1, t: 1011 }, { member: 2, t: 1021 }] });
    expect(judge(K, 'window', sorted(noStart))).toMatchObject({ status: 'unknown', summary: 'no cycle with every VM frozen and thawed by its guest: no window measured', evidence: { windows: [], worstMs: 0 } });
    const atStart = good({ quiesce: [{ member: 0, t: 1001, started: 1000 }, { member: 1, t: 1011 }, { member: 2, t: 1021 }] });
    expect(judge(K, 'window', sorted(atStart)).evidence['windows']).toEqual([{ cycle: 0, ms: 70, frozen: 3, thawed: 3, apiMs: 72 }]);
  });

  it('closes the freezes at the last unquiesce and the thaws a second after it', () => {
    const lateFreeze = good({ freeze: m3([1000, 1010, 1073]) });
    expect(judge(K, 'window', sorted(lateFreeze)).status).toBe('unknown');
    const freezeAtEnd = good({ freeze: m3([1000, 1010, 1072]) });
    expect(judge(K, 'window', sorted(freezeAtEnd)).evidence['windows']).toMatchObject([{ frozen: 3 }]);
    const thawAtLimit = good({ thaw: rev3([1050, 1060, 2072]) });
    expect(judge(K, 'window0', sorted(thawAtLimit))).toMatchObject({ status: 'fail', evidence: { windows: [{ ms: 1072, thawed: 3 }] } });
    // A guest still frozen a second after the last unquiesce was held at least until then (2072 - 1000).
    const thawLate = good({ thaw: rev3([1050, 1060, 2073]) });
    expect(judge(K, 'window', sorted(thawLate))).toMatchObject({
      status: 'fail',
      summary: '1 cycles left a VM frozen over 1 s after the last unquiesce: the VNF held at least 1072 ms (limit 100 ms)',
      evidence: { windows: [], unmeasured: [{ cycle: 0, frozen: 3, thawed: 2, atLeastMs: 1072 }] },
    });
    // Under the limit that lower bound says nothing: unknown.
    expect(judge(K, 'window2', sorted(thawLate))).toMatchObject({ status: 'unknown', summary: 'no cycle with every VM frozen and thawed by its guest: no window measured' });
    // The primary lost before the thaws were due: its guests could record nothing more; the cycle is not judged.
    expect(judge(K, 'window', sorted([...thawLate, ...fault({ kind: 'site-loss', site: 'primary' }, 2072)]))).toMatchObject({ status: 'unknown', evidence: { unmeasured: [] } });
    expect(judge(K, 'window', sorted([...thawLate, ...fault({ kind: 'site-loss', site: 'primary' }, 2073)])).status).toBe('fail');
  });

  it('a cycle the guests did not fully record makes a pass unknown, and one held too long fails, whatever the other cycles', () => {
    const next = (o: Partial<HandCycle> = {}) => good(o, 1).map((e) => (e.kind === 'op' && ['quiesce'].includes(e.f) ? e : ({ ...e, t: e.t + 3000 }) as HistoryEvent));
    const q1 = { quiesce: [{ member: 0, t: 4001, started: 3995 }, { member: 1, t: 4011 }, { member: 2, t: 4021 }] };
    const unrecorded = judge(K, 'window', sorted([...good(), ...next({ ...q1, freeze: m3([1000, 1010]) })]));
    expect(unrecorded).toMatchObject({ status: 'unknown', summary: 'cycle(s) 1 completed without every guest recording its freeze and thaw: their hold is not measured', evidence: { windows: [{ cycle: 0 }], unmeasured: [{ cycle: 1, frozen: 2, thawed: 3, atLeastMs: null }] } });
    const stuck = judge(K, 'window', sorted([...good(), ...next({ ...q1, thaw: rev3([1050, 1060]) })]));
    expect(stuck).toMatchObject({ status: 'fail', evidence: { unmeasured: [{ cycle: 1, thawed: 2, atLeastMs: 1072 }] } });
    // The longest lower bound is reported; one exactly at the limit is not over it.
    const both = judge(K, 'window', sorted([...good({ thaw: rev3([1050, 1060]), freeze: m3([1000, 1010, 1020]) }), ...next({ ...q1, thaw: rev3([1050, 1060]), freeze: m3([1030, 1040, 1050]) })]));
    expect(both.summary).toBe('2 cycles left a VM frozen over 1 s after the last unquiesce: the VNF held at least 1072 ms (limit 100 ms)');
    expect(both.evidence['unmeasured']).toMatchObject([{ cycle: 0, atLeastMs: 1072 }, { cycle: 1, atLeastMs: 1042 }]);
    expect(judge(K, 'window1072', sorted(good({ thaw: rev3([1050, 1060]) }))).status).toBe('unknown');
    // Nothing recorded by the guests at all: no lower bound either.
    const silent = judge(K, 'window', sorted(good({ freeze: [], thaw: [] })));
    expect(silent).toMatchObject({ status: 'unknown', evidence: { unmeasured: [{ cycle: 0, frozen: 0, thawed: 0, atLeastMs: null }] } });
  });

  it('a cycle cut short (a quiesce or unquiesce missing or failed) is left to the order check', () => {
    expect(judge(K, 'window', sorted(good({ quiesce: [{ member: 0, t: 1001, started: 995 }, { member: 1, t: 1011 }, { member: 2, t: 1021, type: 'fail' }] }))).status).toBe('unknown');
    expect(judge(K, 'window', sorted(good({ unquiesce: [{ member: 2, t: 1052 }, { member: 1, t: 1062 }] }))).status).toBe('unknown');
    expect(judge(K, 'window', sorted(good({ unquiesce: [{ member: 2, t: 1052 }, { member: 1, t: 1062 }, { member: 0, t: 1072, type: 'fail' }] }))).status).toBe('unknown');
  });

  it("a thaw at or after the window's start counts, not one before it", () => {
    const at = [...good(), op(995, 'guest@primary/app-0', 'thaw', {})];
    expect(judge(K, 'window', sorted(at)).evidence['windows']).toMatchObject([{ thawed: 4 }]);
    const before = [...good(), op(994, 'guest@primary/app-0', 'thaw', {})];
    expect(judge(K, 'window', sorted(before)).evidence['windows']).toMatchObject([{ thawed: 3 }]);
  });

  it("only the primary's guests count", () => {
    const h = good({ freeze: m3([1000, 1010]) });
    const elsewhere = op(1015, 'guest@backup/app-2', 'freeze', {});
    expect(judge(K, 'window', sorted([...h, elsewhere])).status).toBe('unknown');
  });

  it('skips the other options; fails when told not to quiesce', () => {
    expect(judge(K, 'window', [], 'server-snapshot')).toEqual({ status: 'skip', summary: 'option server-snapshot does not quiesce the VMs as a group', evidence: {} });
    expect(judge(K, 'window', sorted(good()), 'quiesce-group-snapshot', ', quiesce: false')).toEqual({ status: 'fail', summary: 'the runner took its snapshots without quiescing the VMs (dr.quiesce: false)', evidence: { limitMs: 100 } });
  });
});

describe('dr-quiesce-order', () => {
  const K = drQuiesceOrder as CheckKind;
  // Volumes got at 990..992; VM k asked at 995 + 10k, answered 6 ms later, frozen 5 ms after the ask; snapshot at 1030; unquiesced 2,1,0 answered at 1042..1062, thawed 2 ms before.
  const good = (o: Partial<HandCycle> = {}) =>
    handCycle({
      cycle: 0,
      getVolumes: [990, 991, 992],
      quiesce: [0, 1, 2].map((member) => ({ member, t: 1001 + 10 * member, started: 995 + 10 * member })),
      snapshot: 1030,
      unquiesce: [2, 1, 0].map((member, k) => ({ member, t: 1042 + 10 * k })),
      freeze: [0, 1, 2].map((member) => ({ member, t: 1000 + 10 * member })),
      thaw: [2, 1, 0].map((member, k) => ({ member, t: 1040 + 10 * k })),
      ...o,
    });

  it('decides the three option-1 requirements and needs nothing', () => {
    expect(drQuiesceOrder.requirements).toEqual(['DR-OPT1-QUIESCE-ORDER', 'DR-OPT1-UNQUIESCE-REVERSE', 'DR-OPT1-VOLUMES-FROM-COMPUTE']);
    expect(drQuiesceOrder.needs).toEqual({});
  });

  it('passes a cycle done right, with what it saw', () => {
    expect(judge(K, 'order', sorted(good()))).toEqual({
      status: 'pass',
      summary: '1 cycles: volumes from compute, quiesced 0,1,2 (each guest frozen before the next), unquiesced 2,1,0',
      evidence: { desired: [0, 1, 2], cycles: [{ cycle: 0, quiesced: [0, 1, 2], unquiesced: [2, 1, 0], guestFroze: [0, 1, 2], guestThawed: [2, 1, 0], volumesFromCompute: 3 }] },
    });
  });

  it('takes the desired order from the check', () => {
    const h = good({
      quiesce: [2, 0, 1].map((member, k) => ({ member, t: 1001 + 10 * k, started: 995 + 10 * k })),
      unquiesce: [1, 0, 2].map((member, k) => ({ member, t: 1042 + 10 * k })),
      freeze: [2, 0, 1].map((member, k) => ({ member, t: 1000 + 10 * k })),
      thaw: [1, 0, 2].map((member, k) => ({ member, t: 1040 + 10 * k })),
    });
    expect(judge(K, 'order201', sorted(h))).toMatchObject({ status: 'pass', summary: '1 cycles: volumes from compute, quiesced 2,0,1 (each guest frozen before the next), unquiesced 1,0,2', evidence: { desired: [2, 0, 1] } });
    expect(judge(K, 'order', sorted(h))).toMatchObject({ status: 'fail', summary: 'cycle 0: quiesced 2,0,1, the desired order is 0,1,2' });
  });

  it('volumes got from compute count up to the first quiesce answer, inclusive', () => {
    expect(judge(K, 'order', sorted(good({ getVolumes: [990, 991, 1001] }))).status).toBe('pass');
    expect(judge(K, 'order', sorted(good({ getVolumes: [990, 991, 1002] })))).toMatchObject({ status: 'fail', summary: 'cycle 0: volumes of 2 of 3 VMs were got from compute before quiescing', evidence: { problems: ['cycle 0: volumes of 2 of 3 VMs were got from compute before quiescing'] } });
  });

  it('a VM frozen only after the next one was asked fails; the ask is when it was sent, else answered', () => {
    const late = good({ freeze: [{ member: 0, t: 1006 }, { member: 1, t: 1012 }, { member: 2, t: 1020 }] });
    expect(judge(K, 'order', sorted(late))).toMatchObject({ status: 'fail', summary: 'cycle 0: VM 0 froze after VM 1 was asked to quiesce', evidence: { problems: ['cycle 0: VM 0 froze after VM 1 was asked to quiesce'] } });
    const atAsk = good({ freeze: [{ member: 0, t: 1005 }, { member: 1, t: 1012 }, { member: 2, t: 1020 }] });
    expect(judge(K, 'order', sorted(atAsk)).status).toBe('pass');
    const unsent = good({ quiesce: [{ member: 0, t: 1001, started: 995 }, { member: 1, t: 1011 }, { member: 2, t: 1021 }], freeze: [{ member: 0, t: 1006 }, { member: 1, t: 1012 }, { member: 2, t: 1020 }] });
    expect(judge(K, 'order', sorted(unsent)).status).toBe('pass');
  });

  it('the freezes are those from the first ask (else answer) to the snapshot, the thaws up to a second after the last unquiesce', () => {
    // Without a start time, the first answer (1001) opens the window: VM 0's freeze at 1000 is not seen.
    const noStart = good({ quiesce: [0, 1, 2].map((member) => ({ member, t: 1001 + 10 * member })) });
    expect(judge(K, 'order', sorted(noStart))).toMatchObject({ status: 'fail', summary: 'cycle 0: the guests froze in the order 1,2, not 0,1,2' });
    expect(judge(K, 'order', sorted(good({ freeze: [0, 1, 2].map((member) => ({ member, t: 1010 + 10 * member })) }))).evidence['cycles']).toMatchObject([{ guestFroze: [0, 1, 2] }]);
    expect(judge(K, 'order', sorted(good({ freeze: [0, 1, 2].map((member) => ({ member, t: 1011 + 10 * member })) }))).summary).toBe('cycle 0: the guests froze in the order 0,1, not 0,1,2');
    expect(judge(K, 'order', sorted(good({ thaw: [{ member: 2, t: 1030 }, { member: 1, t: 1050 }, { member: 0, t: 2062 }] }))).status).toBe('pass');
    expect(judge(K, 'order', sorted(good({ thaw: [{ member: 2, t: 1029 }, { member: 1, t: 1050 }, { member: 0, t: 2063 }] })))).toMatchObject({ status: 'fail', summary: 'cycle 0: the guests thawed in the order 1, not 2,1,0' });
  });

  it('a cycle with a snapshot and no quiesce at all: no VM quiesced or unquiesced, no guest frozen', () => {
    const bare = good({ quiesce: [], unquiesce: [], freeze: [], thaw: [], getVolumes: [1029, 1030, 1031] });
    const r = judge(K, 'order', sorted(bare));
    expect(r.status).toBe('fail');
    expect(r.evidence['problems']).toEqual([
      'cycle 0: volumes of 2 of 3 VMs were got from compute before quiescing',
      'cycle 0: quiesced no VM, the desired order is 0,1,2',
      'cycle 0: unquiesced no VM, the reverse of the desired order is 2,1,0',
    ]);
    const unfrozen = judge(K, 'order', sorted(good({ freeze: [], thaw: [] })));
    expect(unfrozen.evidence['problems']).toEqual(['cycle 0: the guests froze in the order (none), not 0,1,2', 'cycle 0: the guests thawed in the order (none), not 2,1,0']);
    // The thaws of a cycle without unquiesce are looked for from the snapshot to a second after it.
    const noUnq = judge(K, 'order', sorted(good({ unquiesce: [], thaw: [{ member: 2, t: 2030 }, { member: 1, t: 2031 }] })));
    expect(noUnq.evidence['cycles']).toMatchObject([{ unquiesced: [], guestThawed: [2] }]);
  });

  it('counts only answered calls, and a member that is not a number as -1', () => {
    const failed = good({ quiesce: [0, 1, 2].map((member) => ({ member, t: 1001 + 10 * member, started: 995 + 10 * member, type: member === 1 ? ('fail' as const) : ('ok' as const) })) });
    expect(judge(K, 'order', sorted(failed)).summary).toBe('cycle 0: quiesced 0,2, the desired order is 0,1,2');
    const odd = sorted(good()).map((e) => (e.kind === 'op' && e.f === 'unquiesce' && e.value!['member'] === 0 ? ({ ...e, value: { ...e.value, member: 'zero' } } as HistoryEvent) : e));
    expect(judge(K, 'order', odd).summary).toBe('cycle 0: unquiesced 2,1,-1, the reverse of the desired order is 2,1,0');
    const unsnapped = good({ snapshot: undefined });
    const failedSnap = [...unsnapped, op(1030, 'dr@primary', 'group-snapshot', { cycle: 0 }, 'fail')];
    expect(judge(K, 'order', sorted(failedSnap))).toEqual({ status: 'unknown', summary: 'no protection cycle reached its group snapshot: nothing to judge', evidence: { desired: [0, 1, 2], cycles: [] } });
  });

  it('a freeze at the very ask counts; each VM is held before the next by its own freeze', () => {
    expect(judge(K, 'order', sorted(good({ freeze: [{ member: 0, t: 995 }, { member: 1, t: 1010 }, { member: 2, t: 1020 }] }))).evidence['cycles']).toMatchObject([{ guestFroze: [0, 1, 2] }]);
    const late1 = good({ freeze: [{ member: 0, t: 1000 }, { member: 1, t: 1016 }, { member: 2, t: 1020 }] });
    expect(judge(K, 'order', sorted(late1))).toMatchObject({ status: 'fail', summary: 'cycle 0: VM 1 froze after VM 2 was asked to quiesce' });
  });

  it('a quiesce without a value is in no cycle; one without a member is VM -1, without a start time answered when asked', () => {
    const h = edit(sorted(good()), isF('quiesce', (v) => v['member'] === 0), (_v, e) => ({ t: e.t, kind: 'op', process: e.process, type: 'ok', f: 'quiesce' }) as HistoryEvent);
    // It belongs to no cycle: the cycle saw two quiesces, from VM 1's.
    expect(judge(K, 'order', h).summary).toBe('cycle 0: quiesced 1,2, the desired order is 0,1,2');
    const first = [...sorted(good()), op(994, 'dr@primary', 'quiesce', { cycle: 0 })];
    expect(judge(K, 'order', sorted(first))).toMatchObject({ status: 'fail', summary: 'cycle 0: quiesced -1,0,1,2, the desired order is 0,1,2', evidence: { cycles: [{ guestFroze: [0, 1, 2] }] } });
  });

  it('skips the other options', () => {
    expect(judge(K, 'order', [], 'replication')).toEqual({ status: 'skip', summary: 'option replication does not quiesce the VMs as a group', evidence: {} });
  });
});

/** Replace the value of the ops matching `pick` (null: drop them). */
const edit = (h: HistoryEvent[], pick: (e: HistoryEvent & { kind: 'op' }) => boolean, to: (v: Record<string, unknown>, e: HistoryEvent & { kind: 'op' }) => Record<string, unknown> | HistoryEvent | null): HistoryEvent[] =>
  h.flatMap((e) => {
    if (e.kind !== 'op' || !pick(e)) return [e];
    const r = to(e.value ?? {}, e);
    if (r === null) return [];
    return ['kind' in r && 'process' in r ? (r as HistoryEvent) : ({ ...e, value: r } as HistoryEvent)];
  });
const isF = (f: string, pred: (v: Record<string, unknown>) => boolean = () => true) => (e: HistoryEvent & { kind: 'op' }) => e.f === f && pred(e.value ?? {});

describe('dr-server-snapshot', () => {
  const K = drServerSnapshot as CheckKind;
  const S = 'server-snapshot' as const;
  const base = () => drHistory({ cycles: three(), option: S });
  const c0m1 = (v: Record<string, unknown>) => v['cycle'] === 0 && v['member'] === 1;

  it('decides DR-OPT2-SERVER-SNAPSHOT and DR-OPT2-IMAGE-CLEANUP, needs its faults proven (the loss excuses cycles)', () => {
    expect(drServerSnapshot.requirements).toEqual(['DR-OPT2-SERVER-SNAPSHOT', 'DR-OPT2-IMAGE-CLEANUP']);
    expect(drServerSnapshot.needs).toEqual({ faults: true });
  });

  it('passes with a row per VM and cycle', () => {
    const r = judge(K, 'snaps', base(), S);
    expect(r.status).toBe('pass');
    expect(r.summary).toBe('9 compute snapshots: each VM frozen by compute, its volume snapshots in the image, volumes made from them, the image deleted (read back 404)');
    expect((r.evidence['snapshots'] as unknown[])[4]).toEqual({ cycle: 1, member: 1, image: 'img1-1', snapshots: 2, volumesMade: 2, frozeInCall: true, deleted: 404 });
    expect(r.evidence['cutShortByLoss']).toEqual([]);
  });

  it('a guest frozen outside its compute call fails; the call runs from its start (else its answer) to its answer, inclusive', () => {
    // The model: VM 1 of cycle 0 frozen at 1035, its call sent at 1032 and answered at 1060.
    const freezeAt = (t: number) => edit(base(), (e) => e.f === 'freeze' && e.process === 'guest@primary/app-1' && e.t === 1035, (_v, e) => ({ ...e, t }) as HistoryEvent);
    expect(judge(K, 'snaps', sorted(freezeAt(1032)), S).status).toBe('pass');
    expect(judge(K, 'snaps', sorted(freezeAt(1060)), S).status).toBe('pass');
    expect(judge(K, 'snaps', sorted(freezeAt(1031)), S)).toMatchObject({ status: 'fail', summary: "cycle 0: VM 1's guest was not frozen during its compute snapshot" });
    expect(judge(K, 'snaps', sorted(freezeAt(1061)), S).status).toBe('fail');
    const unstarted = edit(base(), isF('server-snapshot', c0m1), (v) => ({ ...v, started: null }));
    const r = judge(K, 'snaps', unstarted, S);
    expect(r).toMatchObject({ status: 'fail', summary: "cycle 0: VM 1's guest was not frozen during its compute snapshot" });
    expect((r.evidence['snapshots'] as unknown[])[1]).toMatchObject({ member: 1, frozeInCall: false });
    // Another VM's freeze is not this one's.
    const other = edit(base(), (e) => e.f === 'freeze' && e.process === 'guest@primary/app-1' && e.t === 1035, (_v, e) => ({ ...e, process: 'guest@primary/app-2' }) as HistoryEvent);
    expect(judge(K, 'snaps', sorted(other), S).summary).toBe("cycle 0: VM 1's guest was not frozen during its compute snapshot");
  });

  it("an image must list two volume snapshots, each made into a volume", () => {
    const one = edit(base(), isF('server-snapshot', c0m1), (v) => ({ ...v, snapshots: ['s0-1-b'] }));
    expect(judge(K, 'snaps', one, S)).toMatchObject({ status: 'fail', summary: "cycle 0: VM 1's image lists 1 volume snapshots, not its boot and data volumes" });
    const none = edit(base(), isF('server-snapshot', c0m1), (v) => ({ ...v, snapshots: 's0-1-b' }));
    expect(judge(K, 'snaps', none, S).summary).toBe("cycle 0: VM 1's image lists 0 volume snapshots, not its boot and data volumes");
    const unmade = edit(base(), isF('volume-from-snapshot', (v) => v['snapshot'] === 's0-1-d'), () => null);
    expect(judge(K, 'snaps', unmade, S)).toMatchObject({ status: 'fail', summary: "cycle 0: 1 of 2 of VM 1's snapshots became volumes" });
    const failedMake = edit(base(), isF('volume-from-snapshot', (v) => v['snapshot'] === 's0-1-d'), (_v, e) => ({ ...e, type: 'fail' }) as HistoryEvent);
    expect(judge(K, 'snaps', failedMake, S).summary).toBe("cycle 0: 1 of 2 of VM 1's snapshots became volumes");
  });

  it('each temporary image deleted, answered, and read back 404', () => {
    const kept = edit(base(), isF('image-delete', (v) => v['image'] === 'img0-1'), () => null);
    const r = judge(K, 'snaps', kept, S);
    expect(r).toMatchObject({ status: 'fail', summary: "cycle 0: VM 1's temporary image img0-1 was not deleted (read back never)" });
    expect((r.evidence['snapshots'] as unknown[])[1]).toMatchObject({ deleted: null });
    expect(r.evidence['problems']).toEqual(["cycle 0: VM 1's temporary image img0-1 was not deleted (read back never)"]);
    const refused = edit(base(), isF('image-delete', (v) => v['image'] === 'img0-1'), (_v, e) => ({ ...e, type: 'fail' }) as HistoryEvent);
    expect(judge(K, 'snaps', refused, S)).toMatchObject({ status: 'fail', summary: "cycle 0: VM 1's temporary image img0-1 was not deleted (read back 404)" });
    expect((judge(K, 'snaps', refused, S).evidence['snapshots'] as unknown[])[1]).toMatchObject({ deleted: null });
  });

  it('a cycle with a VM not snapshotted fails', () => {
    const missing = edit(base(), isF('server-snapshot', c0m1), () => null);
    expect(judge(K, 'snaps', missing, S)).toMatchObject({ status: 'fail', summary: 'cycle 0: 2 of 3 VMs were snapshotted through compute' });
    const failed = edit(base(), isF('server-snapshot', c0m1), (_v, e) => ({ ...e, type: 'fail' }) as HistoryEvent);
    expect(judge(K, 'snaps', failed, S).summary).toBe('cycle 0: 2 of 3 VMs were snapshotted through compute');
  });

  it("only a failure at or after the primary's loss cuts a cycle short", () => {
    const kept = drHistory({ cycles: [{}, {}, { backupFails: true }], lossAt: null, option: S });
    expect(judge(K, 'snaps', kept, S)).toMatchObject({ status: 'pass', evidence: { cutShortByLoss: [] } });
    expect(judge(K, 'snaps', kept, S).evidence['snapshots']).toHaveLength(9);
    const h = drHistory({ cycles: three(), option: S });
    const atLoss = op(10_003, 'dr@primary', 'backup', { cycle: 1 }, 'fail'); // the first death at 10 003 ms
    expect(judge(K, 'snaps', sorted([...h, atLoss]), S)).toMatchObject({ status: 'pass', evidence: { cutShortByLoss: [1] } });
    expect(judge(K, 'snaps', sorted([...h, { ...atLoss, t: 10_002 } as HistoryEvent]), S)).toMatchObject({ status: 'pass', evidence: { cutShortByLoss: [] } });
    expect(judge(K, 'snaps', sorted([...h, { ...atLoss, type: 'ok' } as HistoryEvent]), S)).toMatchObject({ status: 'pass', evidence: { cutShortByLoss: [] } });
    // A failure before the loss is the cycle's own: a later one does not excuse it.
    const before = op(9_000, 'dr@primary', 'backup', { cycle: 1 }, 'fail');
    expect(judge(K, 'snaps', sorted([...h, before, atLoss]), S)).toMatchObject({ evidence: { cutShortByLoss: [] } });
    const lostSnap = edit(sorted([...h, atLoss]), isF('server-snapshot', (v) => v['cycle'] === 1 && v['member'] === 1), (_v, e) => ({ ...e, type: 'fail', t: 9_000 }) as HistoryEvent);
    expect(judge(K, 'snaps', lostSnap, S)).toMatchObject({ status: 'fail', summary: 'cycle 1: 2 of 3 VMs were snapshotted through compute', evidence: { cutShortByLoss: [] } });
  });

  it('unknown with no cycle; skips the other options', () => {
    expect(judge(K, 'snaps', { cycles: [], triggerAt: null }, S)).toEqual({ status: 'unknown', summary: 'no cycle snapshotted every VM before the primary was lost: nothing to judge', evidence: { snapshots: [], cutShortByLoss: [] } });
    expect(judge(K, 'snaps', { cycles: three() }, 'quiesce-group-snapshot')).toEqual({ status: 'skip', summary: 'option quiesce-group-snapshot takes no compute snapshots', evidence: {} });
  });
});

describe('dr-incremental-backup', () => {
  const K = drIncrementalBackup as CheckKind;
  // Three cycles of 3 VMs x 2 volumes: 6 full (128 blocks), 12 incremental (3 blocks) = 804 of 2304 blocks.
  const BOUND = Math.round((804 * 32 * 1024 + 18 * 64 * 1024) * 1.15);
  const withWire = (flows: Parameters<typeof wanCapture>[0], m: DrModel = { cycles: three() }) => [...drHistory({ ...m, wireBytes: null }), wanCapture(flows)];

  it('decides DR-INCREMENTAL-BACKUP on a capture, on the Swift port', () => {
    expect(drIncrementalBackup.requirements).toEqual(['DR-INCREMENTAL-BACKUP']);
    expect(drIncrementalBackup.needs).toEqual({ capture: true });
    expect(SWIFT_PORT).toBe(8080);
  });

  it('passes with the blocks, the bytes on the wire and the bound', () => {
    const r = judge(K, 'incremental', { cycles: three(), wireBytes: 500_000 });
    expect(r.summary).toBe(`18 backups (12 incremental) sent 804 of 2304 blocks; 488.3 KiB crossed the WAN (bound ${Math.round((BOUND / 1024) * 10) / 10} KiB)`);
    expect(r.evidence).toMatchObject({ changedBlocks: 804, totalBlocks: 2304, wireBytes: 500_000, boundBytes: BOUND, fullBackupsWouldBe: 2304 * 32 * 1024 });
    expect((r.evidence['backups'] as unknown[])[7]).toEqual({ cycle: 1, volume: '0/data', incremental: true, changedBlocks: 3, totalBlocks: 128, bytesSent: 1000 });
  });

  it('the bound is inclusive; only TCP to the Swift port counts, summed over flows', () => {
    expect(judge(K, 'incremental', withWire([{ proto: 6, port: 8080, packets: 10, bytes: BOUND }])).status).toBe('pass');
    const over = judge(K, 'incremental', withWire([{ proto: 6, port: 8080, packets: 10, bytes: BOUND - 10 }, { proto: 6, port: 8080, packets: 1, bytes: 11 }]));
    expect(over).toMatchObject({ status: 'fail', summary: `${BOUND + 1} bytes crossed to the object store for 804 changed blocks of 18 backups: more than the ${BOUND}-byte bound`, evidence: { wireBytes: BOUND + 1 } });
    const others = judge(K, 'incremental', withWire([{ proto: 17, port: 8080, packets: 10, bytes: 10 * BOUND }, { proto: 6, port: 8081, packets: 10, bytes: 10 * BOUND }, { proto: 6, port: 8080, packets: 5, bytes: 777 }]));
    expect(others).toMatchObject({ status: 'pass', evidence: { wireBytes: 777 } });
    expect(judge(K, 'incremental', withWire([{ proto: 17, port: 8080, packets: 10 }]))).toMatchObject({ status: 'unknown', summary: 'no packet to the object store (TCP 8080) crossed the WAN capture, though 18 backups completed', evidence: { wireBytes: 0, changedBlocks: 804 } });
  });

  it("a volume's first backup may be full; every later one must be incremental (listing three)", () => {
    const r = judge(K, 'incremental', { cycles: [{ incremental: true }, { incremental: false }, {}] });
    expect(r).toMatchObject({ status: 'fail', summary: "6 backups after a volume's first were full, not incremental: 0/boot (cycle 1), 0/data (cycle 1), 1/boot (cycle 1)" });
    expect(r.evidence).toEqual({ backups: expect.any(Array) });
    expect(judge(K, 'incremental', { cycles: [{ incremental: false }, {}, {}], wireBytes: 500_000 }).status).toBe('pass');
    const notTrue = edit(drHistory({ cycles: three() }), isF('backup', (v) => v['cycle'] === 2 && v['member'] === 2 && v['role'] === 'data'), (v) => ({ ...v, isIncremental: 'yes' }));
    expect(judge(K, 'incremental', notTrue).summary).toBe("1 backups after a volume's first were full, not incremental: 2/data (cycle 2)");
  });

  it('counts the completed backups of the primary only', () => {
    const h = drHistory({ cycles: three() });
    const extra = [op(5000, 'dr@primary', 'backup', { cycle: 9, member: 0, role: 'boot', isIncremental: false }, 'fail'), op(5000, 'dr@backup', 'backup', { cycle: 9, member: 0, role: 'boot', isIncremental: false })];
    expect(judge(K, 'incremental', sorted([...h, ...extra])).status).toBe('pass');
    expect(judge(K, 'incremental', { cycles: [{ backupFails: true }] })).toEqual({ status: 'unknown', summary: 'no backup completed: nothing to judge', evidence: {} });
  });

  it('is unknown when a backup did not say how many blocks it changed or held, or without a usable capture', () => {
    const noChanged = edit(drHistory({ cycles: three() }), isF('backup', (v) => v['cycle'] === 1 && v['member'] === 0 && v['role'] === 'boot'), (v) => ({ ...v, changedBlocks: 'many' }));
    expect(judge(K, 'incremental', noChanged)).toMatchObject({ status: 'unknown', summary: '1 backups did not report the blocks they changed' });
    expect(judge(K, 'incremental', noChanged).evidence).toEqual({ backups: expect.any(Array) });
    const noTotal = edit(drHistory({ cycles: three() }), isF('backup', (v) => v['cycle'] === 1 && v['member'] === 0 && v['role'] === 'boot'), (v) => ({ ...v, totalBlocks: undefined }));
    expect(judge(K, 'incremental', noTotal).status).toBe('unknown');
    expect(judge(K, 'incremental', { cycles: three(), wireBytes: null })).toMatchObject({ status: 'unknown', summary: 'no capture of the WAN was taken' });
  });

  it('judges option 2 too; skips replication', () => {
    expect(judge(K, 'incremental', { cycles: three(), wireBytes: 500_000 }, 'server-snapshot')).toMatchObject({ status: 'pass', evidence: { changedBlocks: 804 } });
    expect(judge(K, 'incremental', {}, 'replication')).toEqual({ status: 'skip', summary: 'option replication takes no backups', evidence: {} });
  });
});

describe('dr-restore', () => {
  const K = drRestore as CheckKind;
  const base = (m: DrModel = {}) => drHistory({ cycles: three(), ...m });
  const backupOf = (cycle: number, member: number, role: string) => isF('backup', (v) => v['cycle'] === cycle && v['member'] === member && v['role'] === role);
  const inBackup = (f: string, pred: (v: Record<string, unknown>) => boolean = () => true) => (e: HistoryEvent & { kind: 'op' }) => e.process === 'dr@backup' && isF(f, pred)(e);

  it('decides the five restore requirements after faults', () => {
    expect(drRestore.requirements).toEqual(['DR-BOOT-VOLUME-RESTORABLE', 'DR-DATA-VOLUMES-RESTORABLE', 'DR-RESTORE-BACKUP-SITE', 'DR-BOOT-ATTACH', 'DR-OPT3-PROMOTE']);
    expect(drRestore.needs).toEqual({ faults: true });
  });

  it('passes with what each VM was rebuilt from and when the VNF served', () => {
    const r = judge(K, 'restore', base());
    expect(r.status).toBe('pass');
    expect(r.summary).toBe("3 VMs rebuilt in backup from backups restored from the backup site's object store, booted from their restored boot volumes, data attached; serving 900 ms after the trigger");
    expect(r.evidence).toMatchObject({ site: 'backup', option: 'quiesce-group-snapshot', restorePoint: 2, restoredSeqs: [137, 137, 137], servingAt: 11_900, triggerToServingMs: 900, firstSeq: 138 });
    expect((r.evidence['members'] as unknown[])[1]).toEqual({ member: 1, restored: [{ role: 'boot', backup: 'app-1-boot-c2' }, { role: 'data', backup: 'app-1-data-c2' }], bootVolume: 'r1boot', dataVolume: 'r1data', configSource: 'boot-volume', dataSeq: 0 });
    const repl = judge(K, 'restore', { servingAfter: 1234 }, 'replication');
    expect(repl.summary).toBe('3 VMs rebuilt in backup from promoted replicas, booted from their restored boot volumes, data attached; serving 1234 ms after the trigger');
    expect(repl.evidence['promote']).toMatchObject({ status: 202 });
  });

  it("a failed step fails the restore, with the backend's error", () => {
    const h = edit(base(), inBackup('boot', (v) => v['member'] === 1), (v, e) => ({ ...e, type: 'fail', value: { ...v, error: 'no valid host' } }) as HistoryEvent);
    const r = judge(K, 'restore', h);
    expect(r).toMatchObject({ status: 'fail', summary: 'boot failed in backup: no valid host' });
    expect(r.evidence['failed']).toEqual([{ step: 'boot', started: expect.any(Number), ms: 2, member: 1, bootVolume: 'r1boot', server: 'srv1', error: 'no valid host' }]);
    const silent = edit(base(), inBackup('attach', (v) => v['member'] === 2), (_v, e) => ({ ...e, type: 'fail' }) as HistoryEvent);
    expect(judge(K, 'restore', silent).summary).toBe('attach failed in backup: ');
    // A step failed in another site is not this restore's.
    const elsewhere = [...base(), op(11_500, 'dr@third', 'boot', { member: 0, error: 'x' }, 'fail')];
    expect(judge(K, 'restore', sorted(elsewhere)).status).toBe('pass');
  });

  it('the restore point is the newest cycle whose every protected backup completed strictly before the trigger', () => {
    const atTrigger = edit(base(), backupOf(2, 2, 'data'), (_v, e) => ({ ...e, t: 11_000 }) as HistoryEvent);
    expect(judge(K, 'restore', sorted(atTrigger))).toMatchObject({ status: 'fail', summary: 'VM 0: its boot volume was restored from app-0-boot-c2, not from cycle 1, the newest whose backups all completed', evidence: { restorePoint: 1 } });
    const before = edit(base(), backupOf(2, 2, 'data'), (_v, e) => ({ ...e, t: 10_999 }) as HistoryEvent);
    expect(judge(K, 'restore', sorted(before))).toMatchObject({ status: 'pass', evidence: { restorePoint: 2 } });
    const failed = edit(base(), backupOf(2, 0, 'boot'), (_v, e) => ({ ...e, type: 'fail' }) as HistoryEvent);
    expect(judge(K, 'restore', failed).evidence['restorePoint']).toBe(1);
    const missing = edit(base(), backupOf(2, 1, 'data'), () => null);
    expect(judge(K, 'restore', missing).evidence['restorePoint']).toBe(1);
    const otherSite = edit(base(), backupOf(2, 1, 'data'), (_v, e) => ({ ...e, process: 'dr@backup' }) as HistoryEvent);
    expect(judge(K, 'restore', otherSite).evidence['restorePoint']).toBe(1);
    const unnumbered = edit(base(), isF('backup', (v) => v['cycle'] === 2), (v) => ({ ...v, cycle: 'two' }));
    expect(judge(K, 'restore', unnumbered).evidence['restorePoint']).toBe(1);
    // Only the protected volumes need a backup.
    const bootOnly = edit(base(), isF('backup', (v) => v['cycle'] === 2 && v['role'] === 'data'), () => null);
    expect(judge(K, 'restore', bootOnly, 'quiesce-group-snapshot', ', volumes: [boot]').evidence['restorePoint']).toBe(2);
    expect(judge(K, 'restore', bootOnly).evidence['restorePoint']).toBe(1);
  });

  it('with no complete cycle, a restored volume has no point to come from', () => {
    const r = judge(K, 'restore', { cycles: [{ backupFails: true }] });
    expect(r).toMatchObject({ status: 'fail', summary: 'VM 0: its boot volume was restored, but no protection cycle completed every backup before the trigger', evidence: { restorePoint: null } });
    expect(r.evidence['problems']).toHaveLength(6);
  });

  it("each VM's boot and data volumes restored, booted from, its guest started from the boot volume, data attached and read", () => {
    const noData = edit(base(), inBackup('restore', (v) => v['member'] === 1 && v['role'] === 'data'), () => null);
    expect(judge(K, 'restore', noData)).toMatchObject({ status: 'fail', summary: 'VM 1: its data volume was not restored from a backup in backup', evidence: { problems: ['VM 1: its data volume was not restored from a backup in backup'] } });
    const strMember = edit(base(), inBackup('restore', (v) => v['member'] === 1 && v['role'] === 'boot'), (v) => ({ ...v, member: '1' }));
    expect(judge(K, 'restore', strMember).summary).toBe('VM 1: its boot volume was not restored from a backup in backup');
    const noBoot = edit(base(), inBackup('boot', (v) => v['member'] === 2), () => null);
    expect(judge(K, 'restore', noBoot).evidence['problems']).toEqual(['VM 2 was not booted in backup']);
    const noStart = edit(base(), (e) => e.process === 'guest@backup/app-2' && e.f === 'start', () => null);
    expect(judge(K, 'restore', noStart).evidence['problems']).toEqual(["VM 2's guest never started in backup"]);
    const unsaid = edit(base(), (e) => e.process === 'guest@backup/app-2' && e.f === 'start', (v) => ({ ...v, from: undefined }));
    expect(judge(K, 'restore', unsaid).evidence['problems']).toEqual(["VM 2's guest took its configuration from nowhere, not from its restored boot volume"]);
    const noAttach = edit(base(), inBackup('attach', (v) => v['member'] === 0), () => null);
    expect(judge(K, 'restore', noAttach).evidence['problems']).toEqual(["VM 0's restored data volume was not attached and read in backup"]);
    const unread = edit(base(), (e) => e.process === 'guest@backup/app-0' && e.f === 'attach', () => null);
    expect(judge(K, 'restore', unread).evidence['problems']).toEqual(["VM 0's restored data volume was not attached and read in backup"]);
  });

  it('replication needs the promote, not restores; the VNF must serve again', () => {
    expect(judge(K, 'restore', edit(drHistory({ option: 'replication' }), isF('promote'), () => null), 'replication')).toMatchObject({ status: 'fail', summary: 'the replicas in backup were never promoted', evidence: { promote: null } });
    expect(judge(K, 'restore', { servingAfter: null }, 'replication')).toMatchObject({ status: 'fail', summary: 'the VNF never committed a transaction in backup after the restore' });
    expect(judge(K, 'restore', { restored: null }, 'replication')).toMatchObject({ status: 'fail', evidence: { restoredSeqs: null } });
  });

  it('skips without a trigger', () => {
    expect(judge(K, 'restore', base({ triggerAt: null }))).toEqual({ status: 'skip', summary: 'no failover was triggered: nothing was restored to judge', evidence: {} });
  });
});

// Events the checkers must read without tripping: a step of unknown outcome
// is not a success, and an op recorded without a value says nothing (read as
// missing, never a crash).
describe('DR checkers on odd events', () => {
  const bare = (t: number, process: string, f: string, type: OpType = 'ok'): HistoryEvent => ({ t, kind: 'op', process, type, f });

  it('dr-restore: a restore, boot, attach or promote of unknown outcome did not happen', () => {
    const info = (f: string, member?: number) => edit(drHistory({ cycles: three() }), (e) => e.process === 'dr@backup' && e.f === f && (member === undefined || e.value?.['member'] === member), (_v, e) => ({ ...e, type: 'info' }) as HistoryEvent);
    expect(judge(drRestore as CheckKind, 'restore', info('restore', 1)).summary).toBe('VM 1: its boot volume was not restored from a backup in backup');
    expect(judge(drRestore as CheckKind, 'restore', info('boot', 1)).summary).toBe('VM 1 was not booted in backup');
    expect(judge(drRestore as CheckKind, 'restore', info('attach', 1)).summary).toBe("VM 1's restored data volume was not attached and read in backup");
    const promote = edit(drHistory({ option: 'replication' }), isF('promote'), (_v, e) => ({ ...e, type: 'info' }) as HistoryEvent);
    expect(judge(drRestore as CheckKind, 'restore', promote, 'replication').summary).toBe('the replicas in backup were never promoted');
  });

  it('dr-restore: backups without a cycle number are no restore point, even listed first', () => {
    const h = drHistory({ cycles: [{}] });
    const unnumbered = [0, 1, 2].flatMap((member) => ['boot', 'data'].map((role) => op(500, 'dr@primary', 'backup', { cycle: 'pre', member, role })));
    expect(judge(drRestore as CheckKind, 'restore', [...unnumbered, ...h])).toMatchObject({ status: 'pass', evidence: { restorePoint: 0 } });
  });

  it('dr-restore: the data each VM read back is in the evidence', () => {
    const r = judge(drRestore as CheckKind, 'restore', { cycles: three(), restored: [137, 136, 136] });
    expect((r.evidence['members'] as Record<string, unknown>[]).map((m) => m['dataSeq'])).toEqual([137, 136, 136]);
  });

  it('dr-restore: valueless steps and guest events count for nothing', () => {
    const h = drHistory({ cycles: three() });
    const K = drRestore as CheckKind;
    // A failed step without a value: no error text.
    expect(judge(K, 'restore', sorted([...h, bare(11_005, 'dr@backup', 'boot', 'fail')]))).toMatchObject({ status: 'fail', summary: 'boot failed in backup: ', evidence: { failed: [{ step: 'boot' }] } });
    // A backup, restore, boot or attach without a value (first in time) changes nothing.
    const extra = [bare(100, 'dr@primary', 'backup'), bare(11_002, 'dr@backup', 'restore'), bare(11_003, 'dr@backup', 'boot'), bare(11_004, 'dr@backup', 'attach')];
    expect(judge(K, 'restore', sorted([...extra, ...h]))).toMatchObject({ status: 'pass', evidence: { restorePoint: 2 } });
    // A guest's start without a value names no configuration source; its attach no sequence; the restored report no state; serving no sequence.
    const noFrom = edit(h, (e) => e.process === 'guest@backup/app-1' && e.f === 'start', (_v, e) => bare(e.t, e.process, e.f));
    expect(judge(K, 'restore', noFrom).summary).toBe("VM 1's guest took its configuration from nowhere, not from its restored boot volume");
    const noSeq = edit(h, (e) => e.process === 'guest@backup/app-1' && e.f === 'attach', (_v, e) => bare(e.t, e.process, e.f));
    expect((judge(K, 'restore', noSeq).evidence['members'] as Record<string, unknown>[])[1]).toMatchObject({ dataSeq: null });
    const noState = edit(h, (e) => e.f === 'restored', (_v, e) => bare(e.t, e.process, e.f));
    expect(judge(K, 'restore', noState)).toMatchObject({ status: 'pass', evidence: { restoredSeqs: null } });
    const noServingSeq = edit(h, (e) => e.f === 'serving', (_v, e) => bare(e.t, e.process, e.f));
    expect(judge(K, 'restore', noServingSeq)).toMatchObject({ status: 'pass', evidence: { firstSeq: null, triggerToServingMs: 900 } });
  });

  it('dr-clean-restore: a restored report without a value reports no flags', () => {
    const h = edit(drHistory({ cycles: three(), corruptAt: 4000 }), (e) => e.f === 'restored', (_v, e) => bare(e.t, e.process, e.f));
    expect(judge(drCleanRestore as CheckKind, 'clean', h)).toMatchObject({ status: 'unknown', evidence: { restoredCorrupt: null, restoredSeqs: null } });
  });

  it('dr-incremental-backup: a backup without a value did not report its blocks', () => {
    const h = [...drHistory({ cycles: three() }), bare(9000, 'dr@primary', 'backup')];
    const r = judge(drIncrementalBackup as CheckKind, 'incremental', sorted(h));
    expect(r).toMatchObject({ status: 'unknown', summary: '1 backups did not report the blocks they changed' });
    expect((r.evidence['backups'] as unknown[]).at(-1)).toEqual({ cycle: undefined, volume: 'undefined/undefined', incremental: false, changedBlocks: null, totalBlocks: null, bytesSent: null });
  });

  it('dr-manual-trigger: a step without a start time is timed by its own time; a valueless one too', () => {
    const h = drHistory({ cycles: three() });
    expect(judge(drManualTrigger as CheckKind, 'manual', sorted([...h, op(10_990, 'dr@backup', 'boot', { started: 'soon' })]))).toMatchObject({ status: 'fail', evidence: { before: [{ process: 'dr@backup', f: 'boot', t: 10_990 }] } });
    expect(judge(drManualTrigger as CheckKind, 'manual', sorted([...h, bare(10_990, 'dr@backup', 'boot')]))).toMatchObject({ status: 'fail', evidence: { before: [{ process: 'dr@backup', f: 'boot', t: 10_990 }] } });
  });

  it('dr-server-snapshot: a backup of a snapshot is not a volume made from it', () => {
    const h = edit(drHistory({ cycles: three(), option: 'server-snapshot' }), isF('volume-from-snapshot', (v) => v['snapshot'] === 's0-1-d'), (v, e) => ({ ...e, f: 'backup', value: { ...v } }) as HistoryEvent);
    expect(judge(drServerSnapshot as CheckKind, 'snaps', h, 'server-snapshot').summary).toBe("cycle 0: 1 of 2 of VM 1's snapshots became volumes");
  });
});
