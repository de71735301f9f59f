// reports/index.html: every run kept in reports/, newest first, each linking
// its report, and per scenario its outcomes across those runs as a row of
// coloured squares (oldest to newest). `indexHtml` is pure; `writeIndex`
// reads the run dirs' result.json and rewrites the page.
import { randomBytes } from 'node:crypto';
import { access, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { esc, runOutcome, STATUS_CSS, type Outcome } from './html-util.js';

/** What the index reads of a result.json: validated, since the files on disk may come from older versions of msh. */
const IndexedResult = z.object({
  scenario: z.object({ name: z.string() }),
  runId: z.string(),
  started: z.string(),
  finished: z.string(),
  aborted: z.boolean(),
  error: z.string().optional(),
  faults: z.array(z.object({ proven: z.boolean() })),
  verdicts: z.array(z.object({ id: z.string(), status: z.enum(['pass', 'fail', 'unknown', 'skip']) })),
});

export interface IndexedRun {
  /** The run dir's name under reports/ (links are relative to the index). */
  readonly dir: string;
  readonly scenario: string;
  readonly runId: string;
  readonly started: string;
  readonly durationMs: number;
  readonly outcome: Outcome;
  /** Requirements by status, e.g. 3 pass, 1 fail. */
  readonly counts: Readonly<Partial<Record<Outcome, number>>>;
  /** Whether the run dir has report.html (runs written before it existed have only summary.md). */
  readonly html: boolean;
}

export function indexedRun(dir: string, json: unknown, html: boolean): IndexedRun | null {
  const p = IndexedResult.safeParse(json);
  if (!p.success) return null;
  const r = p.data;
  const counts: Partial<Record<Outcome, number>> = {};
  for (const v of r.verdicts) counts[v.status] = (counts[v.status] ?? 0) + 1;
  return { dir, scenario: r.scenario.name, runId: r.runId, started: r.started, durationMs: Date.parse(r.finished) - Date.parse(r.started), outcome: runOutcome(r), counts, html };
}

const link = (r: IndexedRun) => `${encodeURIComponent(r.dir)}/${r.html ? 'report.html' : 'summary.md'}`;
const square = (r: IndexedRun) => `<a class="sq st-${r.outcome}" data-outcome="${r.outcome}" href="${esc(link(r))}" title="${esc(`${r.started} ${r.outcome}`)}"></a>`;

export function indexHtml(runs: readonly IndexedRun[]): string {
  const newest = [...runs].sort((a, b) => b.started.localeCompare(a.started) || b.dir.localeCompare(a.dir));
  const byScenario = new Map<string, IndexedRun[]>();
  for (const r of [...newest].reverse()) byScenario.set(r.scenario, [...(byScenario.get(r.scenario) ?? []), r]);
  const history = [...byScenario.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, rs]) => {
      const passes = rs.filter((r) => r.outcome === 'pass').length;
      return `<tr class="scenario" data-scenario="${esc(name)}"><td>${esc(name)}</td><td>${passes}/${rs.length}</td><td class="squares">${rs.map(square).join('')}</td></tr>`;
    })
    .join('');
  const rows = newest
    .map((r) => {
      const counts = (['pass', 'fail', 'unknown', 'skip'] as const).filter((s) => r.counts[s]).map((s) => `${r.counts[s]} ${s}`).join(', ');
      return (
        `<tr class="run" data-dir="${esc(r.dir)}" data-outcome="${r.outcome}"><td>${esc(r.started)}</td><td>${esc(r.scenario)}</td>` +
        `<td><span class="badge st-${r.outcome}">${r.outcome.toUpperCase()}</span></td><td>${esc(counts)}</td><td>${esc((r.durationMs / 1000).toFixed(1))} s</td>` +
        `<td><a href="${esc(link(r))}">${r.html ? 'report' : 'summary.md'}</a></td><td><code>${esc(r.runId)}</code></td></tr>`
      );
    })
    .join('');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>msh runs</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:16px 24px;color:#222}h2{font-size:17px;margin-top:24px}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}
.sq{display:inline-block;width:12px;height:12px;margin-right:2px;border-radius:2px}
${STATUS_CSS}
</style></head><body>
<h1>msh runs (${runs.length})</h1>
<h2>Per scenario (oldest to newest)</h2>
<table class="history"><thead><tr><th>scenario</th><th>passed</th><th>runs</th></tr></thead><tbody>${history}</tbody></table>
<h2>Runs (newest first)</h2>
<table class="runs"><thead><tr><th>started</th><th>scenario</th><th>outcome</th><th>requirements</th><th>took</th><th>report</th><th>run id</th></tr></thead><tbody>${rows}</tbody></table>
</body></html>
`;
}

const exists = (p: string) => access(p).then(() => true, () => false);

/** Rewrites `<reportsDir>/index.html` from every run dir in it (dirs without a readable result.json are left out). */
export async function writeIndex(reportsDir: string): Promise<void> {
  const entries = await readdir(reportsDir, { withFileTypes: true });
  const runs: IndexedRun[] = [];
  for (const e of entries) {
    if (!e.isDirectory()) continue; // `latest` is a symlink to one of them
    const dir = join(reportsDir, e.name);
    const text = await readFile(join(dir, 'result.json'), 'utf8').catch(() => null);
    if (text === null) continue;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      continue; // a run dir being written by another run
    }
    const run = indexedRun(e.name, json, await exists(join(dir, 'report.html')));
    if (run) runs.push(run);
  }
  // A name of its own: two runs finishing at once (--jobs) must not rename each other's half-written file.
  const tmp = join(reportsDir, `.index.html.${process.pid}.${randomBytes(4).toString('hex')}`);
  await writeFile(tmp, indexHtml(runs));
  await rename(tmp, join(reportsDir, 'index.html'));
}
