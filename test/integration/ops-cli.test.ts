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
    // east's router namespace -> west/hb crosses wan1; 20 pings a second for the whole test.
    ping = execa('ip', ['netns', 'exec', `msh-${runId}-east`, 'ping', '-n', '-q', '-i', '0.05', '-w', '25', '198.18.2.2'], { reject: false });
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

describe('msh up --workloads on an HA scenario: the VNF left running, a failover by hand', () => {
  let runId = '';

  afterAll(async () => {
    if (runId) {
      await destroyRun(new DockerRuntime(), runId).catch(() => undefined);
      expect(await leftovers(runId)).toEqual([]);
    }
  });

  it('up starts the VNF and runs the calls; a site loss by hand moves the active to the survivor, in its log; down leaves nothing', async () => {
    const up = await msh(['up', 'fixtures/scenarios/ha-failover-bench.yaml', '--workloads', '--duration', '3s']);
    runId = /^run ([0-9a-f]{6})/m.exec(up.stdout)?.[1] ?? '';
    expect(up.exitCode, up.stderr).toBe(0);
    expect(up.stdout).toContain('vnf vnf1: east/vnf-a active, west/vnf-b standby;');
    // 20 calls a second placed for 2 s (3 s less the 1 s hold): each call's invite and bye answered.
    const calls = Number(/^ {2}calls@users\/client: (\d+) ok/m.exec(up.stdout)?.[1]);
    expect(calls).toBeGreaterThanOrEqual(60);
    const history = parseHistory(await readFile(join(stateDir(runId), 'history.jsonl'), 'utf8'));
    expect(history.filter((e) => e.kind === 'op' && e.process === 'calls@users/client' && e.type === 'ok')).toHaveLength(calls);
    expect(history.some((e) => e.kind === 'phase' && e.phase === 'workload-done')).toBe(true);

    const fault = await msh(['fault', runId, 'site-loss', '--site', 'east']);
    expect(fault.exitCode, fault.stderr).toBe(0);
    const roles = async () => (await msh(['logs', runId, 'west/vnf-b'])).stdout.split('\n').filter((l) => l.includes('"f":"role"'));
    const deadline = Date.now() + 5000;
    while (!(await roles()).some((l) => l.includes('"to":"active"')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect((await roles()).map((l) => (JSON.parse(l) as { value: { to: string } }).value.to)).toEqual(['standby', 'active']);

    const down = await msh(['down', runId]);
    expect(down.exitCode, down.stderr).toBe(0);
    expect(await leftovers(runId)).toEqual([]);
  });

  it('--duration without --workloads is a usage error', async () => {
    const r = await msh(['up', 'fixtures/scenarios/ha-failover-bench.yaml', '--duration', '3s']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('--duration is how long the workloads run: add --workloads');
  });
});
