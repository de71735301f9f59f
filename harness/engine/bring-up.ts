// Bringing a scenario's topology up to where its workload can start: the
// containers and links, the site services (identity and its databases, the
// network, compute, volume, image and object APIs), tenant overlays, the DR
// VNF. Shared by `msh run` (then workload, faults, checks, teardown) and
// `msh up` (left running for an engineer).
import type { History } from '../observe/history.js';
import { now } from '../observe/history.js';
import type { Runtime } from '../runtime/runtime.js';
import type { Scenario } from '../scenario/schema.js';
import { authMiddlewareArgs } from '../topology/auth-middleware.js';
import { deploy, siteDir, type Deployment } from '../topology/deploy.js';
import { identityArgs, shareFernetKeys, startIdentityDb } from '../topology/identity.js';
import { planAttachments, type Attachment } from '../topology/overlay.js';
import { buildOverlays, startSiteServices, type Overlays } from '../topology/overlays.js';
import { waitForCentralCatalog } from '../topology/site-apis.js';
import type { Plan } from '../topology/plan.js';
import { drServiceArgs, waitDrApis } from '../dr/deploy.js';
import { drRunner, type DrRunner } from '../dr/runner.js';
import type { DrSite } from '../dr/guest-events.js';

export interface BroughtUp {
  readonly d: Deployment;
  readonly attachments: readonly Attachment[];
  readonly overlays?: Overlays;
  readonly dr?: DrRunner;
  readonly ms: number;
}

export interface BringUpOptions {
  readonly seed: number;
  /** Left up on purpose (msh up): only down/clean remove it. */
  readonly keep?: boolean;
  readonly phase: (name: string, detail?: Record<string, unknown>) => void;
  /** Told the deployment as soon as it exists, so a failure later can still tear it down. */
  readonly deployed: (d: Deployment) => void;
}

/** The DR sites' run dirs on the host, for a runner of this deployment. */
export async function drSites(s: Scenario, stateDir: string): Promise<Map<string, DrSite>> {
  const dirs = new Map<string, DrSite>();
  if (!s.dr) return dirs;
  for (const site of [s.dr.primary, s.dr.backup]) dirs.set(site, { name: site, dir: await siteDir(stateDir, site) });
  return dirs;
}

export async function bringUp(scenario: Scenario, plan: Plan, runtime: Runtime, history: History, o: BringUpOptions): Promise<BroughtUp> {
  const { phase } = o;
  const t = now();
  const d = await deploy(plan, runtime, { seed: o.seed, keep: o.keep ?? false, onStep: (step) => phase(`bring-up:${step}`) });
  o.deployed(d);
  const attachments = planAttachments(scenario);
  let overlays: Overlays | undefined;
  if (scenario.networks.length > 0 || scenario.identity || scenario.dr) {
    const sharedDb = (scenario.identity?.database ?? 'local') !== 'local';
    // The identity database forms while the services start: a Keystone
    // waits for its database (services/identity/start.ts), and the rest of
    // a services start (the process, the site's own MariaDB) needs none.
    if (sharedDb) phase('bring-up:identity-db');
    const db = sharedDb ? startIdentityDb(scenario, d, runtime).then((detail) => phase('bring-up:identity-db-ready', detail)) : Promise.resolve();
    // Thrown where it is awaited, below; handled here so a failure while the keys are copied is not an unhandled rejection.
    db.catch(() => undefined);
    // Before any Keystone starts: each finds the one repository and never makes keys of its own.
    const shared = await shareFernetKeys(scenario, d);
    if (shared.length) phase('bring-up:fernet-keys-shared', { from: scenario.identity!.site, to: shared });
    phase('bring-up:site-services');
    const start = () =>
      startSiteServices(d, runtime, {
        // Neutron's ARP responder is incompatible with addresses that move
        // between ports (VRRP/GARP), as in Neutron itself: VNF scenarios run without it.
        arpResponder: scenario.vnfs.length === 0,
        args: (site) => [...identityArgs(scenario, site, plan), ...authMiddlewareArgs(scenario, site, plan), ...drServiceArgs(scenario, site, plan)],
        // Side by side even on a shared identity database: the schema is in
        // its seed, and each Keystone's bootstrap is one transaction that
        // retries when another region committed a shared row first.
        sequential: false,
        network: scenario.networks.length > 0 || scenario.identity !== undefined,
      });
    let dbReady = false;
    void db.then(() => (dbReady = true), () => undefined);
    const services = start()
      .catch(async (e: unknown) => {
        // Gave up waiting for an API while the database was still forming
        // (a loaded host): once it is ready, wait for the APIs again. A
        // process still waiting for its database is left alone (the pid
        // file), one that gave up is started anew.
        if (!sharedDb || dbReady) throw e;
        await db;
        phase('bring-up:site-services-again', { reason: e instanceof Error ? e.message : String(e) });
        return start();
      })
      .then((c) => {
        phase('bring-up:site-services-ready');
        return c;
      });
    // A database that fails ends the bring-up at once (its error, not the services' wait for it).
    const [, clients] = await Promise.all([db, services]);
    if (scenario.identity?.placement === 'centralized') {
      await waitForCentralCatalog(scenario, plan, d.stateDir);
      phase('bring-up:central-catalog-ready');
    }
    if (scenario.networks.length > 0) {
      phase('bring-up:overlays');
      overlays = await buildOverlays(scenario, d, runtime, attachments, clients);
      phase('bring-up:overlays-ready', { networks: overlays.networks.size, localPorts: overlays.ports.size, remotePorts: overlays.remotePorts });
    }
  }
  let dr: DrRunner | undefined;
  if (scenario.dr) {
    phase('bring-up:dr');
    const dirs = await drSites(scenario, d.stateDir);
    for (const s of dirs.values()) await waitDrApis(s.dir);
    dr = drRunner(scenario.dr, dirs, history);
    await dr.setup();
    phase('bring-up:dr-ready', { vnf: scenario.dr.vnf, members: scenario.dr.members, option: scenario.dr.option });
  }
  return { d, attachments, ...(overlays ? { overlays } : {}), ...(dr ? { dr } : {}), ms: now() - t };
}
