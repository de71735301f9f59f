// Where the identity database may live, checked against the sites: every
// replicated mode spans Keystones in several regions, star mode needs sites
// outside its master cluster, multi-cluster mode puts every controller site
// in exactly one cluster.
import type { RefIssue } from './references.js';
import type { IdentitySpec } from './schema.js';
import { suggest } from './suggest.js';

/**
 * What is wrong with naming `site` where a site with a controller is needed
 * (`why` says what for), or null: it is no site at all (with a did-you-mean),
 * or a site without a controller.
 */
export function controllerSiteProblem(site: string, sites: readonly string[], controllers: readonly string[], why = ''): string | null {
  if (!sites.includes(site)) return `"${site}" is not a site${suggest(site, controllers, 'sites with a controller')}`;
  if (!controllers.includes(site)) return `"${site}" has no node with role: controller${why} (sites with one: ${controllers.join(', ') || 'none'})`;
  return null;
}

/** `sites`: every site; `controllers`: the sites with a controller node; both in scenario order. */
export function identityDbIssues(id: IdentitySpec, sites: readonly string[], controllers: readonly string[]): RefIssue[] {
  const issues: RefIssue[] = [];
  const add = (path: (string | number)[], message: string) => issues.push({ path: ['identity', ...path], message });
  const mode = id.database;
  if (id.masters && mode !== 'star') add(['masters'], `masters is for database: star (this one is ${mode}): remove it`);
  if (id.clusters && mode !== 'multi-cluster') add(['clusters'], `clusters is for database: multi-cluster (this one is ${mode}): remove it`);
  if (mode === 'local') return issues;
  if (id.placement !== 'distributed') add(['database'], `a ${mode} identity database spans the Keystones of several sites: use placement: distributed, or database: local`);
  if (controllers.length < 2) add(['database'], `a ${mode} identity database needs controllers in at least two sites`);
  /** Reports a site that cannot hold a database member; true if it was reported. */
  const bad = (path: (string | number)[], what: string, site: string): boolean => {
    const problem = controllerSiteProblem(site, sites, controllers);
    if (problem) add(path, `${what} ${problem}`);
    return problem !== null;
  };

  if (mode === 'star') {
    const masters = id.masters ?? controllers.slice(0, 2);
    id.masters?.forEach((m, i) => {
      if (bad(['masters', i], 'master', m)) return;
      if (id.masters!.indexOf(m) !== i) add(['masters', i], `master site "${m}" is listed twice: remove one (the master cluster spans one or two different sites)`);
    });
    if (controllers.length >= 2 && controllers.every((c) => masters.includes(c))) {
      add([id.masters ? 'masters' : 'database'], `star mode needs a site outside the master cluster (${masters.join(', ')}) to hold replicas: add a controller site, or use database: galera`);
    }
  }
  if (mode === 'multi-cluster') {
    const seen = new Map<string, number>();
    let unknownSite = false;
    id.clusters?.forEach((c, i) =>
      c.forEach((site, j) => {
        if (bad(['clusters', i, j], `cluster ${i + 1}:`, site)) unknownSite = true;
        else if (seen.has(site)) add(['clusters', i, j], `site "${site}" is already in cluster ${seen.get(site)! + 1}: a site belongs to one cluster`);
        seen.set(site, seen.get(site) ?? i);
      }),
    );
    // A misspelt site leaves the one it meant in no cluster: that is the same mistake, reported once.
    if (id.clusters) {
      const missing = controllers.filter((c) => !seen.has(c));
      if (missing.length && !unknownSite) add(['clusters'], `every controller site must be in a cluster; missing: ${missing.join(', ')}: add ${missing.length === 1 ? 'it' : 'each'} to one of the clusters`);
    } else if (controllers.length < 3) {
      add(['database'], `multi-cluster mode groups controller sites in pairs by default, which needs at least three (there are ${controllers.length}): list clusters, or use database: galera`);
    }
  }
  return issues;
}
