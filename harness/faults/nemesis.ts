// The nemesis: each fault kind injects, returns what it actually did, and
// heals back to the planned baseline. Relay counters taken at both ends of
// the fault window are the evidence that the impairment took effect.
import type { Runtime } from '../runtime/runtime.js';
import type { FaultSpec } from '../scenario/schema.js';
import { linkConfig, type Deployment } from '../topology/deploy.js';
import type { LinkPlan } from '../topology/plan.js';
import type { DirectionStats, LinkStats } from '../wan/control.js';
import type { Impairment } from '../wan/impairment.js';

export type Did = Record<string, unknown>;

export interface ActiveFault {
  readonly did: Did;
  heal(): Promise<Did>;
}

/** Faults that act through a site API need the engine's clients. */
export interface FaultHooks {
  readonly revokeToken?: (site: string) => Promise<Did>;
  readonly rotateKeys?: (site: string, distribute: boolean) => Promise<Did>;
}

export async function inject(f: FaultSpec, d: Deployment, runtime: Runtime, hooks: FaultHooks = {}): Promise<ActiveFault> {
  switch (f.kind) {
    case 'rotate-keys': {
      if (!hooks.rotateKeys) throw new Error('no Fernet key repositories to rotate');
      const did = await hooks.rotateKeys(f.site, f.distribute);
      return { did, heal: async () => ({ healed: false, reason: 'a rotation is not undone' }) };
    }
    case 'revoke-token': {
      if (!hooks.revokeToken) throw new Error('no token to revoke: the scenario has no tokens workload');
      const did = await hooks.revokeToken(f.site);
      return { did, heal: async () => ({ healed: false, reason: 'a revoked token stays revoked' }) };
    }
    case 'partition': {
      const link = linkOf(d, f.link);
      const aToB = { ...link.baseline, down: f.direction !== 'b-to-a' };
      const bToA = { ...link.baseline, down: f.direction !== 'a-to-b' };
      return impairLink(d, link, aToB, bToA, { direction: f.direction, a: link.a.site, b: link.b.site });
    }
    case 'impair': {
      const link = linkOf(d, f.link);
      const changed: Impairment = {
        latencyMs: f.latency ?? link.baseline.latencyMs,
        jitterMs: f.jitter ?? link.baseline.jitterMs,
        lossPct: f.loss ?? link.baseline.lossPct,
        bandwidthKbit: f.bandwidth ?? link.baseline.bandwidthKbit,
        down: false,
      };
      return impairLink(d, link, changed, changed, {});
    }
    case 'site-loss': {
      // All of the site's containers at once, as a power loss would: no
      // graceful stop, no heal (the site stays lost for the rest of the run).
      const site = d.plan.sites.find((s) => s.name === f.site)!;
      const lost = site.nodes.map((n) => n.ref);
      await Promise.all(lost.map((ref) => runtime.kill(d.containers.get(ref)!, 'SIGKILL')));
      return { did: { site: f.site, killed: lost }, heal: async () => ({ healed: false, reason: 'a lost site stays lost' }) };
    }
    case 'pause-node': {
      const id = d.containers.get(f.node)!;
      await runtime.pause(id);
      return {
        did: { paused: f.node },
        heal: async () => {
          await runtime.unpause(id);
          return { unpaused: f.node };
        },
      };
    }
  }
}

function linkOf(d: Deployment, name: string): LinkPlan {
  return d.plan.links.find((l) => l.name === name)!;
}

async function impairLink(d: Deployment, link: LinkPlan, aToB: Impairment, bToA: Impairment, extra: Did): Promise<ActiveFault> {
  const before = (await d.relay.stats())[link.name];
  await d.relay.set(linkConfig(d.plan, link, aToB, bToA));
  return {
    did: { ...extra, link: link.name, aToB, bToA },
    heal: async () => {
      const after = (await d.relay.stats())[link.name];
      await d.relay.set(linkConfig(d.plan, link, link.baseline, link.baseline));
      return { restored: link.baseline, effect: before && after ? windowEffect(before, after) : null };
    },
  };
}

/** What the relay did to the link's traffic between two counter snapshots. */
export function windowEffect(before: LinkStats, after: LinkStats): Did {
  const dir = (b: DirectionStats, a: DirectionStats) => {
    const forwarded = a.forwarded - b.forwarded;
    const delaySum = (a.meanDelayMs ?? 0) * a.forwarded - (b.meanDelayMs ?? 0) * b.forwarded;
    return {
      received: a.received - b.received,
      forwarded,
      droppedDown: a.droppedDown - b.droppedDown,
      droppedLoss: a.droppedLoss - b.droppedLoss,
      droppedQueue: a.droppedQueue - b.droppedQueue,
      meanDelayMs: forwarded > 0 ? delaySum / forwarded : null,
    };
  };
  return { aToB: dir(before.aToB, after.aToB), bToA: dir(before.bToA, after.bToA) };
}
