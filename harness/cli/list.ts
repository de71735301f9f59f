// msh list [--format table|json] [--tag T]
import { parseArgs } from 'node:util';
import Table from 'cli-table3';
import { MshError } from '../scenario/errors.js';
import { println, type Io } from './io.js';
import { loadAll, scenarioFiles, withTag } from './scenarios.js';

export async function listCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args, options: { format: { type: 'string', default: 'table' }, tag: { type: 'string' } } });
  if (values.format !== 'table' && values.format !== 'json') throw new MshError('USAGE', `--format is table or json, not "${values.format}"`);
  const rows = withTag(await loadAll(await scenarioFiles([])), values.tag).map((l) => ({
    name: l.scenario.name,
    file: l.file,
    tags: l.scenario.tags,
    requirements: [...new Set(l.scenario.checks.flatMap((c) => c.requirements))],
    description: l.scenario.description,
  }));
  if (values.format === 'json') {
    println(io.stdout, JSON.stringify(rows, null, 2));
    return 0;
  }
  const t = new Table({ head: ['scenario', 'tags', 'requirements'], style: { head: [], border: [] } });
  for (const r of rows) t.push([r.name, r.tags.join(', '), r.requirements.join('\n')]);
  println(io.stdout, t.toString());
  return 0;
}
