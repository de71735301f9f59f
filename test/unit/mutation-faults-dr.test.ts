// The fault kinds of the DR and known-bad scenarios (dr-failover,
// corrupt-data, leave-dirty, break-l2pop) injected through fakes: what each
// asks of the deployment, what it proves from what it read back, and what it
// refuses in a scenario. Mutation testing: each assertion here failed on a
// changed kind that the other tests let through.
import { describe, expect, it } from 'vitest';
import type { DrActions, FaultEnv } from '../../harness/faults/kind.js';
import { breakL2pop, healProof, injectProof, remoteEntries } from '../../harness/faults/kinds/break-l2pop.js';
import { corruptData } from '../../harness/faults/kinds/corrupt-data.js';
import { drFailover } from '../../harness/faults/kinds/dr-failover.js';
import { leaveDirty } from '../../harness/faults/kinds/leave-dirty.js';
import type { ExecResult, Runtime } from '../../harness/runtime/runtime.js';
import { parseScenario } from '../../harness/scenario/load.js';
import type { Scenario } from '../../harness/scenario/schema.js';
import { planTopology } from '../../harness/topology/plan.js';

const SCENARIO = parseScenario(
  'f.yaml',
  `
name: f
duration: 20s
sites:
  - { name: primary, subnet: 198.18.1.0/24, nodes: [{ name: hb }, { name: ctl, role: controller }] }
  - { name: backup, subnet: 198.18.2.0/24, nodes: [{ name: ctl, role: controller }] }
  - { name: edge, subnet: 198.18.3.0/24, nodes: [{ name: hb }] }
links:
  - { name: pb, between: [primary, backup], latency: 5ms }
  - { name: pe, between: [edge, primary], latency: 5ms }
dr: { primary: primary, backup: backup, option: replication, members: 3, rate: 20 }
`,
).scenario;
const NO_DR = { ...SCENARIO, dr: undefined } as unknown as Scenario;

type Exec = (ref: string, cmd: readonly string[]) => Partial<ExecResult>;

/** A fault environment over fakes: exec answers scripted per command, device states per name, the DR runner's actions. */
function fakeEnv(o: { exec?: Exec; states?: Record<string, 'up' | 'down' | 'absent'>[]; dr?: DrActions } = {}) {
  const asked: string[] = [];
  let reads = 0;
  const runtime = {
    exec: async (id: string, cmd: readonly string[]) => {
      const ref = id.replace(/^c:/, '');
      asked.push(`exec ${ref} ${cmd[0]} ${cmd[1]}${cmd[0] === 'sh' ? ` ${cmd[2]!.trim().split('\n')[0]}` : ''}`);
      return { exitCode: 0, stdout: '', stderr: '', ...(o.exec ?? (() => ({})))(ref, cmd) };
    },
  } as unknown as Runtime;
  const plan = planTopology(SCENARIO, 'abcdef');
  const env: FaultEnv = {
    plan,
    runtime,
    container: (ref) => `c:${ref}`,
    link: (name) => plan.links.find((x) => x.name === name)!,
    setLink: async () => undefined,
    linkSettings: async () => {
      throw new Error('unused');
    },
    linkStats: async () => {
      throw new Error('unused');
    },
    setDown: async (ns, devs) => void asked.push(`down ${ns} ${devs.join(',')}`),
    deviceStates: async (ns, devs) => {
      asked.push(`read ${ns} ${devs.join(',')}`);
      return o.states?.[reads++] ?? {};
    },
    ...(o.dr ? { dr: o.dr } : {}),
  };
  return { env, asked, plan };
}

const drActions = (failover: DrActions['failover'], corrupt: DrActions['corrupt'] = async () => ({ seq: 0, at: 0 })): DrActions => ({ failover, corrupt });

