// Plan -> running topology: namespaces, relay, containers, wiring. On any
// error everything made so far is removed before the error is rethrown.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { MOUNT, PROJECT_ROOT, imageRef } from '../paths.js';
import { containerCommands, nodeVethCommands, siteCommands, wanCommands } from '../net/commands.js';
import { NO_IPV6, checksumInSoftware, inNs, inPid, nsAdd, sysctlNs } from '../net/ip.js';
import { LABEL, type Runtime } from '../runtime/runtime.js';
import { MshError } from '../scenario/errors.js';
import type { LinkConfig, RelayClient } from '../wan/control.js';
import type { Impairment } from '../wan/impairment.js';
import { startRelay } from '../wan/process.js';
import type { LinkPlan, Plan } from './plan.js';
import { destroyRun, ownedState, writeState } from './state.js';

export interface Deployment {
  readonly plan: Plan;
  readonly stateDir: string;
  readonly relay: RelayClient;
  /** site/node -> container id */
  readonly containers: ReadonlyMap<string, string>;
}

export interface DeployOptions {
  readonly seed: number;
  readonly keep?: boolean;
  readonly onStep?: (step: string) => void;
}

export async function deploy(plan: Plan, runtime: Runtime, opts: DeployOptions): Promise<Deployment> {
  const step = opts.onStep ?? (() => {});
  const stateDir = await writeState(ownedState(plan, opts.keep ?? false), { plan });
  let relay: RelayClient | undefined;
  try {
    for (const image of new Set(plan.sites.flatMap((s) => s.nodes.map((n) => imageRef(n.image))))) {
      if (!(await runtime.imageExists(image))) throw new MshError('RUNTIME', `image ${image} is missing: run \`make setup\` (it builds the images offline)`);
    }
    step('namespaces');
    await Promise.all([plan.wanNs, ...plan.sites.map((s) => s.ns)].map(nsAdd));
    await sysctlNs(plan.wanNs, NO_IPV6);
    await Promise.all(plan.sites.map((s) => sysctlNs(s.ns, { ...NO_IPV6, 'net.ipv4.ip_forward': '1' })));
    await inNs(plan.wanNs, wanCommands(plan));
    await Promise.all(plan.sites.map((s) => inNs(s.ns, siteCommands(plan, s))));
    // The router's own TCP (a client in the site namespace) leaves through a
    // link device into the relay, a socket that copies bytes: checksums must
    // be complete when they leave, as in the containers.
    await Promise.all(plan.links.flatMap((l) => [l.a, l.b].map((end) => checksumInSoftware(plan.sites.find((s) => s.name === end.site)!.ns, end.device))));

    step('relay');
    relay = await startRelay(plan.wanNs, stateDir, opts.seed);
    for (const l of plan.links) await relay.set(linkConfig(plan, l, l.baseline, l.baseline));

    step('containers');
    const containers = new Map<string, string>();
    await Promise.all(
      plan.sites.flatMap((s) =>
        s.nodes.map(async (n) => {
          const id = await runtime.create({
            name: n.container,
            image: imageRef(n.image),
            hostname: `${n.name}-${s.name}`,
            labels: {
              [LABEL.run]: plan.runId,
              [LABEL.scenario]: plan.scenario,
              [LABEL.site]: s.name,
              [LABEL.node]: n.name,
              [LABEL.owner]: String(process.pid),
              [LABEL.keep]: String(opts.keep ?? false),
            },
            binds: [`${PROJECT_ROOT}:${MOUNT}:ro`, ...(n.role === 'controller' ? [`${await siteDir(stateDir, s.name)}:/run/msh`] : [])],
            sysctls: NO_IPV6,
          });
          containers.set(n.ref, id);
          await runtime.start(id);
          const pid = await runtime.pid(id);
          await inNs(s.ns, nodeVethCommands(n, pid));
          await inPid(pid, containerCommands(n));
          await checksumInSoftware(pid);
        }),
      ),
    );
    return { plan, stateDir, relay, containers };
  } catch (err) {
    await relay?.close().catch(() => {});
    await destroyRun(runtime, plan.runId);
    throw err;
  }
}

export async function undeploy(d: Deployment, runtime: Runtime): Promise<void> {
  await d.relay.close().catch(() => {});
  await destroyRun(runtime, d.plan.runId);
}

/** Per-site host directory mounted at /run/msh in the controller: API socket and service logs. */
export async function siteDir(stateDir: string, site: string): Promise<string> {
  const dir = join(stateDir, 'sites', site);
  await mkdir(dir, { recursive: true });
  return dir;
}

export function linkConfig(plan: Plan, l: LinkPlan, aToB: Impairment, bToA: Impairment): LinkConfig {
  const underlay = (site: string) => plan.sites.find((s) => s.name === site)!.underlay;
  return {
    id: l.name,
    listen: plan.wanGateway,
    a: { port: l.a.relayPort, peer: underlay(l.a.site) },
    b: { port: l.b.relayPort, peer: underlay(l.b.site) },
    aToB,
    bToA,
  };
}
