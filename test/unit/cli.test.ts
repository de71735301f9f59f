// CLI commands driven in-process with captured streams.
import { shard } from '../../harness/cli/run.js';
import { Writable } from 'node:stream';
import { readFile } from 'node:fs/promises';
import { requirement } from '../../harness/checks/catalog.js';
import { describe, expect, it } from 'vitest';
import { main } from '../../harness/cli/main.js';
import { scenarioJsonSchema } from '../../harness/scenario/schema.js';

function capture() {
  const chunks = { out: '', err: '' };
  const sink = (k: 'out' | 'err') => new Writable({ write: (c, _e, cb) => ((chunks[k] += c.toString()), cb()) });
  return { io: { stdout: sink('out'), stderr: sink('err') }, chunks };
}

describe('msh CLI (in-process)', () => {
  it('list --format json gives scenarios, tags and the requirements each decides', async () => {
    const { io, chunks } = capture();
    expect(await main(['list', '--format', 'json'], io)).toBe(0);
    const rows = JSON.parse(chunks.out) as { name: string; tags: string[]; requirements: string[] }[];
    const wan = rows.find((r) => r.name === 'wan-heartbeat')!;
    expect(wan.tags).toEqual(['wan', 'default']);
    expect(wan.requirements).toEqual(['WAN-FIDELITY', 'WAN-PARTITION-GAP', 'WAN-HEARTBEAT-CONTINUITY', 'HARNESS-BASELINE-RESTORED']);
    // The smoke tag (CI on every change): one scenario per seed document, each deciding only that seed's requirements.
    const smoke = rows.filter((r) => r.tags.includes('smoke'));
    const seedsOf = (r: { requirements: string[] }) => [...new Set(r.requirements.map((id) => requirement(id)!.source).filter((s) => s.startsWith('seeds/')))];
    expect(smoke.map((r) => [r.name, seedsOf(r)])).toEqual([
      ['dr-option1-site-loss', ['seeds/multisite-vnf-gr-requirement.rst']],
      ['ha-l2-site-loss', ['seeds/VNF_high_availability_across_VIM.rst']],
      ['id-fernet-galera', ['seeds/multisite-identity-service-management.rst']],
    ]);
  });

  it('validate reports file:line:col and exits 2, with no stack trace', async () => {
    const { io, chunks } = capture();
    expect(await main(['validate', 'fixtures/bad-scenarios/unknown-key-link.yaml'], io)).toBe(2);
    expect(chunks.err).toMatch(/fixtures\/bad-scenarios\/unknown-key-link\.yaml:\d+:\d+: unknown key/);
    expect(chunks.err).not.toMatch(/\n\s+at /);
  });

  it('validate accepts every shipped scenario', async () => {
    const { io, chunks } = capture();
    expect(await main(['validate'], io)).toBe(0);
    expect(chunks.out).toMatch(/ok .*wan-heartbeat\.yaml/);
  });

  it('unknown commands and bad flags are usage errors, not crashes', async () => {
    const a = capture();
    expect(await main(['frobnicate'], a.io)).toBe(2);
    expect(a.chunks.err).toMatch(/unknown command "frobnicate"/);
    const b = capture();
    expect(await main(['list', '--format', 'xml'], b.io)).toBe(2);
    expect(b.chunks.err).toMatch(/--format is table or json/);
    const c = capture();
    expect(await main(['run', '--tag', 'no-such-tag'], c.io)).toBe(2);
  });

  it('the published JSON Schema is the one generated from the definition', async () => {
    const published = JSON.parse(await readFile('schema/scenario.schema.json', 'utf8')) as unknown;
    expect(published).toEqual(JSON.parse(JSON.stringify(scenarioJsonSchema())));
  });
});

describe('msh run --shard', () => {
  const suite = ['c.yaml', 'a.yaml', 'e.yaml', 'b.yaml', 'd.yaml'].map((file) => ({ file }));
  it('splits a suite into disjoint shards whose union is the suite, in file order', () => {
    const shards = [1, 2, 3].map((i) => shard(suite, `${i}/3`).map((x) => x.file));
    expect(shards).toEqual([['a.yaml', 'd.yaml'], ['b.yaml', 'e.yaml'], ['c.yaml']]);
    expect(shards.flat().sort()).toEqual(suite.map((x) => x.file).sort());
    expect(shard(suite, '1/1').map((x) => x.file)).toEqual(['a.yaml', 'b.yaml', 'c.yaml', 'd.yaml', 'e.yaml']);
  });
  it('rejects a shard spec it cannot read, saying what to write', () => {
    for (const bad of ['0/3', '4/3', '2', 'a/b', '1/0']) expect(() => shard(suite, bad)).toThrow(/--shard takes I\/N with 1 <= I <= N \(e.g. --shard 2\/3\)/);
  });
});
