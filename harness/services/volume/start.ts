// The volume service's flags and start-up, kept out of main.ts (shared):
// main.ts declares the flags and calls startVolume.
import { join } from 'node:path';
import type { Handler, Middleware, RouteRequest, Served } from '../http.js';
import { behind, serve } from '../http.js';
import { DEFAULT_MARIADB, ensureMariadb, openDatabase } from '../mariadb.js';
import { VOLUME_PORT, volumeApi } from './api.js';
import { BackupService, type BackupTarget } from './backups.js';
import { Replicator } from './replication.js';
import { DEFAULT_GIB_BYTES, VolumeService } from './service.js';

export const VOLUME_USAGE = `volume (Cinder v3, --volume):
  --volume             serve the volume API on TCP ${VOLUME_PORT} and <run-dir>/volume.sock
  --volume-port N      TCP port (default ${VOLUME_PORT})
  --volume-gib-bytes N backing file bytes per GiB of volume size (default ${DEFAULT_GIB_BYTES}: 4 MiB, the emulation's scale)
  --replication-target URL   the backup site's volume API (e.g. http://198.18.2.2:${VOLUME_PORT}): replicated types ship there
  --replication-interval-ms N  replicator period (default 200)
  --backup-swift-url URL / --backup-swift-user U / --backup-swift-key K
                       the backup site's Swift (auth v1 URL) that backups go to
  --no-backend-ref     do not keep a managed volume's backend reference in its admin metadata
                       (Cinder without the change the GR seed asks for, gap 2: a known-bad)`;

export const VOLUME_FLAGS = {
  volume: { type: 'boolean' },
  'volume-port': { type: 'string' },
  'volume-gib-bytes': { type: 'string' },
  'replication-target': { type: 'string' },
  'replication-interval-ms': { type: 'string' },
  'backup-swift-url': { type: 'string' },
  'backup-swift-user': { type: 'string' },
  'backup-swift-key': { type: 'string' },
  'no-backend-ref': { type: 'boolean' },
} as const;

export interface VolumeOptions {
  readonly port: number;
  readonly gibBytes: number;
  readonly replicationTarget: string | null;
  readonly replicationIntervalMs: number;
  readonly swift: { readonly url: string; readonly user: string; readonly key: string } | null;
  readonly backendRef: boolean;
}

type Flags = { readonly [K in keyof typeof VOLUME_FLAGS]?: (typeof VOLUME_FLAGS)[K]['type'] extends 'boolean' ? boolean : string };

/** The volume options from parsed flags (null without --volume), or `fail` with what is wrong. */
export function volumeOptions(values: Flags, fail: (msg: string) => never): VolumeOptions | null {
  const int = (v: string | undefined, dflt: number, name: string, min: number) => {
    if (v === undefined) return dflt;
    if (!/^\d+$/.test(v) || Number(v) < min) fail(`${name} must be a whole number >= ${min}`);
    return Number(v);
  };
  const url = (v: string | undefined, name: string) => {
    if (v !== undefined && !/^http:\/\/[^/]+/.test(v)) fail(`${name} must be an http:// URL`);
    return v ?? null;
  };
  const others = Object.keys(VOLUME_FLAGS).filter((k) => k !== 'volume' && values[k as keyof Flags] !== undefined);
  if (!values.volume) {
    if (others.length > 0) fail(`--${others[0]} needs --volume`);
    return null;
  }
  const swiftUrl = url(values['backup-swift-url'], '--backup-swift-url');
  if (swiftUrl !== null && (values['backup-swift-user'] === undefined || values['backup-swift-key'] === undefined)) fail('--backup-swift-url needs --backup-swift-user and --backup-swift-key');
  return {
    port: int(values['volume-port'], VOLUME_PORT, '--volume-port', 1),
    gibBytes: int(values['volume-gib-bytes'], DEFAULT_GIB_BYTES, '--volume-gib-bytes', 1),
    replicationTarget: url(values['replication-target'], '--replication-target'),
    replicationIntervalMs: int(values['replication-interval-ms'], 200, '--replication-interval-ms', 10),
    swift: swiftUrl === null ? null : { url: swiftUrl, user: values['backup-swift-user']!, key: values['backup-swift-key']! },
    backendRef: !values['no-backend-ref'],
  };
}

/** The backup target for --backup-swift-url: set by swift-target.ts once the Swift client and the chunked driver exist. */
export type BackupTargetFactory = (swift: { url: string; user: string; key: string }, log: (line: string) => void) => BackupTarget;

/** The replica shipments' private endpoint (replication.ts). */
const REPLICA_PATH = /^\/v3\/[^/]+\/msh-replicas\//;

export interface StartedVolume extends Served {
  readonly service: VolumeService;
  readonly backups: BackupService;
}

export async function startVolume(
  o: VolumeOptions,
  env: { site: string; runDir: string; host: string; dbSocket: string; projectId: string; backupTarget: BackupTargetFactory | null; middleware?: Middleware },
  log: (line: string) => void,
): Promise<StartedVolume> {
  // Reuses the site's MariaDB when it runs (the network or identity service started it).
  const db = await ensureMariadb({ ...DEFAULT_MARIADB, socket: env.dbSocket, logFile: join(env.runDir, 'mariadb.log') });
  if (db.started) log(`mariadb started (pid ${db.pid ?? '?'}) in ${db.ms.toFixed(0)} ms`);
  const pool = await openDatabase(env.dbSocket, 'cinder');
  const service = new VolumeService(pool, { site: env.site, runDir: env.runDir, gibBytes: o.gibBytes, defaultProject: env.projectId, backendRef: o.backendRef }, log);
  await service.start();
  let target: BackupTarget | null = null;
  if (o.swift) {
    if (!env.backupTarget) log('volume: --backup-swift-url given but no backup driver is built in: backups answer 503');
    else target = env.backupTarget(o.swift, log);
  }
  const backups = new BackupService(service, target);
  await backups.start();
  const replicator = o.replicationTarget ? new Replicator(service, { target: o.replicationTarget, intervalMs: o.replicationIntervalMs }) : null;
  let served: Served;
  try {
    // The replication link is the backend's (a driver's link in Cinder, not an API call): no user token on it.
    const mw = env.middleware;
    const auth = mw ? (req: RouteRequest, next: Handler) => (REPLICA_PATH.test(req.path) ? next(req) : mw(req, next)) : undefined;
    served = await serve(behind(volumeApi(service, backups), auth), { host: env.host, port: o.port, socketPath: join(env.runDir, 'volume.sock') }, log);
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
  replicator?.start();
  log(`volume: ${o.gibBytes} bytes per GiB, backups ${target ? `to ${o.swift!.url}` : 'off'}, replication ${o.replicationTarget ? `to ${o.replicationTarget} every ${o.replicationIntervalMs} ms` : 'off'}`);
  return {
    service,
    backups,
    async close() {
      await served.close();
      await replicator?.stop();
      await pool.end().catch(() => undefined);
    },
  };
}
