// A Galera cluster across harness nodes, brought up fast (REFERENCE.md
// "Fast Galera and replica bring-up"):
//
// 1. Seed once: in a throw-away container, install-db, bootstrap a 1-node
//    cluster, create the schema, clean shutdown; the datadir (grastate.dat
//    holds the cluster UUID and seqno) is cached on the host as
//    `.cache/galera-seed-<hash>.tar`, the hash covering the seed's server
//    config, the schema and the image. Later runs skip this step.
// 2. Per topology: every node unpacks the seed (the project, so the cache,
//    is mounted read-only at /opt/msh in every container; a sparse archive,
//    so only the non-zero third of the datadir is written), gets
//    `safe_to_bootstrap: 0` and a `gvwstate.dat` naming all nodes as the
//    last Primary view, and starts without --wsrep-new-cluster: pc.recovery
//    re-forms the Primary as soon as every member sees the others, with no
//    state transfer (same cluster UUID and seqno everywhere).
// 3. Bring-up uses fast Galera timers; once the Primary is formed the timers
//    under test (`timers`, Galera's defaults unless given) are applied at run
//    time, so fast bring-up never changes what a partition scenario measures.
//
// Decisions:
// - Every node writes a binlog (log_slave_updates, wsrep_gtid_mode, one
//   wsrep_gtid_domain_id and server_id for the whole cluster) so any member
//   can be the master of an async replica and a replica can move between
//   members with MASTER_USE_GTID=slave_pos. The seed sets gtid_slave_pos to
//   its binlog position, so a replica made from the same seed starts where
//   every member's binlog starts.
// - Datadir, socket and port are not the image's defaults (/var/lib/mysql,
//   /run/mysqld), so a Galera node can share a container with the site's own
//   MariaDB (services/mariadb.ts) if it listens on another port.
// - This module runs on the host and talks to each server with mysql2
//   (db/sql.ts) over its socket, which (with the server's log) lives in the
//   node's bind-mounted run dir (/run/msh/db/<role>/ in the container,
//   <site dir>/db/<role>/ on the host). Only launching mariadbd needs a
//   `docker exec`. Waits poll every 50 ms on one kept connection.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { chmod, mkdir, readFile, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, isAbsolute } from 'node:path';
import { execa } from 'execa';
import { MOUNT, PROJECT_ROOT, imageRef } from '../paths.js';
import { LABEL, type Runtime } from '../runtime/runtime.js';
import { hostPath, lit, poll, query, rowsOf, SqlError, connect, run, RUN_MOUNT } from './sql.js';

export { lit, SqlError };

/** A node a database role runs on: a running container with its site address on eth0. */
export interface DbNodeSpec {
  readonly container: string;
  readonly address: string;
  readonly site: string;
  /** The host directory mounted at /run/msh in the container (a controller's site dir): the server's socket and log go below it. */
  readonly runDir: string;
  /** Defaults to `<site>-<index>`. */
  readonly name?: string;
}

export type ProviderOptions = Readonly<Record<string, string | number | boolean>>;

/** Galera's own defaults for the timers the bring-up changes. */
export const GALERA_DEFAULT_TIMERS: ProviderOptions = {
  'evs.keepalive_period': 'PT1S',
  'evs.suspect_timeout': 'PT5S',
  'evs.inactive_timeout': 'PT15S',
  'evs.install_timeout': 'PT7.5S',
  'evs.join_retrans_period': 'PT1S',
};

/** Timers tolerating 30 s WAN outages (REFERENCE.md, "Galera over WAN"). */
export const WAN_TIMERS: ProviderOptions = {
  'evs.keepalive_period': 'PT3S',
  'evs.suspect_timeout': 'PT30S',
  'evs.inactive_timeout': 'PT1M',
  'evs.install_timeout': 'PT1M',
  'evs.send_window': 512,
  'evs.user_send_window': 256,
};

/**
 * Used only until the first Primary forms, then replaced at run time by the
 * timers under test. Only options Galera can change at run time, so nothing
 * of the bring-up lingers (gmcast.time_wait/peer_timeout would: measured no
 * faster anyway). suspect_timeout stays >= 2 x inactive_check_period, which
 * cannot change at run time and Galera clamps to suspect/2. Keepalive and
 * join retransmission at Galera's minimum, 0.1 s: the EVS join rounds that
 * form the Primary are paced by them (3 nodes, 5 runs each alternated,
 * load 7.4-8.2: launch -> Primary median 1.8 s at 0.1 s, 2.6 s at 0.2 s).
 */
