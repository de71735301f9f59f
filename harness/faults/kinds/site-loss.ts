// Lose a whole site, as a power loss would: every node's link to the site
// LAN set down at once (in the site namespace, which the harness owns) and
// every container SIGKILLed, never healed. Both halves are needed: a killed
// container's network namespace is torn down by the kernel asynchronously,
// measured here at 1.9 s to over 5 s on a loaded 2-core machine, and until
// then it keeps answering ARP and pings (a dead active would still hold its
// VIP on the wire). Proof: every node's link read back down (or gone) and
// every container seen dead, each with the time the engine says its process
// exited; the effect counts from the first of these, and each node's own
// window ends at its death.
import { z } from 'zod';
import { duration, name, timing } from '../../scenario/fields.js';
import { sleep, type FaultEnv, type FaultKind } from '../kind.js';
import { siteExists } from './targets.js';

const options = z.strictObject({
  kind: z.literal('site-loss'),
  ...timing,
  duration: duration.optional().meta({ description: 'Ignored: a lost site stays lost for the rest of the run' }),
  site: name('site name'),
});

const DEATH_TIMEOUT_MS = 5000;

/** Polls until every node is seen stopped; each one's exit time, or the refs still running at the deadline. */
async function awaitDeaths(env: FaultEnv, refs: readonly string[]): Promise<{ stopped: Record<string, number>; alive: string[] }> {
  const stopped: Record<string, number> = {};
  const deadline = performance.now() + DEATH_TIMEOUT_MS;
  for (;;) {
    for (const ref of refs.filter((r) => stopped[r] === undefined)) {
      const st = await env.runtime.state(env.container(ref)).catch(() => undefined);
      if (st && !st.running && st.finishedAt !== undefined) stopped[ref] = st.finishedAt;
    }
    const alive = refs.filter((r) => stopped[r] === undefined);
    if (alive.length === 0 || performance.now() > deadline) return { stopped, alive };
    await sleep(20);
  }
}

export const siteLoss: FaultKind<typeof options> = {
  options,
  heals: false,
  action: false,
  target: (f) => ({ key: `site ${f.site}`, sites: [f.site] }),
  validate: (f, s) => siteExists(f, s),
  inject: async (f, env) => {
    const site = env.plan.sites.find((s) => s.name === f.site);
    if (!site || site.nodes.length === 0) throw new Error(`site ${f.site} has no node to lose`);
    const refs = site.nodes.map((n) => n.ref);
    const veths = site.nodes.map((n) => n.hostVeth);
    const cutAt = Date.now();
    const [cut, ...killed] = await Promise.allSettled([env.setDown(site.ns, veths), ...refs.map((ref) => env.runtime.kill(env.container(ref), 'SIGKILL'))]);
    const refused = [...(cut!.status === 'rejected' ? [`links: ${(cut!.reason as Error).message}`] : []), ...killed.flatMap((k, i) => (k.status === 'rejected' ? [`${refs[i]}: ${(k.reason as Error).message}`] : []))];
    const links = await env.deviceStates(site.ns, veths);
    const linksUp = site.nodes.filter((n) => links[n.hostVeth] === 'up').map((n) => n.ref);
    const { stopped, alive } = await awaitDeaths(env, refs);
    const times = Object.values(stopped);
    const first = Math.min(...times);
    const last = Math.max(...times);
    const ok = alive.length === 0 && refused.length === 0 && linksUp.length === 0;
    const summary = ok
      ? `${refs.length} nodes of ${f.site} cut from the site LAN (links read back down) and their containers seen dead, the last ${Math.round(last - first)} ms after the first`
      : `site ${f.site} not lost: ${[...alive.map((r) => `${r} still running after ${DEATH_TIMEOUT_MS} ms`), ...linksUp.map((r) => `${r} still linked to the site LAN`), ...refused].join('; ')}`;
    return { proof: { ok, summary, measured: { site: f.site, cutAt, links, stopped, alive, refused, firstDeath: first, lastDeath: last }, ...(times.length ? { from: Math.min(cutAt, first) } : {}), stopped } };
  },
};
