// The runtime against a socket that accepts and never answers (a hung
// dockerd): every call fails naming itself, within its deadline, instead of
// hanging the run. And against one that answers, the answer gets through.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerRuntime } from '../../harness/runtime/docker.js';
import { MshError } from '../../harness/scenario/errors.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'msh-docker-rt-'));
const hung = path.join(dir, 'hung.sock');
const answering = path.join(dir, 'answering.sock');
const servers: net.Server[] = [];
const sockets: net.Socket[] = [];

function serve(file: string, onRequest: (s: net.Socket) => void): Promise<void> {
  const srv = net.createServer((s) => {
    sockets.push(s);
    s.once('data', () => onRequest(s));
  });
  servers.push(srv);
  return new Promise((r) => srv.listen(file, r));
}

beforeAll(async () => {
  await serve(hung, () => undefined);
  await serve(answering, (s) => {
    const body = JSON.stringify({ State: { Running: true, Paused: false, Pid: 4242, FinishedAt: '0001-01-01T00:00:00Z' }, Name: '/c' });
    s.end(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('DockerRuntime deadlines', () => {
  it('a call the engine never answers fails with an MshError naming it, after the deadline', async () => {
    const rt = new DockerRuntime(hung, 300);
    const t0 = performance.now();
    const err = await rt.state('abc123').then(() => null, (e: unknown) => e);
    const took = performance.now() - t0;
    expect(err).toBeInstanceOf(MshError);
    expect((err as MshError).code).toBe('RUNTIME');
    expect((err as MshError).message).toBe('the Docker engine did not answer an inspect of abc123 within 0.3 s (is dockerd hung?)');
    expect(took).toBeGreaterThanOrEqual(290);
  });

  it('no answer about an image is an error, not "no such image"', async () => {
    const rt = new DockerRuntime(hung, 200);
    await expect(rt.imageExists('msh/site:1')).rejects.toThrow(/did not answer an inspect of image msh\/site:1/);
  });

  it('every kind of call has the deadline', async () => {
    const rt = new DockerRuntime(hung, 100);
    const calls: [string, () => Promise<unknown>][] = [
      ['a start of c', () => rt.start('c')],
      ['a stop of c', () => rt.stop('c')],
      ['a kill of c', () => rt.kill('c')],
      ['a pause of c', () => rt.pause('c')],
      ['an unpause of c', () => rt.unpause('c')],
      ['an exec of true in c', () => rt.exec('c', ['true'])],
      ['a start of sleep in c', () => rt.spawn('c', ['sleep', '1'])],
      ['the logs of c', () => rt.logs('c')],
      ['an inspect of c', () => rt.pid('c')],
      ['the removal of c', () => rt.remove('c')],
      ['a list of containers', () => rt.list('msh.run')],
      ['the creation of n', () => rt.create({ name: 'n', image: 'i', hostname: 'h', labels: {}, binds: [] })],
    ];
    for (const [what, call] of calls) await expect(call(), what).rejects.toThrow(`did not answer ${what} within 0.1 s`);
  });

  it('an answer within the deadline gets through', async () => {
    const rt = new DockerRuntime(answering, 2000);
    expect(await rt.state('c')).toEqual({ running: true, paused: false });
    expect(await rt.pid('c')).toBe(4242);
  });
});
