// One scenario, end to end: plan, bring up, baseline, workload + faults,
// heal and compare, tear down, decide, report. Teardown always runs; the
// history is on disk as it happens; the report is written even when aborted.
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { runChecks, verdicts } from '../checks/run-checks.js';
import { faultWindows } from '../checks/series.js';
import { compareSnapshots, snapshot, type Snapshot } from '../observe/baseline.js';
import { now, openHistory, type HistoryEvent } from '../observe/history.js';
import { writeReport, type RunResult } from '../report/write.js';

export type { RunResult };
import type { Runtime } from '../runtime/runtime.js';
import type { LoadedScenario } from '../scenario/load.js';
import type { Scenario } from '../scenario/schema.js';
import { resolveSchedule } from '../scenario/schedule.js';
import { undeploy, type Deployment } from '../topology/deploy.js';
import { planTopology, type Plan } from '../topology/plan.js';
import { destroyRun, staleRuns } from '../topology/state.js';
import { faultEnv, playFaults } from './schedule-faults.js';
import { sleepUntil } from './time.js';
import { AGENT_DRAIN_MS, runAgent } from './workload.js';
import { awaitActives, startVnfs } from './ha.js';
import { afterWorkloads, prepareWorkloads, startWorkloads } from './workloads.js';
import { probeFreshTokens } from './tokens.js';
import { rotateFernetKeys } from '../topology/identity.js';
import { captureForRun, captureProofs, captureRecord } from './wan-capture.js';
import { join } from 'node:path';
import type { DrRunner } from '../dr/runner.js';
import { bringUp } from './bring-up.js';

const noToken = async (): Promise<never> => {
  throw new Error('no token to revoke: the scenario has no tokens workload');
};

/** How long VNF members get to elect an active before the workload starts. */
export const VNF_SETTLE_MS = 5000;

export interface RunOptions {
  readonly outDir: string;
  readonly seed?: number;
  readonly signal?: AbortSignal;
  readonly onEvent?: (e: HistoryEvent) => void;
}


export function newRunId(): string {
  return randomBytes(3).toString('hex');
}

