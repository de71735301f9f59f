// Literal histories of a DR run, as the runner (harness/dr/runner.ts) and the
// guests (harness/agents/dr-guest.ts) record them: commits at a steady rate in
// the primary, protection cycles with their steps, the primary's loss, the
// trigger and the restore. Every knob is something a real run can show.
import type { HistoryEvent, OpType } from '../../harness/observe/history.js';
import { wanCapture } from './capture.js';
import { fault } from './faults.js';

export interface CycleModel {
  /** Quiesce order (option 1), by VM index; [] for none. */
  readonly quiesced?: readonly number[];
  /** Unquiesce order; default the reverse of quiesced. */
  readonly unquiesced?: readonly number[];
  /** Guest freeze order, if it differs from quiesced. */
  readonly froze?: readonly number[];
  /** ms from first freeze to last thaw. */
  readonly windowMs?: number;
  /** Each VM's seq in the cut read back. */
  readonly cut?: readonly number[];
  /** Per volume backed up: incremental flag (default: all but cycle 0), changed blocks. */
  readonly incremental?: boolean;
  readonly changedBlocks?: number;
  /** The cycle's backups failed (link cut, site lost). */
  readonly backupFails?: boolean;
  /** Option 2: image deleted and read back 404. */
  readonly imageReadBack?: number;
}

export interface DrModel {
  readonly members?: number;
  readonly rate?: number; // transactions per second
  readonly primary?: string;
  readonly backup?: string;
  readonly option?: 'quiesce-group-snapshot' | 'server-snapshot' | 'replication';
  /** Cycle c starts at 1000 + 3000 c. */
  readonly cycles?: readonly CycleModel[];
  readonly lossAt?: number | null;
  readonly triggerAt?: number | null;
  /** What the restored VNF reports. */
  readonly restored?: readonly number[] | null;
  readonly restoredCorrupt?: readonly boolean[];
  /** ms from trigger to serving; null: never serves. */
  readonly servingAfter?: number | null;
  readonly configSource?: string;
  /** The cycle the restore used (default: the newest whose backups all completed). */
  readonly restoreCycle?: number;
  /** Restore steps that fail. */
  readonly failStep?: string;
  /** A restore step made before the trigger (known-bad for the manual trigger). */
  readonly earlyBoot?: boolean;
  readonly corruptAt?: number;
  /** Option 3: the promoted volumes as the promote step read them back (default: every VM's boot and data, with reference and file). */
  readonly promoted?: readonly { name: string; ref?: string | null; exists?: boolean }[];
  /** Bytes that crossed to Swift (TCP 8080) on the WAN capture; null: no capture. */
  readonly wireBytes?: number | null;
}

const BLOCKS = 128; // 4 MiB volumes of 32 KiB blocks

