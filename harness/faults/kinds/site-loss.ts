// Lose a whole site, as a power loss would: every container SIGKILLed at
// once, never healed. Proof: every container of the site seen dead, each
// with the time the engine says its process exited; the effect counts from
// the first death, and each node's own window ends at its death.
import { z } from 'zod';
import { duration, name, timing } from '../../scenario/fields.js';
import { suggest } from '../../scenario/suggest.js';
import { sleep, type FaultEnv, type FaultKind } from '../kind.js';

const options = z.strictObject({
  kind: z.literal('site-loss'),
  ...timing,
  duration: duration.optional().meta({ description: 'Ignored: a lost site stays lost for the rest of the run' }),
  site: name('site name'),
});

const DEATH_TIMEOUT_MS = 5000;

/** Polls until every container is seen stopped; returns each one's exit time, or the refs still running at the deadline. */
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
  validate: (f, s) => (s.sites.some((x) => x.name === f.site) ? [] : [['site', `fault "${f.name}" acts on site "${f.site}", which does not exist${suggest(f.site, s.sites.map((x) => x.name), 'sites')}`]]),
  inject: async (f, env) => {
    const refs = env.plan.sites.find((s) => s.name === f.site)?.nodes.map((n) => n.ref) ?? [];
    if (refs.length === 0) throw new Error(`site ${f.site} has no node to lose`);
    const ids = refs.map((ref) => env.container(ref));
    const killed = await Promise.allSettled(ids.map((id) => env.runtime.kill(id, 'SIGKILL')));
    const refused = killed.flatMap((k, i) => (k.status === 'rejected' ? [`${refs[i]}: ${(k.reason as Error).message}`] : []));
    const { stopped, alive } = await awaitDeaths(env, refs);
    const times = Object.values(stopped);
    const first = Math.min(...times);
    const last = Math.max(...times);
    const ok = alive.length === 0 && refused.length === 0;
    const summary = ok
      ? `${refs.length} containers of ${f.site} seen dead, the last ${Math.round(last - first)} ms after the first`
      : `site ${f.site} not lost: ${[...alive.map((r) => `${r} still running after ${DEATH_TIMEOUT_MS} ms`), ...refused].join('; ')}`;
    return { proof: { ok, summary, measured: { site: f.site, stopped, alive, refused, firstDeath: first, lastDeath: last }, ...(times.length ? { from: first } : {}), stopped } };
  },
};
