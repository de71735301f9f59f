// Asynchronous GTID replicas of a Galera cluster, and the seed's "star
// mode": a master Galera cluster over one or two sites, and in every other
// site read-only replicas, each from a master node in a different master
// site (REFERENCE.md "Galera over WAN and async replication").
//
// A replica starts from the same seed as the cluster: the seed set
// gtid_slave_pos to its own binlog position, which is where every member's
// binlog starts, so `MASTER_USE_GTID=slave_pos` needs no dump and the first
// row arrives within a second of starting.
//
// Pitfalls handled (REFERENCE.md "Measured on this platform"):
// - slave_net_timeout defaults to 60 s: a cut link stays invisible for a
//   minute (IO thread "Yes", Seconds_Behind_Master 0). It is 3 s here, and
//   MASTER_HEARTBEAT_PERIOD is set explicitly to 1 s: it is computed from
//   slave_net_timeout only when CHANGE MASTER runs without it.
// - MASTER_CONNECT_RETRY defaults to 60 s: a healed link would wait up to a
//   minute for the next attempt. It is 1 s here.
//
// As galera.ts: runs on the host, queries over the server's socket in the
// node's bind-mounted run dir (db/sql.ts); `docker exec` only to launch.
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import type { Runtime } from '../runtime/runtime.js';
import {
  GALERA_LAYOUT,
  baseServer,
  cnfText,
  ensureSeed,
  failIfAborted,
  hostRunDir,
  startGalera,
  tailFile,
  type DbLayout,
  type DbNodeSpec,
  type GaleraCluster,
  type GaleraNode,
  type GaleraOptions,
  type GaleraSeed,
  type SeedOptions,
} from './galera.js';
import { lit, poll, query, recordsOf, rowsOf, RUN_MOUNT, type ResultSet } from './sql.js';

export const REPLICA_LAYOUT: DbLayout = {
  datadir: '/var/lib/msh-replica',
  socket: `${RUN_MOUNT}/db/replica/mysqld.sock`,
  port: GALERA_LAYOUT.port,
  cnf: '/etc/mysql/msh-replica.cnf',
  log: `${RUN_MOUNT}/db/replica/mariadbd.log`,
};

/**
 * The layout of the k-th replica (k from 1) sharing a container with others
 * and with a Galera member on 3307: each its own datadir, socket, config,
 * log and port (3307 + k), so star mode's two replicas of one site can run
 * in the site's one controller.
 */
export function replicaLayout(slot: number): DbLayout {
  if (!Number.isInteger(slot) || slot < 1) throw new Error(`replica slot ${slot}: expected an integer >= 1`);
  return {
    datadir: `/var/lib/msh-replica-${slot}`,
    socket: `${RUN_MOUNT}/db/replica-${slot}/mysqld.sock`,
    port: 3307 + slot,
    cnf: `/etc/mysql/msh-replica-${slot}.cnf`,
    log: `${RUN_MOUNT}/db/replica-${slot}/mariadbd.log`,
  };
}

export interface ReplicaOptions {
  /** The cluster's seed (cluster.seed); made or found from `seedOptions` otherwise. */
  readonly seed?: GaleraSeed;
  readonly seedOptions?: SeedOptions;
  /** Unique among all servers replicating together. Default: random in 1000..64999. */
  readonly serverId?: number;
  readonly slaveNetTimeout?: number;
  readonly heartbeatPeriod?: number;
  readonly connectRetry?: number;
  /** Default true. */
  readonly readOnly?: boolean;
  readonly layout?: Partial<DbLayout>;
  /** Master's client port. Default 3306. */
  readonly masterPort?: number;
  /** Extra [mysqld] settings. */
  readonly server?: Readonly<Record<string, string | number | boolean>>;
  /** Wait for both replication threads to run; 0: don't. Default 30 s. */
  readonly waitMs?: number;
}

