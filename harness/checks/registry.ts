// Every check kind, one line each. The scenario schema's `checks` entries,
// the requirement validation, the workloads a check needs, the run's capture
// decision and the proof gate are all built from this.
import { z } from 'zod';
import { nearest } from '../scenario/suggest.js';
import type { CheckKind } from './kind.js';
import { activeActive } from './kinds/active-active.js';
import { backupOnOverlay } from './kinds/backup-on-overlay.js';
import { backupRouted } from './kinds/backup-routed.js';
import { badTokens } from './kinds/bad-tokens.js';
import { baselineRestored } from './kinds/baseline-restored.js';
import { callContinuity } from './kinds/call-continuity.js';
import { drRestore } from './kinds/dr-restore.js';
import { drConsistentCut } from './kinds/dr-consistent-cut.js';
import { drQuiesceOrder } from './kinds/dr-quiesce-order.js';
import { drQuiesceWindow } from './kinds/dr-quiesce-window.js';
import { drIncrementalBackup } from './kinds/dr-incremental-backup.js';
import { drRpo } from './kinds/dr-rpo.js';
import { drRto } from './kinds/dr-rto.js';
import { drAdminMetadata } from './kinds/dr-admin-metadata.js';
import { drCleanRestore } from './kinds/dr-clean-restore.js';
import { drManualTrigger } from './kinds/dr-manual-trigger.js';
import { drServerSnapshot } from './kinds/dr-server-snapshot.js';
import { failoverTime } from './kinds/failover-time.js';
import { galeraQuorum } from './kinds/galera-quorum.js';
import { heartbeatContinuity } from './kinds/heartbeat-continuity.js';
import { heartbeatRtt } from './kinds/heartbeat-rtt.js';
import { keyRotation } from './kinds/key-rotation.js';
import { localValidation } from './kinds/local-validation.js';
import { middlewareRegion } from './kinds/middleware-region.js';
import { overlappingIp } from './kinds/overlapping-ip.js';
import { partitionGap } from './kinds/partition-gap.js';
import { remotePortFdb } from './kinds/remote-port-fdb.js';
import { revocation } from './kinds/revocation.js';
import { splitBrain } from './kinds/split-brain.js';
import { tokenIssue } from './kinds/token-issue.js';
import { tokenValidation } from './kinds/token-validation.js';
import { validationDuringFaults } from './kinds/validation-during-faults.js';
import { writeAvailability } from './kinds/write-availability.js';

const KINDS = [
  heartbeatRtt,
  partitionGap,
  heartbeatContinuity,
  baselineRestored,
  failoverTime,
  callContinuity,
  activeActive,
  splitBrain,
  backupOnOverlay,
  backupRouted,
  remotePortFdb,
  overlappingIp,
  tokenValidation,
  localValidation,
  revocation,
  keyRotation,
  badTokens,
  writeAvailability,
  galeraQuorum,
  tokenIssue,
  validationDuringFaults,
  middlewareRegion,
  drRestore,
  drConsistentCut,
  drQuiesceOrder,
  drQuiesceWindow,
  drIncrementalBackup,
  drRpo,
  drRto,
  drCleanRestore,
  drManualTrigger,
  drServerSnapshot,
  drAdminMetadata,
] as const;

type Options<T> = { -readonly [K in keyof T]: T[K] extends CheckKind<infer O> ? O : never };

export const CHECK_KIND_NAMES = KINDS.map((k) => k.options.shape.kind.value);

/** An unknown kind reads as any value outside a fixed list does: what was probably meant, then the list. */
function unknownKind(iss: { code?: string; input?: unknown }): string | undefined {
  if (iss.code !== 'invalid_union') return undefined;
  const kind = (iss.input as { kind?: unknown } | undefined)?.kind;
  const hint = typeof kind === 'string' ? nearest(kind, CHECK_KIND_NAMES) : undefined;
  return `${hint ? `did you mean "${hint}"? ` : ''}expected one of ${CHECK_KIND_NAMES.map((k) => JSON.stringify(k)).join(', ')}`;
}

export const checkOptions = z.discriminatedUnion('kind', KINDS.map((k) => k.options) as unknown as Options<typeof KINDS>, { error: unknownKind });

/** The kind of a check, typed loosely at this one boundary: every kind takes its own options. */
export function checkKind(kind: string): CheckKind {
  const k = KINDS.find((x) => x.options.shape.kind.value === kind);
  if (!k) throw new Error(`unknown check kind ${kind}`);
  return k as unknown as CheckKind;
}
