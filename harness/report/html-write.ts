// Writing the HTML pages of a run: report.html from its result and the
// history.jsonl beside it, and the suite index when the run dir is one of
// PROJECT_ROOT/reports' (a run written with --out elsewhere is someone
// else's directory: no index is made there).
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { HistoryEvent } from '../observe/history.js';
import { PROJECT_ROOT } from '../paths.js';
import { reportHtml } from './html.js';
import { writeIndex } from './index-page.js';
import type { ResultFile } from './write.js';

/**
 * The run's history as recorded. Lines are read one by one: a run killed
 * mid-write may end in half a line, and the report of what happened so far
 * is exactly what such a run needs.
 */
export async function readHistoryFile(path: string): Promise<HistoryEvent[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const out: HistoryEvent[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line) as HistoryEvent);
    } catch {
      // the torn last line of a killed run
    }
  }
  return out;
}

export async function writeHtml(outDir: string, file: ResultFile, write: (path: string, text: string) => Promise<void>): Promise<void> {
  await write(join(outDir, 'report.html'), reportHtml(file, await readHistoryFile(join(outDir, 'history.jsonl'))));
  const parent = dirname(resolve(outDir));
  if (parent !== resolve(PROJECT_ROOT, 'reports')) return;
  // The index only summarizes the runs: failing to rewrite it must not fail a run whose own files are written.
  await writeIndex(parent).catch((e: unknown) => process.stderr.write(`reports/index.html not rewritten: ${e instanceof Error ? e.message : String(e)}\n`));
}