export interface ReplicaStatus {
  /** Yes, No, Connecting, Preparing. */
  readonly ioRunning: string;
  readonly sqlRunning: string;
  readonly secondsBehindMaster: number | null;
  readonly lastIoErrno: number;
  readonly lastIoError: string;
  readonly lastSqlErrno: number;
  readonly lastSqlError: string;
  readonly masterHost: string;
  readonly gtidIoPos: string;
  readonly gtidSlavePos: string;
  readonly gtidCurrentPos: string;
  /** Every field SHOW SLAVE STATUS gave. */
  readonly raw: Readonly<Record<string, string>>;
}

export type MasterSpec = Pick<DbNodeSpec, 'address'> & Partial<DbNodeSpec>;

export interface ReplicaTimings {
  /** startReplica() called -> mariadbd answering and CHANGE MASTER/START SLAVE done. */
  readonly startMs: number;
  /** startReplica() called -> both replication threads running (when waited for). */
  readonly runningMs: number | null;
}

// Launches only; the host then waits for the socket to answer and points
// the replica at its master. RUN and LOG's directory come from the host (see
// galera.ts NODE_SCRIPT).
const START_SCRIPT = `
set -eu
SEED=$1; D=$2; RUN=$3; CNF=$4; LOG=$5
[ -r "$SEED" ] || { echo "seed $SEED is not visible in this container" >&2; exit 2; }
[ -d "$RUN" ] && [ -d "$(dirname "$LOG")" ] || { echo "$RUN is missing: ${RUN_MOUNT} is not the bind mount of the node's run dir" >&2; exit 6; }
if [ -f "$D/mysqld.pid" ] && kill -0 "$(cat "$D/mysqld.pid")" 2>/dev/null; then echo "a server already runs on $D" >&2; exit 3; fi
rm -rf "$D"; mkdir -p "$D" "$(dirname "$CNF")"
tar -xf "$SEED" -C "$D"
[ "$(cat "$D/msh-seed-version")" = "$(mariadbd --version)" ] || { echo "SEED-MISMATCH" >&2; exit 4; }
rm -f "$D/grastate.dat" "$D/gvwstate.dat"
printf '%s' "$6" > "$CNF"
chown -R mysql:mysql "$D" "$RUN"
setsid mariadbd --defaults-file="$CNF" </dev/null >"$LOG" 2>&1 &
`;

export function replicaCnf(layout: DbLayout, serverId: number, o: ReplicaOptions): string {
  return cnfText({
    mysqld: {
      ...baseServer(layout),
      server_id: serverId,
      gtid_domain_id: 1000 + (serverId % 1000),
      'skip-log-bin': 'ON',
      'skip-slave-start': 'ON',
      relay_log: 'relay-bin',
      read_only: o.readOnly ?? true,
      slave_net_timeout: o.slaveNetTimeout ?? 3,
      ...o.server,
    },
  });
}

export function changeMaster(master: MasterSpec, seed: GaleraSeed, o: Pick<ReplicaOptions, 'masterPort' | 'connectRetry' | 'heartbeatPeriod'>): string {
  return [
    'STOP SLAVE;',
    `CHANGE MASTER TO MASTER_HOST=${lit(master.address)}, MASTER_PORT=${o.masterPort ?? GALERA_LAYOUT.port},`,
    `  MASTER_USER=${lit(seed.replUser)}, MASTER_PASSWORD=${lit(seed.replPassword)},`,
    `  MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=${o.connectRetry ?? 1}, MASTER_HEARTBEAT_PERIOD=${o.heartbeatPeriod ?? 1};`,
    'START SLAVE;',
  ].join('\n');
}

export class AsyncReplica {
  readonly node: DbNodeSpec;
  readonly layout: DbLayout;
  readonly serverId: number;
  readonly seed: GaleraSeed;
  /** Its server's socket and log, on the host. */
  readonly socket: string;
  readonly logFile: string;
  private readonly opts: ReplicaOptions;
  master: MasterSpec;
  timings: ReplicaTimings;

