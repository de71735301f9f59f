// Starting the compute and image APIs in the services process (main.ts
// calls this once): the `nova` and `glance` databases in the site's
// MariaDB, the guests' host, both HTTP services. Closing a returned Served
// also kills the guests and closes its database pool.
import { join } from 'node:path';
import { behind, serve, type Middleware, type Served } from '../http.js';
import { openDatabase } from '../mariadb.js';
import { IMAGE_PORT, imageApi } from '../image/api.js';
import { ImageService } from '../image/service.js';
import { COMPUTE_PORT, computeApi } from './api.js';
import { GuestHost } from './guests.js';
import { ComputeService } from './service.js';
import { loadVolumeBackendModule, type VolumeBackend } from './volumes.js';

export interface ComputeImageOptions {
  readonly compute: boolean;
  readonly computePort: number;
  readonly image: boolean;
  readonly imagePort: number;
  readonly volumeBackendModule: string | null;
}

export interface SiteContext {
  readonly runDir: string;
  /** TCP listen address. */
  readonly host: string;
  readonly site: string;
  /** The controller's address, for links. */
  readonly address: string;
  readonly projectId: string;
  readonly dbSocket: string;
  /** The auth middleware (keystonemiddleware) in front of every route, when the site runs one. */
  readonly middleware?: Middleware;
}

export { COMPUTE_PORT, IMAGE_PORT };

export async function startComputeAndImage(
  o: ComputeImageOptions,
  site: SiteContext,
  log: (line: string) => void,
  volumeBackend: VolumeBackend | null,
): Promise<{ served: Served[]; ready: string[] }> {
  const served: Served[] = [];
  const ready: string[] = [];
  if (!o.image) return { served, ready };
  const glance = await openDatabase(site.dbSocket, 'glance');
  const images = new ImageService(glance, site.projectId);
  await images.start();
  const imgSrv = await serve(behind(imageApi(images), site.middleware), { host: site.host, port: o.imagePort, socketPath: join(site.runDir, 'image.sock') }, log);
  served.push({ close: async () => (await imgSrv.close(), await glance.end().catch(() => undefined)) });
  ready.push(`image on ${site.host}:${o.imagePort} and ${join(site.runDir, 'image.sock')}`);
  if (!o.compute) return { served, ready };

  const volumes = volumeBackend ?? (o.volumeBackendModule !== null ? await loadVolumeBackendModule(o.volumeBackendModule, site.runDir) : null);
  if (volumes === null) throw new Error('--compute needs a volume backend: the volume service, or --volume-backend-module');
  if (o.volumeBackendModule !== null) log(`compute: volumes from ${o.volumeBackendModule}`);
  const nova = await openDatabase(site.dbSocket, 'nova');
  const compute = new ComputeService(
    nova,
    volumes,
    images,
    new GuestHost(site.runDir),
    { host: `controller-${site.site}`, baseUrl: `http://${site.address}:${o.computePort}`, defaultProject: site.projectId },
    log,
  );
  await compute.start();
  const api = computeApi(compute, { imageUrl: `http://${site.address}:${o.imagePort}` });
  const srv = await serve(behind(api, site.middleware), { host: site.host, port: o.computePort, socketPath: join(site.runDir, 'compute.sock') }, log);
  served.push({ close: async () => (await srv.close(), await compute.stop(), await nova.end().catch(() => undefined)) });
  ready.push(`compute on ${site.host}:${o.computePort} and ${join(site.runDir, 'compute.sock')}`);
  return { served, ready };
}
