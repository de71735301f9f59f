// What compute needs of the volume service, in process (the services
// process runs both in the all-in-one controller, as nova-compute and
// cinder-volume share a DevStack node). The lead wires the volume
// service's implementation in main.ts; tests may load a file-backed one
// with --volume-backend-module (a module exporting createVolumeBackend).
import { pathToFileURL } from 'node:url';

export interface BackendVolume {
  readonly id: string;
  readonly bootable: boolean;
  readonly status: string;
  /** Bytes. */
  readonly size: number;
  /** The volume's file as the guest opens it. */
  readonly path: string;
}

export interface VolumeBackend {
  attach(volumeId: string, serverId: string): Promise<{ path: string }>;
  detach(volumeId: string, serverId: string): Promise<void>;
  snapshot(volumeId: string, name: string): Promise<{ id: string }>;
  getVolume(volumeId: string): Promise<BackendVolume>;
  createFromSnapshot(snapshotId: string, name: string): Promise<{ id: string }>;
}

const METHODS = ['attach', 'detach', 'snapshot', 'getVolume', 'createFromSnapshot'] as const;

/** A VolumeBackend from a module's createVolumeBackend({runDir}); checked to have every method. */
export async function loadVolumeBackendModule(path: string, runDir: string): Promise<VolumeBackend> {
  const mod = (await import(pathToFileURL(path).href)) as { createVolumeBackend?: unknown };
  if (typeof mod.createVolumeBackend !== 'function') throw new Error(`${path} exports no createVolumeBackend function`);
  const backend = (await (mod.createVolumeBackend as (o: { runDir: string }) => unknown)({ runDir })) as Record<string, unknown> | null;
  const missing = METHODS.filter((m) => typeof backend?.[m] !== 'function');
  if (missing.length > 0) throw new Error(`${path}: the volume backend lacks ${missing.join(', ')}`);
  return backend as unknown as VolumeBackend;
}
