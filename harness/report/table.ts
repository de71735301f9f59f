// The verdict table printed at the end of a run.
import Table from 'cli-table3';
import type { Verdict } from '../checks/verdict.js';

export function verdictTable(scenario: string, verdicts: readonly Verdict[], color: boolean): string {
  const paint = (s: string) => {
    if (!color) return s.toUpperCase();
    const code = { pass: 32, fail: 31, unknown: 33, skip: 90 }[s] ?? 0;
    return `\u001b[${code}m${s.toUpperCase()}\u001b[0m`;
  };
  const t = new Table({ head: ['scenario', 'requirement', 'status', 'evidence'], colWidths: [18, 28, 9, 70], wordWrap: true, style: { head: [], border: [] } });
  const decided = verdicts.filter((v) => v.status !== 'skip');
  for (const v of decided) {
    t.push([scenario, v.id, paint(v.status), v.checks.map((c) => c.summary).join('\n') || 'not decided by this scenario']);
  }
  const skipped = verdicts.length - decided.length;
  return t.toString() + (skipped ? `\n${skipped} other catalog requirement(s) not decided by this scenario (listed in result.json as skip)` : '');
}
