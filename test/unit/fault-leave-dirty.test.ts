// The leave-dirty fault kind (a known-bad injector whose heal leaves a link
// device down): its proofs both ways and its validation.
import { describe, expect, it } from 'vitest';
import { dirtyProof, leaveDirty } from '../../harness/faults/kinds/leave-dirty.js';
import { parseScenario } from '../../harness/scenario/load.js';
import { wanPair } from '../support/topologies.js';

describe('leave-dirty proofs', () => {
  it('injected when the device reads back down; not when it is up or gone', () => {
    expect(dirtyProof('east', 'l0', 'down', false)).toEqual({ ok: true, summary: 'l0 in east read back down', measured: { site: 'east', device: 'l0', state: 'down' } });
    expect(dirtyProof('east', 'l0', 'up', false).ok).toBe(false);
    expect(dirtyProof('east', 'l0', 'absent', false).summary).toBe('l0 in east read back absent after setting it down');
  });

  it('"healed" only when the device is still down, as this kind leaves it', () => {
    expect(dirtyProof('east', 'l0', 'down', true)).toMatchObject({ ok: true, summary: 'heal skipped on purpose: l0 in east read back still down' });
    const restored = dirtyProof('east', 'l0', 'up', true);
    expect(restored.ok).toBe(false);
    expect(restored.summary).toMatch(/read back up after the heal, though this kind leaves it down/);
  });
});

describe('leave-dirty validation', () => {
  const s = parseScenario(
    'dirty.yaml',
    `name: dirty
duration: 4s
${wanPair('20ms')}
faults:
  - { kind: leave-dirty, name: dirty, link: wan1, at: 1s, duration: 1s }
`,
  ).scenario;

  it('acts on a link of the scenario; its target is that link', () => {
    const f = s.faults[0]!;
    if (f.kind !== 'leave-dirty') throw new Error(`parsed as ${f.kind}`);
    expect(leaveDirty.target(f)).toEqual({ key: 'link wan1', sites: [], link: 'wan1' });
    expect(leaveDirty.validate(f, s)).toEqual([]);
    expect(leaveDirty.validate({ ...f, link: 'wan2' }, s)).toEqual([['link', 'fault "dirty" acts on link "wan2", which does not exist: did you mean "wan1"? (links: wan1)']]);
  });
});
