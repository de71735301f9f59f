// The DR checkers on literal histories (test/support/dr-history.ts): each
// passes on a good run and fails (or is unknown, or skips) on the known-bad
// ones, with the evidence numbers asserted.
import { describe, expect, it } from 'vitest';
import { drAdminMetadata } from '../../harness/checks/kinds/dr-admin-metadata.js';
import { drCleanRestore } from '../../harness/checks/kinds/dr-clean-restore.js';
import { drConsistentCut } from '../../harness/checks/kinds/dr-consistent-cut.js';
import { drIncrementalBackup } from '../../harness/checks/kinds/dr-incremental-backup.js';
import { drManualTrigger } from '../../harness/checks/kinds/dr-manual-trigger.js';
import { drQuiesceOrder } from '../../harness/checks/kinds/dr-quiesce-order.js';
import { drQuiesceWindow } from '../../harness/checks/kinds/dr-quiesce-window.js';
import { drRestore } from '../../harness/checks/kinds/dr-restore.js';
import { drRpo } from '../../harness/checks/kinds/dr-rpo.js';
import { drRto } from '../../harness/checks/kinds/dr-rto.js';
import { drServerSnapshot } from '../../harness/checks/kinds/dr-server-snapshot.js';
import type { CheckKind } from '../../harness/checks/kind.js';
import type { HistoryEvent } from '../../harness/observe/history.js';
import { parseScenario } from '../../harness/scenario/load.js';
import { planTopology } from '../../harness/topology/plan.js';
import { drHistory, type DrModel } from '../support/dr-history.js';

const yaml = (option: string, extra = '') => `
name: dr
duration: 16s
sites:
  - { name: primary, subnet: 198.18.1.0/24, nodes: [{ name: ctl, role: controller }] }
  - { name: backup, subnet: 198.18.2.0/24, nodes: [{ name: ctl, role: controller }] }
links:
  - { name: pb, between: [primary, backup], latency: 10ms }
dr: { primary: primary, backup: backup, option: ${option}, members: 3, rate: 20${option === 'replication' ? '' : ', every: 3s'}${extra} }
checks:
  - { name: restore, kind: dr-restore, requirements: [DR-RESTORE-BACKUP-SITE] }
  - { name: cut, kind: dr-consistent-cut, requirements: [DR-CONSISTENT-CUT] }
  - { name: order, kind: dr-quiesce-order, requirements: [DR-OPT1-QUIESCE-ORDER] }
  - { name: window, kind: dr-quiesce-window, limit: 100ms, requirements: [DR-OPT1-FAST-SNAPSHOT] }
  - { name: incremental, kind: dr-incremental-backup, requirements: [DR-INCREMENTAL-BACKUP] }
  - { name: rpo, kind: dr-rpo, transactions: 100, requirements: [DR-RPO] }
  - { name: rto, kind: dr-rto, limit: 5s, requirements: [DR-RTO] }
  - { name: manual, kind: dr-manual-trigger, requirements: [DR-MANUAL-TRIGGER] }
  - { name: clean, kind: dr-clean-restore, requirements: [DR-NO-PROPAGATED-FAULT] }
  - { name: snaps, kind: dr-server-snapshot, requirements: [DR-OPT2-SERVER-SNAPSHOT] }
  - { name: ref, kind: dr-admin-metadata, requirements: [DR-ADMIN-METADATA-REF] }
`;

function judge(kind: CheckKind, name: string, m: DrModel, option = m.option ?? 'quiesce-group-snapshot', extra = '') {
  const scenario = parseScenario('dr.yaml', yaml(option, extra)).scenario;
  const spec = scenario.checks.find((c) => c.name === name)!;
  const h: HistoryEvent[] = drHistory({ ...m, option: option as DrModel['option'] });
  return kind.check(h, { scenario, plan: planTopology(scenario, 'abcdef'), spec });
}

const three = (c: DrModel['cycles'] extends readonly (infer C)[] | undefined ? C : never = {}) => [c, c, c];