  constructor(node: DbNodeSpec, files: { socket: string; log: string }, master: MasterSpec, layout: DbLayout, serverId: number, seed: GaleraSeed, opts: ReplicaOptions, timings: ReplicaTimings) {
    this.node = node;
    this.socket = files.socket;
    this.logFile = files.log;
    this.master = master;
    this.layout = layout;
    this.serverId = serverId;
    this.seed = seed;
    this.opts = opts;
    this.timings = timings;
  }

  private get label(): string {
    return `replica ${this.node.name ?? this.node.container.slice(0, 24)}`;
  }

  async query(text: string): Promise<string[][]> {
    return rowsOf(await query(this.socket, text));
  }

  status(): Promise<ReplicaStatus> {
    return replicaStatus(this.socket);
  }

  /** Polls SHOW SLAVE STATUS until `accept` takes it; returns the wall-clock time it did. */
  private waitSlave(accept: (s: Record<string, string>) => boolean, timeoutMs: number, what: string): Promise<number> {
    const slave = (sets: ResultSet[]) => recordsOf(sets)[0] ?? {};
    return poll(this.socket, 'SHOW SLAVE STATUS', (sets) => accept(slave(sets)), {
      timeoutMs,
      what: `${this.label} ${what}`,
      describe: (sets) => {
        const s = slave(sets);
        return ['Slave_IO_Running', 'Slave_SQL_Running', 'Last_IO_Error', 'Last_SQL_Error'].map((k) => `${k}: ${s[k] ?? '-'}`).join(' ');
      },
      onMiss: () => failIfAborted(this.logFile, this.label),
    });
  }

  /**
   * Waits until the IO thread is running (`true`) or not (`false`: No or
   * Connecting, i.e. the replica noticed its master is gone); returns the
   * wall-clock time it was seen.
   */
  waitIo(running: boolean, timeoutMs: number): Promise<number> {
    return this.waitSlave((s) => (running ? s['Slave_IO_Running'] === 'Yes' : ['No', 'Connecting'].includes(s['Slave_IO_Running'] ?? 'No')), timeoutMs, `IO ${running ? 'running' : 'stopped'}`);
  }

  /** Both threads running. */
  waitRunning(timeoutMs: number): Promise<number> {
    return this.waitSlave((s) => s['Slave_IO_Running'] === 'Yes' && s['Slave_SQL_Running'] === 'Yes', timeoutMs, 'running');
  }

  /** Applied everything up to `gtid` (a master's @@gtid_binlog_pos); returns the wall-clock time it did. */
  async waitGtid(gtid: string, timeoutMs: number): Promise<number> {
    const [[r] = []] = await this.query(`SELECT MASTER_GTID_WAIT(${lit(gtid)}, ${(timeoutMs / 1000).toFixed(3)})`);
    if (r !== '0') throw new Error(`${this.label} did not reach ${gtid} within ${timeoutMs} ms (at ${(await this.status()).gtidSlavePos})`);
    return Date.now();
  }

  /** Points the replica at another master (another member of the same cluster): it resumes from its own GTID position. */
  async changeMaster(master: MasterSpec): Promise<void> {
    await this.query(changeMaster(master, this.seed, this.opts));
    this.master = master;
  }

  async log(lines = 100): Promise<string> {
    return tailFile(this.logFile, lines);
  }
}