export const FAST_BRINGUP_TIMERS: ProviderOptions = {
  'evs.keepalive_period': 'PT0.1S',
  'evs.join_retrans_period': 'PT0.1S',
  'evs.suspect_timeout': 'PT2S',
  'evs.inactive_timeout': 'PT3S',
  'evs.install_timeout': 'PT2S',
};

/**
 * Options Galera can change at run time (gcomm evs set_param); the rest of a
 * `timers` set goes into the start configuration. Order matters: each
 * value is range-checked against the current others (install_timeout within
 * [2 x keepalive, inactive], user_send_window <= send_window), so setting
 * runs twice (see applyTimers).
 */
const RUNTIME_OPTIONS = [
  'evs.inactive_timeout',
  'evs.suspect_timeout',
  'evs.keepalive_period',
  'evs.join_retrans_period',
  'evs.install_timeout',
  'evs.send_window',
  'evs.user_send_window',
  'evs.max_install_timeouts',
  'evs.causal_keepalive_period',
  'evs.stats_report_period',
  'gcs.fc_limit',
  'gcs.fc_factor',
  'pc.weight',
  'pc.ignore_sb',
];

/**
 * Where a node's server lives inside its container. `socket` and `log` must
 * be inside the bind-mounted run dir (RUN_MOUNT): the host reaches them there.
 */
export interface DbLayout {
  readonly datadir: string;
  readonly socket: string;
  readonly port: number;
  readonly cnf: string;
  readonly log: string;
}

export const GALERA_LAYOUT: DbLayout = {
  datadir: '/var/lib/msh-galera',
  socket: `${RUN_MOUNT}/db/galera/mysqld.sock`,
  port: 3306,
  cnf: '/etc/mysql/msh-galera.cnf',
  log: `${RUN_MOUNT}/db/galera/mariadbd.log`,
};

// ---------------------------------------------------------------- helpers shared with replica.ts

/** The host path of a node's server socket; the directory it lives in, made on the host (so a missing bind mount shows). */
export async function hostRunDir(node: Pick<DbNodeSpec, 'runDir'>, layout: DbLayout): Promise<{ socket: string; log: string }> {
  const socket = hostPath(node.runDir, layout.socket);
  const log = hostPath(node.runDir, layout.log);
  // mariadbd runs as mysql and must reach its socket's directory through the
  // run dir, which may be 0700 (mkdtemp, a umask of 077): let others search
  // it (not list it; what must stay private, like the key repository, has
  // its own 0700 directory).
  for (const file of [socket, log]) {
    await mkdir(dirname(file), { recursive: true });
    for (let dir = dirname(file); dir.startsWith(node.runDir); dir = dirname(dir)) {
      const mode = (await stat(dir)).mode & 0o7777;
      if ((mode & 0o001) === 0) await chmod(dir, mode | 0o001);
      if (dir === node.runDir) break;
    }
  }
  return { socket, log };
}

/** The last lines of a server log the host can read (a file in the bind-mounted run dir). */
export async function tailFile(file: string, lines: number): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** Throws when the server's log says it gave up: no point waiting out the timeout. */
export async function failIfAborted(log: string, what: string): Promise<void> {
  const text = await readFile(log, 'utf8').catch(() => '');
  if (/\[ERROR\] Aborting/.test(text)) throw new Error(`${what}: mariadbd aborted:\n${text.trimEnd().split('\n').slice(-15).join('\n')}`);
}

function cnfValue(v: string | number | boolean): string {
  return typeof v === 'boolean' ? (v ? 'ON' : 'OFF') : String(v);
}

export function cnfText(sections: Record<string, Readonly<Record<string, string | number | boolean>>>): string {
  return (
    Object.entries(sections)
      .map(([name, kv]) => [`[${name}]`, ...Object.entries(kv).map(([k, v]) => `${k}=${cnfValue(v)}`)].join('\n'))
      .join('\n\n') + '\n'
  );
}

function providerString(o: ProviderOptions): string {
  return Object.entries(o)
    .map(([k, v]) => `${k}=${typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v)}`)
    .join(';');
}

// ---------------------------------------------------------------- seed

/** Bump when the seed's making changes in a way the hash would not see. */
const SEED_FORMAT = 3;
export const SEED_SERVER_ID = 1;
/**
 * 0, the default, on purpose: members started from the seed without a state
 * transfer wrote their GTIDs in domain 0 whatever wsrep_gtid_domain_id said
 * (measured with 1: seed 1-1-1..4, then the cluster 0-1-5), leaving two
 * domains in every binlog. With 0 everywhere the seed's and the cluster's
 * GTIDs are one sequence.
 */