describe('dr-restore', () => {
  it('passes when every VM is rebuilt from the newest complete backups, booted from its restored boot volume, and the VNF serves', () => {
    const r = judge(drRestore as CheckKind, 'restore', { cycles: three() });
    expect(r.status).toBe('pass');
    expect(r.evidence['triggerToServingMs']).toBe(900);
    expect((r.evidence['members'] as unknown[]).length).toBe(3);
  });

  it('uses the newest backup that completed: a cycle whose backups failed is skipped', () => {
    const r = judge(drRestore as CheckKind, 'restore', { cycles: [{}, { backupFails: true }, {}], lossAt: 6000 });
    expect(r.status).toBe('pass');
    expect(r.evidence['members']).toContainEqual(expect.objectContaining({ member: 0, restored: [{ role: 'boot', backup: 'app-0-boot-c0' }, { role: 'data', backup: 'app-0-data-c0' }] }));
  });

  it('fails when the restore used another cycle than the newest whose backups all completed (volumes of mixed cycles)', () => {
    const r = judge(drRestore as CheckKind, 'restore', { cycles: three(), restoreCycle: 1 });
    expect(r.status).toBe('fail');
    expect(r.evidence['restorePoint']).toBe(2);
    expect(r.summary).toBe('VM 0: its boot volume was restored from app-0-boot-c1, not from cycle 2, the newest whose backups all completed');
  });

  it('fails when a guest took its configuration from the request instead of its restored boot volume', () => {
    const r = judge(drRestore as CheckKind, 'restore', { cycles: three(), configSource: 'user-data' });
    expect(r.status).toBe('fail');
    expect(r.summary).toContain('not from its restored boot volume');
  });

  it('fails when a restore step failed, or the VNF never served again', () => {
    expect(judge(drRestore as CheckKind, 'restore', { cycles: three(), failStep: 'restore' })).toMatchObject({ status: 'fail', summary: expect.stringContaining('restore failed') });
    expect(judge(drRestore as CheckKind, 'restore', { cycles: three(), servingAfter: null })).toMatchObject({ status: 'fail', summary: expect.stringContaining('never committed') });
  });

  it('skips without a trigger; option replication needs the promote', () => {
    expect(judge(drRestore as CheckKind, 'restore', { cycles: three(), triggerAt: null }).status).toBe('skip');
    expect(judge(drRestore as CheckKind, 'restore', {}, 'replication').status).toBe('pass');
    expect(judge(drRestore as CheckKind, 'restore', { failStep: 'promote' }, 'replication')).toMatchObject({ status: 'fail', summary: expect.stringContaining('promote failed') });
  });
});

describe('dr-consistent-cut', () => {
  it('passes when every cut and the restored state keep seq0 >= seq1 >= seq2 >= seq0 - 1', () => {
    const r = judge(drConsistentCut as CheckKind, 'cut', { cycles: [{ cut: [10, 10, 9] }, { cut: [40, 39, 39] }, { cut: [70, 70, 70] }], restored: [70, 70, 70] });
    expect(r.status).toBe('pass');
    expect(r.summary).toBe('3 cuts consistent (last 70/70/70); restored state 70/70/70 consistent');
  });

  it('fails on a cut where a later VM is ahead (per-VM snapshots at different times), naming the cycle and the numbers', () => {
    const r = judge(drConsistentCut as CheckKind, 'cut', { cycles: [{ cut: [10, 10, 10] }, { cut: [61, 63, 66] }], restored: [61, 63, 66] });
    expect(r.status).toBe('fail');
    expect(r.summary).toBe('1 of 2 cuts broke the cross-VM invariant; cycle 1: 61/63/66 (VM 1 holds transaction 63 but VM 0, written before it, only 61)');
  });

  it('fails when the restored state is inconsistent though every cut was not; unknown with no evidence', () => {
    expect(judge(drConsistentCut as CheckKind, 'cut', { cycles: [{ cut: [5, 5, 5] }], restored: [9, 5, 5] })).toMatchObject({ status: 'fail', summary: 'the restored VMs hold 9/5/5: VM 0 is 4 transactions ahead of VM 2 (at most one can be in flight)' });
    expect(judge(drConsistentCut as CheckKind, 'cut', { triggerAt: null }, 'replication').status).toBe('unknown');
    expect(judge(drConsistentCut as CheckKind, 'cut', { cycles: [{ cut: [5, 5, 5] }], restored: null }).status).toBe('unknown');
  });
});

