// Runs the scenario's checks over a history and folds them into one verdict
// per requirement. A checker that throws yields unknown, never pass.
import type { HistoryEvent } from '../observe/history.js';
import type { CheckSpec, Scenario } from '../scenario/schema.js';
import type { Plan } from '../topology/plan.js';
import { baselineRestored } from './baseline.js';
import { CATALOG } from './catalog.js';
import type { Checker } from './context.js';
import { backupOnOverlay, callContinuity, failoverTime, overlappingIp, remotePortFdb, splitBrain } from './ha.js';
import { keyRotation, localValidation, revocation, tokenValidation } from './identity.js';
import { middlewareRegion } from './identity-middleware.js';
import { badTokens } from './bad-tokens.js';
import { galeraQuorum, tokenIssue, validationDuringFaults, writeAvailability } from './identity-faults.js';
import { heartbeatContinuity, heartbeatRtt, partitionGap } from './heartbeat.js';
import { merge, type CheckResult, type Verdict } from './verdict.js';

export const CHECKERS: Readonly<Record<CheckSpec['kind'], Checker>> = {
  'heartbeat-rtt': heartbeatRtt,
  'partition-gap': partitionGap,
  'heartbeat-continuity': heartbeatContinuity,
  'baseline-restored': baselineRestored,
  'failover-time': failoverTime,
  'call-continuity': callContinuity,
  'split-brain': splitBrain,
  'backup-on-overlay': backupOnOverlay,
  'remote-port-fdb': remotePortFdb,
  'overlapping-ip': overlappingIp,
  'token-validation': tokenValidation,
  'local-validation': localValidation,
  revocation,
  'key-rotation': keyRotation,
  'bad-tokens': badTokens,
  'write-availability': writeAvailability,
  'galera-quorum': galeraQuorum,
  'token-issue': tokenIssue,
  'validation-during-faults': validationDuringFaults,
  'middleware-region': middlewareRegion,
};

export function runChecks(history: readonly HistoryEvent[], scenario: Scenario, plan: Plan): CheckResult[] {
  return scenario.checks.map((spec) => {
    try {
      return { check: spec.name, kind: spec.kind, ...CHECKERS[spec.kind](history, { scenario, plan, spec }) };
    } catch (err) {
      return { check: spec.name, kind: spec.kind, status: 'unknown', summary: `checker failed: ${(err as Error).message}`, evidence: {} };
    }
  });
}

/** One verdict per catalog requirement; those no check decided are skip. */
export function verdicts(scenario: Scenario, results: readonly CheckResult[]): Verdict[] {
  return CATALOG.map((r) => {
    const checks = results.filter((c) => scenario.checks.find((s) => s.name === c.check)?.requirements.includes(r.id));
    return { id: r.id, title: r.title, status: merge(checks.map((c) => c.status)), source: r.source, section: r.section, checks };
  });
}