export const WSREP_GTID_DOMAIN = 0;
const BINLOG = 'mysql-bin';

export interface SeedOptions {
  /** SQL run once on the seed (CREATE DATABASE, tables, users). */
  readonly schema?: string;
  readonly image?: string;
  /** Host directory of the seed cache; must be inside the project (mounted at /opt/msh in every container). */
  readonly cacheDir?: string;
  /** Account async replicas use; created in the seed. */
  readonly replUser?: string;
  readonly replPassword?: string;
  /** Labels the seed container with this run (so a crash leaves nothing `destroyRun` misses). */
  readonly runId?: string;
}

export interface GaleraSeed {
  readonly hash: string;
  /** On the host. */
  readonly file: string;
  /** The same file inside containers. */
  readonly path: string;
  /** False when the cached tarball was used. */
  readonly created: boolean;
  /** Time spent making the seed (0 when cached). */
  readonly ms: number;
  readonly replUser: string;
  readonly replPassword: string;
}

/** The [mysqld] settings shared by the seed, Galera members and replicas. */
export function baseServer(layout: DbLayout): Record<string, string | number | boolean> {
  return {
    user: 'mysql',
    datadir: layout.datadir,
    socket: layout.socket,
    'pid-file': join(layout.datadir, 'mysqld.pid'),
    port: layout.port,
    'bind-address': '0.0.0.0',
    'skip-name-resolve': 'ON',
    performance_schema: 'OFF',
    innodb_buffer_pool_size: '32M',
    innodb_log_file_size: '8M',
    // A test database starts often and lives minutes: no buffer pool dump/load.
    innodb_buffer_pool_dump_at_shutdown: 'OFF',
    innodb_buffer_pool_load_at_startup: 'OFF',
    // Durability comes from the other members (and the replica's master); a
    // flush per commit on this shared disk only slows every test down.
    innodb_flush_log_at_trx_commit: 2,
    max_connections: 64,
    'character-set-server': 'utf8mb4',
    'collation-server': 'utf8mb4_general_ci',
    default_storage_engine: 'InnoDB',
    binlog_format: 'ROW',
    innodb_autoinc_lock_mode: 2,
  };
}

/** What the seed and every member share: binlog, GTIDs, the Galera provider. Only the local GTID domain differs. */
function wsrepServer(layout: DbLayout, gtidDomainId: number): Record<string, string | number | boolean> {
  return {
    ...baseServer(layout),
    log_bin: BINLOG,
    log_slave_updates: 'ON',
    server_id: SEED_SERVER_ID,
    gtid_domain_id: gtidDomainId,
    wsrep_gtid_mode: 'ON',
    wsrep_gtid_domain_id: WSREP_GTID_DOMAIN,
    wsrep_on: 'ON',
    wsrep_provider: '/usr/lib/galera/libgalera_smm.so',
  };
}

function seedCnf(layout: DbLayout): string {
  return cnfText({
    mysqld: {
      ...wsrepServer(layout, WSREP_GTID_DOMAIN),
      wsrep_cluster_name: 'msh-seed',
      wsrep_cluster_address: 'gcomm://',
      wsrep_node_address: '127.0.0.1',
      wsrep_provider_options: `"${providerString({ 'gcache.size': '8M' })}"`,
      wsrep_sst_method: 'rsync',
    },
  });
}

function installCnf(layout: DbLayout): string {
  return cnfText({ mysqld: { user: 'mysql', datadir: layout.datadir, innodb_log_file_size: '8M', 'skip-log-bin': 'ON' } });
}

