// The backend: a volume is a plain file, written through and fsynced
// (with its directory entry) before an API call that made it returns, so an
// acknowledged volume survives a killed process.
import { constants } from 'node:fs';
import { open, mkdir, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

async function syncDir(path: string): Promise<void> {
  const d = await open(dirname(path), constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

/** A new file of `bytes` zero bytes (sparse); fails if it exists. */
export async function createFile(path: string, bytes: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const f = await open(path, 'wx', 0o666);
  try {
    await f.truncate(bytes);
    await f.sync();
  } finally {
    await f.close();
  }
  await syncDir(path);
}

/** Copies src into a new file dst, then sizes it to `bytes` (at least src's length unless smaller asked). */
export async function copyFile(src: string, dst: string, bytes?: number): Promise<{ bytes: number }> {
  await mkdir(dirname(dst), { recursive: true });
  const s = await open(src, 'r');
  const d = await open(dst, 'wx', 0o666);
  let copied = 0;
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const { bytesRead } = await s.read(buf, 0, buf.length, copied);
      if (bytesRead === 0) break;
      await d.write(buf, 0, bytesRead, copied);
      copied += bytesRead;
    }
    if (bytes !== undefined && bytes !== copied) await d.truncate(bytes);
    await d.sync();
  } catch (err) {
    await d.close().catch(() => undefined);
    await rm(dst, { force: true });
    throw err;
  } finally {
    await s.close();
  }
  await d.close();
  await syncDir(dst);
  return { bytes: bytes ?? copied };
}

/** Writes each extent at its offset, grows/shrinks the file to `size` when given (zero-filled first with `reset`), fsyncs; creates the file if missing. */
export async function writeExtents(path: string, extents: readonly { offset: number; data: Buffer }[], size?: number, reset = false): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const created = !(await exists(path));
  const f = await open(path, created ? 'w+' : 'r+', 0o666);
  try {
    if (reset) await f.truncate(0);
    if (size !== undefined) await f.truncate(size);
    for (const e of extents) await f.write(e.data, 0, e.data.length, e.offset);
    await f.sync();
  } finally {
    await f.close();
  }
  if (created) await syncDir(path);
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

export async function fileSize(path: string): Promise<number> {
  return (await stat(path)).size;
}

export async function removeFile(path: string): Promise<void> {
  await rm(path, { force: true });
}

/** One holder at a time; waiters run in arrival order. */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const r = this.tail.then(fn, fn);
    this.tail = r.catch(() => undefined);
    return r;
  }
}

/** A mutex per key (a volume's write lock), made on first use. */
export class KeyedMutex {
  private readonly locks = new Map<string, Mutex>();
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    let m = this.locks.get(key);
    if (!m) {
      m = new Mutex();
      this.locks.set(key, m);
    }
    return m.run(fn);
  }
}
