// Every check kind, one line each. The scenario schema's check kinds, the
// requirement validation, the run's capture decision and the proof gate are
// all built from this.
import { activeActiveKind } from './active-active.js';
import { baselineRestored } from './baseline.js';
import { backupRouted } from './backup-routed.js';
import { badTokens } from './bad-tokens.js';
import { backupOnOverlay, callContinuity, overlappingIp } from './ha.js';
import { splitBrain } from './split-brain.js';
import { remotePortFdb } from './remote-port-fdb.js';
import { failoverTime } from './failover-time.js';
import { heartbeatContinuity, heartbeatRtt, partitionGap } from './heartbeat.js';
import { keyRotation, localValidation, revocation, tokenValidation } from './identity.js';
import { galeraQuorum, tokenIssue, validationDuringFaults, writeAvailability } from './identity-faults.js';
import { middlewareRegion } from './identity-middleware.js';
import type { CheckKind } from './kind.js';

const faults = { faults: true } as const;

export const CHECK_KINDS = {
  'heartbeat-rtt': { requirements: ['WAN-FIDELITY'], needs: faults, check: heartbeatRtt },
  'partition-gap': { requirements: ['WAN-PARTITION-GAP'], needs: faults, check: partitionGap },
  'heartbeat-continuity': { requirements: ['WAN-HEARTBEAT-CONTINUITY'], needs: faults, check: heartbeatContinuity },
  'baseline-restored': { requirements: ['HARNESS-BASELINE-RESTORED'], needs: faults, check: baselineRestored },
  'failover-time': { requirements: ['HA-NEW-CALLS-1S', 'HA-L3-BACKUP', 'HA-NWAY'], needs: faults, check: failoverTime },
  'call-continuity': { requirements: ['HA-ONGOING-CALLS', 'HA-NWAY'], needs: faults, check: callContinuity },
  'active-active': activeActiveKind,
  'split-brain': { requirements: ['HA-NO-SPLIT-BRAIN'], needs: faults, check: splitBrain },
  'backup-on-overlay': { requirements: ['HA-BACKUP-L2-OVERLAY'], needs: { capture: true }, check: backupOnOverlay },
  'backup-routed': { requirements: ['HA-L3-BACKUP'], needs: { capture: true }, check: backupRouted },
  'remote-port-fdb': { requirements: ['HA-REMOTE-PORT-L2POP'], needs: {}, check: remotePortFdb },
  'overlapping-ip': { requirements: ['HA-OVERLAPPING-IP'], needs: faults, check: overlappingIp },
  'token-validation': { requirements: ['ID-VALIDATE-EVERYWHERE'], needs: faults, check: tokenValidation },
  'local-validation': { requirements: ['ID-LOCAL-VALIDATION'], needs: { capture: true }, check: localValidation },
  revocation: { requirements: ['ID-REVOCATION'], needs: faults, check: revocation },
  'key-rotation': { requirements: ['ID-KEY-ROTATION'], needs: faults, check: keyRotation },
  'bad-tokens': { requirements: ['ID-BAD-TOKENS-REJECTED'], needs: {}, check: badTokens },
  'write-availability': { requirements: ['ID-WRITES-CLEAN'], needs: faults, check: writeAvailability },
  'galera-quorum': { requirements: ['ID-GALERA-MINORITY'], needs: faults, check: galeraQuorum },
  'token-issue': { requirements: ['ID-ISSUE-LOCAL'], needs: { capture: true, faults: true }, check: tokenIssue },
  'validation-during-faults': { requirements: ['ID-VALIDATE-SITE-LOSS'], needs: faults, check: validationDuringFaults },
  'middleware-region': { requirements: ['ID-MIDDLEWARE-REGION'], needs: {}, check: middlewareRegion },
} as const satisfies Record<string, CheckKind>;

export type CheckKindName = keyof typeof CHECK_KINDS;
export const CHECK_KIND_NAMES = Object.keys(CHECK_KINDS) as [CheckKindName, ...CheckKindName[]];

export const checkKind = (k: CheckKindName): CheckKind => CHECK_KINDS[k];
