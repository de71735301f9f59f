// Where things live on the host. One place, so `clean` and `run` agree.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The project root (dist/paths.js -> ..); mounted read-only into containers. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DIST = join(PROJECT_ROOT, 'dist');
/** Per-run state: relay socket and log, owner pid, the plan. */
export const STATE_ROOT = '/tmp/msh-runs';
/** Where the project is mounted inside every container. */
export const MOUNT = '/opt/msh';

export const IMAGES: Readonly<Record<string, string>> = { base: 'msh/base:current' };

export function imageRef(name: string): string {
  return IMAGES[name] ?? name;
}
