// SwiftClient against a fake Swift on loopback (an HTTP server in this
// process): auth v1 and re-auth on 401, the ETag check, listing by pages,
// errors carrying the status, and the timeout on a server that never answers.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SwiftClient, SwiftError } from '../../harness/services/object/client.js';

interface Fake {
  token: string;
  auths: number;
  objects: Map<string, Buffer>;
  /** Answer PUTs with this ETag instead of the body's MD5. */
  lieEtag: string | null;
  pageSize: number;
  markers: string[];
  hang: boolean;
}

const fake: Fake = { token: 'tk1', auths: 0, objects: new Map(), lieEtag: null, pageSize: 2, markers: [], hang: false };
let server: Server;
let base = '';

function handle(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
  const url = new URL(req.url ?? '/', 'http://x');
  if (fake.hang) return; // never answers
  if (url.pathname === '/auth/v1.0') {
    if (req.headers['x-auth-user'] !== 'msh:backup' || req.headers['x-auth-key'] !== 'backup') return void res.writeHead(401).end();
    fake.auths++;
    return void res.writeHead(200, { 'x-storage-url': `${base}/v1/AUTH_msh`, 'x-auth-token': fake.token }).end();
  }
  if (req.headers['x-auth-token'] !== fake.token) return void res.writeHead(401).end('Unauthorized');
  const path = decodeURIComponent(url.pathname.replace('/v1/AUTH_msh/', ''));
  const [container, ...rest] = path.split('/');
  const name = rest.join('/');
  if (!name) {
    if (req.method === 'PUT') return void res.writeHead(201).end();
    const prefix = url.searchParams.get('prefix') ?? '';
    const marker = url.searchParams.get('marker') ?? '';
    fake.markers.push(marker);
    const names = [...fake.objects.keys()].filter((k) => k.startsWith(`${container}/${prefix}`)).map((k) => k.slice(container!.length + 1)).sort().filter((n) => n > marker).slice(0, fake.pageSize);
    return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(names.map((n) => ({ name: n }))));
  }
  const key = `${container}/${name}`;
  if (req.method === 'PUT') {
    fake.objects.set(key, body);
    return void res.writeHead(201, { etag: fake.lieEtag ?? createHash('md5').update(body).digest('hex') }).end();
  }
  const obj = fake.objects.get(key);
  if (!obj) return void res.writeHead(404).end(req.method === 'HEAD' ? undefined : 'Not Found');
  if (req.method === 'DELETE') return void (fake.objects.delete(key), res.writeHead(204).end());
  res.writeHead(200, { etag: `"${createHash('md5').update(obj).digest('hex')}"`, 'content-length': obj.length });
  res.end(req.method === 'HEAD' ? undefined : obj);
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const connect = (timeoutMs?: number) => SwiftClient.connect({ authUrl: `${base}/auth/v1.0`, user: 'msh:backup', key: 'backup', ...(timeoutMs ? { timeoutMs } : {}) });

describe('SwiftClient', () => {
  it('authenticates, puts, gets, heads, lists by pages and deletes', async () => {
    const c = await connect();
    expect(c.url).toBe(`${base}/v1/AUTH_msh`);
    await c.ensureContainer('volumebackups');
    const body = Buffer.from('hello swift');
    const { etag } = await c.putObject('volumebackups', 'volume_x/2026/az_nova_backup_1-00001', body);
    expect(etag).toBe(createHash('md5').update(body).digest('hex'));
    expect((await c.getObject('volumebackups', 'volume_x/2026/az_nova_backup_1-00001')).equals(body)).toBe(true);
    expect(await c.headObject('volumebackups', 'volume_x/2026/az_nova_backup_1-00001')).toMatchObject({ etag, length: body.length });
    expect(await c.headObject('volumebackups', 'nope')).toBeNull();
    for (const n of ['a', 'b', 'c', 'd', 'e']) await c.putObject('volumebackups', `p/${n}`, Buffer.from(n));
    fake.markers = [];
    expect(await c.listObjects('volumebackups', 'p/')).toEqual(['p/a', 'p/b', 'p/c', 'p/d', 'p/e']);
    expect(fake.markers).toEqual(['', 'p/b', 'p/d', 'p/e']); // pages of 2, then an empty page
    await c.deleteObject('volumebackups', 'p/a');
    expect(await c.headObject('volumebackups', 'p/a')).toBeNull();
  });

  it('errors carry the HTTP status', async () => {
    const c = await connect();
    const err = await c.getObject('volumebackups', 'missing').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SwiftError);
    expect((err as SwiftError).status).toBe(404);
    const bad = await SwiftClient.connect({ authUrl: `${base}/auth/v1.0`, user: 'msh:backup', key: 'wrong' }).catch((e: unknown) => e);
    expect((bad as SwiftError).status).toBe(401);
  });

  it('re-authenticates once on a 401 (expired token) and goes on', async () => {
    const c = await connect();
    const before = fake.auths;
    fake.token = 'tk2';
    await c.putObject('volumebackups', 'after-expiry', Buffer.from('x'));
    expect(fake.auths).toBe(before + 1);
    expect(fake.objects.has('volumebackups/after-expiry')).toBe(true);
  });

  it("throws when Swift's ETag is not the MD5 it was sent", async () => {
    const c = await connect();
    fake.lieEtag = 'd41d8cd98f00b204e9800998ecf8427e';
    try {
      await expect(c.putObject('volumebackups', 'lie', Buffer.from('data'))).rejects.toThrow(/ETag d41d8cd98f00b204e9800998ecf8427e is not the MD5 sent/);
    } finally {
      fake.lieEtag = null;
    }
  });

  it('a server that never answers fails within the timeout, status 0', async () => {
    const c = await connect(300);
    fake.hang = true;
    const t0 = performance.now();
    try {
      const err = await c.getObject('volumebackups', 'x').catch((e: unknown) => e);
      expect((err as SwiftError).status).toBe(0);
      expect((err as Error).message).toMatch(/no answer within 300 ms/);
    } finally {
      fake.hang = false;
    }
    const ms = performance.now() - t0;
    expect(ms).toBeGreaterThanOrEqual(290);
    expect(ms).toBeLessThan(2000);
  });
});
