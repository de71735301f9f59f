// msh soak <scenario.yaml...> --runs N [--jobs J] [--out DIR] [--json]
// Runs each scenario N times (same seed) and reports every verdict that was
// not the same in every run, with the runs that differ. Exit 1 on any flip.
import Table from 'cli-table3';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../paths.js';
import { soakReport, type SoakReport } from '../report/soak.js';
import { MshError } from '../scenario/errors.js';
import { println, type Io } from './io.js';
import { parseJobs, runMany } from './run-many.js';
import { loadAll, scenarioFiles, withTag } from './scenarios.js';
import { reportStamp } from '../report/write.js';

export async function soakCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { runs: { type: 'string', short: 'n' }, jobs: { type: 'string', short: 'j' }, tag: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' } },
  });
  const n = Number(values.runs ?? '5');
  if (!Number.isInteger(n) || n < 2) throw new MshError('USAGE', `--runs must be a whole number >= 2 (flips need two runs to compare), got "${values.runs}"`);
  const jobs = parseJobs(values.jobs);
  const scenarios = withTag(await loadAll(await scenarioFiles(positionals)), values.tag);
  if (scenarios.length === 0) throw new MshError('USAGE', `no scenario has tag "${values.tag}" (see \`msh list\`)`);
  const stamp = reportStamp(new Date());
  const root = values.out ?? join(PROJECT_ROOT, 'reports', `${stamp}-soak`);
  const planned = scenarios.flatMap((loaded) =>
    Array.from({ length: n }, (_, k) => ({ loaded, run: k + 1, outDir: join(root, loaded.scenario.name, `run-${k + 1}`), label: `${loaded.scenario.name} #${k + 1}` })),
  );
  const { runs, aborted } = await runMany(planned, io, { jobs, json: values.json === true, latest: false });
  const reports = scenarios.map((loaded) => {
    const mine = runs.filter((r) => r.planned.loaded === loaded);
    return {
      scenario: loaded.scenario.name,
      ...soakReport(
        mine.map(({ planned, result: r }) => ({
          run: planned.run,
          outDir: r.outDir,
          ...(r.error ? { error: r.error } : {}),
          verdicts: r.verdicts.map((v) => ({ id: v.id, status: v.status, summary: v.checks.map((c) => c.summary).join('; ') })),
          faults: r.faults,
        })),
      ),
    };
  });
  await writeFile(join(root, 'soak.json'), JSON.stringify(reports, null, 2) + '\n');
  if (values.json) println(io.stdout, JSON.stringify({ type: 'soak', root, reports }));
  else println(io.stdout, soakTable(reports) + `\nsoak report: ${join(root, 'soak.json')}`);
  if (aborted) return 130;
  return reports.every((r) => r.flips.length === 0 && r.runs === n) ? 0 : 1;
}

function soakTable(reports: readonly (SoakReport & { scenario: string })[]): string {
  const t = new Table({ head: ['scenario', 'runs', 'flipped', 'outcomes (runs)', 'one run\'s evidence per outcome'], colWidths: [24, 6, 26, 26, 60], wordWrap: true, style: { head: [], border: [] } });
  for (const r of reports) {
    if (r.flips.length === 0) t.push([r.scenario, r.runs, `none of ${r.decided.length} requirements`, '', '']);
    for (const f of r.flips) {
      t.push([r.scenario, r.runs, f.subject, f.outcomes.map((o) => `${o.status}: ${o.runs.join(',')}`).join('\n'), f.outcomes.map((o) => `${o.status}: ${o.example}`.slice(0, 300)).join('\n')]);
    }
  }
  return t.toString();
}
