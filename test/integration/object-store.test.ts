// The backup site's object store on the real thing: a controller container
// from msh/base:current running the services process with --object-store
// (real Swift), Cinder-layout backups written into it by the chunked
// backup driver (run inside the container through its CLI: the host has no
// route in), read back by Debian's own `swift` client from the test's
// namespace, as a user would, and restored byte for byte.
//
// Runs the compiled code: build first (npx tsc -p tsconfig.json).
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestController, type TestController } from '../support/controller.js';
import { DIST, MOUNT } from '../../harness/paths.js';
import { DockerRuntime } from '../../harness/runtime/docker.js';

const ADDR = '198.18.1.2';
/** The test's side of the controller's link, in the namespace startTestController made. */
const NS_ADDR = '198.18.1.1';
const AUTH_URL = `http://${ADDR}:8080/auth/v1.0`;
const BLOCK = 32768;
const VOLUME_BYTES = 64 * BLOCK; // 2 MiB
const VOL_ID = '6a3c2b9e-1f00-4d2e-8b7a-0000000000aa';

const runtime = new DockerRuntime();
const tag = randomBytes(3).toString('hex');
const name = `msh-test-object-${tag}`;
const runDir = mkdtempSync('/tmp/msh-test-object-');
let controller: TestController | undefined;
const figures: string[] = [];

async function inside(cmd: readonly string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return runtime.exec(name, cmd);
}