describe('dr-failover', () => {
  const f = { kind: 'dr-failover' as const, name: 'go', at: 1000, site: 'backup' };

  it('is a one-shot action that does not heal, aimed at the backup site', () => {
    expect([drFailover.heals, drFailover.action]).toEqual([false, true]);
    expect(drFailover.target(f)).toEqual({ key: 'dr backup', sites: ['backup'] });
  });

  it('restores only in dr.backup, in a site that exists, and only with a dr block', () => {
    expect(drFailover.validate(f, SCENARIO)).toEqual([]);
    expect(drFailover.validate({ ...f, site: 'edge' }, SCENARIO)).toEqual([['site', 'fault "go" restores in "edge", but dr.backup is "backup": the backups and replicas are there; write site: backup']]);
    expect(drFailover.validate({ ...f, site: 'bakup' }, SCENARIO)).toEqual([['site', expect.stringMatching(/^fault "go" acts on site "bakup", which does not exist/)]]);
    expect(drFailover.validate(f, NO_DR)).toEqual([[null, 'fault "go" triggers a DR failover, but the scenario has no dr block: add one (vnf, primary, backup, option), or remove this fault']]);
  });

  it('has the runner restore in the site named; proven once it acted there, serving or not', async () => {
    const to: string[] = [];
    const served = await drFailover.inject(f, fakeEnv({ dr: drActions(async (site) => (to.push(site), { servingAt: 1900, seqs: [40, 40, 39], restoredFrom: 'cycle 2', booted: 3, members: 3 })) }).env);
    expect(to).toEqual(['backup']);
    expect(served.proof).toEqual({ ok: true, summary: 'restore in backup triggered and carried out from cycle 2: serving again (cut 40/40/39)', measured: { servingAt: 1900, seqs: [40, 40, 39], restoredFrom: 'cycle 2', booted: 3, members: 3 } });
    expect(served.heal).toBeUndefined();
    const down = await drFailover.inject(f, fakeEnv({ dr: drActions(async () => ({ servingAt: null, seqs: [], restoredFrom: '', booted: 1, members: 3 })) }).env);
    expect(down.proof).toMatchObject({ ok: true, summary: 'restore in backup triggered and carried out from nothing: not serving: 1 of 3 VMs booted' });
    // A serving time of 0 ms is still serving.
    const zero = await drFailover.inject(f, fakeEnv({ dr: drActions(async () => ({ servingAt: 0, seqs: [1], restoredFrom: 'x', booted: 3, members: 3 })) }).env);
    expect(zero.proof.summary).toMatch(/serving again \(cut 1\)$/);
  });

  it('throws without a DR runner, and when the runner cannot reach the site', async () => {
    await expect(drFailover.inject(f, fakeEnv().env)).rejects.toThrow(/^no DR runner: the scenario has no dr block$/);
    await expect(drFailover.inject(f, fakeEnv({ dr: drActions(async () => Promise.reject(new Error('backup unreachable'))) }).env)).rejects.toThrow('backup unreachable');
  });
});

describe('corrupt-data', () => {
  const f = { kind: 'corrupt-data' as const, name: 'bad', at: 1000, member: 2 };

  it('is a one-shot action that does not heal, on a member of the DR VNF', () => {
    expect([corruptData.heals, corruptData.action]).toEqual([false, true]);
    expect(corruptData.target(f)).toEqual({ key: 'dr-data 2', sites: [] });
    expect(corruptData.validate(f, SCENARIO)).toEqual([]);
    expect(corruptData.validate({ ...f, member: 3 }, SCENARIO)).toEqual([['member', 'fault "bad" corrupts VM 3, but the DR VNF has 3 (0 to 2)']]);
    expect(corruptData.validate(f, NO_DR)).toEqual([[null, 'fault "bad" corrupts the DR VNF\'s data, but the scenario has no dr block: add one, or remove this fault']]);
  });

  it('has the runner corrupt that member; the proof dates the fault from the read-back', async () => {
    const asked: number[] = [];
    const r = await corruptData.inject(f, fakeEnv({ dr: drActions(async () => { throw new Error('unused'); }, async (m) => (asked.push(m), { seq: 57, at: 4321 })) }).env);
    expect(asked).toEqual([2]);
    expect(r.proof).toEqual({ ok: true, summary: "VM 2's volume read back holding corrupt data from transaction 57", measured: { member: 2, seq: 57, at: 4321 }, from: 4321 });
    expect(r.heal).toBeUndefined();
    await expect(corruptData.inject(f, fakeEnv().env)).rejects.toThrow(/^no DR runner: the scenario has no dr block$/);
  });
});

describe('leave-dirty', () => {
  const f = { kind: 'leave-dirty' as const, name: 'dirty', at: 1000, duration: 1000, link: 'pe' };

  it('heals (badly) and is not an action', () => {
    expect([leaveDirty.heals, leaveDirty.action]).toEqual([true, false]);
  });

  it("sets the link's device in its first site down, proves it read back down, and reads it again at heal without touching it", async () => {
    const { plan } = fakeEnv();
    const l = plan.links.find((x) => x.name === 'pe')!;
    const ns = plan.sites.find((s) => s.name === 'edge')!.ns;
    const dev = l.a.device;
    const states = [{ [dev]: 'down' as const }, { [dev]: 'down' as const }];
    const run = fakeEnv({ states });
    const r = await leaveDirty.inject(f, run.env);
    expect(l.a.site).toBe('edge');
    expect(run.asked).toEqual([`down ${ns} ${dev}`, `read ${ns} ${dev}`]);
    expect(r.proof).toEqual({ ok: true, summary: `${dev} in edge read back down`, measured: { site: 'edge', device: dev, state: 'down' } });
    const healed = await r.heal!();
    expect(run.asked).toEqual([`down ${ns} ${dev}`, `read ${ns} ${dev}`, `read ${ns} ${dev}`]);
    expect(healed).toEqual({ ok: true, summary: `heal skipped on purpose: ${dev} in edge read back still down`, measured: { site: 'edge', device: dev, state: 'down' } });
  });

  it('a device the kernel does not report reads back absent: not proven', async () => {
    const r = await leaveDirty.inject(f, fakeEnv({ states: [{}, { other: 'down' }] }).env);
    expect(r.proof).toMatchObject({ ok: false, measured: { site: 'edge', state: 'absent' } });
    expect(await r.heal!()).toMatchObject({ ok: false, measured: { state: 'absent' } });
  });
});