describe('dr-consistent-cut: what counts as a read-back', () => {
  it('a cut missing a VM, or with a value that is not a sequence number, is not consistent', () => {
    const r = judge(drConsistentCut as CheckKind, 'cut', { cycles: [{ cut: [5, 5, 5] }, { cut: [9, 9] }, { cut: [7, 'x', 7] as unknown as number[] }], restored: [5, 5, 5] });
    expect(r.status).toBe('fail');
    expect(r.evidence['cuts']).toEqual([
      { cycle: 0, seqs: [5, 5, 5], consistent: true, why: '' },
      { cycle: 1, seqs: [9, 9], consistent: false, why: '2 of 3 VMs read back' },
      { cycle: 2, seqs: [], consistent: false, why: '0 of 3 VMs read back' },
    ]);
    expect(r.summary).toBe('2 of 3 cuts broke the cross-VM invariant; cycle 1: 9/9 (2 of 3 VMs read back)');
  });

  it('says what it judged: cuts only, the restored state only, or neither', () => {
    expect(judge(drConsistentCut as CheckKind, 'cut', { cycles: [{ cut: [3, 3, 2] }, { cut: [8, 8, 8] }], triggerAt: null, lossAt: null })).toEqual({
      status: 'pass',
      summary: '2 cuts consistent (last 8/8/8)',
      evidence: { cuts: [{ cycle: 0, seqs: [3, 3, 2], consistent: true, why: '' }, { cycle: 1, seqs: [8, 8, 8], consistent: true, why: '' }], restored: null },
    });
    expect(judge(drConsistentCut as CheckKind, 'cut', { restored: [5, 5, 4] }, 'replication')).toMatchObject({ status: 'pass', summary: 'restored state 5/5/4 consistent', evidence: { cuts: [], restored: { seqs: [5, 5, 4], consistent: true } } });
    expect(judge(drConsistentCut as CheckKind, 'cut', { restored: [5, 5] }, 'replication')).toMatchObject({ status: 'unknown', evidence: { restored: null } });
    expect(judge(drConsistentCut as CheckKind, 'cut', { triggerAt: null }, 'replication')).toEqual({ status: 'unknown', summary: "no cut of the VNF's volumes was read back and nothing was restored: no evidence", evidence: { cuts: [], restored: null } });
  });
});

describe('dr-quiesce-order', () => {
  it('passes with volumes from compute, quiesce 0,1,2 (each frozen before the next), unquiesce 2,1,0', () => {
    const r = judge(drQuiesceOrder as CheckKind, 'order', { cycles: three() });
    expect(r.status).toBe('pass');
    expect(r.evidence['cycles']).toContainEqual({ cycle: 0, quiesced: [0, 1, 2], unquiesced: [2, 1, 0], guestFroze: [0, 1, 2], guestThawed: [2, 1, 0], volumesFromCompute: 3 });
  });

  it('fails on the wrong quiesce order, on a non-reverse unquiesce, and when the guests froze out of order', () => {
    expect(judge(drQuiesceOrder as CheckKind, 'order', { cycles: [{ quiesced: [2, 1, 0] }] }).summary).toBe('cycle 0: quiesced 2,1,0, the desired order is 0,1,2');
    expect(judge(drQuiesceOrder as CheckKind, 'order', { cycles: [{ unquiesced: [0, 1, 2] }] }).summary).toBe('cycle 0: unquiesced 0,1,2, the reverse of the desired order is 2,1,0');
    expect(judge(drQuiesceOrder as CheckKind, 'order', { cycles: [{ froze: [1, 0, 2] }] }).summary).toBe('cycle 0: the guests froze in the order 1,0,2, not 0,1,2');
  });

  it('skips for the other options; unknown when no cycle reached its snapshot', () => {
    expect(judge(drQuiesceOrder as CheckKind, 'order', {}, 'replication').status).toBe('skip');
    expect(judge(drQuiesceOrder as CheckKind, 'order', { cycles: [] }).status).toBe('unknown');
  });
});

describe('dr-quiesce-window', () => {
  it('measures first freeze to last thaw per cycle, from the guests', () => {
    const r = judge(drQuiesceWindow as CheckKind, 'window', { cycles: [{ windowMs: 40 }, { windowMs: 70 }] });
    expect(r.status).toBe('pass');
    expect(r.evidence['worstMs']).toBeCloseTo(70 - 70 / 7 / 2 - 0.5, 0);
    expect(r.evidence['windows']).toHaveLength(2);
  });

  it('fails when a cycle held the VNF past the limit, and when the runner did not quiesce at all', () => {
    const r = judge(drQuiesceWindow as CheckKind, 'window', { cycles: [{ windowMs: 40 }, { windowMs: 400 }] });
    expect(r.status).toBe('fail');
    expect(r.summary).toMatch(/^1 of 2 cycles held the VNF longer than 100 ms \(worst 3\d\d(\.\d)? ms\)$/);
    expect(judge(drQuiesceWindow as CheckKind, 'window', { cycles: three() }, 'quiesce-group-snapshot', ', quiesce: false').status).toBe('fail');
  });
});