async function cli(args: readonly string[]): Promise<Record<string, unknown>> {
  const r = await inside(['node', `${MOUNT}/dist/services/object/cli.js`, ...args]);
  if (r.exitCode !== 0) throw new Error(`cli ${args.join(' ')}: exit ${r.exitCode}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim()) as Record<string, unknown>;
}

/** Debian's python3-swiftclient, run in the test's namespace against the controller's proxy. */
async function swift(args: readonly string[]): Promise<string> {
  const r = await execa('ip', ['netns', 'exec', name, 'swift', '-A', AUTH_URL, '-U', 'msh:backup', '-K', 'backup', ...args], { reject: false, timeout: 30_000 });
  if (r.exitCode !== 0) throw new Error(`swift ${args.join(' ')}: ${r.timedOut ? 'timed out' : `exit ${r.exitCode}`}: ${r.stderr}`);
  return r.stdout;
}

const servicesLog = () => (existsSync(join(runDir, 'services.log')) ? readFileSync(join(runDir, 'services.log'), 'utf8') : '');

async function waitForLog(re: RegExp, after: number, timeoutMs: number): Promise<RegExpMatchArray> {
  const t0 = Date.now();
  for (;;) {
    const m = servicesLog().slice(after).match(re);
    if (m) return m;
    const failed = servicesLog().slice(after).match(/services failed to start: .*/);
    if (failed) throw new Error(failed[0]);
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${re} in services.log:\n${servicesLog().slice(after)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts the services process with --object-store; returns the ms until it said ready and its log line. */
async function startServices(): Promise<{ ms: number; line: string }> {
  const from = servicesLog().length;
  const t0 = performance.now();
  await execa('docker', ['exec', '-d', name, 'node', `${MOUNT}/dist/services/main.js`, '--site', 'west', '--no-network', '--no-identity', '--object-store']);
  const m = await waitForLog(/services ready in \d+ ms: .*/, from, 90_000);
  return { ms: performance.now() - t0, line: m[0] };
}

async function stopServices(): Promise<void> {
  const pid = Number(readFileSync(join(runDir, 'services.pid'), 'utf8').trim());
  await inside(['kill', '-TERM', String(pid)]);
  const t0 = Date.now();
  while ((await inside(['test', '-e', `/proc/${pid}`])).exitCode === 0) {
    if (Date.now() - t0 > 15_000) throw new Error('services process did not exit');
    await new Promise((r) => setTimeout(r, 100));
  }
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('object store: real Swift in a controller, Cinder-layout backups', () => {
  let fullPrefix = '';
  let incrPrefix = '';
  let volume = Buffer.alloc(0);

  beforeAll(async () => {
    if (!existsSync(join(DIST, 'services', 'object', 'cli.js'))) throw new Error('dist/services/object missing: run npx tsc -p tsconfig.json first');
    controller = await startTestController(runtime, name, 'object-store', runDir, ADDR);
    await execa('ip', ['-n', name, 'addr', 'add', `${NS_ADDR}/24`, 'dev', 'veth0']);
    await execa('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    const s = await startServices();
    const swiftMs = Number(/swift ready in (\d+) ms/.exec(servicesLog())?.[1]);
    expect(swiftMs).toBeGreaterThan(0);
    figures.push(`Swift start (rsyslogd, memcached, 3 storage servers, proxy; until every /healthcheck answers and tempauth gives a token): ${swiftMs} ms; services process start -> ready: ${s.ms.toFixed(0)} ms`);
  }, 180_000);

  afterAll(async () => {
    if (figures.length) console.log(`object store figures:\n  ${figures.join('\n  ')}`);
    // What the services process said (a failed or slow start is explained here).
    console.log(`services.log (last lines):\n  ${servicesLog().trimEnd().split('\n').slice(-8).join('\n  ')}`);
    await controller?.remove();
    rmSync(runDir, { recursive: true, force: true });
  });

  it('Swift answers from the test namespace: healthcheck, tempauth, an empty account', async () => {
    const stat = await swift(['stat']);
    expect(stat).toMatch(/Account: AUTH_msh/);
    const r = await execa('ip', ['netns', 'exec', name, 'swift', '-A', AUTH_URL, '-U', 'msh:backup', '-K', 'wrong', 'stat'], { reject: false, timeout: 30_000 });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/401|Unauthorized/i);
    expect(readFileSync(join(runDir, 'swift', 'swift.log'), 'utf8')).toMatch(/proxy-server: .*GET \/auth\/v1\.0/);
  });

  it('a full then an incremental backup in the Cinder layout, listed by the real swift client', async () => {
    volume = Buffer.concat([randomBytes(VOLUME_BYTES / 2), Buffer.alloc(VOLUME_BYTES / 2)]);
    writeFileSync(join(runDir, 'vol.img'), volume);
    const full = await cli([
      'backup', '--volume-id', VOL_ID, '--backup-id', 'bk-full', '--name', 'nightly', '--az', 'nova',
      '--source', '/run/msh/vol.img', '--object-size', String(16 * BLOCK), '--created-at', '2026-12-02T10:00:00Z',
    ]);
    fullPrefix = String(full['prefix']);
    expect(fullPrefix).toBe(`volume_${VOL_ID}/20261202100000/az_nova_backup_bk-full`);
    expect(full).toMatchObject({ objects: 4, bytesRead: VOLUME_BYTES, bytesSent: VOLUME_BYTES, changedBlocks: 64, totalBlocks: 64 });

    // Two blocks change: one in the random half, one in the zero half.
    volume = Buffer.from(volume);
    randomBytes(64).copy(volume, 3 * BLOCK + 100);
    volume.fill(7, 50 * BLOCK, 50 * BLOCK + 4096);
    writeFileSync(join(runDir, 'vol.img'), volume);
    const incr = await cli(['backup', '--volume-id', VOL_ID, '--backup-id', 'bk-incr', '--source', '/run/msh/vol.img', '--object-size', String(16 * BLOCK), '--parent', fullPrefix, '--created-at', '2026-12-02T11:00:00Z']);
    incrPrefix = String(incr['prefix']);
    expect(incr).toMatchObject({ objects: 2, changedBlocks: 2, bytesSent: 2 * BLOCK, bytesRead: VOLUME_BYTES });
    figures.push(`backup over loopback HTTP: full ${VOLUME_BYTES} bytes in ${String(full['ms'])} ms (${String(full['bytesStored'])} bytes stored), incremental 2 of 64 blocks in ${String(incr['ms'])} ms`);

    const listed = (await swift(['list', 'volumebackups'])).trim().split('\n');
    const expected = [
      ...[1, 2, 3, 4].map((i) => `${fullPrefix}-0000${i}`), `${fullPrefix}_metadata`, `${fullPrefix}_sha256file`,
      `${incrPrefix}-00001`, `${incrPrefix}-00002`, `${incrPrefix}_metadata`, `${incrPrefix}_sha256file`,
    ];
    expect(listed.sort()).toEqual(expected.sort());
    // The metadata as a user downloads it: Cinder's JSON, the incremental pointing at its parent.
    const meta = JSON.parse(await swift(['download', 'volumebackups', `${incrPrefix}_metadata`, '-o', '-'])) as Record<string, unknown>;
    expect(meta).toMatchObject({ version: '1.0.0', backup_id: 'bk-incr', parent_id: 'bk-full', volume_id: VOL_ID });
    expect((meta['objects'] as Record<string, { offset: number }>[]).map((o) => Object.values(o)[0]!.offset)).toEqual([3 * BLOCK, 50 * BLOCK]);
    expect(await cli(['complete', '--prefix', incrPrefix])).toEqual({ complete: true });
    // Storage is the run dir (the host's ext4): account, container and object data are there.
    for (const d of ['accounts', 'containers', 'objects']) expect(existsSync(join(runDir, 'swift', 'node', 'd1', d))).toBe(true);
  });

  it('restore of full + incremental reproduces the volume (sha256 equal)', async () => {
    const r = await cli(['restore', '--chain', `${fullPrefix},${incrPrefix}`, '--dest', '/run/msh/restored.img', '--size', String(VOLUME_BYTES)]);
    expect(r).toMatchObject({ objects: 6, size: VOLUME_BYTES });
    expect(sha256(readFileSync(join(runDir, 'restored.img')))).toBe(sha256(volume));
    figures.push(`restore of full + incremental (6 objects): ${String(r['ms'])} ms`);
  });

  it('a backup whose _metadata is gone is incomplete and its restore names the missing object', async () => {
    await swift(['delete', 'volumebackups', `${incrPrefix}_metadata`]);
    expect(await cli(['complete', '--prefix', incrPrefix])).toEqual({ complete: false });
    expect(await cli(['complete', '--prefix', fullPrefix])).toEqual({ complete: true });
    const r = await inside(['node', `${MOUNT}/dist/services/object/cli.js`, 'restore', '--chain', `${fullPrefix},${incrPrefix}`, '--dest', '/run/msh/restored2.img', '--size', String(VOLUME_BYTES)]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`volumebackups/${incrPrefix}_metadata`);
    expect(r.stderr).toMatch(/HTTP 404/);
  });

  it('an unreachable store fails within the client timeout', async () => {
    // 198.18.1.99: in the controller's subnet, nobody there (ARP goes unanswered).
    const t0 = performance.now();
    const r = await inside(['node', `${MOUNT}/dist/services/object/cli.js`, 'list', '--auth-url', 'http://198.18.1.99:8080/auth/v1.0', '--timeout', '1500']);
    const ms = performance.now() - t0;
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/198\.18\.1\.99/);
    expect(ms).toBeLessThan(1500 + 2500); // the timeout plus docker exec and node start
    figures.push(`unreachable proxy, --timeout 1500: failed after ${ms.toFixed(0)} ms (docker exec included): ${r.stderr.split('\n')[0]}`);
  });

  it('restarting the services process leaves Swift running and its data in place', async () => {
    const before = (await inside(['pgrep', '-f', 'swift-proxy-server'])).stdout.trim().split('\n').sort();
    expect(before.length).toBeGreaterThan(0);
    await stopServices();
    const s = await startServices();
    expect(s.line).toMatch(/object store \(Swift\) on 0\.0\.0\.0:8080/);
    expect(s.line).not.toMatch(/started in/);
    expect(servicesLog()).toMatch(/swift already running/);
    expect((await inside(['pgrep', '-f', 'swift-proxy-server'])).stdout.trim().split('\n').sort()).toEqual(before);
    expect((await swift(['list', 'volumebackups'])).trim().split('\n')).toContain(`${fullPrefix}_metadata`);
    figures.push(`services restart with Swift already running: ready in ${s.ms.toFixed(0)} ms`);
  }, 150_000);
});