const SEED_SCRIPT = `
set -eu
R=/tmp/msh-seed; D=$R/data; S=$R/mysqld.sock
rm -rf $R; mkdir -p $D; chown -R mysql:mysql $R
printf '%s' "$1" > $R/install.cnf
printf '%s' "$2" > $R/seed.cnf
printf '%s' "$3" > $R/schema.sql
printf '%s' "$4" > $R/users.sql
fail() { echo "seed: $1" >&2; tail -n 30 "$2" >&2 || true; exit 1; }
mariadb-install-db --defaults-file=$R/install.cnf --skip-test-db --auth-root-authentication-method=socket >$R/install.log 2>&1 || fail install-db $R/install.log
mariadbd --defaults-file=$R/seed.cnf --wsrep-new-cluster </dev/null >$R/seed.log 2>&1 &
pid=$!
i=0
until mariadb --socket=$S -N -B -e "SHOW GLOBAL STATUS LIKE 'wsrep_ready'" 2>/dev/null | grep -q ON; do
  kill -0 $pid 2>/dev/null || fail "mariadbd exited" $R/seed.log
  i=$((i+1)); [ $i -lt 1200 ] || fail "mariadbd not ready after 60 s" $R/seed.log
  sleep 0.05
done
mariadb --socket=$S < $R/schema.sql || fail "schema failed" $R/seed.log
mariadb --socket=$S < $R/users.sql || fail "users failed" $R/seed.log
mariadb --socket=$S -e "SET SESSION wsrep_on=OFF; SET GLOBAL gtid_slave_pos = @@gtid_binlog_pos" || fail "gtid_slave_pos" $R/seed.log
mariadb-admin --socket=$S shutdown
wait $pid || true
rm -f $D/galera.cache $D/gvwstate.dat $D/mysqld.pid
grep -q '^safe_to_bootstrap: 1' $D/grastate.dat || fail "no clean shutdown (grastate.dat)" $D/grastate.dat
mariadbd --version > $D/msh-seed-version
# Two thirds of the datadir are zeros (ibdata1, the redo log): punched out
# and archived as holes, so every node writes ~8 MB instead of ~26 MB.
find $D -type f -size +64k -exec fallocate --dig-holes {} ';' 2>/dev/null || true
tmp=/cache/.$5.$$
tar --sparse -cf $tmp -C $D .
mv -f $tmp /cache/$5
`;

function seedPaths(cacheDir: string, hash: string): { file: string; path: string } {
  const name = `galera-seed-${hash}.tar`;
  const rel = relative(PROJECT_ROOT, cacheDir);
  if (rel.startsWith('..') || isAbsolute(rel)) throw new Error(`seed cache ${cacheDir} must be inside the project (${PROJECT_ROOT}), which containers see at ${MOUNT}`);
  return { file: join(cacheDir, name), path: join(MOUNT, rel, name) };
}

/** The cached seed for this schema and config, making it first if missing. */
export async function ensureSeed(runtime: Runtime, opts: SeedOptions = {}): Promise<GaleraSeed> {
  const image = imageRef(opts.image ?? 'base');
  const cacheDir = opts.cacheDir ?? join(PROJECT_ROOT, '.cache');
  const replUser = opts.replUser ?? 'msh_repl';
  const replPassword = opts.replPassword ?? 'msh-repl';
  const layout: DbLayout = { ...GALERA_LAYOUT, datadir: '/tmp/msh-seed/data', socket: '/tmp/msh-seed/mysqld.sock' };
  const schema = opts.schema ?? '';
  const users = [
    `CREATE USER IF NOT EXISTS ${lit(replUser)}@'%' IDENTIFIED BY ${lit(replPassword)};`,
    `GRANT REPLICATION SLAVE, REPLICATION CLIENT, BINLOG MONITOR ON *.* TO ${lit(replUser)}@'%';`,
  ].join('\n');
  const install = installCnf(layout);
  const seed = seedCnf(layout);
  const hash = createHash('sha256')
    .update(JSON.stringify({ v: SEED_FORMAT, image, install, seed, users, schema, script: SEED_SCRIPT }))
    .digest('hex')
    .slice(0, 16);
  const { file, path } = seedPaths(cacheDir, hash);
  const base = { hash, file, path, replUser, replPassword };
  if (await stat(file).then((s) => s.size > 0, () => false)) return { ...base, created: false, ms: 0 };

  const t0 = performance.now();
  await mkdir(cacheDir, { recursive: true });
  const suffix = randomBytes(2).toString('hex');
  const id = await runtime.create({
    name: opts.runId ? `msh-${opts.runId}-seed-${suffix}` : `msh-seed-${hash.slice(0, 8)}-${suffix}`,
    image,
    hostname: 'seed',
    labels: { [LABEL.owner]: String(process.pid), ...(opts.runId ? { [LABEL.run]: opts.runId } : {}), 'msh.role': 'galera-seed' },
    binds: [`${cacheDir}:/cache`],
  });
  try {
    await runtime.start(id);
    const r = await runtime.exec(id, ['sh', '-c', SEED_SCRIPT, 'sh', install, seed, schema, users, `galera-seed-${hash}.tar`]);
    if (r.exitCode !== 0) throw new Error(`making the Galera seed failed (exit ${r.exitCode}):\n${r.stderr}${r.stdout}`.trim());
  } finally {
    await runtime.remove(id);
  }
  return { ...base, created: true, ms: performance.now() - t0 };
}

