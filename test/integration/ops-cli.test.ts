// The operator verbs on a run left up, as a user drives them: msh up, ps,
// fault, heal, capture (decoded by tshark as the link's VXLAN), logs, down.
// A ping crosses the link throughout, so the partition's and the capture's
// proofs count real packets.
import { execa, type ResultPromise } from 'execa';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHistory, type FaultEvent } from '../../harness/observe/history.js';
import { DockerRuntime } from '../../harness/runtime/docker.js';
import { destroyRun, stateDir } from '../../harness/topology/state.js';
import { leftovers } from '../support/leftovers.js';

const msh = (args: string[]) => execa('node', ['bin/msh.js', ...args], { reject: false });

describe('msh ps, fault, heal, capture, logs on a run left up', () => {
  let runId = '';
  let vni = 0;
  let ping: ResultPromise | undefined;
  let tmp = '';
  let down = false;

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'msh-ops-'));
    const up = await msh(['up', 'fixtures/scenarios/wan-short.yaml']);
    runId = /^run ([0-9a-f]{6})/m.exec(up.stdout)?.[1] ?? '';
    expect(up.exitCode, up.stderr).toBe(0);
    vni = Number(/^link wan1: .* vni (\d+)/m.exec(up.stdout)![1]);
    // east's router namespace -> west/hb crosses wan1; 20 pings a second for the whole test (afterAll kills it; -w bounds it if afterAll never runs).
    ping = execa('ip', ['netns', 'exec', `msh-${runId}-east`, 'ping', '-n', '-q', '-i', '0.05', '-w', '100', '198.18.2.2'], { reject: false });
  }, 20_000);

  afterAll(async () => {
    ping?.kill('SIGKILL');
    await ping?.catch(() => undefined);
    // Nothing left behind, even when an assertion failed half way.
    if (runId) {
      if (!down) await msh(['down', runId]);
      await destroyRun(new DockerRuntime(), runId).catch(() => undefined);
      expect(await leftovers(runId)).toEqual([]);
    }
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('ps lists the run, kept, with both containers running', async () => {
    const ps = await msh(['ps']);
    expect(ps.exitCode, ps.stderr).toBe(0);
    expect(ps.stdout).toMatch(new RegExp(`^${runId}  wan-short  since \\S+  owner \\d+ gone  kept`, 'm'));
    expect(ps.stdout).toMatch(/^ {2}east\/hb +running /m);
    expect(ps.stdout).toMatch(/^ {2}west\/hb +running /m);
  });

  it('fault partition cuts the link (read back), heal restores it and counts the pings it dropped', async () => {
    const cut = await msh(['fault', runId, 'partition', '--link', 'wan1', '--name', 'cut']);
    expect(cut.exitCode, cut.stderr).toBe(0);
    expect(cut.stdout).toContain('fault cut (partition) injected: relay set both down on wan1 (read back)');
    const ps = await msh(['ps']);
    expect(ps.stdout).toMatch(/^ {2}fault cut \(partition\) since /m);
    await new Promise((r) => setTimeout(r, 500));
    const heal = await msh(['heal', runId, 'cut']);
    expect(heal.exitCode, heal.stderr).toBe(0);
    const m = /fault cut \(partition\) healed: wan1 back to baseline \(read back: 20 ms, up\); (\d+) packets dropped east->west, none forwarded/.exec(heal.stdout);
    expect(m, heal.stdout).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(0);
    const faults = parseHistory(await readFile(join(stateDir(runId), 'history.jsonl'), 'utf8')).filter((e): e is FaultEvent => e.kind === 'fault' && e.fault === 'cut');
    expect(faults.map((e) => [e.type, e.proof.ok])).toEqual([['start', true], ['heal', true]]);
    expect((await msh(['ps'])).stdout).not.toMatch(/fault cut/);
  });

  it('capture writes a pcap that tshark decodes as the link VNI with the printed decode-as', async () => {
    const file = join(tmp, 'x.pcap');
    const cap = await msh(['capture', runId, 'wan1', '-w', file, '--seconds', '2']);
    expect(cap.exitCode, cap.stderr).toBe(0);
    const decode = /decode with: tshark -r \S+ (-d udp\.port==\d+,vxlan -d udp\.port==\d+,vxlan)/.exec(cap.stdout);
    expect(decode, cap.stdout).not.toBeNull();
    const ts = await execa('tshark', ['-r', file, ...decode![1]!.split(' '), '-T', 'fields', '-e', 'vxlan.vni']);
    const vnis = ts.stdout.split('\n').filter((l) => l !== '').map(Number);
    // 2 s of pings at 20/s, each crossing the bridge twice each way.
    expect(vnis.length).toBeGreaterThan(20);
    expect(new Set(vnis)).toEqual(new Set([vni]));
    expect(cap.stdout).toContain(`tshark decodes ${vnis.length} VXLAN frames of vni ${vni}`);
    // The pings paired across the relay: the link's 20 ms each way, measured from the capture alone
    // (a ping or two still held in the relay when the capture stops never left).
    const held = /held by the WAN \(capture, both sides of the relay\): east->west median ([\d.]+) ms, p99 [\d.]+ ms \((\d+) datagrams\)(?:, \d never left \(lost, cut or still held\))?; west->east median ([\d.]+) ms, p99 [\d.]+ ms \((\d+) datagrams\)/.exec(cap.stdout);
    expect(held, cap.stdout).not.toBeNull();
    for (const ms of [held![1], held![3]]) {
      expect(Number(ms)).toBeGreaterThanOrEqual(19.5);
      expect(Number(ms)).toBeLessThan(21);
    }
    for (const n of [held![2], held![4]]) expect(Number(n)).toBeGreaterThan(10);
  });

  it('logs prints what the container wrote', async () => {
    const marker = `ops-cli-${runId}-${Date.now()}`;
    await execa('docker', ['exec', `msh-${runId}-west-hb`, 'sh', '-c', `echo ${marker} > /proc/1/fd/1`]);
    const logs = await msh(['logs', runId, 'west/hb']);
    expect(logs.exitCode, logs.stderr).toBe(0);
    expect(logs.stdout).toContain(`== container msh-${runId}-west-hb (docker logs)`);
    expect(logs.stdout).toContain(marker);
  });

  it('shell without a TTY prints the docker exec', async () => {
    const sh = await msh(['shell', runId, 'east/hb']);
    expect(sh.exitCode, sh.stderr).toBe(0);
    expect(sh.stdout.trim()).toBe(`docker exec -it msh-${runId}-east-hb bash`);
  });

  it('down removes the run', async () => {
    const r = await msh(['down', runId]);
    down = r.exitCode === 0;
    expect(r.stdout).toContain(`down ${runId} (wan-short): 2 containers, 3 namespaces removed`);
    expect(await leftovers(runId)).toEqual([]);
  });
});

