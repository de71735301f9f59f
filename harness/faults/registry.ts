// Every fault kind, one line each. The scenario schema's `faults` entries,
// the overlap rule and the engine's fault player are all built from this.
import { z } from 'zod';
import type { FaultKind } from './kind.js';
import { breakL2pop } from './kinds/break-l2pop.js';
import { corruptData } from './kinds/corrupt-data.js';
import { drFailover } from './kinds/dr-failover.js';
import { impair } from './kinds/impair.js';
import { leaveDirty } from './kinds/leave-dirty.js';
import { partition } from './kinds/partition.js';
import { pauseNode } from './kinds/pause-node.js';
import { revokeToken } from './kinds/revoke-token.js';
import { rotateKeys } from './kinds/rotate-keys.js';
import { siteLoss } from './kinds/site-loss.js';

const KINDS = [partition, impair, pauseNode, siteLoss, revokeToken, rotateKeys, drFailover, corruptData, breakL2pop, leaveDirty] as const;

type Options<T> = { -readonly [K in keyof T]: T[K] extends FaultKind<infer O> ? O : never };

export const faultOptions = z.discriminatedUnion('kind', KINDS.map((k) => k.options) as unknown as Options<typeof KINDS>);

export type FaultSpec = z.output<typeof faultOptions>;

/** The kind of a fault, typed loosely at this one boundary: every kind takes its own options. */
export function faultKind(f: FaultSpec): FaultKind {
  const k = faultKindNamed(f.kind);
  if (!k) throw new Error(`unknown fault kind ${f.kind}`);
  return k;
}

/** The kind a history's fault event names (`faultKind`); undefined for a name no kind has. */
export function faultKindNamed(name: string): FaultKind | undefined {
  return KINDS.find((x) => x.options.shape.kind.value === name) as unknown as FaultKind | undefined;
}