// ---------------------------------------------------------------- cluster

export interface GaleraOptions extends SeedOptions {
  /** Distinct per topology: every cluster made from one seed shares its cluster UUID. Default: random. */
  readonly clusterName?: string;
  /** The timers under test, applied once the Primary has formed. Default: Galera's. */
  readonly timers?: ProviderOptions;
  /** Timers used only for the bring-up. Default FAST_BRINGUP_TIMERS. */
  readonly bringup?: ProviderOptions;
  /** Other provider options, set at start (gcache.size, ...). */
  readonly provider?: ProviderOptions;
  /** gmcast.segment per site; default one segment per site, in order of first appearance. False: no segments. */
  readonly segments?: Readonly<Record<string, number>> | false;
  /** Extra [mysqld] settings. */
  readonly server?: Readonly<Record<string, string | number | boolean>>;
  readonly layout?: Partial<DbLayout>;
  /** Wait for the Primary (and apply `timers`) before returning; 0: return once started. Default 60 s. */
  readonly waitMs?: number;
}

export interface GaleraNode {
  readonly index: number;
  readonly name: string;
  readonly container: string;
  readonly address: string;
  readonly site: string;
  readonly runDir: string;
  readonly segment: number;
  /** Its gcomm UUID (my_uuid in gvwstate.dat). */
  readonly uuid: string;
  /** Its server's socket and log, on the host. */
  readonly socket: string;
  readonly logFile: string;
}

export type NodeRef = number | string | GaleraNode;

export interface GaleraStatus {
  /** Primary, non-Primary, Disconnected. */
  readonly clusterStatus: string;
  readonly size: number;
  readonly ready: boolean;
  readonly connected: boolean;
  /** Synced, Donor/Desynced, Joining, Joined, Initialized, ... */
  readonly state: string;
  readonly lastCommitted: number;
}

export interface GaleraTimings {
  readonly seeded: boolean;
  readonly seedMs: number;
  /** startGalera() called -> every node's mariadbd launched. */
  readonly startMs: number;
  /** startGalera() called -> Primary of full size, every node Synced (when waited for). */
  readonly primaryMs: number | null;
  readonly startedAt: number;
}

const STATUS_VARS = ['wsrep_cluster_status', 'wsrep_cluster_size', 'wsrep_ready', 'wsrep_connected', 'wsrep_local_state_comment', 'wsrep_last_committed'];

// RUN (the socket's directory) and LOG's directory are made by the host in
// the bind-mounted run dir: if they are missing here, the mount is.
const NODE_SCRIPT = `
set -eu
SEED=$1; D=$2; RUN=$3; CNF=$4; LOG=$5
[ -r "$SEED" ] || { echo "seed $SEED is not visible in this container (the project must be mounted at ${MOUNT})" >&2; exit 2; }
[ -d "$RUN" ] && [ -d "$(dirname "$LOG")" ] || { echo "$RUN is missing: ${RUN_MOUNT} is not the bind mount of the node's run dir" >&2; exit 6; }
if [ -f "$D/mysqld.pid" ] && kill -0 "$(cat "$D/mysqld.pid")" 2>/dev/null; then echo "a server already runs on $D" >&2; exit 3; fi
# Emptied, not removed: it may be a mount point (datadirTmpfs).
mkdir -p "$D" "$(dirname "$CNF")"; find "$D" -mindepth 1 -delete
tar -xf "$SEED" -C "$D"
[ "$(cat "$D/msh-seed-version")" = "$(mariadbd --version)" ] || { echo "SEED-MISMATCH: seed made by $(cat "$D/msh-seed-version")" >&2; exit 4; }
sed -i 's/^safe_to_bootstrap:.*/safe_to_bootstrap: 0/' "$D/grastate.dat"
printf '%s' "$6" > "$D/gvwstate.dat"
printf '%s' "$7" > "$CNF"
# tar as root kept the seed's owners (mysql); only the new files need it.
chown mysql:mysql "$D" "$D/gvwstate.dat" "$RUN"
setsid mariadbd --defaults-file="$CNF" </dev/null >"$LOG" 2>&1 &
`;

/**
 * A member's datadir is a tmpfs mounted into its container's mount
 * namespace (from the host: nsenter, as net/ip.ts enters network
 * namespaces; it goes with the container). Why: on the container's overlay
 * every InnoDB and Galera start-up write and fsync lands on the host's disk,
 * shared with every other run; measured (3 nodes, 4 runs each alternated,
 * load 10-13): launch -> Primary of 3 Synced 1.7-2.8 s on tmpfs, 2.9-7.9 s
 * on the overlay. Durability is the other members' business (as
 * innodb_flush_log_at_trx_commit=2 already says), and a member's container
 * that dies takes its datadir with it either way. Used: ~40 MB (seed,
 * redo log, temporary tablespace, gcache); the size is a ceiling, not an
 * allocation.
 */
