// The one check every fault kind makes of its target: that the site or link
// it names is in the scenario (with a did-you-mean when it is not).
import type { Scenario } from '../../scenario/schema.js';
import { suggest } from '../../scenario/suggest.js';
import type { Issue } from '../kind.js';

export function siteExists(f: { name: string; site: string }, s: Scenario): Issue[] {
  const sites = s.sites.map((x) => x.name);
  return sites.includes(f.site) ? [] : [['site', `fault "${f.name}" acts on site "${f.site}", which does not exist${suggest(f.site, sites, 'sites')}`]];
}

export function linkExists(f: { name: string; link: string }, s: Scenario): Issue[] {
  const links = s.links.map((l) => l.name);
  return links.includes(f.link) ? [] : [['link', `fault "${f.name}" acts on link "${f.link}", which does not exist${suggest(f.link, links, 'links')}`]];
}
