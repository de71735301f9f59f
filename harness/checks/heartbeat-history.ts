// What the WAN checks read of a heartbeat workload: the workload a check
// names, its two directions with the hops each crosses, and the processes
// that record them.
import type { HeartbeatSpec as WorkloadSpec } from '../scenario/schema.js';
import { path, type Hop } from '../topology/plan.js';
import type { CheckContext } from './context.js';

/** Fewer samples (round trips, heartbeats received) than this decide nothing. */
export const MIN_SAMPLES = 5;

type Ctx = CheckContext<{ readonly name: string; readonly workload?: string }>;

function workloadOf(ctx: Ctx): WorkloadSpec {
  const hb = ctx.scenario.workload.filter((x): x is WorkloadSpec => x.kind === 'heartbeat');
  const w = ctx.spec.workload ? hb.find((x) => x.name === ctx.spec.workload) : hb[0];
  if (!w) throw new Error(`check ${ctx.spec.name} has no heartbeat workload to read`);
  return w;
}

const siteOf = (ref: string) => ref.split('/')[0]!;

export interface Ends {
  readonly w: WorkloadSpec;
  /** Each direction of the workload: who sends, who receives, the hops between. */
  readonly dirs: readonly { from: string; to: string; hops: readonly Hop[] }[];
}

export function ends(ctx: Ctx): Ends {
  const w = workloadOf(ctx);
  const hops = (a: string, b: string) => path(ctx.plan, siteOf(a), siteOf(b));
  return { w, dirs: [ { from: w.from, to: w.to, hops: hops(w.from, w.to) }, { from: w.to, to: w.from, hops: hops(w.to, w.from) } ] };
}

export const proc = (w: WorkloadSpec, node: string) => `${w.name}@${node}`;
