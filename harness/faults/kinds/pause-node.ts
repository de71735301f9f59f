// Freeze one node (docker pause: its processes get no CPU, its sockets stay
// open), then thaw it. Proof: the engine reports it paused after the pause,
// and running and not paused after the heal.
import { z } from 'zod';
import { nodeRef, timing } from '../../scenario/fields.js';
import { suggest } from '../../scenario/suggest.js';
import type { FaultEnv, FaultKind, Proof } from '../kind.js';

const options = z.strictObject({
  kind: z.literal('pause-node'),
  ...timing,
  node: nodeRef,
});

/** Thaws a paused node and proves the window: still paused when the heal came (nothing thawed it early), running after. */
export async function thaw(env: FaultEnv, node: string): Promise<Proof> {
  const id = env.container(node);
  const before = await env.runtime.state(id);
  if (before.paused) await env.runtime.unpause(id);
  const after = await env.runtime.state(id);
  const ok = before.paused && after.running && !after.paused;
  const summary = !before.paused
    ? `${node} was no longer paused when the heal came (running: ${before.running}): not paused for the whole window`
    : ok
      ? `${node} seen running again`
      : `${node} not running after unpause (paused: ${after.paused})`;
  return { ok, summary, measured: { node, pausedUntilHeal: before.paused, ...after } };
}

export const pauseNode: FaultKind<typeof options> = {
  options,
  heals: true,
  action: false,
  target: (f) => ({ key: `node ${f.node}`, sites: [f.node.split('/')[0]!], node: f.node }),
  validate: (f, s) => {
    const nodes = s.sites.flatMap((x) => x.nodes.map((n) => `${x.name}/${n.name}`));
    return nodes.includes(f.node) ? [] : [['node', `fault "${f.name}" pauses "${f.node}", which is not a node of this scenario${suggest(f.node, nodes, 'nodes')}`]];
  },
  inject: async (f, env) => {
    const id = env.container(f.node);
    await env.runtime.pause(id);
    const st = await env.runtime.state(id);
    return {
      proof: { ok: st.paused, summary: st.paused ? `${f.node} seen paused` : `${f.node} not paused after docker pause (running: ${st.running})`, measured: { node: f.node, ...st } },
      heal: () => thaw(env, f.node),
    };
  },
};
