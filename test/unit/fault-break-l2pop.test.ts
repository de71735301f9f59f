// The break-l2pop fault kind's pure parts: reading the kernel's FDB, its
// proofs both ways, and its validation.
import { describe, expect, it } from 'vitest';
import { breakL2pop, healProof, injectProof, remoteEntries } from '../../harness/faults/kinds/break-l2pop.js';
import { MshError } from '../../harness/scenario/errors.js';
import { parseScenario } from '../../harness/scenario/load.js';

const FDB = `33:33:00:00:00:01 dev eth0 self permanent
fa:16:3e:0d:d0:01 dev vxlan-5001 dst 198.18.1.2 self permanent
00:00:00:00:00:00 dev vxlan-5001 dst 198.18.1.2 self permanent
fa:16:3e:aa:bb:cc dev tap1234 master brq1234 permanent
Deleted fa:16:3e:0d:d0:01 dev vxlan-5001 dst 198.18.1.9 self permanent
00:00:00:00:00:00 dev vxlan-5002 dst 198.18.3.5 self permanent
`;

describe('remoteEntries', () => {
  it('keeps the remote entries of tenant VXLAN devices, leaves out bridge entries, other devices and deletions', () => {
    expect(remoteEntries(FDB)).toEqual([
      { mac: 'fa:16:3e:0d:d0:01', dev: 'vxlan-5001', dst: '198.18.1.2' },
      { mac: '00:00:00:00:00:00', dev: 'vxlan-5001', dst: '198.18.1.2' },
      { mac: '00:00:00:00:00:00', dev: 'vxlan-5002', dst: '198.18.3.5' },
    ]);
    expect(remoteEntries('')).toEqual([]);
  });
});

describe('proofs', () => {
  const removed = remoteEntries(FDB).slice(0, 2);

  it('injected: the watcher runs and the kernel holds no remote entry', () => {
    const p = injectProof('west', true, [], removed);
    expect(p.ok).toBe(true);
    expect(p.summary).toMatch(/no remote FDB entry .* \(2 removed so far\)/);
  });

  it('not injected: an entry left in the kernel, or no watcher', () => {
    const left = injectProof('west', true, removed.slice(0, 1), []);
    expect(left.ok).toBe(false);
    expect(left.summary).toMatch(/1 remote FDB entries still in west's kernel: fa:16:3e:0d:d0:01 vxlan-5001 dst 198.18.1.2/);
    const dead = injectProof('west', false, [], []);
    expect(dead.ok).toBe(false);
    expect(dead.summary).toMatch(/not running/);
  });

  it('healed only when the watcher ran until the heal and is gone after; what it removed is measured', () => {
    const h = healProof('west', true, false, removed);
    expect(h.ok).toBe(true);
    expect(h.summary).toBe("watcher stopped in west's controller; it removed 2 remote FDB entries behind the API's back");
    expect(h.measured).toEqual({ site: 'west', watcherRanThrough: true, watcherRunning: false, removed });
    const stuck = healProof('west', true, true, removed);
    expect(stuck.ok).toBe(false);
    expect(stuck.summary).toBe("the watcher in west's controller still runs after the kill");
    // Its monitor died mid-window: entries programmed after were never removed.
    const died = healProof('west', false, false, removed);
    expect(died.ok).toBe(false);
    expect(died.summary).toBe("the watcher in west's controller had already exited when the window ended: L2 population was not broken throughout (it removed 2 remote FDB entries)");
  });
});

describe('validation', () => {
  const scenario = (fault: string) =>
    parseScenario(
      'l2pop.yaml',
      `name: l2pop
duration: 3s
sites:
  - { name: east, subnet: 198.18.1.0/24, nodes: [{ name: ctl, role: controller }] }
  - { name: west, subnet: 198.18.2.0/24, nodes: [{ name: h }] }
links:
  - { name: ew, between: [east, west], latency: 5ms }
faults:
  - ${fault}
`,
    );

  it('takes a site with a controller; its target is that site', () => {
    const s = scenario('{ kind: break-l2pop, name: f, site: east, at: 0s, duration: 1s }').scenario;
    const f = s.faults[0]!;
    expect(f.kind).toBe('break-l2pop');
    if (f.kind !== 'break-l2pop') return;
    expect(breakL2pop.target(f)).toEqual({ key: 'l2pop east', sites: ['east'] });
    expect(breakL2pop.validate(f, s)).toEqual([]);
  });

  it('refuses a site without a controller and a site that does not exist', () => {
    const problems = (fault: string) => {
      try {
        scenario(fault);
        return '';
      } catch (err) {
        if (!(err instanceof MshError)) throw err;
        return err.issues.map((i) => i.message).join('\n');
      }
    };
    expect(problems('{ kind: break-l2pop, name: f, site: west, at: 0s, duration: 1s }')).toMatch(/site "west", which has no controller/);
    expect(problems('{ kind: break-l2pop, name: f, site: wset, at: 0s, duration: 1s }')).toMatch(/site "wset", which does not exist.*west/);
  });
});
