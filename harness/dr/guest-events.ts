// What the fake VNF's guests wrote about themselves, read from the host: each
// guest's events file (<site run dir>/guests/<server>.events.jsonl, one JSON
// line per event, kept when its site is lost) and the header of a data
// volume (its last written transaction).
import { open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BLOCK, decodeHeader } from '../agents/dr-format.js';

export interface DrSite {
  readonly name: string;
  /** The site's run dir on the host (bind-mounted at /run/msh in its controller). */
  readonly dir: string;
}

export interface GuestEvent {
  readonly t: number;
  /** guest@<site>/<vnf>-<index> (the server id until the guest said who it is). */
  readonly process: string;
  readonly f: string;
  readonly value: Record<string, unknown>;
}

/** Every event of every guest of a site, in time order. */
export async function readGuestEvents(s: DrSite, vnf: string): Promise<GuestEvent[]> {
  const dir = join(s.dir, 'guests');
  const out: GuestEvent[] = [];
  for (const f of (await readdir(dir).catch(() => [] as string[])).filter((x) => x.endsWith('.events.jsonl'))) {
    const server = f.replace('.events.jsonl', '');
    let who = server;
    for (const l of (await readFile(join(dir, f), 'utf8')).split('\n')) {
      if (l.trim() === '') continue;
      let e: Record<string, unknown>;
      try {
        e = JSON.parse(l) as Record<string, unknown>;
      } catch {
        continue; // a line cut by the kill of its site
      }
      if (e['type'] === 'start' && typeof e['index'] === 'number') who = `${String(e['vnf'] ?? vnf)}-${e['index']}`;
      const { t, type, ...value } = e;
      out.push({ t: Number(t), process: `guest@${s.name}/${who}`, f: String(type), value: { ...value, server } });
    }
  }
  return out.sort((a, b) => a.t - b.t);
}

/** The latest event of `type` in a site, or null. */
export async function lastGuestEvent(s: DrSite, vnf: string, type: string): Promise<GuestEvent | null> {
  return (await readGuestEvents(s, vnf)).filter((e) => e.f === type).at(-1) ?? null;
}

/** A data volume's header: the fake VNF's last written transaction (a volume never written reads as transaction 0). */
export async function readHeader(path: string): Promise<{ seq: number; corrupt: boolean }> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(BLOCK);
    await fh.read(buf, 0, BLOCK, 0);
    const h = decodeHeader(buf);
    return { seq: h?.seq ?? 0, corrupt: h?.corrupt ?? false };
  } finally {
    await fh.close();
  }
}