describe('dr-incremental-backup', () => {
  it('passes when backups after the first are incremental and the wire stays within changed blocks + overhead', () => {
    const r = judge(drIncrementalBackup as CheckKind, 'incremental', { cycles: three(), wireBytes: 500_000 });
    expect(r.status).toBe('pass');
    expect(r.evidence).toMatchObject({ changedBlocks: 6 * 128 + 12 * 3, totalBlocks: 18 * 128, wireBytes: 500_000 });
  });

  it('fails on a full backup after a volume\'s first, and on more bytes on the wire than the bound', () => {
    expect(judge(drIncrementalBackup as CheckKind, 'incremental', { cycles: [{}, { incremental: false }] }).summary).toBe("6 backups after a volume's first were full, not incremental: 0/boot (cycle 1), 0/data (cycle 1), 1/boot (cycle 1)");
    const over = judge(drIncrementalBackup as CheckKind, 'incremental', { cycles: three(), wireBytes: 50_000_000 });
    expect(over.status).toBe('fail');
    expect(over.evidence['boundBytes']).toBe(Math.round((804 * 32768 + 18 * 65536) * 1.15));
  });

  it('is unknown without a capture, or with no packet to Swift', () => {
    expect(judge(drIncrementalBackup as CheckKind, 'incremental', { cycles: three(), wireBytes: null }).status).toBe('unknown');
    expect(judge(drIncrementalBackup as CheckKind, 'incremental', { cycles: three(), wireBytes: 0 }).summary).toContain('no packet to the object store');
  });

  it('is unknown when only each volume\'s first (full) backup completed: nothing showed one incremental', () => {
    const r = judge(drIncrementalBackup as CheckKind, 'incremental', { cycles: [{}], wireBytes: 500_000 });
    expect(r.status).toBe('unknown');
    expect(r.summary).toBe("only each volume's first backup completed (6): no later backup to show them incremental");
    expect(r.evidence).toMatchObject({ wireBytes: 500_000 });
    // One later backup is enough to judge.
    expect(judge(drIncrementalBackup as CheckKind, 'incremental', { cycles: [{}, {}], wireBytes: 500_000 }).status).toBe('pass');
  });
});