export const DATADIR_TMPFS_SIZE = '512m';

async function datadirTmpfs(runtime: Runtime, container: string, datadir: string): Promise<void> {
  const pid = await runtime.pid(container);
  const script = `mkdir -p "$1" && { mountpoint -q "$1" || mount -t tmpfs -o size=${DATADIR_TMPFS_SIZE},mode=0755 msh-galera "$1"; }`;
  const r = await execa('nsenter', ['-t', String(pid), '-m', '--', 'sh', '-c', script, 'sh', datadir], { reject: false });
  if (r.exitCode !== 0) throw new Error(`mounting a tmpfs on ${datadir} in container ${container.slice(0, 12)} failed: ${(r.stderr || r.stdout).trim()}`);
}

export class GaleraCluster {
  private timersApplied: ProviderOptions | null = null;
  readonly name: string;
  readonly nodes: readonly GaleraNode[];
  readonly seed: GaleraSeed;
  readonly layout: DbLayout;
  /** The timers under test (applied once the Primary formed). */
  readonly timers: ProviderOptions;
  timings: GaleraTimings;

  constructor(name: string, nodes: readonly GaleraNode[], seed: GaleraSeed, layout: DbLayout, timers: ProviderOptions, timings: GaleraTimings) {
    this.name = name;
    this.nodes = nodes;
    this.seed = seed;
    this.layout = layout;
    this.timers = timers;
    this.timings = timings;
  }

  node(ref: NodeRef): GaleraNode {
    if (typeof ref === 'object') return ref;
    const n = typeof ref === 'number' ? this.nodes[ref] : this.nodes.find((x) => x.container === ref || x.address === ref || x.name === ref);
    if (!n) throw new Error(`no Galera node ${String(ref)} in ${this.name}`);
    return n;
  }

  /** Rows of every result set of the statements, values as text; a refused statement throws SqlError. */
  async query(ref: NodeRef, text: string): Promise<string[][]> {
    return rowsOf(await query(this.node(ref).socket, text));
  }

  async status(ref: NodeRef): Promise<GaleraStatus> {
    const rows = await this.query(ref, `SHOW GLOBAL STATUS WHERE Variable_name IN (${STATUS_VARS.map(lit).join(',')})`);
    const v = Object.fromEntries(rows.map((r) => [r[0]!.toLowerCase(), r[1] ?? '']));
    return {
      clusterStatus: v['wsrep_cluster_status'] ?? '',
      size: Number(v['wsrep_cluster_size'] ?? 0),
      ready: v['wsrep_ready'] === 'ON',
      connected: v['wsrep_connected'] === 'ON',
      state: v['wsrep_local_state_comment'] ?? '',
      lastCommitted: Number(v['wsrep_last_committed'] ?? -1),
    };
  }

  /**
   * Waits until the node's status variables equal `want` (e.g.
   * {wsrep_cluster_status: 'non-Primary'}); returns the wall-clock time it did.
   */
  async waitStatus(ref: NodeRef, want: Readonly<Record<string, string | number>>, timeoutMs: number): Promise<number> {
    const n = this.node(ref);
    const lower = new Map(Object.entries(want).map(([k, v]) => [k.toLowerCase(), String(v)]));
    const names = [...lower.keys()];
    const stmt = `SELECT LOWER(VARIABLE_NAME), VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE LOWER(VARIABLE_NAME) IN (${names.map(lit).join(',')})`;
    const got = (sets: Parameters<typeof rowsOf>[0]) => new Map(rowsOf(sets).map((r) => [r[0]!, r[1] ?? '']));
    return poll(n.socket, stmt, (sets) => {
      const g = got(sets);
      return names.every((k) => g.get(k) === lower.get(k));
    }, {
      timeoutMs,
      what: `${n.name} status ${JSON.stringify(want)}`,
      describe: (sets) => [...got(sets)].map(([k, v]) => `${k}=${v}`).join(' '),
      onMiss: () => failIfAborted(n.logFile, n.name),
    });
  }