/** SHOW SLAVE STATUS and the GTID positions of the server at `socket` (on the host), parsed. */
export async function replicaStatus(socket: string): Promise<ReplicaStatus> {
  const rows = recordsOf(await query(socket, 'SHOW SLAVE STATUS; SELECT @@gtid_slave_pos AS gtid_slave_pos, @@gtid_current_pos AS gtid_current_pos'));
  const s = rows.find((r) => 'Slave_IO_Running' in r) ?? {};
  const g = rows.find((r) => 'gtid_slave_pos' in r) ?? {};
  const sbm = s['Seconds_Behind_Master'];
  return {
    ioRunning: s['Slave_IO_Running'] ?? 'No',
    sqlRunning: s['Slave_SQL_Running'] ?? 'No',
    secondsBehindMaster: sbm === undefined || sbm === 'NULL' || sbm === '' ? null : Number(sbm),
    lastIoErrno: Number(s['Last_IO_Errno'] ?? 0),
    lastIoError: s['Last_IO_Error'] ?? '',
    lastSqlErrno: Number(s['Last_SQL_Errno'] ?? 0),
    lastSqlError: s['Last_SQL_Error'] ?? '',
    masterHost: s['Master_Host'] ?? '',
    gtidIoPos: s['Gtid_IO_Pos'] ?? '',
    gtidSlavePos: g['gtid_slave_pos'] ?? '',
    gtidCurrentPos: g['gtid_current_pos'] ?? '',
    raw: s,
  };
}

/**
 * Starts a read-only GTID replica of `master` on `replica` from the seed and
 * (unless waitMs is 0) waits for both replication threads to run.
 */
