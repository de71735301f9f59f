// What the DR sites' services are started with, and waiting for their APIs.
// The primary runs compute, volume and image and sends its backups to the
// backup site's Swift (and, for replication, its replicas to the backup
// site's volume API) across the WAN; the backup site runs the same APIs plus
// the object store.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Scenario } from '../scenario/schema.js';
import type { Plan } from '../topology/plan.js';
import { restOn, until } from './rest.js';

/** Tempauth account of the backup site's Swift (set in the image's proxy config). */
export const SWIFT_USER = 'msh:backup';
export const SWIFT_KEY = 'backup';
export const SWIFT_PORT = 8080;
export const VOLUME_PORT = 8776;

function controllerAddress(plan: Plan, site: string): string {
  const ctl = plan.sites.find((s) => s.name === site)?.nodes.find((n) => n.role === 'controller');
  if (!ctl) throw new Error(`site ${site} has no controller`);
  return ctl.address;
}

/** The services flags of `site` for the scenario's dr block (none for other sites). */
export function drServiceArgs(s: Scenario, site: string, plan: Plan): string[] {
  const d = s.dr;
  if (!d || (site !== d.primary && site !== d.backup)) return [];
  const apis = ['--volume', '--compute', '--image', ...(d.backendRef ? [] : ['--no-backend-ref'])];
  const backup = controllerAddress(plan, d.backup);
  // Both sites' volume services use the backup site's Swift: the primary writes its backups there
  // (across the WAN), the backup site restores from it (locally). Replication needs no object store.
  const swift = ['--backup-swift-url', `http://${backup}:${SWIFT_PORT}/auth/v1.0`, '--backup-swift-user', SWIFT_USER, '--backup-swift-key', SWIFT_KEY];
  if (site === d.backup) return d.option === 'replication' ? apis : [...apis, '--object-store', ...swift];
  if (d.option === 'replication') return [...apis, '--replication-target', `http://${backup}:${VOLUME_PORT}`];
  return [...apis, ...swift];
}

/** Waits until a DR site's compute, volume and image APIs answer on their sockets. */
export async function waitDrApis(siteDir: string, timeoutMs = 60_000): Promise<void> {
  try {
    await waitAll(siteDir, timeoutMs);
  } catch (err) {
    // Why the services did not come up is in their own output: say it in the error.
    const tail = await readFile(join(siteDir, 'services.out'), 'utf8').then((t) => t.trim().split('\n').slice(-5).join(' | '), () => '(no services.out)');
    throw new Error(`${(err as Error).message}; services.out: ${tail}`);
  }
}

async function waitAll(siteDir: string, timeoutMs: number): Promise<void> {
  await Promise.all(
    (['volume', 'compute', 'image'] as const).map((svc) =>
      until(
        () => restOn(join(siteDir, `${svc}.sock`), 2000)('GET', '/').then((a) => a.status, () => 0),
        (status) => status > 0 && status < 500,
        timeoutMs,
        `${svc} API in ${siteDir}`,
        100,
      ),
    ),
  );
}
