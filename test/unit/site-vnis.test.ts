// Per-site VNIs (networks[].vniBySite): regions that allocate segmentation IDs
// on their own. The plan gives each site's attachment the VNI of its own
// site, validation keeps VNIs unique within a site (as one network API
// does) and lets two networks meet on one VNI only across sites, which is
// the known-bad fixture ha-overlapping-ip-crossed.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { MshError } from '../../harness/scenario/errors.js';
import { parseScenario } from '../../harness/scenario/load.js';
import { planAttachments, vniAt } from '../../harness/topology/overlay.js';

const FIXTURE = 'fixtures/scenarios/ha-overlapping-ip-crossed.yaml';
const GOOD = 'scenarios/ha-overlapping-ip.yaml';

/** The messages of the problems a scenario text has (none: []), with the YAML path's line. */
function problems(text: string): { line: number; message: string }[] {
  try {
    parseScenario('x.yaml', text);
    return [];
  } catch (err) {
    if (!(err instanceof MshError)) throw err;
    return err.issues.map((i) => ({ line: i.line, message: i.message }));
  }
}

describe('vniAt', () => {
  it("is the network's vni unless the site has its own", () => {
    const n = { vni: 5001, vniBySite: { west: 5003 } };
    expect(vniAt(n, 'east')).toBe(5001);
    expect(vniAt(n, 'west')).toBe(5003);
    expect(vniAt({ vni: 7 }, 'west')).toBe(7);
  });
});

describe('per-site VNIs in the plan', () => {
  it("gives each attachment its own site's VNI: the fixture's backup networks are crossed in west", async () => {
    const { scenario } = parseScenario(FIXTURE, await readFile(FIXTURE, 'utf8'));
    const backup = planAttachments(scenario).filter((a) => a.network.startsWith('backup'));
    expect(backup.map((a) => [a.network, a.ref, a.address, a.vni])).toEqual([
      ['backup1', 'east/a1', '198.18.200.10', 5001],
      ['backup1', 'west/b1', '198.18.200.11', 5003],
      ['backup2', 'east/a2', '198.18.200.10', 5003],
      ['backup2', 'west/b2', '198.18.200.11', 5001],
    ]);
  });

  it('is the known-good scenario with only vniBySite added', async () => {
    const [good, bad] = await Promise.all([readFile(GOOD, 'utf8'), readFile(FIXTURE, 'utf8')]);
    const g = parseScenario(GOOD, good).scenario;
    const b = parseScenario(FIXTURE, bad).scenario;
    const strip = (s: typeof g) => ({ ...s, name: '', description: '', tags: [], networks: s.networks.map(({ vniBySite: _, ...n }) => n) });
    expect(strip(b)).toEqual(strip(g));
    expect(g.networks.every((n) => n.vniBySite === undefined)).toBe(true);
    // In the known-good every attachment of a network has the network's one VNI.
    expect(planAttachments(g).every((a) => a.vni === g.networks.find((n) => n.name === a.network)!.vni)).toBe(true);
  });
});

describe('per-site VNI validation', () => {
  const base = async () => readFile(FIXTURE, 'utf8');
  /** The line (from 1) of the fixture's network `name`, where its problems are reported. */
  const lineOf = async (name: string) => (await base()).split('\n').findIndex((l) => l.includes(`{ name: ${name},`)) + 1;

  it('accepts two networks meeting on one VNI across sites (the fixture)', async () => {
    expect(problems(await base())).toEqual([]);
  });

  it('rejects a site given its own VNI that the network does not span', async () => {
    const text = (await base()).replace('vniBySite: { west: 5003 }', 'vniBySite: { west: 5003, users: 5005 }');
    expect(problems(text)).toEqual([
      { line: await lineOf('backup1'), message: 'network "backup1" gives site "users" a VNI of its own but does not span it: add the site to sites, or drop it from vniBySite' },
    ]);
  });

  it('rejects two networks on one VNI within a site, at the per-site VNI that makes them meet', async () => {
    // backup2 keeps 5003 in east, where backup1 now has it too.
    const text = (await base()).replace('vniBySite: { west: 5003 }', 'vniBySite: { east: 5003, west: 5005 }');
    expect(problems(text)).toEqual([
      { line: await lineOf('backup2'), message: 'network "backup2" has VNI 5003 in site "east", which "backup1" has there: a site\'s network API gives each network its own VNI' },
    ]);
    // One made by an earlier network's own entry is reported at the later network's vni (ext1 keeps 5002 in west).
    const later = (await base()).replace('vniBySite: { west: 5001 }', 'vniBySite: { west: 5002 }');
    expect(problems(later)).toEqual([
      { line: await lineOf('ext1'), message: 'network "ext1" has VNI 5002 in site "west", which "backup2" has there: a site\'s network API gives each network its own VNI' },
    ]);
  });

  it('still reports two networks on one default VNI once, as before', async () => {
    const text = (await base()).replace('{ name: ext2, vni: 5004', '{ name: ext2, vni: 5002');
    expect(problems(text).map((p) => p.message)).toEqual(['network "ext2" reuses VNI 5002 of "ext1": give each network its own VNI']);
  });
});
