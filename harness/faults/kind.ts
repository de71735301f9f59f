// What every fault kind is: its options (zod), the target it acts on
// (resolved from the plan, typed), how it validates against the scenario,
// and how it injects and heals. Each injection and heal returns a proof: a
// measurement that the fault took effect (packets dropped, containers seen
// dead, a read-back), never the request. A fault whose proof is not ok makes
// every check that reads fault windows unknown, and the run fails.
import type { z } from 'zod';
import type { WireFlow } from '../observe/wan-delay.js';
import type { Runtime } from '../runtime/runtime.js';
import type { Scenario } from '../scenario/schema.js';
import type { LinkPlan, Plan } from '../topology/plan.js';
import type { LinkStats } from '../wan/control.js';
import type { Impairment } from '../wan/impairment.js';

/** What a fault acts on, resolved once: the overlap rule and the checks read it, never a formatted string. */
export interface FaultTarget {
  /** Unique per thing acted on, for the rule that two faults may not overlap on one target (e.g. "link east-west"). */
  readonly key: string;
  /** Sites whose nodes the fault stops (site-loss, pause-node) or acts in (revoke-token, rotate-keys); empty for a link. */
  readonly sites: readonly string[];
  readonly node?: string;
  readonly link?: string;
}

export interface Proof {
  /** The harness measured that the fault took (or was undone) as intended. */
  readonly ok: boolean;
  /** One line: what was measured ("1834 packets dropped east->west, none forwarded"). */
  readonly summary: string;
  readonly measured: Readonly<Record<string, unknown>>;
  /** When the effect began, measured (e.g. a site's links cut or its first container's death), on the history clock; absent when it is the injection itself. */
  readonly from?: number;
  /** Per node, when it stopped (site loss): a member's window ends at its own death. */
  readonly stopped?: Readonly<Record<string, number>>;
}

export interface Injected {
  readonly proof: Proof;
  /** Undo the fault (faults with a duration); its proof covers the whole window. */
  readonly heal?: () => Promise<Proof>;
}

/** The identity actions some faults need, supplied by the engine once tokens and key repositories exist. */
export interface IdentityActions {
  /** DELETE the token in the region's identity API, then read it back there until refused: `readBack` is the last HEAD's status, after `reads` reads, `readBackMs` after the DELETE returned. */
  revoke(site: string): Promise<{ revokedIn: string; readBack: number; readBackAt: number; readBackMs?: number; reads?: number }>;
  /** The region's key repository before and after rotating, and each region's repository after distribution. */
  rotate(site: string, distribute: boolean): Promise<{ before: readonly string[]; after: readonly string[]; primaryBefore: string; primaryAfter: string; regions: Readonly<Record<string, readonly string[]>> }>;
}

/** The DR runner's actions (harness/dr/runner.ts), when the scenario has a `dr` block. */
export interface DrActions {
  /** Restore the VNF in `to` as far as it goes; throws only if `to`'s APIs cannot be reached. When it served again (null: never), the cut it restored, how many VMs booted. */
  failover(to: string): Promise<{ servingAt: number | null; seqs: readonly number[]; restoredFrom: string; booted: number; members: number }>;
  /** Make a member write corrupt data; resolves once its volume, read back, holds it. */
  corrupt(member: number): Promise<{ seq: number; at: number }>;
}

/** What a fault kind may touch: the live deployment through narrow handles. */
export interface FaultEnv {
  readonly plan: Plan;
  readonly runtime: Runtime;
  /** The container of a node ("site/node"); throws if the deployment has none. */
  container(ref: string): string;
  /** The plan of a link; throws if there is none. */
  link(name: string): LinkPlan;
  /** Set a link's impairment in the relay, per direction, and read the config back. */
  setLink(link: LinkPlan, aToB: Impairment, bToA: Impairment): Promise<void>;
  linkStats(link: LinkPlan): Promise<LinkStats>;
  /** The impairment the relay holds for each direction of a link, read back. */
  linkSettings(link: LinkPlan): Promise<{ aToB: Impairment; bToA: Impairment }>;
  /** Set devices down in a namespace the harness made (one batch, so at once). */
  setDown(ns: string, devs: readonly string[]): Promise<void>;
  /** Their state, read back from the kernel. */
  deviceStates(ns: string, devs: readonly string[]): Promise<Readonly<Record<string, 'up' | 'down' | 'absent'>>>;
  readonly identity?: IdentityActions;
  readonly dr?: DrActions;
}

export type Issue = readonly [field: string | null, message: string];

export interface FaultKind<O extends z.ZodObject = z.ZodObject> {
  readonly options: O;
  /** Heals at the end of its duration (otherwise it lasts the rest of the run). */
  readonly heals: boolean;
  /** A one-shot action: no window, never overlaps anything. */
  readonly action: boolean;
  target(f: z.output<O>): FaultTarget;
  /** Problems with the scenario this fault would act on: [its field, or null for the whole fault; message]. */
  validate(f: z.output<O>, s: Scenario): Issue[];
  inject(f: z.output<O>, env: FaultEnv): Promise<Injected>;
  /**
   * A second proof, from the WAN capture, for kinds whose own proof is the
   * relay's account of what it did: what the capture saw the WAN do between
   * the injection (what its proof measured) and `healAt` (Infinity: never
   * healed), on the history clock. null when the capture saw too little of
   * the window to say.
   */
  byCapture?(measured: Proof['measured'], healAt: number, wire: readonly WireFlow[], plan: Plan): Proof | null;
}


export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
