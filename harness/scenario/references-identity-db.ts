// Where the identity database may live, checked against the sites: every
// replicated mode spans Keystones in several regions, star mode needs sites
// outside its master cluster, multi-cluster mode puts every controller site
// in exactly one cluster.
import type { RefIssue } from './references.js';
import type { IdentitySpec } from './schema.js';

/** `controllers`: the sites with a controller node, in scenario order. */
export function identityDbIssues(id: IdentitySpec, controllers: readonly string[]): RefIssue[] {
  const issues: RefIssue[] = [];
  const add = (path: (string | number)[], message: string) => issues.push({ path: ['identity', ...path], message });
  const mode = id.database;
  const isController = new Set(controllers);
  if (id.masters && mode !== 'star') add(['masters'], `masters is for database: star (this one is ${mode}): remove it`);
  if (id.clusters && mode !== 'multi-cluster') add(['clusters'], `clusters is for database: multi-cluster (this one is ${mode}): remove it`);
  if (mode === 'local') return issues;
  if (id.placement !== 'distributed') add(['database'], `a ${mode} identity database spans the Keystones of several sites: use placement: distributed, or database: local`);
  if (controllers.length < 2) add(['database'], `a ${mode} identity database needs controllers in at least two sites`);
  const unknown = (path: (string | number)[], site: string) => add(path, `"${site}" is not a site with a node of role: controller (sites with one: ${controllers.join(', ') || 'none'})`);

  if (mode === 'star') {
    const masters = id.masters ?? controllers.slice(0, 2);
    id.masters?.forEach((m, i) => {
      if (!isController.has(m)) unknown(['masters', i], m);
      if (id.masters!.indexOf(m) !== i) add(['masters', i], `master site "${m}" is listed twice`);
    });
    if (controllers.length >= 2 && controllers.every((c) => masters.includes(c))) {
      add([id.masters ? 'masters' : 'database'], `star mode needs a site outside the master cluster (${masters.join(', ')}) to hold replicas: add a controller site, or use database: galera`);
    }
  }
  if (mode === 'multi-cluster') {
    const seen = new Map<string, number>();
    id.clusters?.forEach((c, i) =>
      c.forEach((site, j) => {
        if (!isController.has(site)) unknown(['clusters', i, j], site);
        else if (seen.has(site)) add(['clusters', i, j], `site "${site}" is already in cluster ${seen.get(site)! + 1}: a site belongs to one cluster`);
        seen.set(site, seen.get(site) ?? i);
      }),
    );
    if (id.clusters) {
      const missing = controllers.filter((c) => !seen.has(c));
      if (missing.length) add(['clusters'], `every controller site must be in a cluster; missing: ${missing.join(', ')}`);
    } else if (controllers.length < 3) {
      add(['database'], `multi-cluster mode groups controller sites in pairs by default, which needs at least three (there are ${controllers.length}): list clusters, or use database: galera`);
    }
  }
  return issues;
}
