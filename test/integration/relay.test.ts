/**
 * The WAN relay on the real kernel: two site namespaces joined by a VXLAN
 * tunnel whose both ends point at the relay in a third (WAN) namespace.
 *
 *   msh-test-a-*            msh-test-w-*                    msh-test-b-*
 *   l0 vxlan 100 -> .1:40001  br0 198.19.0.1/24 + relay     l0 vxlan 100 -> .1:40002
 *   198.19.1.1/30             va, vb (bridge ports)          198.19.1.2/30
 *   wan0 198.19.0.11/24 ===== va        vb ================= wan0 198.19.0.12/24
 *
 * Only 198.18.0.0/15 addresses, only inside the namespaces created here.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRelay, type LinkConfig, type LinkStats, type RelayClient } from '../../harness/wan/control.js';
import { CLEAR, type Impairment } from '../../harness/wan/impairment.js';
import { quantile } from '../../harness/checks/series.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const canRun = process.platform === 'linux' && process.getuid?.() === 0;

const suffix = randomBytes(3).toString('hex');
const NS = { a: `msh-test-a-${suffix}`, b: `msh-test-b-${suffix}`, wan: `msh-test-w-${suffix}` };
const RELAY_IP = '198.19.0.1';
const VTEP = { a: '198.19.0.11', b: '198.19.0.12' };
const OVERLAY = { a: '198.19.1.1', b: '198.19.1.2' };
const PORT = { a: 40001, b: 40002 };

const delayed = (ms: number): Impairment => ({ ...CLEAR, latencyMs: ms });

function link(aToB: Impairment, bToA: Impairment): LinkConfig {
  return {
    id: 'wan1',
    listen: RELAY_IP,
    a: { port: PORT.a, peer: VTEP.a },
    b: { port: PORT.b, peer: VTEP.b },
    aToB,
    bToA,
  };
}

async function sh(args: string[]): Promise<void> {
  await execa(args[0]!, args.slice(1));
}

interface PingResult {
  exitCode: number;
  rtts: number[];
  output: string;
}

async function ping(from: 'a' | 'b', count: number, intervalS: number, waitS = 2): Promise<PingResult> {
  const to = from === 'a' ? OVERLAY.b : OVERLAY.a;
  const r = await execa(
    'ip',
    ['netns', 'exec', NS[from], 'ping', '-n', '-c', String(count), '-i', String(intervalS), '-W', String(waitS), to],
    { reject: false },
  );
  const output = `${r.stdout}\n${r.stderr}`;
  const rtts = [...r.stdout.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1]));
  return { exitCode: r.exitCode ?? -1, rtts, output };
}

const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
// A median, so one stall of this 2-core VM inside a short sample does not decide it (the relay's own per-datagram mean is asserted below).
const median = (xs: number[]): number => quantile([...xs].sort((a, b) => a - b), 0.5);

function diff(after: LinkStats, before: LinkStats | undefined, dir: 'aToB' | 'bToA', key: 'received' | 'forwarded' | 'droppedDown' | 'droppedLoss'): number {
  return after[dir][key] - (before ? before[dir][key] : 0);
}

describe.skipIf(!canRun)('WAN relay over real VXLAN', () => {
  let tmp = '';
  let controlPath = '';
  let relay: ResultPromise | undefined;
  let relayExited: Promise<unknown> | undefined;
  let relayStderr = '';
  let client: RelayClient | undefined;

  const rc = (): RelayClient => {
    if (!client) throw new Error('relay client not connected');
    return client;
  };

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msh-test-relay-'));
    controlPath = path.join(tmp, 'relay.sock');

    // Build the relay into a private directory: dist/ may be mid-rebuild by
    // someone else, and the test must exercise the current sources. It lives
    // under the project so that `zod` resolves from node_modules.
    const outDir = path.join(root, '.cache', `relay-test-${suffix}`);
    await execa(
      'npx',
      ['tsc', '--ignoreConfig', '--outDir', outDir, '--rootDir', 'harness', '--module', 'NodeNext',
        '--moduleResolution', 'NodeNext', '--target', 'ES2022', '--strict', '--skipLibCheck', '--types', 'node',
        'harness/wan/relay.ts'],
      { cwd: root },
    );
    const relayJs = path.join(outDir, 'wan', 'relay.js');

    for (const ns of Object.values(NS)) {
      await sh(['ip', 'netns', 'add', ns]);
      await sh(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
      // IPv6 would put link-local (fe80::) router solicitations, DAD and MLD on the
      // overlay: addresses outside the harness range, and stray datagrams in the counts.
      for (const scope of ['all', 'default']) {
        await sh(['ip', 'netns', 'exec', ns, 'sysctl', '-q', '-w', `net.ipv6.conf.${scope}.disable_ipv6=1`]);
      }
    }
    await sh(['ip', '-n', NS.wan, 'link', 'add', 'br0', 'type', 'bridge']);
    await sh(['ip', '-n', NS.wan, 'addr', 'add', `${RELAY_IP}/24`, 'dev', 'br0']);
    await sh(['ip', '-n', NS.wan, 'link', 'set', 'br0', 'up']);
    for (const s of ['a', 'b'] as const) {
      const port = `v${s}`;
      await sh(['ip', '-n', NS.wan, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'wan0', 'netns', NS[s]]);
      await sh(['ip', '-n', NS.wan, 'link', 'set', port, 'master', 'br0', 'up']);
      await sh(['ip', '-n', NS[s], 'addr', 'add', `${VTEP[s]}/24`, 'dev', 'wan0']);
      await sh(['ip', '-n', NS[s], 'link', 'set', 'wan0', 'up']);
      await sh(['ip', '-n', NS[s], 'link', 'add', 'l0', 'type', 'vxlan', 'id', '100', 'remote', RELAY_IP,
        'local', VTEP[s], 'dstport', String(PORT[s]), 'dev', 'wan0']);
      await sh(['ip', '-n', NS[s], 'addr', 'add', `${OVERLAY[s]}/30`, 'dev', 'l0']);
      await sh(['ip', '-n', NS[s], 'link', 'set', 'l0', 'up']);
    }

    const proc = execa('ip', ['netns', 'exec', NS.wan, process.execPath, relayJs, '--control', controlPath,
      '--seed', '42', '--exit-with-stdin'], { reject: false, buffer: false, stdin: 'pipe' });
    relay = proc;
    relayExited = proc.then(() => undefined, () => undefined);
    proc.stderr?.on('data', (d: Buffer) => {
      relayStderr += d.toString();
    });
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`relay not ready after 10 s; stderr: ${relayStderr}`)), 10_000);
      proc.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.split('\n').includes('ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      void relayExited?.then(() => {
        clearTimeout(timer);
        reject(new Error(`relay exited before ready; stderr: ${relayStderr}`));
      });
    });
    client = await connectRelay(controlPath);
  });

  afterAll(async () => {
    await client?.close().catch(() => undefined);
    if (relay && relay.exitCode === undefined) {
      relay.kill('SIGTERM');
      const killed = await Promise.race([relayExited, new Promise((r) => setTimeout(() => r('timeout'), 3000))]);
      if (killed === 'timeout') relay.kill('SIGKILL');
    }
    for (const ns of Object.values(NS)) {
      await execa('ip', ['netns', 'del', ns], { reject: false });
    }
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    fs.rmSync(path.join(root, '.cache', `relay-test-${suffix}`), { recursive: true, force: true });
    try {
      fs.rmdirSync(path.join(root, '.cache')); // only if this test left it empty
    } catch {
      /* in use by others, or already gone */
    }
  });

  it('answers control requests and rejects bad ones', async () => {
    await rc().ping();
    expect(await rc().get()).toEqual({});
    expect(await rc().seed()).toBe(42);
    // Outside 198.18.0.0/15: refused before any socket is bound.
    await expect(rc().set({ ...link(CLEAR, CLEAR), a: { port: PORT.a, peer: '10.0.0.1' } })).rejects.toThrow(/198\.18\.0\.0\/15/);
    await expect(rc().set({ ...link(CLEAR, CLEAR), aToB: { ...CLEAR, lossPct: 150 } })).rejects.toThrow(/lossPct/);
    expect(await rc().get()).toEqual({});
  });

  it('carries the overlay with no impairment', async () => {
    expect(await rc().set(link(CLEAR, CLEAR))).toBe(true);
    const p = await ping('a', 5, 0.1);
    expect(p.exitCode, p.output).toBe(0);
    const base = median(p.rtts);
    console.log(`baseline RTT over relay: median ${base.toFixed(3)} ms (${p.rtts.join(', ')})`);
    expect(base).toBeLessThan(5);
    // Endpoints are fixed once bound.
    await expect(rc().set({ ...link(CLEAR, CLEAR), b: { port: 40003, peer: VTEP.b } })).rejects.toThrow(/cannot change/);
  });

  it('adds 20 ms each way: median ping RTT within 10 % of 40 ms', async () => {
    expect(await rc().set(link(delayed(20), delayed(20)))).toBe(false);
    await ping('a', 2, 0.1); // neighbour entries fresh, so no ARP round trip inside the sample
    const before = (await rc().stats()).wan1!;
    const p = await ping('a', 20, 0.05);
    expect(p.exitCode, p.output).toBe(0);
    expect(p.rtts).toHaveLength(20);
    const m = median(p.rtts);
    console.log(
      `RTT with 20 ms/20 ms: median ${m.toFixed(3)} ms, mean ${mean(p.rtts).toFixed(3)} ms, min ${Math.min(...p.rtts).toFixed(3)}, max ${Math.max(...p.rtts).toFixed(3)} (${p.rtts.join(', ')})`,
    );
    expect(Math.abs(m - 40) / 40).toBeLessThan(0.1);

    const after = (await rc().stats()).wan1!;
    console.log(`relay stats: ${JSON.stringify(after)}`);
    expect(diff(after, before, 'aToB', 'forwarded')).toBeGreaterThanOrEqual(20);
    expect(diff(after, before, 'bToA', 'forwarded')).toBeGreaterThanOrEqual(20);
    // The relay's own measurement of the interval agrees (receipt to send, one
    // way), to the 1 ms the impair fault's proof allows. 0.5 ms failed twice in
    // ci-local (20.71, then 20.60 ms with the relay real-time, worst lateness
    // 3-5 ms): this VM's own stalls, which no priority inside it removes.
    for (const dir of ['aToB', 'bToA'] as const) {
      const relayMean = (after[dir].delayTotalMs - before[dir].delayTotalMs) / diff(after, before, dir, 'forwarded');
      console.log(`relay-measured ${dir} delay: mean ${relayMean.toFixed(3)} ms, max lateness ${after[dir].maxLatenessMs} ms`);
      expect(Math.abs(relayMean - 20)).toBeLessThan(1);
    }
    expect(after.aToB.bytes).toBeGreaterThan(0);
    expect(after.aToB.droppedForeign).toBe(0);
  });

  it('partitions one direction only, then heals', async () => {
    const baseline = link(delayed(20), delayed(20));
    await rc().set({ ...baseline, aToB: { ...baseline.aToB, down: true } });
    const before = (await rc().stats()).wan1!;

    // A's requests die on the way out.
    const fromA = await ping('a', 3, 0.2, 1);
    expect(fromA.exitCode).not.toBe(0);
    expect(fromA.rtts).toHaveLength(0);
    // B's requests still reach A (bToA is up); only the replies die.
    const fromB = await ping('b', 3, 0.2, 1);
    expect(fromB.exitCode).not.toBe(0);

    const mid = (await rc().stats()).wan1!;
    expect(diff(mid, before, 'aToB', 'droppedDown')).toBeGreaterThanOrEqual(3);
    expect(diff(mid, before, 'bToA', 'forwarded')).toBeGreaterThanOrEqual(3);
    expect(diff(mid, before, 'bToA', 'droppedDown')).toBe(0);
    expect(diff(mid, before, 'aToB', 'forwarded')).toBe(0);

    // Heal: back to the baseline, which `get` confirms.
    expect(await rc().set(baseline)).toBe(false);
    expect((await rc().get()).wan1).toEqual(baseline);
    const healed = await ping('a', 5, 0.2, 2);
    expect(healed.exitCode, healed.output).toBe(0);
    expect(healed.rtts.length).toBeGreaterThanOrEqual(3);
    const end = (await rc().stats()).wan1!;
    expect(diff(end, mid, 'aToB', 'forwarded')).toBeGreaterThan(0);
  });

  it('applies loss from its seeded PRNG', async () => {
    const before = (await rc().stats()).wan1!;
    await rc().set(link({ ...CLEAR, lossPct: 50 }, CLEAR));
    const p = await ping('a', 40, 0.02, 1);
    const after = (await rc().stats()).wan1!;
    const lost = diff(after, before, 'aToB', 'droppedLoss');
    expect(lost).toBeGreaterThan(5);
    expect(lost).toBeLessThan(35);
    // Every missing reply is a request the relay dropped (it may also have dropped an ARP frame).
    expect(40 - p.rtts.length).toBeGreaterThan(0);
    expect(40 - p.rtts.length).toBeLessThanOrEqual(lost);
    expect(diff(after, before, 'bToA', 'droppedLoss')).toBe(0);
    await rc().set(link(CLEAR, CLEAR));
  });

  it('deletes a link and exits cleanly on SIGTERM, removing its control socket', async () => {
    expect(await rc().delete('wan1')).toBe(true);
    expect(await rc().get()).toEqual({});
    const p = await ping('a', 2, 0.2, 1);
    expect(p.rtts).toHaveLength(0);

    await rc().close();
    client = undefined;
    relay?.kill('SIGTERM');
    await relayExited;
    expect(relay?.exitCode).toBe(0);
    expect(fs.existsSync(controlPath)).toBe(false);
  });
});
