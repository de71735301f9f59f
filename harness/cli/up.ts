// msh up <scenario.yaml> [--workloads [--duration D]]: bring everything the
// scenario declares up (nodes, links, site services, identity, overlays, the
// VNFs, the DR VNF) and leave it running for an engineer: print each node,
// each site's API endpoints, and write an openrc per region for the standard
// `openstack` client. With --workloads, then run the scenario's workloads in
// the foreground (their events in the run's history.jsonl, beside the faults
// injected by hand meanwhile) and leave everything up after them.
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { bringUp, type BroughtUp } from '../engine/bring-up.js';
import { awaitKeptActives, followKeptVnfs, KEPT_LOG_DIR, rolesText, startKeptVnfs, type KeptVnf } from '../engine/kept-agents.js';
import { judge, newRunId, VNF_SETTLE_MS } from '../engine/run.js';
import { captureForRun, captureProofs, captureRecord } from '../engine/wan-capture.js';
import { AGENT_DRAIN_MS } from '../engine/workload.js';
import { afterWorkloads, prepareWorkloads, startWorkloads } from '../engine/workloads.js';
import { now, openHistory, type History, type OpEvent } from '../observe/history.js';
import { PROJECT_ROOT } from '../paths.js';
import { readHistoryFile } from '../report/html-write.js';
import { reportStamp, writeReport } from '../report/write.js';
import { DockerRuntime } from '../runtime/docker.js';
import { interruptible } from '../runtime/runtime.js';
import { MshError } from '../scenario/errors.js';
import { parseDuration } from '../scenario/units.js';
import type { LoadedScenario } from '../scenario/load.js';
import type { Scenario } from '../scenario/schema.js';
import { destroyRun, ownedState, stateDir as stateDirOf, writeState } from '../topology/state.js';
import { planTopology, type Plan } from '../topology/plan.js';
import { SITE_APIS } from '../topology/site-apis.js';
import { println, type Io } from './io.js';
import { loadAll } from './scenarios.js';

export function openrc(plan: Plan, s: Scenario, site: string): string | null {
  if (!s.identity) return null;
  const auth = plan.sites.find((x) => x.name === s.identity!.site)?.nodes.find((n) => n.role === 'controller');
  if (!auth) return null;
  return [
    `# region ${site}: the host has no route into the topology; run the client in a site namespace:`,
    `#   ip netns exec ${plan.sites.find((x) => x.name === site)!.ns} openstack token issue`,
    `export OS_AUTH_URL=http://${auth.address}:5000/v3`,
    'export OS_IDENTITY_API_VERSION=3',
    'export OS_USERNAME=admin',
    'export OS_PASSWORD=admin',
    'export OS_PROJECT_NAME=admin',
    'export OS_USER_DOMAIN_NAME=Default',
    'export OS_PROJECT_DOMAIN_NAME=Default',
    `export OS_REGION_NAME=${site}`,
    'export OS_INTERFACE=public',
    '',
  ].join('\n');
}

const USAGE = 'usage: msh up <scenario.yaml> [--workloads [--duration D]]';

/** Ops per workload process and outcome, e.g. `calls@users/client: 40 ok, 2 fail`. */
export function workloadSummary(events: readonly OpEvent[]): string[] {
  const by = new Map<string, Map<string, number>>();
  for (const e of events) {
    if (e.type === 'invoke') continue;
    const m = by.get(e.process) ?? new Map<string, number>();
    m.set(e.type, (m.get(e.type) ?? 0) + 1);
    by.set(e.process, m);
  }
  return [...by].sort(([a], [b]) => a.localeCompare(b)).map(([p, m]) => `${p}: ${['ok', 'fail', 'info'].filter((t) => m.has(t)).map((t) => `${m.get(t)} ${t}`).join(', ')}`);
}

/**
 * The scenario's workloads on the topology left up, for `durationMs`, into
 * its history with the VNFs' events; then the scenario's checks judge that
 * history, faults injected by hand meanwhile included (other processes
 * append them to the same file), into a report under reports/by-hand/. The
 * WAN is captured while the workloads run when a check needs it, as in a run.
 */
