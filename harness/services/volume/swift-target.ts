// The backup target of --backup-swift-url: Cinder's chunked driver
// (backup-driver.ts) writing to the backup site's Swift (object/client.ts)
// across the WAN. The connection is made on first use and made again after
// a failure, so a site that was unreachable at start (or lost, then back)
// is used when it answers.
import { SwiftClient } from '../object/client.js';
import type { BackupTarget } from './backups.js';
import { backupVolume, isComplete, restoreBackup } from './backup-driver.js';

export function swiftBackupTarget(swift: { url: string; user: string; key: string }, log: (line: string) => void): BackupTarget {
  let client: Promise<SwiftClient> | null = null;
  const store = async (): Promise<SwiftClient> => {
    client ??= SwiftClient.connect({ authUrl: swift.url, user: swift.user, key: swift.key });
    try {
      return await client;
    } catch (err) {
      client = null;
      log(`volume backups: Swift at ${swift.url} not reachable: ${(err as Error).message}`);
      throw err;
    }
  };
  return {
    async backup(o) {
      const s = await store();
      const { parentId, ...rest } = o;
      const r = await backupVolume({ store: s, ...rest, ...(parentId !== null ? { parentId } : {}) });
      return { prefix: r.prefix, sha256s: r.sha256s, objects: r.objects, bytesSent: r.bytesSent, changedBlocks: r.changedBlocks, totalBlocks: r.totalBlocks };
    },
    async restore(o) {
      await restoreBackup({ store: await store(), ...o });
    },
    async isComplete(container, prefix) {
      return isComplete(await store(), container, prefix);
    },
  };
}
