import type { VolumeBackend } from '../../harness/services/compute/volumes.js';

export function createVolume(dir: string, opts: { size: number; bootable?: boolean; name?: string; id?: string }): string;
export function volumePath(dir: string, id: string): string;
export function createVolumeBackend(opts: { runDir: string }): VolumeBackend;
