// A small command line over SwiftClient and the chunked backup driver, run
// where Swift is reachable (inside a controller: the host has no route into
// the topology). One JSON object on stdout per command; errors on stderr,
// exit 1.
//
//   node dist/services/object/cli.js backup --volume-id V --backup-id B --source FILE [--parent PREFIX] ...
//   node dist/services/object/cli.js restore --chain P1,P2,... --dest FILE --size BYTES
//   node dist/services/object/cli.js list [--prefix P]
//   node dist/services/object/cli.js complete --prefix P
import { stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { DEFAULT_CONTAINER, backupVolume, isComplete, readSha256s, restoreBackup } from '../volume/backup-driver.js';
import { DEFAULT_TIMEOUT_MS, SwiftClient } from './client.js';
import { AUTH_PATH, PROXY_PORT, SWIFT_KEY, SWIFT_USER } from './swift.js';

const USAGE = `usage: node dist/services/object/cli.js COMMAND [options]
commands:
  backup   --volume-id ID --backup-id ID --source FILE [--parent PREFIX] [--name N] [--description D]
           [--az AZ] [--created-at ISO] [--object-size BYTES]
           full backup, or incremental against PREFIX (its _sha256file is read from the store)
  restore  --chain PREFIX[,PREFIX...] --dest FILE --size BYTES   (full first)
  list     [--prefix P]          object names in the container
  complete --prefix P            is that backup complete (its _metadata and every object it lists)
common:
  --auth-url URL    (default http://127.0.0.1:${PROXY_PORT}${AUTH_PATH})
  --user U --key K  (default ${SWIFT_USER} / ${SWIFT_KEY})
  --container C     (default ${DEFAULT_CONTAINER})
  --timeout MS      per request (default ${DEFAULT_TIMEOUT_MS})`;

const int = z.coerce.number().int().positive();
const Common = z.object({
  'auth-url': z.string().url().default(`http://127.0.0.1:${PROXY_PORT}${AUTH_PATH}`),
  user: z.string().default(SWIFT_USER),
  key: z.string().default(SWIFT_KEY),
  container: z.string().min(1).default(DEFAULT_CONTAINER),
  timeout: int.default(DEFAULT_TIMEOUT_MS),
});
const Backup = Common.extend({
  'volume-id': z.string().min(1),
  'backup-id': z.string().min(1),
  source: z.string().min(1),
  parent: z.string().optional(),
  name: z.string().default(''),
  description: z.string().default(''),
  az: z.string().default('nova'),
  'created-at': z.string().datetime().optional(),
  'object-size': int.optional(),
});
const Restore = Common.extend({ chain: z.string().min(1), dest: z.string().min(1), size: z.coerce.number().int().nonnegative() });
const List = Common.extend({ prefix: z.string().optional() });
const Complete = Common.extend({ prefix: z.string().min(1) });

function parse<T extends z.ZodTypeAny>(schema: T, values: unknown): z.infer<T> {
  const r = schema.safeParse(values);
  if (!r.success) throw new Error(r.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; '));
  return r.data as z.infer<T>;
}

async function main(argv: string[]): Promise<unknown> {
  const [command, ...rest] = argv;
  const str = { type: 'string' } as const;
  const { values } = parseArgs({
    args: rest,
    options: {
      'auth-url': str, user: str, key: str, container: str, timeout: str,
      'volume-id': str, 'backup-id': str, source: str, parent: str, name: str, description: str, az: str, 'created-at': str, 'object-size': str,
      chain: str, dest: str, size: str, prefix: str,
    },
    strict: true,
  });
  const connect = (c: z.infer<typeof Common>) => SwiftClient.connect({ authUrl: c['auth-url'], user: c.user, key: c.key, timeoutMs: c.timeout });
  switch (command) {
    case 'backup': {
      const o = parse(Backup, values);
      const store = await connect(o);
      const t0 = performance.now();
      const parent = o.parent ? { prefix: o.parent, sha256s: await readSha256s(store, o.container, o.parent) } : null;
      const r = await backupVolume({
        store,
        container: o.container,
        volumeId: o['volume-id'],
        backupId: o['backup-id'],
        name: o.name,
        description: o.description,
        az: o.az,
        createdAt: o['created-at'] ? new Date(o['created-at']) : new Date(),
        source: o.source,
        parent,
        ...(o['object-size'] ? { objectSize: o['object-size'] } : {}),
      });
      const { sha256s, ...summary } = r;
      return { ...summary, blocks: sha256s.length, ms: Math.round(performance.now() - t0) };
    }
    case 'restore': {
      const o = parse(Restore, values);
      const store = await connect(o);
      const t0 = performance.now();
      const r = await restoreBackup({ store, container: o.container, chain: o.chain.split(','), dest: o.dest, size: o.size });
      return { ...r, size: (await stat(o.dest)).size, ms: Math.round(performance.now() - t0) };
    }
    case 'list': {
      const o = parse(List, values);
      return { objects: await (await connect(o)).listObjects(o.container, o.prefix) };
    }
    case 'complete': {
      const o = parse(Complete, values);
      return { complete: await isComplete(await connect(o), o.container, o.prefix) };
    }
    default:
      throw new Error(command ? `unknown command ${command}` : 'no command');
  }
}

try {
  process.stdout.write(`${JSON.stringify(await main(process.argv.slice(2)))}\n`);
  process.exit(0);
} catch (e) {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n${USAGE}\n`);
  process.exit(1);
}
