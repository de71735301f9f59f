// Which sites a fault takes away (harness/checks/site-faults.ts) on a literal
// scenario and literal fault windows: the regions, the components left by a
// cut, overlapping partitions as one cut, and the sites each fault stops or
// cuts off (mutation testing: each assertion failed on a changed helper that
// the checker tests let through).
import { describe, expect, it } from 'vitest';
import { faultWindows, type FaultWindow } from '../../harness/checks/series.js';
import { components, controllerSites, faultedSites, partitionCuts, stopsSite } from '../../harness/checks/site-faults.js';
import { parseScenario } from '../../harness/scenario/load.js';
import { fault } from '../support/faults.js';

// A triangle of regions (east, west, north) and a site with no controller
// (edge), linked to east and west.
const S = parseScenario(
  'sf.yaml',
  `
name: sf
duration: 20s
sites:
  - { name: east, subnet: 198.18.1.0/24, nodes: [{ name: ctl, role: controller }, { name: hb }] }
  - { name: west, subnet: 198.18.2.0/24, nodes: [{ name: hb }, { name: ctl, role: controller }] }
  - { name: north, subnet: 198.18.3.0/24, nodes: [{ name: ctl, role: controller }] }
  - { name: edge, subnet: 198.18.4.0/24, nodes: [{ name: hb }] }
links:
  - { name: ew, between: [east, west], latency: 5ms }
  - { name: wn, between: [west, north], latency: 5ms }
  - { name: ne, between: [north, east], latency: 5ms }
  - { name: de, between: [edge, east], latency: 5ms }
  - { name: wd, between: [west, edge], latency: 5ms }
`,
).scenario;
const REGIONS = ['east', 'west', 'north'];

const cutOf = (link: string, start: number, end: number): FaultWindow => faultWindows(fault({ kind: 'partition', link }, start, end, { name: `cut-${link}` }))[0]!;

describe('controllerSites', () => {
  it('is the sites with a controller among their nodes, in scenario order', () => {
    expect(controllerSites(S)).toEqual(REGIONS);
  });
});

describe('components', () => {
  it('groups the sites still linked, among the sites asked only (links to others ignored)', () => {
    expect(components(S, new Set(), REGIONS)).toEqual([['east', 'north', 'west']]);
    expect(components(S, new Set(['ew', 'ne']), REGIONS)).toEqual([['east'], ['north', 'west']]);
    // Not through edge, which is not among them.
    expect(components(S, new Set(['ew', 'ne', 'wn']), REGIONS)).toEqual([['east'], ['west'], ['north']]);
  });
});

describe('partitionCuts', () => {
  it('takes overlapping partitions as one cut while all are down, in order of start, partitions only', () => {
    const slow = faultWindows(fault({ kind: 'impair', link: 'wn' }, 150, 260, { name: 'slow' }))[0]!;
    const cuts = partitionCuts([cutOf('ew', 200, 400), slow, cutOf('ne', 100, 300), cutOf('wn', 500, 600)]);
    expect(cuts).toEqual([
      { links: new Set(['ne', 'ew']), start: 200, end: 300 },
      { links: new Set(['wn']), start: 500, end: 600 },
    ]);
  });
  it('takes the windows in order of start whatever order they come in', () => {
    expect(partitionCuts([cutOf('ew', 300, 400), cutOf('ne', 100, 200)])).toEqual([
      { links: new Set(['ne']), start: 100, end: 200 },
      { links: new Set(['ew']), start: 300, end: 400 },
    ]);
  });
  it('does not join a partition that starts as the last one heals', () => {
    expect(partitionCuts([cutOf('ew', 100, 300), cutOf('ne', 300, 400)])).toEqual([
      { links: new Set(['ew']), start: 100, end: 300 },
      { links: new Set(['ne']), start: 300, end: 400 },
    ]);
  });
  it('drops a chain of partitions that were never all down at once, even for an instant', () => {
    expect(partitionCuts([cutOf('ew', 100, 500), cutOf('ne', 200, 300), cutOf('wn', 400, 600)])).toEqual([]);
    expect(partitionCuts([cutOf('ew', 100, 300), cutOf('ne', 200, 400), cutOf('wn', 300, 500)])).toEqual([]);
  });
});

describe('stopsSite', () => {
  it('is a site loss, or a pause of a controller; never a paused VM, a cut or a slowed link', () => {
    const w = (input: Parameters<typeof fault>[0]) => faultWindows(fault(input, 10, 20, { name: 'f' }))[0]!;
    expect(stopsSite(S, w({ kind: 'site-loss', site: 'edge' }))).toBe(true);
    expect(stopsSite(S, w({ kind: 'pause-node', node: 'west/ctl' }))).toBe(true);
    expect(stopsSite(S, w({ kind: 'pause-node', node: 'west/hb' }))).toBe(false);
    expect(stopsSite(S, w({ kind: 'pause-node', node: 'edge/hb' }))).toBe(false);
    expect(stopsSite(S, w({ kind: 'partition', link: 'ew' }))).toBe(false);
    expect(stopsSite(S, w({ kind: 'impair', link: 'ew' }))).toBe(false);
    // The node is looked up in its own site: the same name elsewhere is another node.
    const twin = parseScenario('twin.yaml', `
name: twin
duration: 5s
sites:
  - { name: a, subnet: 198.18.1.0/24, nodes: [{ name: n, role: controller }] }
  - { name: b, subnet: 198.18.2.0/24, nodes: [{ name: n }] }
links:
  - { name: ab, between: [a, b], latency: 5ms }
`).scenario;
    expect(stopsSite(twin, w({ kind: 'pause-node', node: 'a/n' }))).toBe(true);
    expect(stopsSite(twin, w({ kind: 'pause-node', node: 'b/n' }))).toBe(false);
  });
});

describe('faultedSites', () => {
  it('lists lost and paused sites and the sites a cut leaves outside the largest group, in order of start', () => {
    const h = [
      ...fault({ kind: 'site-loss', site: 'north' }, 900, undefined, { name: 'lose' }),
      ...fault({ kind: 'pause-node', node: 'west/ctl' }, 50, 80, { name: 'freeze' }),
      // A paused VM leaves its site's services running: no site down.
      ...fault({ kind: 'pause-node', node: 'east/hb' }, 60, 90, { name: 'freeze-vm' }),
      ...fault({ kind: 'partition', link: 'ne' }, 100, 300, { name: 'a' }),
      ...fault({ kind: 'partition', link: 'ew' }, 200, 400, { name: 'b' }),
      ...fault({ kind: 'impair', link: 'wn' }, 10, 20, { name: 'slow' }),
    ].sort((x, y) => x.t - y.t);
    expect(faultedSites(S, faultWindows(h))).toEqual([
      { what: 'freeze (pause-node)', start: 50, end: 80, down: ['west'], cutOff: [] },
      { what: 'partition of ew, ne', start: 200, end: 300, down: [], cutOff: ['east'] },
      { what: 'lose (site-loss)', start: 900, end: Infinity, down: ['north'], cutOff: [] },
    ]);
  });
  it('cuts off nobody when the cut leaves the regions connected, and everybody when no group is the largest', () => {
    expect(faultedSites(S, [cutOf('ew', 100, 200)])).toEqual([{ what: 'partition of ew', start: 100, end: 200, down: [], cutOff: [] }]);
    const two = { ...S, sites: S.sites.filter((x) => x.name !== 'north') };
    expect(faultedSites(two, [cutOf('ew', 100, 200)])).toEqual([{ what: 'partition of ew', start: 100, end: 200, down: [], cutOff: ['east', 'west'] }]);
  });
});