describe('dr-rpo and dr-rto', () => {
  it('RPO counts committed transactions the restored cut lacks', () => {
    const r = judge(drRpo as CheckKind, 'rpo', { cycles: three() });
    // commits every 50 ms from 200 ms until the loss at 10 s: 196; the last cycle cut at 7 s holds 137
    expect(r.evidence).toMatchObject({ lastCommitted: 196, restored: 137, lostTransactions: 59 });
    expect(r.status).toBe('pass');
    expect(judge(drRpo as CheckKind, 'rpo', { cycles: [{}] }).evidence).toMatchObject({ restored: 17, lostTransactions: 179 });
    expect(judge(drRpo as CheckKind, 'rpo', { cycles: [{}] }).status).toBe('fail');
  });

  it('RPO: the restored point is the smallest VM sequence; the writes lost are timed; the bound is inclusive', () => {
    // commit n at 200 + 50 (n - 1) ms: the last before the loss at 10 s is 196 (9950 ms); 137 was committed at 7000 ms
    const r = judge(drRpo as CheckKind, 'rpo', { cycles: three() });
    expect(r.evidence).toEqual({ bound: 100, lastCommitted: 196, restored: 137, restoredSeqs: [137, 137, 137], lostTransactions: 59, lostMs: 2950, primaryLost: true });
    expect(r.summary).toBe('the restore lost 59 committed transactions (last committed 196, restored 137, 2950 ms of writes); bound 100');
    const uneven = judge(drRpo as CheckKind, 'rpo', { cycles: three(), restored: [140, 139, 139] });
    expect(uneven.evidence).toMatchObject({ restored: 139, lostTransactions: 57, lostMs: 2850 });
    const atBound = judge(drRpo as CheckKind, 'rpo', { cycles: three(), restored: [96, 96, 96] });
    expect(atBound).toMatchObject({ status: 'pass', evidence: { lostTransactions: 100 } });
    const over = judge(drRpo as CheckKind, 'rpo', { cycles: three(), restored: [95, 95, 95] });
    expect(over).toMatchObject({ status: 'fail', summary: 'the restore lost 101 committed transactions (last committed 196, restored 95, 5050 ms of writes), more than 100' });
  });

  it('RPO: a restored point never committed has no time; skip without a trigger, unknown without commits, fail without a restored state', () => {
    const beyond = judge(drRpo as CheckKind, 'rpo', { cycles: three(), restored: [500, 500, 500] });
    expect(beyond).toMatchObject({ status: 'pass', evidence: { lostTransactions: 0, lostMs: null }, summary: 'the restore lost 0 committed transactions (last committed 196, restored 500); bound 100' });
    expect(judge(drRpo as CheckKind, 'rpo', { cycles: three(), triggerAt: null })).toEqual({ status: 'skip', summary: 'no failover was triggered: no recovery point to measure', evidence: { bound: 100 } });
    expect(judge(drRpo as CheckKind, 'rpo', { cycles: three(), lossAt: 100 })).toEqual({ status: 'unknown', summary: 'the VNF recorded no committed transaction in primary before it was lost', evidence: { bound: 100 } });
    expect(judge(drRpo as CheckKind, 'rpo', { cycles: three(), restored: null })).toMatchObject({ status: 'fail', summary: 'the restored VNF reported no state: everything was lost', evidence: { bound: 100, lastCommitted: { seq: 196, t: 9950 } } });
    expect(judge(drRpo as CheckKind, 'rpo', { cycles: three(), restored: [] }).summary).toBe('the restored VNF reported no state: everything was lost');
    expect(drRpo.requirements).toEqual(['DR-RPO']);
    expect(drRpo.needs).toEqual({ faults: true });
  });

  it('RTO runs from the first death to the first commit in the backup site', () => {
    const r = judge(drRto as CheckKind, 'rto', { cycles: three() });
    expect(r.evidence).toMatchObject({ rtoMs: 11_000 + 900 - 10_003, decisionMs: 997, restoreMs: 900 });
    expect(r.status).toBe('pass');
    expect(judge(drRto as CheckKind, 'rto', { cycles: three(), triggerAt: 16_000 }).status).toBe('fail');
    expect(judge(drRto as CheckKind, 'rto', { cycles: three(), servingAfter: null }).status).toBe('fail');
    expect(judge(drRto as CheckKind, 'rto', { cycles: three(), lossAt: null })).toEqual({ status: 'skip', summary: 'the primary site primary was never lost: no recovery time to measure', evidence: { limitMs: 5000 } });
    expect(judge(drRto as CheckKind, 'rto', { cycles: three(), triggerAt: null })).toEqual({ status: 'fail', summary: 'the primary was lost but no failover was triggered: the VNF never came back', evidence: { limitMs: 5000 } });
    expect(judge(drRto as CheckKind, 'rto', { cycles: three(), servingAfter: null })).toEqual({ status: 'fail', summary: 'the failover was triggered but the VNF never served in the backup site', evidence: { limitMs: 5000, triggerAt: 11_000 } });
    // Exactly at the limit passes: first death at 10 003 ms, serving 4003 ms after the trigger at 11 s.
    expect(judge(drRto as CheckKind, 'rto', { cycles: three(), servingAfter: 4003 })).toMatchObject({ status: 'pass', evidence: { rtoMs: 5000 } });
    expect(judge(drRto as CheckKind, 'rto', { cycles: three(), servingAfter: 4004 })).toMatchObject({ status: 'fail', evidence: { rtoMs: 5001 } });
  });
});