export async function startReplica(runtime: Runtime, replica: DbNodeSpec, master: MasterSpec | GaleraNode, opts: ReplicaOptions = {}): Promise<AsyncReplica> {
  const t0 = performance.now();
  const layout: DbLayout = { ...REPLICA_LAYOUT, ...opts.layout };
  const seed = opts.seed ?? (await ensureSeed(runtime, opts.seedOptions));
  const serverId = opts.serverId ?? 1000 + (randomBytes(2).readUInt16BE() % 64000);
  const files = await hostRunDir(replica, layout);
  const r = await runtime.exec(replica.container, [
    'sh', '-c', START_SCRIPT, 'sh',
    seed.path, layout.datadir, dirname(layout.socket), layout.cnf, layout.log,
    replicaCnf(layout, serverId, opts),
  ]);
  if (r.exitCode !== 0) throw new Error(`starting the replica on ${replica.container.slice(0, 24)} failed (exit ${r.exitCode}): ${(r.stderr + r.stdout).trim()}`);
  const what = `replica on ${replica.container.slice(0, 24)}`;
  try {
    await poll(files.socket, 'SELECT 1', () => true, { timeoutMs: 60_000, what: `${what} answering`, onMiss: () => failIfAborted(files.log, what) });
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${await tailFile(files.log, 20)}`, { cause: err });
  }
  await query(files.socket, changeMaster(master, seed, opts));
  const rep = new AsyncReplica(replica, files, master, layout, serverId, seed, opts, { startMs: performance.now() - t0, runningMs: null });
  const waitMs = opts.waitMs ?? 30_000;
  if (waitMs > 0) {
    await rep.waitRunning(waitMs);
    rep.timings = { ...rep.timings, runningMs: performance.now() - t0 };
  }
  return rep;
}

// ---------------------------------------------------------------- star mode

/** What planning needs of a node (planStar also runs before any container exists). */
export type PlannedNode = Pick<DbNodeSpec, 'container' | 'site'>;

export interface StarLayout<N extends PlannedNode = DbNodeSpec> {
  /** Galera members: in one or two sites. */
  readonly masters: readonly N[];
  /** Replica nodes, grouped by their site: every site needs at least two. */
  readonly replicas: readonly N[];
}

export interface StarPair<N extends PlannedNode = DbNodeSpec> {
  readonly replica: N;
  /** Index into `masters`. */
  readonly master: number;
  /** 1 + how many replicas of its site come before it: picks its layout when a site's replicas share a container. */
  readonly slot: number;
}

/**
 * Which master each replica follows: in every replica site, the k-th replica
 * follows a member of master site k mod (number of master sites), so a
 * site's replicas never share a master site when there are two; members of
 * one master site are used in turn.
 */
export function planStar<N extends PlannedNode>(star: StarLayout<N>): StarPair<N>[] {
  const masterSites = [...new Set(star.masters.map((m) => m.site))];
  if (masterSites.length < 1 || masterSites.length > 2) throw new Error(`star mode: the master Galera spans one or two sites, not ${masterSites.length}`);
  const bySite = new Map<string, N[]>();
  for (const r of star.replicas) {
    if (masterSites.includes(r.site)) throw new Error(`star mode: replica ${r.container} is in master site ${r.site}`);
    bySite.set(r.site, [...(bySite.get(r.site) ?? []), r]);
  }
  const used = new Map<string, number>();
  const pairs: StarPair<N>[] = [];
  for (const [site, reps] of bySite) {
    if (reps.length < 2) throw new Error(`star mode: site ${site} has ${reps.length} replica node(s); it needs at least two`);
    reps.forEach((replica, k) => {
      const ms = masterSites[k % masterSites.length]!;
      const members = star.masters.map((m, i) => ({ m, i })).filter(({ m }) => m.site === ms);
      const turn = used.get(ms) ?? 0;
      used.set(ms, turn + 1);
      pairs.push({ replica, master: members[turn % members.length]!.i, slot: k + 1 });
    });
  }
  return pairs;
}

export interface Star {
  readonly cluster: GaleraCluster;
  readonly replicas: readonly AsyncReplica[];
}

export interface StarOptions {
  readonly galera?: GaleraOptions;
  readonly replica?: Omit<ReplicaOptions, 'seed' | 'serverId'>;
  /** Each replica's layout from its slot; default REPLICA_LAYOUT (replicas in separate containers). */
  readonly layout?: (slot: number) => Partial<DbLayout>;
}

/** The master Galera cluster, then every replica (in parallel) from its planned member. */
export async function startStar(runtime: Runtime, star: StarLayout, opts: StarOptions = {}): Promise<Star> {
  const pairs = planStar(star);
  const cluster = await startGalera(runtime, star.masters, opts.galera);
  const replicas = await Promise.all(
    pairs.map((p, k) =>
      startReplica(runtime, p.replica, cluster.nodes[p.master]!, {
        masterPort: cluster.layout.port,
        ...opts.replica,
        ...(opts.layout ? { layout: { ...opts.replica?.layout, ...opts.layout(p.slot) } } : {}),
        seed: cluster.seed,
        serverId: 2000 + k,
      }),
    ),
  );
  return { cluster, replicas };
}

// ---------------------------------------------------------------- hybrid replication (multi-cluster mode)

/**
 * Makes one member of a Galera cluster the async GTID replica of a member of
 * another cluster made from the same seed ("hybrid replication"): what it
 * applies goes through Galera to the rest of its cluster (log_slave_updates,
 * wsrep). Its cluster must not share the master's server_id, or the IO
 * thread would drop every event as its own.
 */
export async function followCluster(follower: GaleraCluster, ref: number, master: GaleraNode, opts: Omit<ReplicaOptions, 'seed' | 'layout'> = {}): Promise<AsyncReplica> {
  const t0 = performance.now();
  const node = follower.nodes[ref];
  if (!node) throw new Error(`no member ${ref} in ${follower.name}`);
  const o: ReplicaOptions = { masterPort: follower.layout.port, ...opts, seed: follower.seed };
  const rows = await follower.query(ref, `SET GLOBAL slave_net_timeout=${o.slaveNetTimeout ?? 3};\n${changeMaster(master, follower.seed, o)}\nSELECT @@server_id;`);
  const serverId = Number(rows.at(-1)?.[0]);
  const rep = new AsyncReplica(node, { socket: node.socket, log: node.logFile }, master, follower.layout, serverId, follower.seed, o, { startMs: performance.now() - t0, runningMs: null });
  const waitMs = opts.waitMs ?? 30_000;
  if (waitMs > 0) {
    await rep.waitRunning(waitMs);
    rep.timings = { ...rep.timings, runningMs: performance.now() - t0 };
  }
  return rep;
}
