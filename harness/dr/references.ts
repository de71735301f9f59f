// Reference checks of the `dr` block against the rest of the scenario.
import type { RefIssue } from '../scenario/references.js';
import { controllerSiteProblem } from '../scenario/references-identity-db.js';
import type { Scenario } from '../scenario/schema.js';

export function checkDrReferences(s: Scenario): RefIssue[] {
  const d = s.dr;
  if (!d) return [];
  const issues: RefIssue[] = [];
  const sites = s.sites.map((x) => x.name);
  const controllers = s.sites.filter((x) => x.nodes.some((n) => n.role === 'controller')).map((x) => x.name);
  for (const field of ['primary', 'backup'] as const) {
    const problem = controllerSiteProblem(d[field], sites, controllers, `: the DR ${field} site runs the compute, volume and image APIs in its controller`);
    if (problem) issues.push({ path: ['dr', field], message: `dr.${field}: ${problem}` });
  }
  if (d.primary === d.backup) issues.push({ path: ['dr', 'backup'], message: `dr.backup is the primary site "${d.primary}": a geo-site backup lives in another site` });
  const joined = s.links.some((l) => l.between.includes(d.primary) && l.between.includes(d.backup));
  if (issues.length === 0 && !joined) issues.push({ path: ['dr'], message: `no link joins "${d.primary}" and "${d.backup}": backups and replicas cross the WAN between them; add a link, e.g. { name: pb, between: [${d.primary}, ${d.backup}], latency: 10ms }` });
  return issues;
}