describe('dr-manual-trigger, dr-clean-restore, dr-server-snapshot', () => {
  it('manual trigger: nothing in the backup site before the trigger', () => {
    expect(judge(drManualTrigger as CheckKind, 'manual', { cycles: three() })).toMatchObject({ status: 'pass', evidence: { decisionMs: 997 } });
    expect(judge(drManualTrigger as CheckKind, 'manual', { cycles: three(), earlyBoot: true })).toMatchObject({ status: 'fail', summary: '1 restore actions in backup before the trigger (first: boot by dr@backup)' });
    // GR software failing over by itself: restore actions, no trigger at all.
    expect(judge(drManualTrigger as CheckKind, 'manual', { cycles: three(), triggerAt: null, earlyBoot: true })).toMatchObject({ status: 'fail', summary: '1 restore actions in backup though no failover was triggered (first: boot, ok)' });
    expect(judge(drManualTrigger as CheckKind, 'manual', { cycles: three(), triggerAt: null })).toMatchObject({ status: 'skip' });
  });

  it('clean restore: corrupt data restored fails, clean passes, no corruption skips', () => {
    expect(judge(drCleanRestore as CheckKind, 'clean', { cycles: three(), corruptAt: 8500 }).status).toBe('pass');
    expect(judge(drCleanRestore as CheckKind, 'clean', { corruptAt: 4000, restoredCorrupt: [false, true, false] }, 'replication')).toMatchObject({ status: 'fail', summary: 'the corrupt data written at the primary was restored in backup (VM 1): the replica carried the fault over' });
    expect(judge(drCleanRestore as CheckKind, 'clean', { cycles: three() }).status).toBe('skip');
    // Written after the failover was triggered (11 s): nothing a restore could have carried over.
    expect(judge(drCleanRestore as CheckKind, 'clean', { corruptAt: 11_000, restoredCorrupt: [false, false, false] }, 'replication')).toMatchObject({ status: 'skip', summary: 'the corrupt data was written 0 ms after the failover was triggered: no propagating fault to keep out of the restore', evidence: { corruptedAt: 11_000, triggerAt: 11_000 } });
    expect(judge(drCleanRestore as CheckKind, 'clean', { corruptAt: 10_999, restoredCorrupt: [false, false, false] }, 'replication').status).toBe('pass');
  });

  it('server snapshot: frozen by compute, snapshots in the image, volumes made, images deleted and read back gone', () => {
    const good = judge(drServerSnapshot as CheckKind, 'snaps', { cycles: three() }, 'server-snapshot');
    expect(good.status).toBe('pass');
    expect(good.evidence['snapshots']).toHaveLength(9);
    // The last cycle's backups fail after the primary is lost: its images died with the site, not left behind.
    const cut = judge(drServerSnapshot as CheckKind, 'snaps', { cycles: [{}, {}, { backupFails: true }], lossAt: 7300 }, 'server-snapshot');
    expect(cut).toMatchObject({ status: 'pass', evidence: { cutShortByLoss: [2] } });
    expect(cut.evidence['snapshots']).toHaveLength(6);
    const kept = judge(drServerSnapshot as CheckKind, 'snaps', { cycles: [{}, { imageReadBack: 200 }] }, 'server-snapshot');
    expect(kept).toMatchObject({ status: 'fail', summary: 'cycle 1: VM 0\'s temporary image img1-0 was not deleted (read back 200)' });
  });
});

describe('dr-admin-metadata', () => {
  const six = [0, 1, 2].flatMap((i) => [{ name: `app-${i}-boot` }, { name: `app-${i}-data` }]);
  it('passes when every promoted volume keeps its backend reference, read back present', () => {
    const r = judge(drAdminMetadata as CheckKind, 'ref', {}, 'replication');
    expect(r).toMatchObject({ status: 'pass', summary: 'all 6 promoted volumes keep their backend reference in admin metadata, each read back present' });
  });

  it('fails on a missing reference, a reference to nothing, or a volume not promoted; skips for backups', () => {
    expect(judge(drAdminMetadata as CheckKind, 'ref', { promoted: six.map((v, k) => (k === 3 ? { ...v, ref: null } : v)) }, 'replication').summary).toBe('1 promoted volumes carry no backend reference in their admin metadata (first: app-1-data)');
    expect(judge(drAdminMetadata as CheckKind, 'ref', { promoted: six.map((v, k) => (k === 0 ? { ...v, exists: false } : v)) }, 'replication').summary).toBe("1 promoted volumes' backend reference names no object in the site (first: app-0-boot -> /run/msh/volumes/p0)");
    expect(judge(drAdminMetadata as CheckKind, 'ref', { promoted: six.slice(1) }, 'replication').summary).toBe("5 of the VNF's 6 volumes were promoted");
    expect(judge(drAdminMetadata as CheckKind, 'ref', { cycles: three() }).status).toBe('skip');
  });
});
