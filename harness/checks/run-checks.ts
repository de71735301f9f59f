// Runs the scenario's checks over a history and folds them into one verdict
// per requirement. A checker that throws yields unknown, never pass; a check
// that reads fault windows is unknown while any fault lacks its proof.
import type { HistoryEvent } from '../observe/history.js';
import type { Scenario } from '../scenario/schema.js';
import type { Plan } from '../topology/plan.js';
import { CATALOG } from './catalog.js';
import { checkKind } from './registry.js';
import { faultWindows, type FaultWindow } from './series.js';
import { merge, type CheckResult, type Verdict } from './verdict.js';

/** Faults whose injection or heal did not prove it took effect. */
export function unprovenFaults(history: readonly HistoryEvent[]): FaultWindow[] {
  return faultWindows(history).filter((f) => !f.proven);
}

export function runChecks(history: readonly HistoryEvent[], scenario: Scenario, plan: Plan): CheckResult[] {
  const unproven = unprovenFaults(history);
  return scenario.checks.map((spec) => {
    const kind = checkKind(spec.kind);
    const head = { check: spec.name, kind: spec.kind };
    if (kind.needs.faults && unproven.length > 0) {
      const why = unproven.map((f) => `${f.fault} (${f.faultKind}): ${f.proof}`).join('; ');
      return { ...head, status: 'unknown', summary: `a fault did not prove it took effect, so its window cannot be judged: ${why}`, evidence: { unprovenFaults: unproven.map((f) => ({ fault: f.fault, proof: f.proof })) } };
    }
    try {
      return { ...head, ...kind.check(history, { scenario, plan, spec }) };
    } catch (err) {
      return { ...head, status: 'unknown', summary: `checker failed: ${(err as Error).message}`, evidence: {} };
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