export async function runScenario(loaded: LoadedScenario, runtime: Runtime, opts: RunOptions): Promise<RunResult> {
  const { scenario } = loaded;
  const signal = opts.signal ?? new AbortController().signal;
  const seed = opts.seed ?? scenario.seed;
  const runId = newRunId();
  const plan = planTopology(scenario, runId);
  const sched = resolveSchedule(scenario.faults);
  if (!sched.ok) throw new Error(sched.message); // the loader already rejected this

  await mkdir(opts.outDir, { recursive: true });
  const history = openHistory(`${opts.outDir}/history.jsonl`, opts.onEvent);
  const phase = (name: string, detail?: Record<string, unknown>) => history.append({ t: now(), kind: 'phase', phase: name, ...(detail ? { detail } : {}) });
  const timings: Record<string, number> = {};
  const started = new Date();
  let d: Deployment | undefined;
  let dr: DrRunner | undefined;
  let error: string | undefined;

  try {
    for (const stale of await staleRuns(runtime)) {
      const r = await destroyRun(runtime, stale.runId);
      phase('reaped-stale-run', { runId: stale.runId, ...r });
    }
    phase('bring-up', { runId, seed });
    const up = await bringUp(scenario, plan, runtime, history, { seed, phase, deployed: (x) => (d = x) });
    d = up.d;
    dr = up.dr;
    const { attachments, overlays } = up;
    timings.bringUpMs = up.ms;
    const pids = new Map(await Promise.all([...d.containers].map(async ([ref, id]) => [ref, await runtime.pid(id)] as const)));
    const before: Snapshot = await snapshot(d, pids);
    history.append({ t: now(), kind: 'baseline', type: 'snapshot', differences: [] });

    if (scenario.vnfs.length > 0 && !signal.aborted) {
      phase('vnf-start');
      startVnfs(scenario, attachments, d, (c, agent, args, process) => runAgent(runtime, c, agent, args, process, history), VNF_SETTLE_MS + scenario.duration + AGENT_DRAIN_MS);
      if (!(await awaitActives(scenario, history, VNF_SETTLE_MS, signal))) throw new Error(`no VNF member became active within ${VNF_SETTLE_MS} ms`);
    }
    const prepared = await prepareWorkloads(scenario, d, history);
    const capture = await captureForRun(scenario, plan, opts.outDir);

    if (!signal.aborted) {
      phase('workload', { durationMs: scenario.duration });
      const t0 = now();
      const dep = d; // narrowed for the closures below
      const agents = startWorkloads(scenario, dep, runtime, history, prepared, overlays);
      const drStop = new AbortController();
      const protecting = dr?.protect(t0, t0 + scenario.duration, drStop.signal);
      await playFaults(sched.faults, t0, faultEnv(dep, runtime, { revoke: prepared.tokens?.revoke ?? noToken, rotate: async (site, all) => {
          const r = await rotateFernetKeys(dep, site, all);
          await probeFreshTokens(dep, history, site);
          return r;
        } }, dr), history, signal);
      await sleepUntil(t0 + scenario.duration, signal);
      drStop.abort();
      await protecting;
      await sleepUntil(t0 + scenario.duration + AGENT_DRAIN_MS, signal);
      if (!signal.aborted) await Promise.all(agents);
      if (!signal.aborted) await afterWorkloads(scenario, dep, runtime, history, prepared);
      timings.workloadMs = now() - t0;
    }
    // The guests' own events (their files outlive a lost site: the run dir is the host's).
    if (dr) for (const e of await dr.guestEvents()) history.append({ t: e.t, kind: 'op', process: e.process, type: 'info', f: e.f, value: e.value });
    await capture?.record(history);
    for (const e of captureProofs(history.events(), plan)) history.append(e);

    if (!signal.aborted) {
      phase('verify-heal');
      // Nodes lost on purpose (site loss) are out of the comparison, and say so.
      const alive = new Map<string, number>();
      for (const [ref, pid] of pids) if (await runtime.pid(d.containers.get(ref)!).then(() => true, () => false)) alive.set(ref, pid);
      const lost = [...pids.keys()].filter((ref) => !alive.has(ref));
      const gone = lost.flatMap((ref) => {
        const n = plan.sites.flatMap((x) => x.nodes).find((x) => x.ref === ref)!;
        return [`node ${ref} `, `site ${n.site} if ${n.hostVeth}`]; // the node, and its veth's host end
      });
      const keep = (snap: Snapshot) => Object.fromEntries(Object.entries(snap).filter(([k]) => !gone.some((g) => k.startsWith(g))));
      const differences = compareSnapshots(keep(before), keep(await snapshot(d, alive)));
      history.append({ t: now(), kind: 'baseline', type: 'compare', differences });
      if (lost.length > 0) phase('verify-heal:excluded-lost-nodes', { lost });
    }
  } catch (err) {
    error = (err as Error).message;
    phase('error', { message: error });
  } finally {
    phase('teardown');
    const t = now();
    if (d) await keepSiteLogs(d.stateDir, opts.outDir);
    if (d) await undeploy(d, runtime).catch(() => destroyRun(runtime, runId));
    else await destroyRun(runtime, runId);
    timings.teardownMs = now() - t;
    phase('done', { aborted: signal.aborted });
  }
  history.close();

  const events = history.events();
  const result: RunResult = { outDir: opts.outDir, runId, ...judge(events, scenario, plan), aborted: signal.aborted, ...(error ? { error } : {}), timings, ...captureRecord(events, plan) };
  await writeReport(result, loaded, { seed, started, finished: new Date() });
  return result;
}

/** What a history shows: each check's result, the verdicts, and every fault with its proof (a run's, or a session's by hand). */
export function judge(events: readonly HistoryEvent[], scenario: Scenario, plan: Plan): Pick<RunResult, 'verdicts' | 'checks' | 'faults'> {
  const checks = runChecks(events, scenario, plan);
  const faults = faultWindows(events).map((f) => ({ fault: f.fault, kind: f.faultKind, target: f.target.key, proven: f.proven, proof: f.proof }));
  return { verdicts: verdicts(scenario, checks), checks, faults };
}

/** The site services' logs go into the report before teardown deletes the run dir: why an API failed is in them. */
async function keepSiteLogs(stateDir: string, outDir: string): Promise<void> {
  const sites = await readdir(join(stateDir, 'sites')).catch(() => [] as string[]);
  for (const site of sites) {
    for (const f of ['services.log', 'services.out']) {
      await mkdir(join(outDir, 'sites', site), { recursive: true });
      await copyFile(join(stateDir, 'sites', site, f), join(outDir, 'sites', site, f)).catch(() => undefined);
    }
  }
}

/** Exit status of a run: every fault proven, and pass for every decided requirement. */
export function passed(r: RunResult): boolean {
  return !r.aborted && r.faults.every((f) => f.proven) && r.error === undefined && r.verdicts.every((v) => v.status === 'pass' || v.status === 'skip') && r.verdicts.some((v) => v.status === 'pass');
}
