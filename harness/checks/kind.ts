// What every check kind is: its options (zod: the fields a check of this kind
// takes), the requirements it may decide, what it needs from the run (a WAN
// capture, proven fault windows, probes, workloads), its scenario validation
// and its checker (pure: history -> outcome).
import type { z } from 'zod';
import type { Scenario, WorkloadSpec } from '../scenario/schema.js';
import type { Checker } from './context.js';

export type Issue = readonly [field: string | null, message: string];

/** Probes the engine starts only for checks that read them. */
export type Probe = 'vip-arp' | 'wsrep';

export interface CheckNeeds {
  /** The run must capture the WAN bridge (observe/capture.ts). */
  readonly capture?: boolean;
  /** And pair its datagrams across the relay: how long the WAN held each (observe/wan-delay.ts; implies capture). */
  readonly wire?: boolean;
  /** It reads fault windows: an unproven fault makes it unknown. */
  readonly faults?: boolean;
  /** Probes whose events it reads: vip-arp (who answers ARP for a VIP), wsrep (each Galera node's state). */
  readonly probes?: readonly Probe[];
  /** The workload kinds it reads (the one named by `workload`, or the first): a scenario without one is rejected. */
  readonly workloads?: readonly WorkloadSpec['kind'][];
}

/** What a checker reads of its check: the kind's options (its kind is known already). */
export type SpecOf<O extends z.ZodObject> = Omit<z.output<O>, 'kind'>;

export interface CheckKind<O extends z.ZodObject = z.ZodObject> {
  readonly options: O;
  /** Requirement IDs a check of this kind may decide (validation rejects others). */
  readonly requirements: readonly string[];
  readonly needs: CheckNeeds;
  /** Problems with the scenario for this check, beyond its options and `needs`: [its field, or null for the whole check; message]. */
  readonly validate?: (c: z.output<O>, s: Scenario) => Issue[];
  readonly check: Checker<SpecOf<O>>;
}
