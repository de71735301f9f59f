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
import { randomBytes } from 'node:crypto';
import type { Runtime } from '../../runtime/runtime.js';
import {
  GALERA_LAYOUT,
  baseServer,
  cnfText,
  ensureSeed,
  lit,
  sql,
  sqlVertical,
  startGalera,
  waitInContainer,
  type DbLayout,
  type DbNodeSpec,
  type GaleraCluster,
  type GaleraNode,
  type GaleraOptions,
  type GaleraSeed,
  type SeedOptions,
} from './galera.js';

export const REPLICA_LAYOUT: DbLayout = {
  datadir: '/var/lib/msh-replica',
  socket: '/run/msh-replica/mysqld.sock',
  port: GALERA_LAYOUT.port,
  cnf: '/etc/mysql/msh-replica.cnf',
  log: '/var/log/msh-replica.log',
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
    socket: `/run/msh-replica-${slot}/mysqld.sock`,
    port: 3307 + slot,
    cnf: `/etc/mysql/msh-replica-${slot}.cnf`,
    log: `/var/log/msh-replica-${slot}.log`,
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

const START_SCRIPT = `
set -eu
SEED=$1; D=$2; RUN=$3; CNF=$4; LOG=$5; SOCK=$6
[ -r "$SEED" ] || { echo "seed $SEED is not visible in this container" >&2; exit 2; }
if [ -f "$D/mysqld.pid" ] && kill -0 "$(cat "$D/mysqld.pid")" 2>/dev/null; then echo "a server already runs on $D" >&2; exit 3; fi
rm -rf "$D"; mkdir -p "$D" "$RUN" "$(dirname "$CNF")"
tar -xf "$SEED" -C "$D"
[ "$(cat "$D/msh-seed-version")" = "$(mariadbd --version)" ] || { echo "SEED-MISMATCH" >&2; exit 4; }
rm -f "$D/grastate.dat" "$D/gvwstate.dat"
printf '%s' "$7" > "$CNF"
chown -R mysql:mysql "$D" "$RUN"
setsid mariadbd --defaults-file="$CNF" </dev/null >"$LOG" 2>&1 &
pid=$!
i=0
until mariadb --socket="$SOCK" -e 'SELECT 1' >/dev/null 2>&1; do
  kill -0 $pid 2>/dev/null || { echo "mariadbd exited" >&2; tail -n 20 "$LOG" >&2; exit 5; }
  i=$((i+1)); [ $i -lt 1200 ] || { echo "mariadbd not answering after 60 s" >&2; tail -n 20 "$LOG" >&2; exit 5; }
  sleep 0.05
done
mariadb --socket="$SOCK" -e "$8"
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
  private readonly runtime: Runtime;
  readonly node: DbNodeSpec;
  readonly layout: DbLayout;
  readonly serverId: number;
  readonly seed: GaleraSeed;
  private readonly opts: ReplicaOptions;
  master: MasterSpec;
  timings: ReplicaTimings;

  constructor(runtime: Runtime, node: DbNodeSpec, master: MasterSpec, layout: DbLayout, serverId: number, seed: GaleraSeed, opts: ReplicaOptions, timings: ReplicaTimings) {
    this.runtime = runtime;
    this.node = node;
    this.master = master;
    this.layout = layout;
    this.serverId = serverId;
    this.seed = seed;
    this.opts = opts;
    this.timings = timings;
  }

  query(text: string): Promise<string[][]> {
    return sql(this.runtime, this.node.container, this.layout.socket, text);
  }

  status(): Promise<ReplicaStatus> {
    return replicaStatus(this.runtime, this.node, this.layout);
  }

  /**
   * Waits until the IO thread is running (`true`) or not (`false`: No or
   * Connecting, i.e. the replica noticed its master is gone); returns the
   * wall-clock time it was seen.
   */
  waitIo(running: boolean, timeoutMs: number): Promise<number> {
    const re = running ? 'Yes' : '(No|Connecting)';
    const cond = `mariadb --socket='${this.layout.socket}' --connect-timeout=2 -E -e 'SHOW SLAVE STATUS' | grep -Eq '^ *Slave_IO_Running: ${re}$'`;
    return waitInContainer(this.runtime, this.node.container, cond, timeoutMs, `replica ${this.node.container.slice(0, 24)} IO ${running ? 'running' : 'stopped'}`);
  }

  /** Both threads running. */
  waitRunning(timeoutMs: number): Promise<number> {
    const cond =
      `s=$(mariadb --socket='${this.layout.socket}' --connect-timeout=2 -E -e 'SHOW SLAVE STATUS') && ` +
      `echo "$s" | grep -Eq '^ *Slave_IO_Running: Yes$' && echo "$s" | grep -Eq '^ *Slave_SQL_Running: Yes$' || { echo "$s" | grep -E 'Running:|Last_(IO|SQL)_Error:' | tr -s ' \\n' ' '; exit 1; }`;
    return waitInContainer(this.runtime, this.node.container, cond, timeoutMs, `replica ${this.node.container.slice(0, 24)} running`);
  }

  /** Applied everything up to `gtid` (a master's @@gtid_binlog_pos); returns the wall-clock time it did. */
  async waitGtid(gtid: string, timeoutMs: number): Promise<number> {
    const [[r] = []] = await this.query(`SELECT MASTER_GTID_WAIT(${lit(gtid)}, ${(timeoutMs / 1000).toFixed(3)})`);
    if (r !== '0') throw new Error(`replica ${this.node.container.slice(0, 24)} did not reach ${gtid} within ${timeoutMs} ms (at ${(await this.status()).gtidSlavePos})`);
    return Date.now();
  }

  /** Points the replica at another master (another member of the same cluster): it resumes from its own GTID position. */
  async changeMaster(master: MasterSpec): Promise<void> {
    await this.query(changeMaster(master, this.seed, this.opts));
    this.master = master;
  }

  async log(lines = 100): Promise<string> {
    return (await this.runtime.exec(this.node.container, ['tail', '-n', String(lines), this.layout.log])).stdout;
  }
}

/** SHOW SLAVE STATUS and the GTID positions, parsed. */
export async function replicaStatus(runtime: Runtime, node: Pick<DbNodeSpec, 'container'>, layout: DbLayout = REPLICA_LAYOUT): Promise<ReplicaStatus> {
  const rows = await sqlVertical(runtime, node.container, layout.socket, 'SHOW SLAVE STATUS; SELECT @@gtid_slave_pos AS gtid_slave_pos, @@gtid_current_pos AS gtid_current_pos');
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
  const r = await runtime.exec(replica.container, [
    'sh', '-c', START_SCRIPT, 'sh',
    seed.path, layout.datadir, layout.socket.slice(0, layout.socket.lastIndexOf('/')), layout.cnf, layout.log, layout.socket,
    replicaCnf(layout, serverId, opts),
    changeMaster(master, seed, opts),
  ]);
  if (r.exitCode !== 0) throw new Error(`starting the replica on ${replica.container.slice(0, 24)} failed (exit ${r.exitCode}): ${(r.stderr + r.stdout).trim()}`);
  const rep = new AsyncReplica(runtime, replica, master, layout, serverId, seed, opts, { startMs: performance.now() - t0, runningMs: null });
  const waitMs = opts.waitMs ?? 30_000;
  if (waitMs > 0) {
    await rep.waitRunning(waitMs);
    rep.timings = { ...rep.timings, runningMs: performance.now() - t0 };
  }
  return rep;
}

// ---------------------------------------------------------------- star mode

export interface StarLayout {
  /** Galera members: in one or two sites. */
  readonly masters: readonly DbNodeSpec[];
  /** Replica nodes, grouped by their site: every site needs at least two. */
  readonly replicas: readonly DbNodeSpec[];
}

export interface StarPair {
  readonly replica: DbNodeSpec;
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
export function planStar(star: StarLayout): StarPair[] {
  const masterSites = [...new Set(star.masters.map((m) => m.site))];
  if (masterSites.length < 1 || masterSites.length > 2) throw new Error(`star mode: the master Galera spans one or two sites, not ${masterSites.length}`);
  const bySite = new Map<string, DbNodeSpec[]>();
  for (const r of star.replicas) {
    if (masterSites.includes(r.site)) throw new Error(`star mode: replica ${r.container} is in master site ${r.site}`);
    bySite.set(r.site, [...(bySite.get(r.site) ?? []), r]);
  }
  const used = new Map<string, number>();
  const pairs: StarPair[] = [];
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
export async function followCluster(runtime: Runtime, follower: GaleraCluster, ref: number, master: GaleraNode, opts: Omit<ReplicaOptions, 'seed' | 'layout'> = {}): Promise<AsyncReplica> {
  const t0 = performance.now();
  const node = follower.nodes[ref];
  if (!node) throw new Error(`no member ${ref} in ${follower.name}`);
  const o: ReplicaOptions = { masterPort: follower.layout.port, ...opts, seed: follower.seed };
  const rows = await follower.query(ref, `SET GLOBAL slave_net_timeout=${o.slaveNetTimeout ?? 3};\n${changeMaster(master, follower.seed, o)}\nSELECT @@server_id;`);
  const serverId = Number(rows.at(-1)?.[0]);
  const rep = new AsyncReplica(runtime, node, master, follower.layout, serverId, follower.seed, o, { startMs: performance.now() - t0, runningMs: null });
  const waitMs = opts.waitMs ?? 30_000;
  if (waitMs > 0) {
    await rep.waitRunning(waitMs);
    rep.timings = { ...rep.timings, runningMs: performance.now() - t0 };
  }
  return rep;
}
