// msh schema: the JSON Schema of scenario files. msh requirements: the catalog.
import { CATALOG } from '../checks/catalog.js';
import { scenarioJsonSchema } from '../scenario/schema.js';
import { println, type Io } from './io.js';

export async function schemaCommand(_args: string[], io: Io): Promise<number> {
  println(io.stdout, JSON.stringify(scenarioJsonSchema(), null, 2));
  return 0;
}

export async function requirementsCommand(_args: string[], io: Io): Promise<number> {
  for (const r of CATALOG) println(io.stdout, `${r.id}\t${r.source} (${r.section})\t${r.statement}`);
  return 0;
}
