// DR-INCREMENTAL-BACKUP: after a volume's first backup, every backup of it is
// incremental (only blocks whose hash changed are sent), and what crossed the
// WAN to the backup site's object store, measured on the capture (TCP to the
// Swift proxy port, both directions, every header included), is within the
// changed blocks plus a bounded overhead per backup.
import { z } from 'zod';
import { wanEvidence } from '../capture.js';
import type { Checker } from '../context.js';
import { drOf, drSteps, needsDr, num } from '../dr-history.js';
import type { CheckKind, SpecOf } from '../kind.js';
import { checkFields } from '../options.js';
import { round } from '../series.js';

export const SWIFT_PORT = 8080;
const BLOCK = 32 * 1024;
/** Per backup, beyond its changed blocks: the sha256file and metadata objects, auth and HTTP headers. */
const PER_BACKUP_OVERHEAD = 64 * 1024;
/** Per byte of payload: TCP/IP, the link's VXLAN and Ethernet headers, and ACKs, at ~1400-byte segments. */
const HEADER_FACTOR = 1.15;

const options = z.strictObject({
  ...checkFields('dr-incremental-backup'),
});

const check: Checker<SpecOf<typeof options>> = (h, ctx) => {
  const d = drOf(ctx);
  if (d.option === 'replication') return { status: 'skip', summary: 'option replication takes no backups', evidence: {} };
  const backups = drSteps(h, 'backup', d.primary).filter((e) => e.type === 'ok');
  if (backups.length === 0) return { status: 'unknown', summary: 'no backup completed: nothing to judge', evidence: {} };
  const rows = backups.map((e) => ({
    cycle: e.value?.['cycle'],
    volume: `${String(e.value?.['member'])}/${String(e.value?.['role'])}`,
    incremental: e.value?.['isIncremental'] === true,
    changedBlocks: num(e.value?.['changedBlocks']),
    totalBlocks: num(e.value?.['totalBlocks']),
    bytesSent: num(e.value?.['bytesSent']),
  }));
  const seen = new Set<string>();
  const full: string[] = [];
  for (const r of rows) {
    if (seen.has(r.volume) && !r.incremental) full.push(`${r.volume} (cycle ${String(r.cycle)})`);
    seen.add(r.volume);
  }
  const unmeasured = rows.filter((r) => r.changedBlocks === null || r.totalBlocks === null);
  const wan = wanEvidence(h);
  const evidence: Record<string, unknown> = { backups: rows };
  if (full.length > 0) return { status: 'fail', summary: `${full.length} backups after a volume's first were full, not incremental: ${full.slice(0, 3).join(', ')}`, evidence };
  if (unmeasured.length > 0) return { status: 'unknown', summary: `${unmeasured.length} backups did not report the blocks they changed`, evidence };
  if (!wan.ok) return { status: 'unknown', summary: wan.why, evidence };
  const changed = rows.reduce((n, r) => n + r.changedBlocks!, 0);
  const total = rows.reduce((n, r) => n + r.totalBlocks!, 0);
  const wire = wan.flows.filter((f) => f.proto === 6 && f.port === SWIFT_PORT).reduce((n, f) => n + f.bytes, 0);
  const bound = Math.round((changed * BLOCK + rows.length * PER_BACKUP_OVERHEAD) * HEADER_FACTOR);
  Object.assign(evidence, { changedBlocks: changed, totalBlocks: total, wireBytes: wire, boundBytes: bound, fullBackupsWouldBe: total * BLOCK });
  if (wire === 0) return { status: 'unknown', summary: `no packet to the object store (TCP ${SWIFT_PORT}) crossed the WAN capture, though ${rows.length} backups completed`, evidence };
  if (wire > bound) return { status: 'fail', summary: `${wire} bytes crossed to the object store for ${changed} changed blocks of ${rows.length} backups: more than the ${bound}-byte bound`, evidence };
  // A volume's first backup is full by design: without a later one, nothing showed a backup to be incremental.
  if (rows.length === seen.size) return { status: 'unknown', summary: `only each volume's first backup completed (${rows.length}): no later backup to show them incremental`, evidence };
  return { status: 'pass', summary: `${rows.length} backups (${rows.length - seen.size} incremental) sent ${changed} of ${total} blocks; ${round(wire / 1024, 1)} KiB crossed the WAN (bound ${round(bound / 1024, 1)} KiB)`, evidence };
};

export const drIncrementalBackup: CheckKind<typeof options> = {
  options,
  requirements: ['DR-INCREMENTAL-BACKUP'],
  needs: { capture: true },
  validate: (c, s) => needsDr(c.name, s),
  check,
};