export function drHistory(m: DrModel = {}): HistoryEvent[] {
  const n = m.members ?? 3;
  const rate = m.rate ?? 20;
  const P = m.primary ?? 'primary';
  const B = m.backup ?? 'backup';
  const option = m.option ?? 'quiesce-group-snapshot';
  const lossAt = m.lossAt === undefined ? 10_000 : m.lossAt;
  const triggerAt = m.triggerAt === undefined ? 11_000 : m.triggerAt;
  const ev: HistoryEvent[] = [];
  const op = (t: number, process: string, type: OpType, f: string, value: Record<string, unknown>) => ev.push({ t, kind: 'op', process, type, f, value });
  const dr = (t: number, site: string, f: string, value: Record<string, unknown>, type: OpType = 'ok') => op(t, `dr@${site}`, type, f, { started: t - 2, ms: 2, ...value });
  const guest = (t: number, site: string, i: number, f: string, value: Record<string, unknown> = {}) => op(t, `guest@${site}/app-${i}`, 'info', f, value);

  const period = 1000 / rate;
  const end = lossAt ?? 16_000;
  for (let seq = 1, t = 200; t < end; seq++, t += period) guest(t, P, 0, 'commit', { seq });
  const seqAt = (t: number) => Math.max(0, Math.floor((t - 200) / period) + 1);

  (m.cycles ?? []).forEach((c, cycle) => {
    const t0 = 1000 + 3000 * cycle;
    if (lossAt !== null && t0 >= lossAt) return;
    let t = t0;
    const snaps: { member: number; role: string }[] = [];
    if (option === 'quiesce-group-snapshot') {
      for (let i = 0; i < n; i++) dr((t += 1), P, 'get-volumes', { cycle, member: i, volumes: [`b${i}`, `d${i}`] });
      const q = c.quiesced ?? [...Array(n).keys()];
      const froze = c.froze ?? q;
      const win = c.windowMs ?? 40;
      const step = win / (2 * Math.max(1, q.length) + 1);
      const firstFreeze = t + 2;
      q.forEach((i, k) => {
        dr(firstFreeze + k * step + 0.5, P, 'quiesce', { cycle, member: i, status: 202, started: firstFreeze + k * step - 1 });
      });
      froze.forEach((i, k) => guest(firstFreeze + k * step, P, i, 'freeze', { seq: seqAt(t0) }));
      t = firstFreeze + q.length * step;
      dr((t += step / 2), P, 'group-snapshot', { cycle, groupSnapshot: `gs${cycle}`, snapshots: [] });
      const u = c.unquiesced ?? [...q].reverse();
      u.forEach((i, k) => {
        guest(t + (k + 1) * step - 0.5, P, i, 'thaw', {});
        dr(t + (k + 1) * step, P, 'unquiesce', { cycle, member: i, status: 202 });
      });
      t += (u.length + 1) * step;
      for (let i = 0; i < n; i++) snaps.push({ member: i, role: 'boot' }, { member: i, role: 'data' });
    } else if (option === 'server-snapshot') {
      for (let i = 0; i < n; i++) {
        guest(t + 5, P, i, 'freeze', { seq: seqAt(t) });
        guest(t + 15, P, i, 'thaw', {});
        dr((t += 30), P, 'server-snapshot', { cycle, member: i, image: `img${cycle}-${i}`, snapshots: [`s${cycle}-${i}-b`, `s${cycle}-${i}-d`], started: t - 28 });
        snaps.push({ member: i, role: 'boot' }, { member: i, role: 'data' });
      }
    }
    for (const s of snaps) dr((t += 5), P, 'volume-from-snapshot', { cycle, member: s.member, role: s.role, snapshot: option === 'server-snapshot' ? `s${cycle}-${s.member}-${s.role[0]}` : `gs-${s.member}-${s.role}`, volume: `v${cycle}` });
    const cut = c.cut ?? [...Array(n).keys()].map(() => seqAt(t0));
    dr((t += 1), P, 'cut', { cycle, seqs: cut, corrupt: cut.map(() => false), consistent: true, why: '' });
    for (const s of snaps) {
      const incremental = c.incremental ?? cycle > 0;
      if (c.backupFails) {
        dr((t += 5000), P, 'backup', { cycle, member: s.member, role: s.role, incremental, error: 'swift unreachable' }, 'fail');
        break;
      }
      dr((t += 50), P, 'backup', { cycle, member: s.member, role: s.role, incremental, backup: `bk${cycle}${s.member}${s.role}`, importedAs: `im${cycle}${s.member}${s.role}`, bytesSent: 1000, changedBlocks: incremental ? (c.changedBlocks ?? 3) : BLOCKS, totalBlocks: BLOCKS, isIncremental: incremental });
    }
    if (option === 'server-snapshot') for (let i = 0; i < n; i++) dr((t += 2), P, 'image-delete', { cycle, image: `img${cycle}-${i}`, status: 204, readBack: c.imageReadBack ?? 404 });
  });

  if (lossAt !== null) ev.push(...fault({ kind: 'site-loss', site: P }, lossAt, undefined, { name: 'lose-primary', from: lossAt + 3 }));
  if (m.corruptAt !== undefined) ev.push(...fault({ kind: 'corrupt-data', member: 1 }, m.corruptAt, undefined, { name: 'bad-write', measured: { member: 1 } }));
  if (m.earlyBoot) dr((triggerAt ?? 11_000) - 500, B, 'boot', { member: 0, bootVolume: 'early', server: 'early' });
  if (triggerAt !== null) {
    ev.push(...fault({ kind: 'dr-failover', site: B }, triggerAt, undefined, { name: 'failover' }));
    let t = triggerAt;
    dr((t += 1), B, 'failover-trigger', { from: P, to: B, option });
    const promoted: NonNullable<DrModel['promoted']> = m.promoted ?? [...Array(n).keys()].flatMap((i) => [{ name: `app-${i}-boot` }, { name: `app-${i}-data` }]);
    const volumes = promoted.map((v, k) => ({ id: `p${k}`, name: v.name, replicationStatus: 'failed-over', adminMetadata: v.ref === null ? {} : { backend_ref: v.ref ?? `{"source-name": "p${k}"}`, backend_path: `/run/msh/volumes/p${k}` }, backendFileExists: v.exists ?? true }));
    if (option === 'replication') dr((t += 50), B, 'promote', { status: 202, volumes }, m.failStep === 'promote' ? 'fail' : 'ok');
    const lastGood = [...(m.cycles ?? [])].map((c, i) => ({ c, i })).filter(({ c, i }) => !c.backupFails && (lossAt === null || 1000 + 3000 * i < lossAt)).at(-1)?.i ?? 0;
    for (let i = 0; i < n; i++) {
      if (option !== 'replication') {
        for (const role of ['boot', 'data']) dr((t += 30), B, 'restore', { member: i, role, backup: `im${lastGood}${i}${role}`, name: `app-${i}-${role}-c${m.restoreCycle ?? lastGood}`, cycle: m.restoreCycle ?? lastGood, volume: `r${i}${role}`, skipped: [] }, m.failStep === 'restore' ? 'fail' : 'ok');
      }
      dr((t += 100), B, 'boot', { member: i, bootVolume: `r${i}boot`, server: `srv${i}` }, m.failStep === 'boot' ? 'fail' : 'ok');
      guest(t + 20, B, i, 'start', { vnf: 'app', index: i, from: m.configSource ?? 'boot-volume', server: `srv${i}` });
      dr((t += 30), B, 'attach', { member: i, server: `srv${i}`, volume: `r${i}data` });
      guest(t + 5, B, i, 'attach', { seq: (m.restored ?? [])[i] ?? 0, corrupt: (m.restoredCorrupt ?? [])[i] ?? false });
    }
    const restored = m.restored === undefined ? [...Array(n).keys()].map(() => seqAt(1000 + 3000 * lastGood)) : m.restored;
    if (restored !== null) guest((t += 20), B, 0, 'restored', { seqs: restored, corrupt: m.restoredCorrupt ?? restored.map(() => false), consistent: true });
    const after = m.servingAfter === undefined ? 900 : m.servingAfter;
    if (after !== null && restored !== null) guest(triggerAt + after, B, 0, 'serving', { seq: Math.max(...restored) + 1 });
  }
  if (m.wireBytes !== null) ev.push(wanCapture([{ proto: 6, port: 8080, packets: 100, bytes: m.wireBytes ?? 200_000 }, { port: 7000, packets: 10 }]));
  return ev.sort((a, b) => a.t - b.t);
}