  /** Every node Synced in a Primary component of full size; returns ms waited. */
  async waitPrimary(timeoutMs: number): Promise<number> {
    const t0 = Date.now();
    const want = { wsrep_cluster_status: 'Primary', wsrep_cluster_size: this.nodes.length, wsrep_ready: 'ON', wsrep_local_state_comment: 'Synced' };
    const at = await Promise.all(this.nodes.map((n) => this.waitStatus(n, want, timeoutMs)));
    return Math.max(...at) - t0;
  }

  /**
   * Sets timers on every node at run time. Each value is range-checked
   * against the current others, so a first pass may refuse some in a bad
   * order; the second pass must accept all.
   */
  async applyTimers(given: ProviderOptions = this.timers): Promise<void> {
    // causal_keepalive_period starts equal to keepalive_period and does not
    // follow it at run time: keep it with the keepalive under test.
    const timers: ProviderOptions =
      'evs.keepalive_period' in given && !('evs.causal_keepalive_period' in given) ? { ...given, 'evs.causal_keepalive_period': given['evs.keepalive_period']! } : given;
    const keys = RUNTIME_OPTIONS.filter((k) => k in timers);
    if (keys.length === 0) return;
    const stmts = keys.map((k) => `SET GLOBAL wsrep_provider_options=${lit(providerString({ [k]: timers[k]! }))}`);
    await Promise.all(
      this.nodes.map(async (n) => {
        const conn = await connect(n.socket);
        try {
          for (const st of stmts) await run(conn, n.socket, st).catch((err: unknown) => { if (!(err instanceof SqlError)) throw err; });
          await run(conn, n.socket, stmts.join(';\n')).catch((err: unknown) => {
            throw new Error(`setting timers on ${n.name}: ${(err as Error).message}`, { cause: err });
          });
        } finally {
          conn.destroy();
        }
      }),
    );
    this.timersApplied = timers;
  }

  /** The provider options a node reports (wsrep_provider_options parsed). */
  async providerOptions(ref: NodeRef): Promise<Record<string, string>> {
    const [[v] = []] = await this.query(ref, 'SELECT @@wsrep_provider_options');
    return Object.fromEntries(
      (v ?? '')
        .split(';')
        .map((kv) => kv.trim().split(' = '))
        .filter((p) => p.length === 2)
        .map(([k, val]) => [k!, val!]),
    );
  }

  get appliedTimers(): ProviderOptions | null {
    return this.timersApplied;
  }

  /** The node's server log (stderr of mariadbd), read on the host. */
  async log(ref: NodeRef, lines = 200): Promise<string> {
    return tailFile(this.node(ref).logFile, lines);
  }
}

/** One segment per site, in order of first appearance. */
function defaultSegments(nodes: readonly DbNodeSpec[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of nodes) if (!(n.site in out)) out[n.site] = Object.keys(out).length;
  return out;
}

export function gvwstate(self: string, nodes: readonly GaleraNode[]): string {
  return [
    `my_uuid: ${self}`,
    '#vwbeg',
    `view_id: 3 ${nodes[0]!.uuid} 1`,
    'bootstrap: 0',
    ...nodes.map((n) => `member: ${n.uuid} ${n.segment}`),
    '#vwend',
    '',
  ].join('\n');
}

export function galeraCnf(n: GaleraNode, all: readonly GaleraNode[], clusterName: string, layout: DbLayout, provider: ProviderOptions, server: GaleraOptions['server'] = {}): string {
  return cnfText({
    mysqld: {
      ...wsrepServer(layout, 100 + n.index),
      wsrep_cluster_name: clusterName,
      wsrep_cluster_address: `gcomm://${all.map((x) => x.address).join(',')}`,
      wsrep_node_address: n.address,
      wsrep_node_name: n.name,
      wsrep_sst_method: 'rsync',
      wsrep_provider_options: `"${providerString(provider)}"`,
      ...server,
    },
  });
}

/**
 * Starts one Galera member per node from the cached seed (made first if
 * missing) and, unless `waitMs` is 0, waits for a full-size Primary with every
 * node Synced and then applies the timers under test.
 */