describe('msh up --workloads on an HA scenario: the VNF left running, a failover by hand, judged', () => {
  let runId = '';
  // Every test's run: one that failed half way is still removed after the next test started its own.
  const runs = new Set<string>();
  const track = (id: string) => (id && runs.add(id), id);

  /** `msh up --workloads` started, once its workloads run: the process, what it printed so far; runId set. */
  async function upWithWorkloads(file: string, duration: string) {
    const up = execa('node', ['bin/msh.js', 'up', file, '--workloads', '--duration', duration], { reject: false });
    let out = '';
    up.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    const deadline = Date.now() + 60_000;
    while (!/^workloads: /m.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    runId = track(/^run ([0-9a-f]{6})/m.exec(out)?.[1] ?? '');
    return { up, out };
  }

  afterAll(async () => {
    for (const id of runs) {
      await destroyRun(new DockerRuntime(), id).catch(() => undefined);
      expect(await leftovers(id)).toEqual([]);
    }
  });

  it('up starts the VNF and runs the calls; a site loss by hand meanwhile: judged from the history into a report, the survivor active in its log; down leaves nothing', async () => {
    // 12 s: the caller offers new calls until 3 s (one call's hold) before the end, so from ~3 s in
    // (the fault by hand lands 1-2 s after it is asked, more on a loaded host) there is time to see them served again.
    const { up, out } = await upWithWorkloads('scenarios/ha-l2-site-loss.yaml', '12s');
    expect(out).toContain('vnf vnf1: east/vnf-a active, west/vnf-b standby;');
    await new Promise((r) => setTimeout(r, 3000)); // calls up (5 a second, each held 3 s) when the site goes
    const fault = await msh(['fault', runId, 'site-loss', '--site', 'east', '--name', 'lose-east']);
    expect(fault.exitCode, fault.stderr).toBe(0);
    const done = await up;
    expect(done.exitCode, done.stderr).toBe(0);

    // Judged like a run: the fault by hand proven, new calls served again by the survivor within 1 s, calls kept, one active.
    expect(done.stdout).toMatch(/^judged: 4 pass, 0 fail, 0 unknown; faults by hand: lose-east \(proven\)$/m);
    const report = /^report: (.*)\/report\.html$/m.exec(done.stdout)![1]!;
    const result = JSON.parse(await readFile(join(report, 'result.json'), 'utf8')) as { verdicts: { id: string; status: string; checks: { evidence: Record<string, unknown> }[] }[] };
    const newCalls = result.verdicts.find((v) => v.id === 'HA-NEW-CALLS-1S')!;
    expect(newCalls.status).toBe('pass');
    const row = (newCalls.checks[0]!.evidence.rows as { fault: string; lostActives: string[]; outageMs: number; servedBy: string }[])[0]!;
    expect(row).toMatchObject({ fault: 'lose-east', lostActives: ['east/vnf-a'], servedBy: 'west-vnf-b' });
    expect(row.outageMs).toBeGreaterThan(0);
    expect(row.outageMs).toBeLessThan(1000);
    // The WAN captured while the workloads ran, as in a run: the backup plane seen inside its overlay only.
    const overlay = result.verdicts.find((v) => v.id === 'HA-BACKUP-L2-OVERLAY')!;
    expect(overlay.status).toBe('pass');
    const seen = overlay.checks[0]!.evidence as { onOverlay: number; elsewhere: unknown[] };
    expect(seen.onOverlay).toBeGreaterThan(50);
    expect(seen.elsewhere).toEqual([]);
    expect((await readFile(join(report, 'report.html'), 'utf8')).length).toBeGreaterThan(10_000);
    const calls = Number(/^ {2}calls@users\/client: (\d+) ok/m.exec(done.stdout)?.[1]);
    expect(calls).toBeGreaterThanOrEqual(20);

    const roles = (await msh(['logs', runId, 'west/vnf-b'])).stdout.split('\n').filter((l) => l.includes('"f":"role"'));
    // The takeover is in its log, and it ends active. A later step-down and back is the VNF's own
    // (ci-local: its witness unheard for 150 ms at 10.8 s, quorum lost, active again 174 ms later): judged by the checks, not here.
    const to = roles.map((l) => (JSON.parse(l) as { value: { to: string } }).value.to);
    expect(to.slice(0, 2)).toEqual(['standby', 'active']);
    expect(to.at(-1)).toBe('active');
    const ps = await msh(['ps']);
    expect(ps.stdout).toContain('  vnf vnf1: east/vnf-a gone, west/vnf-b active');
    await rm(report, { recursive: true, force: true });

    const down = await msh(['down', runId]);
    expect(down.exitCode, down.stderr).toBe(0);
    expect(await leftovers(runId)).toEqual([]);
  });

  it('Ctrl-C stops the workloads, judges what they recorded (aborted) and leaves the topology up', async () => {
    const { up } = await upWithWorkloads('fixtures/scenarios/wan-short.yaml', '60s');
    await new Promise((r) => setTimeout(r, 2000));
    const sent = Date.now();
    up.kill('SIGINT');
    const done = await up;
    // Not the 60 s the workloads were given: the agents were interrupted.
    expect(Date.now() - sent).toBeLessThan(15_000);
    expect(done.exitCode, done.stderr).toBe(130);
    expect(done.stderr).toContain('SIGINT: stopping the workloads, judging what they recorded; the topology stays up');
    expect(done.stdout).toMatch(/^judged \(interrupted: as far as it went\): \d+ pass, \d+ fail, \d+ unknown; faults by hand: none$/m);
    // Heartbeats every 50 ms for ~2 s, each way, recorded up to the interrupt.
    const hb = /^ {2}hb@east\/hb: (\d+) ok/m.exec(done.stdout);
    expect(Number(hb?.[1])).toBeGreaterThanOrEqual(20);
    const report = /^report: (.*)\/report\.html$/m.exec(done.stdout)![1]!;
    const result = JSON.parse(await readFile(join(report, 'result.json'), 'utf8')) as { aborted: boolean };
    expect(result.aborted).toBe(true);
    expect(await readFile(join(report, 'summary.md'), 'utf8')).toContain('(ABORTED)');
    await rm(report, { recursive: true, force: true });
    // No agent left running in the containers, which are still up.
    for (const node of ['east-hb', 'west-hb']) {
      const ps = await execa('docker', ['exec', `msh-${runId}-${node}`, 'ps', '-eo', 'args']);
      expect(ps.stdout).not.toContain('dist/agents/');
    }
    const down = await msh(['down', runId]);
    expect(down.stdout).toContain(`down ${runId} (wan-short): 2 containers`);
    expect(await leftovers(runId)).toEqual([]);
  });

  it('Ctrl-C while the topology comes up removes everything it made', async () => {
    const up = execa('node', ['bin/msh.js', 'up', 'scenarios/ha-l2-site-loss.yaml'], { reject: false });
    let err = '';
    let sent = false;
    up.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
      if (!sent && /^bring-up:relay$/m.test(err)) sent = up.kill('SIGINT');
    });
    const done = await up;
    expect(done.exitCode, done.stderr).toBe(130);
    expect(done.stderr).toContain('SIGINT: removing this run once its bring-up settles');
    const gone = /^interrupted: run ([0-9a-f]{6}) removed \((\d+) containers, (\d+) namespaces\)$/m.exec(done.stderr);
    // Its 7 containers and 4 namespaces (3 sites and the WAN) were made, then removed.
    expect(gone?.slice(2)).toEqual(['7', '4']);
    expect(await leftovers(gone![1]!)).toEqual([]);
    expect((await msh(['ps'])).stdout).not.toContain(gone![1]!);
  });

  it('--duration without --workloads is a usage error', async () => {
    const r = await msh(['up', 'scenarios/ha-l2-site-loss.yaml', '--duration', '3s']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('--duration is how long the workloads run: add --workloads');
  });
});