describe('break-l2pop: reading the FDB', () => {
  it('needs the dev keyword, a tenant VXLAN device, the dst keyword and an address', () => {
    expect(remoteEntries('fa:16:3e:00:00:01 dev vxlan-7 dst 198.18.1.2 self')).toEqual([{ mac: 'fa:16:3e:00:00:01', dev: 'vxlan-7', dst: '198.18.1.2' }]);
    expect(remoteEntries('fa:16:3e:00:00:01 via vxlan-7 dst 198.18.1.2')).toEqual([]);
    expect(remoteEntries('fa:16:3e:00:00:01 dev vxlan-x dst 198.18.1.2')).toEqual([]);
    expect(remoteEntries('fa:16:3e:00:00:01 dev myvxlan-7 dst 198.18.1.2')).toEqual([]);
    expect(remoteEntries('fa:16:3e:00:00:01 dev vxlan-7a dst 198.18.1.2')).toEqual([]);
    expect(remoteEntries('fa:16:3e:00:00:01 dev vxlan-7 src 198.18.1.2')).toEqual([]);
    expect(remoteEntries('fa:16:3e:00:00:01 dev vxlan-7 dst')).toEqual([]);
    expect(remoteEntries('fa:16:3e:00:00:01 dev')).toEqual([]);
    expect(remoteEntries('   fa:16:3e:00:00:02   dev  vxlan-8   dst 198.18.3.4  \n\nDeleted fa:16:3e:00:00:01 dev vxlan-7 dst 198.18.1.2')).toEqual([{ mac: 'fa:16:3e:00:00:02', dev: 'vxlan-8', dst: '198.18.3.4' }]);
  });

  it('its proofs: entries listed (three at most) and counted; the watcher must run, then be gone', () => {
    const e = (k: number) => ({ mac: `m${k}`, dev: 'vxlan-1', dst: `d${k}` });
    const four = [1, 2, 3, 4].map(e);
    expect(injectProof('primary', true, four, [])).toEqual({ ok: false, summary: "4 remote FDB entries still in primary's kernel: m1 vxlan-1 dst d1, m2 vxlan-1 dst d2, m3 vxlan-1 dst d3", measured: { site: 'primary', watcherRunning: true, remoteEntries: four, removed: [] } });
    expect(injectProof('primary', false, four, [])).toMatchObject({ ok: false, summary: "the watcher in primary's controller is not running" });
    expect(injectProof('primary', true, [], four)).toEqual({ ok: true, summary: "read back from primary's kernel: no remote FDB entry on any tenant VXLAN device (4 removed so far)", measured: { site: 'primary', watcherRunning: true, remoteEntries: [], removed: four } });
    expect(healProof('primary', true, true, four)).toEqual({ ok: false, summary: "the watcher in primary's controller still runs after the kill", measured: { site: 'primary', watcherRanThrough: true, watcherRunning: true, removed: four } });
    expect(healProof('primary', true, false, [])).toEqual({ ok: true, summary: "watcher stopped in primary's controller; it removed 0 remote FDB entries behind the API's back", measured: { site: 'primary', watcherRanThrough: true, watcherRunning: false, removed: [] } });
  });
});

