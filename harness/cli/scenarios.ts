// Finding and loading the scenario files a command names (or all of them).
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { PROJECT_ROOT } from '../paths.js';
import { MshError, type Located } from '../scenario/errors.js';
import { loadScenario, type LoadedScenario } from '../scenario/load.js';

export const SCENARIO_DIR = join(PROJECT_ROOT, 'scenarios');

export async function scenarioFiles(args: readonly string[]): Promise<string[]> {
  if (args.length > 0) return [...args];
  const names = (await readdir(SCENARIO_DIR)).filter((f) => f.endsWith('.yaml')).sort();
  return names.map((f) => relative(process.cwd(), join(SCENARIO_DIR, f)) || f);
}

/** Loads every file; all problems of all files are reported together. */
export async function loadAll(files: readonly string[]): Promise<LoadedScenario[]> {
  const loaded: LoadedScenario[] = [];
  const issues: Located[] = [];
  const unreadable: string[] = [];
  for (const f of files) {
    try {
      loaded.push(await loadScenario(f));
    } catch (err) {
      if (!(err instanceof MshError)) throw err;
      if (err.issues.length > 0) issues.push(...err.issues);
      else unreadable.push(err.message);
    }
  }
  if (issues.length > 0 || unreadable.length > 0) {
    throw new MshError('SCENARIO_INVALID', [...unreadable, `${issues.length} problem(s) in scenario files`].join('\n'), issues);
  }
  return loaded;
}

export function withTag(loaded: readonly LoadedScenario[], tag: string | undefined): LoadedScenario[] {
  return tag === undefined ? [...loaded] : loaded.filter((l) => l.scenario.tags.includes(tag));
}
