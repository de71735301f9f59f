// msh validate <scenario.yaml...>: schema and reference checks only.
import { println, type Io } from './io.js';
import { loadAll, scenarioFiles } from './scenarios.js';

export async function validateCommand(args: string[], io: Io): Promise<number> {
  const loaded = await loadAll(await scenarioFiles(args)); // throws with every problem found
  for (const l of loaded) println(io.stdout, `ok ${l.file} (${l.scenario.name})`);
  return 0;
}
