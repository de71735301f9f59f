// The seed's "multi-cluster mode": several Galera clusters (e.g. sites 1-10
// and 11-20), joined by async replication. As in the seed (and the
// "hybrid replication" it cites), writes happen in one cluster only, the
// first: every other cluster is read-only and follows it through one of its
// members, an async GTID replica of a member of the first cluster whose
// applied transactions Galera then replicates to the rest of its cluster.
//
// Decisions:
// - One direction, not circular: Keystone's bootstrap and CRUD write rows
//   with random ids under unique names, so two writable clusters would
//   conflict and stop replication. Only the first cluster writes; the
//   services in other clusters send writes to it over the WAN.
// - Each cluster its own server_id (SEED_SERVER_ID + index): an IO thread
//   drops events carrying its own server_id, and every cluster comes from
//   one seed. GTIDs stay in one domain (the seed's): only one cluster
//   generates them, so distinct domains would buy nothing.
// - The follower clusters run read_only: a write that reaches them by
//   mistake is refused (and the identity service answers 503) instead of
//   forking the data. Replication and Galera appliers are not subject to it.
import type { Runtime } from '../runtime/runtime.js';
import { SEED_SERVER_ID, ensureSeed, startGalera, type DbNodeSpec, type GaleraCluster, type GaleraOptions } from './galera.js';
import { followCluster, type AsyncReplica, type ReplicaOptions } from './replica.js';

export interface ClusterLink {
  /** The follower cluster (index >= 1) and its member that replicates. */
  readonly cluster: number;
  readonly member: number;
  /** The member of cluster 0 it replicates from. */
  readonly master: number;
}

/**
 * Which member of which cluster follows which member of the first: member 0
 * of cluster k follows member (k - 1) mod n of the first cluster, so the
 * followers spread over the master cluster's members (and sites).
 */
export function planMultiCluster(sizes: readonly number[]): ClusterLink[] {
  if (sizes.length < 2) throw new Error(`multi-cluster mode needs at least two clusters, not ${sizes.length}`);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`multi-cluster mode: every cluster needs a member (sizes ${sizes.join(', ')})`);
  return sizes.slice(1).map((_, i) => ({ cluster: i + 1, member: 0, master: i % sizes[0]! }));
}

export const clusterServerId = (cluster: number): number => SEED_SERVER_ID + cluster;

export interface MultiCluster {
  readonly clusters: readonly GaleraCluster[];
  readonly links: readonly AsyncReplica[];
}

export interface MultiClusterOptions {
  /** Shared by every cluster; the cluster name gets `-c<index>`. */
  readonly galera?: GaleraOptions;
  readonly replica?: Omit<ReplicaOptions, 'seed' | 'layout'>;
}

/** Every cluster in parallel (one seed), then each follower's async link. */
export async function startMultiCluster(runtime: Runtime, clusters: readonly (readonly DbNodeSpec[])[], opts: MultiClusterOptions = {}): Promise<MultiCluster> {
  const links = planMultiCluster(clusters.map((c) => c.length));
  const g = opts.galera ?? {};
  await ensureSeed(runtime, g); // once, before clusters race to make it
  const base = g.clusterName ?? `msh-${g.runId ?? 'x'}-mc`;
  const started = await Promise.all(
    clusters.map((specs, k) =>
      startGalera(runtime, specs, {
        ...g,
        clusterName: `${base}-c${k}`,
        server: { ...g.server, server_id: clusterServerId(k), ...(k > 0 ? { read_only: 'ON' } : {}) },
      }),
    ),
  );
  const replicas = await Promise.all(links.map((l) => followCluster(started[l.cluster]!, l.member, started[0]!.nodes[l.master]!, opts.replica)));
  return { clusters: started, links: replicas };
}