export async function startGalera(runtime: Runtime, specs: readonly DbNodeSpec[], opts: GaleraOptions = {}): Promise<GaleraCluster> {
  if (specs.length === 0) throw new Error('a Galera cluster needs at least one node');
  const t0 = performance.now();
  const startedAt = Date.now();
  const layout: DbLayout = { ...GALERA_LAYOUT, ...opts.layout };
  const segments = opts.segments === false ? null : (opts.segments ?? defaultSegments(specs));
  const nodes: GaleraNode[] = await Promise.all(
    specs.map(async (s, i) => {
      const { socket, log } = await hostRunDir(s, layout);
      return {
        index: i,
        name: s.name ?? `${s.site}-${i + 1}`,
        container: s.container,
        address: s.address,
        site: s.site,
        runDir: s.runDir,
        segment: segments ? (segments[s.site] ?? 0) : 0,
        uuid: randomUUID(),
        socket,
        logFile: log,
      };
    }),
  );
  const clusterName = opts.clusterName ?? `msh-${opts.runId ?? 'x'}-${randomBytes(4).toString('hex')}`;
  const timers: ProviderOptions = { ...GALERA_DEFAULT_TIMERS, ...opts.timers };
  // Timers Galera cannot change at run time are part of the start config.
  const staticTimers = Object.fromEntries(Object.entries(timers).filter(([k]) => !RUNTIME_OPTIONS.includes(k)));
  const bringup = { ...(opts.bringup ?? FAST_BRINGUP_TIMERS) };
  // inactive_check_period cannot change at run time, and Galera clamps it to
  // suspect_timeout / 2 at start: keep the bring-up suspect_timeout high
  // enough for the check period under test (Galera's default PT0.5S).
  const check = isoMs(String(timers['evs.inactive_check_period'] ?? 'PT0.5S'));
  const suspect = isoMs(String(bringup['evs.suspect_timeout'] ?? 'PT5S'));
  if (suspect < 2 * check) {
    bringup['evs.suspect_timeout'] = isoPeriod(2 * check);
    const inactive = isoMs(String(bringup['evs.inactive_timeout'] ?? 'PT15S'));
    if (inactive <= 2 * check) bringup['evs.inactive_timeout'] = isoPeriod(3 * check);
  }
  const provider = (n: GaleraNode): ProviderOptions => ({
    'gcache.size': '16M',
    'pc.recovery': true,
    ...(segments ? { 'gmcast.segment': n.segment } : {}),
    ...bringup,
    ...staticTimers,
    ...opts.provider,
  });

  let seed = await ensureSeed(runtime, opts);
  let seedMs = seed.ms;
  const launch = () =>
    Promise.all(
      nodes.map(async (n) => {
        await datadirTmpfs(runtime, n.container, layout.datadir);
        const r = await runtime.exec(n.container, [
          'sh', '-c', NODE_SCRIPT, 'sh',
          seed.path, layout.datadir, dirname(layout.socket), layout.cnf, layout.log,
          gvwstate(n.uuid, nodes),
          galeraCnf(n, nodes, clusterName, layout, provider(n), opts.server),
        ]);
        return { n, r };
      }),
    );
  let launched = await launch();
  if (launched.some(({ r }) => r.exitCode === 4)) {
    // The image's MariaDB changed since the seed was made: make it again.
    await rm(seed.file, { force: true });
    seed = await ensureSeed(runtime, opts);
    seedMs += seed.ms;
    launched = await launch();
  }
  for (const { n, r } of launched) {
    if (r.exitCode !== 0) throw new Error(`starting Galera on ${n.name} (${n.container.slice(0, 12)}) failed (exit ${r.exitCode}): ${(r.stderr + r.stdout).trim()}`);
  }
  const startMs = performance.now() - t0;
  const cluster = new GaleraCluster(clusterName, nodes, seed, layout, timers, {
    seeded: seed.created,
    seedMs,
    startMs,
    primaryMs: null,
    startedAt,
  });
  const waitMs = opts.waitMs ?? 60_000;
  if (waitMs > 0) {
    try {
      await cluster.waitPrimary(waitMs);
    } catch (err) {
      const logs = await Promise.all(nodes.map(async (n) => `--- ${n.name}:\n${await cluster.log(n, 15).catch(() => '(no log)')}`));
      throw new Error(`${(err as Error).message}\n${logs.join('\n')}`);
    }
    cluster.timings = { ...cluster.timings, primaryMs: performance.now() - t0 };
    await cluster.applyTimers();
  }
  return cluster;
}

/** ISO 8601 duration as Galera writes them (PT1S, PT7.5S, PT1M, P1D) -> ms. */
export function isoMs(p: string): number {
  const m = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(p.trim());
  if (!m || p.trim() === 'P' || p.trim() === 'PT') throw new Error(`not an ISO 8601 duration: ${p}`);
  const [d, h, min, sec] = m.slice(1).map((x) => Number(x ?? 0)) as [number, number, number, number];
  return Math.round((((d * 24 + h) * 60 + min) * 60 + sec) * 1000);
}

export function isoPeriod(ms: number): string {
  return `PT${Number((ms / 1000).toFixed(3))}S`;
}
