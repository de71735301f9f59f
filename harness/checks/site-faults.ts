// Which sites a fault takes away (pure): lost or paused sites, and the sites
// a partition cuts off from the largest group of connected sites.
import type { Scenario } from '../scenario/schema.js';
import type { FaultWindow } from './series.js';

/** Sites with a controller: the regions (each may run a Keystone and the site APIs). */
export function controllerSites(s: Scenario): string[] {
  return s.sites.filter((x) => x.nodes.some((n) => n.role === 'controller')).map((x) => x.name);
}

/** Sites connected when the given links are cut: components of the remaining link graph (Galera relays through any member). */
export function components(s: Scenario, cut: ReadonlySet<string>, among: readonly string[]): string[][] {
  const adj = new Map(among.map((x) => [x, new Set<string>()]));
  for (const l of s.links) {
    if (cut.has(l.name)) continue;
    const [a, b] = l.between;
    adj.get(a)?.add(b);
    adj.get(b)?.add(a);
  }
  const seen = new Set<string>();
  const out: string[][] = [];
  for (const start of among) {
    if (seen.has(start)) continue;
    const comp: string[] = [];
    const stack = [start];
    seen.add(start);
    while (stack.length) {
      const x = stack.pop()!;
      comp.push(x);
      // Only sites of `among` are ever stacked, and each has an entry.
      for (const y of adj.get(x)!) if (!seen.has(y) && adj.has(y)) (seen.add(y), stack.push(y));
    }
    out.push(comp.sort());
  }
  return out;
}

/** Partition faults that overlap, as one cut: the links down together and the span when all are down. */
export function partitionCuts(windows: readonly FaultWindow[]): { links: Set<string>; start: number; end: number }[] {
  const ps = windows.filter((f) => f.faultKind === 'partition').sort((a, b) => a.start - b.start);
  const groups: FaultWindow[][] = [];
  for (const p of ps) {
    const g = groups.at(-1);
    if (g && p.start < Math.max(...g.map((x) => x.end))) g.push(p);
    else groups.push([p]);
  }
  return groups
    .map((g) => ({ links: new Set(g.map((x) => x.target.link!)), start: Math.max(...g.map((x) => x.start)), end: Math.min(...g.map((x) => x.end)) }))
    .filter((c) => c.start < c.end);
}

/** Whether a fault stops a site's services: the site lost, or its controller paused (a paused VM leaves them running). */
export function stopsSite(s: Scenario, f: FaultWindow): boolean {
  if (f.faultKind === 'site-loss') return true;
  if (f.faultKind !== 'pause-node') return false;
  // Validation made sure the node exists.
  const [site, node] = f.target.node!.split('/');
  return s.sites.find((x) => x.name === site)!.nodes.find((n) => n.name === node)!.role === 'controller';
}

/** What a fault does to the sites: stops some (lost or paused), or cuts some off from the largest group of connected sites. */
export function faultedSites(s: Scenario, windows: readonly FaultWindow[]): { what: string; start: number; end: number; down: string[]; cutOff: string[] }[] {
  const sites = controllerSites(s);
  const lost = windows
    .filter((f) => stopsSite(s, f))
    .map((f) => ({ what: `${f.fault} (${f.faultKind})`, start: f.start, end: f.end, down: [...f.target.sites], cutOff: [] }));
  const cut = partitionCuts(windows).map((c) => {
    const comps = components(s, c.links, sites).sort((a, b) => b.length - a.length);
    const main = comps[0]!.length > (comps[1]?.length ?? 0) ? comps[0]! : [];
    return { what: `partition of ${[...c.links].sort().join(', ')}`, start: c.start, end: c.end, down: [], cutOff: sites.filter((x) => !main.includes(x)) };
  });
  return [...lost, ...cut].sort((a, b) => a.start - b.start);
}