describe('break-l2pop: injected through a fake controller', () => {
  const f = { kind: 'break-l2pop' as const, name: 'lose', at: 1000, duration: 1000, site: 'primary' };
  const ENTRY = 'fa:16:3e:00:00:01 dev vxlan-7 dst 198.18.2.2 self permanent';

  /** A controller whose watcher starts as `pid`, is alive while `alive()`, and has removed what `removed` says. */
  const controller = (o: { start?: Partial<ExecResult>; alive?: () => boolean; fdb?: string; removed?: string }) => {
    const cmds: string[][] = [];
    const exec: Exec = (ref, cmd) => {
      cmds.push([ref, ...cmd]);
      if (cmd[0] === 'sh' && cmd[3] === 'sh') return o.start ?? { stdout: 'noise\n4242\n' };
      if (cmd[0] === 'sh' && cmd[2] === 'kill -0 4242') return { exitCode: (o.alive ?? (() => true))() ? 0 : 1 };
      if (cmd[0] === 'cat') return { stdout: o.removed ?? '' };
      if (cmd[0] === 'bridge') return { stdout: o.fdb ?? '' };
      return {};
    };
    return { exec, cmds };
  };

  it("starts the watcher in the site's controller with its log, proves the FDB empty, kills the process group at heal", async () => {
    let killed = false;
    const c = controller({ alive: () => !killed, removed: `${ENTRY}\n` });
    const { env } = fakeEnv({ exec: (ref, cmd) => (cmd[0] === 'sh' && String(cmd[2]).startsWith('kill -TERM') ? ((killed = true), {}) : c.exec(ref, cmd)) });
    const r = await breakL2pop.inject(f, env);
    expect(c.cmds[0]!.slice(0, 3)).toEqual(['primary/ctl', 'sh', '-c']);
    expect(c.cmds[0]!.slice(4, 5)).toEqual(['sh']);
    expect(c.cmds[0]![6]).toBe('/tmp/msh-break-l2pop-lose.log');
    expect(c.cmds.slice(1)).toEqual([
      ['primary/ctl', 'sh', '-c', 'kill -0 4242'],
      ['primary/ctl', 'bridge', 'fdb', 'show'],
      ['primary/ctl', 'cat', '/tmp/msh-break-l2pop-lose.log'],
    ]);
    expect(r.proof).toEqual({ ok: true, summary: "read back from primary's kernel: no remote FDB entry on any tenant VXLAN device (1 removed so far)", measured: { site: 'primary', watcherRunning: true, remoteEntries: [], removed: [{ mac: 'fa:16:3e:00:00:01', dev: 'vxlan-7', dst: '198.18.2.2' }] } });
    const h = await r.heal!();
    expect(killed).toBe(true);
    expect(h).toMatchObject({ ok: true, measured: { watcherRunning: false } });
  });

  it('an entry still in the kernel, or a watcher that died, is not proven', async () => {
    const left = await breakL2pop.inject(f, fakeEnv({ exec: controller({ fdb: ENTRY }).exec }).env);
    expect(left.proof).toMatchObject({ ok: false, measured: { remoteEntries: [{ mac: 'fa:16:3e:00:00:01', dev: 'vxlan-7', dst: '198.18.2.2' }] } });
    const dead = await breakL2pop.inject(f, fakeEnv({ exec: controller({ alive: () => false }).exec }).env);
    expect(dead.proof).toMatchObject({ ok: false, measured: { watcherRunning: false } });
    // Dead before the heal came: L2 population was not broken throughout the window.
    expect(await dead.heal!()).toMatchObject({ ok: false, measured: { watcherRanThrough: false, watcherRunning: false } });
  });

  it('throws when the watcher does not start, with what the controller said (stderr, else stdout)', async () => {
    await expect(breakL2pop.inject(f, fakeEnv({ exec: controller({ start: { exitCode: 1, stderr: ' watcher exited\n', stdout: 'x' } }).exec }).env)).rejects.toThrow(/^starting the L2 population breaker in primary: watcher exited$/);
    await expect(breakL2pop.inject(f, fakeEnv({ exec: controller({ start: { exitCode: 2, stderr: '', stdout: ' no bridge tool \n' } }).exec }).env)).rejects.toThrow(/^starting the L2 population breaker in primary: no bridge tool$/);
  });

  it('needs a controller in the site, and says so in validation', async () => {
    await expect(breakL2pop.inject({ ...f, site: 'edge' }, fakeEnv().env)).rejects.toThrow(/^site edge has no controller: no L2 population to break$/);
    await expect(breakL2pop.inject({ ...f, site: 'nowhere' }, fakeEnv().env)).rejects.toThrow(/^site nowhere has no controller/);
    expect(breakL2pop.validate({ ...f, site: 'edge' }, SCENARIO)).toEqual([['site', 'fault "lose" breaks L2 population in site "edge", which has no controller (no network API programs its kernel)']]);
    expect(breakL2pop.validate(f, SCENARIO)).toEqual([]);
    expect(breakL2pop.validate({ ...f, site: 'nowhere' }, SCENARIO)).toEqual([['site', expect.stringMatching(/^fault "lose" acts on site "nowhere", which does not exist/)]]);
    expect([breakL2pop.heals, breakL2pop.action]).toEqual([true, false]);
  });
});