async function runWorkloads(loaded: LoadedScenario, up: BroughtUp, docker: DockerRuntime, history: History, durationMs: number, io: Io, signal: AbortSignal): Promise<void> {
  const s = { ...loaded.scenario, duration: durationMs };
  // Ctrl-C interrupts the agents (their events so far kept); the session is judged as far as it went.
  const runtime = interruptible(docker, signal);
  const { plan } = up.d;
  const started = new Date();
  const outDir = join(PROJECT_ROOT, 'reports', 'by-hand', `${reportStamp(started)}-${plan.scenario}-${plan.runId}`);
  await mkdir(outDir, { recursive: true });
  const prepared = await prepareWorkloads(s, up.d, history);
  const capture = await captureForRun(s, plan, outDir);
  const t0 = now();
  history.append({ t: t0, kind: 'phase', phase: 'workload', detail: { durationMs } });
  println(io.stdout, `workloads: ${s.workload.map((w) => w.name).join(', ')} for ${(durationMs / 1000).toFixed(0)} s (msh fault ${plan.runId} ... meanwhile from another shell)`);
  const vnfs = followKeptVnfs(s, up.d, runtime, history, durationMs + AGENT_DRAIN_MS);
  await Promise.all(startWorkloads(s, up.d, runtime, history, prepared, up.overlays));
  if (!signal.aborted) await afterWorkloads(s, up.d, runtime, history, prepared);
  await vnfs;
  await capture?.record(history);
  history.append({ t: now(), kind: 'phase', phase: 'workload-done', ...(signal.aborted ? { detail: { aborted: true } } : {}) });
  for (const line of workloadSummary(history.events().filter((e): e is OpEvent => e.kind === 'op'))) println(io.stdout, `  ${line}`);

  const recorded = (await readHistoryFile(join(up.d.stateDir, 'history.jsonl'))).sort((a, b) => a.t - b.t);
  // Faults by hand are in the file (other processes appended them), not in this process's history.
  const events = [...recorded, ...captureProofs(recorded, plan)];
  await writeFile(join(outDir, 'history.jsonl'), events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  const result = { outDir, runId: plan.runId, ...judge(events, s, plan), aborted: signal.aborted, timings: { workloadMs: now() - t0 }, ...captureRecord(events, plan) };
  await writeReport(result, { ...loaded, scenario: s }, { seed: s.seed, started, finished: new Date() });
  const counts = ['pass', 'fail', 'unknown'].map((st) => `${result.verdicts.filter((v) => v.status === st).length} ${st}`).join(', ');
  println(io.stdout, `judged${signal.aborted ? ' (interrupted: as far as it went)' : ''}: ${counts}; faults by hand: ${result.faults.map((f) => `${f.fault} (${f.proven ? 'proven' : 'NOT proven'})`).join(', ') || 'none'}`);
  println(io.stdout, `report: ${join(outDir, 'report.html')}`);
}

export async function upCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { workloads: { type: 'boolean', default: false }, duration: { type: 'string' } } });
  if (positionals.length !== 1) throw new MshError('USAGE', USAGE);
  if (values.duration !== undefined && !values.workloads) throw new MshError('USAGE', `--duration is how long the workloads run: add --workloads (${USAGE})`);
  const durationMs = values.duration === undefined ? undefined : parseDuration(values.duration);
  if (durationMs === null || (durationMs !== undefined && durationMs <= 0)) throw new MshError('USAGE', `--duration ${values.duration}: a duration such as 30s or 5m`);
  const [loaded] = await loadAll(positionals);
  const abort = new AbortController();
  let bringingUp = true;
  // Interrupted while coming up: nothing is left half-up (bring-up runs to its
  // end first, so that nothing is created after the removal). Interrupted
  // during the workloads: the session is judged as far as it went, and the
  // topology stays up, as it would have after them.
  const onSignal = (sig: NodeJS.Signals) => {
    println(io.stderr, bringingUp ? `\n${sig}: removing this run once its bring-up settles` : `\n${sig}: stopping the workloads, judging what they recorded; the topology stays up`);
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await up(loaded!, values.workloads ? (durationMs ?? loaded!.scenario.duration) : undefined, io, abort.signal, () => (bringingUp = false));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function up(loaded: LoadedScenario, workloadsMs: number | undefined, io: Io, signal: AbortSignal, broughtUp: () => void): Promise<number> {
  const scenario = loaded.scenario;
  const plan = planTopology(scenario, newRunId());
  const runtime = new DockerRuntime();
  let stateDir: string | undefined;
  // The state first: a run starting meanwhile must see this one as kept, not as a dead run's dir to reap.
  await writeState(ownedState(plan, true));
  const history = openHistory(join(stateDirOf(plan.runId), 'history.jsonl'));
  const phase = (name: string, detail?: Record<string, unknown>) => {
    history.append({ t: now(), kind: 'phase', phase: name, ...(detail ? { detail } : {}) });
    println(io.stderr, `${name}${detail ? ` ${JSON.stringify(detail)}` : ''}`);
  };
  let up;
  let vnfs: { ok: boolean; vnfs: KeptVnf[] } | undefined;
  try {
    up = await bringUp(scenario, plan, runtime, history, { seed: scenario.seed, keep: true, phase, deployed: (d) => (stateDir = d.stateDir) });
    if (scenario.vnfs.length > 0 && !signal.aborted) {
      phase('vnf-start');
      await startKeptVnfs(scenario, up.attachments, up.d, runtime);
      // Not an error when none gets there: reproducing a VNF that never elects is a use of msh up.
      vnfs = await awaitKeptActives(scenario, up.d, runtime, VNF_SETTLE_MS);
      phase('vnf-roles', Object.fromEntries(vnfs.vnfs.map((v) => [v.vnf, v.roles])));
    }
  } catch (err) {
    // Nothing half-up is left behind: an engineer retries from clean.
    await destroyRun(runtime, plan.runId).catch(() => undefined);
    history.close();
    throw err;
  }
  await up.d.relay.close();
  if (signal.aborted) {
    const r = await destroyRun(runtime, plan.runId);
    history.close();
    println(io.stderr, `interrupted: run ${plan.runId} removed (${r.containers} containers, ${r.namespaces} namespaces)`);
    return 130;
  }
  broughtUp();
  const dir = stateDir!;
  // The run keeps its own copy of the scenario: `msh dr` and `msh fault` read it from there.
  await copyFile(loaded.file, join(dir, 'scenario.yaml'));
  println(io.stdout, `run ${plan.runId} (${plan.scenario}) is up in ${(up.ms / 1000).toFixed(1)} s; namespaces ${plan.prefix}-*; state ${dir}`);
  for (const s of plan.sites) {
    println(io.stdout, `site ${s.name}: subnet ${s.subnet}, gateway ${s.gateway}, router namespace ${s.ns}`);
    for (const n of s.nodes) println(io.stdout, `  ${n.ref}  ${n.address}/${n.prefix}  container ${n.container}  (docker exec -it ${n.container} bash)`);
    const ctl = s.nodes.find((n) => n.role === 'controller');
    const apis = ctl ? SITE_APIS.filter((a) => a.on(scenario, s.name)) : [];
    for (const a of apis) println(io.stdout, `  ${a.name}: http://${ctl!.address}:${a.port}${a.path}  (from the host: ${join(dir, 'sites', s.name, `${a.name}.sock`)})`);
    const rc = openrc(plan, scenario, s.name);
    if (rc && apis.length > 0) {
      const file = join(dir, `openrc-${s.name}`);
      await writeFile(file, rc);
      println(io.stdout, `  openrc: ${file}  (source it, then: ip netns exec ${s.ns} openstack ...)`);
    }
  }
  for (const l of plan.links) println(io.stdout, `link ${l.name}: ${l.a.site} ${l.a.address} <-> ${l.b.site} ${l.b.address}, vni ${l.vni}, ${l.baseline.latencyMs} ms each way`);
  for (const v of vnfs?.vnfs ?? []) {
    const active = Object.values(v.roles).includes('active');
    println(io.stdout, `vnf ${v.vnf}: ${rolesText(v)}${active ? '' : ` (no active member after ${VNF_SETTLE_MS / 1000} s)`}; events in ${KEPT_LOG_DIR}/${v.vnf}.jsonl of each member (msh logs ${plan.runId} <member>)`);
  }
  if (scenario.dr) println(io.stdout, `DR VNF ${scenario.dr.vnf}: ${scenario.dr.members} VMs in ${scenario.dr.primary}, option ${scenario.dr.option}; by hand: msh dr protect ${plan.runId} | msh dr failover ${plan.runId} --to ${scenario.dr.backup}`);
  if (workloadsMs !== undefined) {
    try {
      await runWorkloads(loaded, up, runtime, history, workloadsMs, io, signal);
    } finally {
      history.close();
    }
    println(io.stdout, `history: ${join(dir, 'history.jsonl')}`);
  } else history.close();
  println(io.stdout, `tear down with: msh down ${plan.runId}`);
  return signal.aborted ? 130 : 0;
}
