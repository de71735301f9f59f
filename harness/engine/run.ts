// One scenario, end to end: plan, bring up, baseline, workload + faults,
// heal and compare, tear down, decide, report. Teardown always runs; the
// history is on disk as it happens; the report is written even when aborted.
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { runChecks, verdicts } from '../checks/run-checks.js';
import type { CheckResult, Verdict } from '../checks/verdict.js';
import { compareSnapshots, snapshot, type Snapshot } from '../observe/baseline.js';
import { now, openHistory, type HistoryEvent } from '../observe/history.js';
import { writeReport } from '../report/write.js';
import type { Runtime } from '../runtime/runtime.js';
import type { LoadedScenario } from '../scenario/load.js';
import { resolveSchedule } from '../scenario/schedule.js';
import { deploy, undeploy, type Deployment } from '../topology/deploy.js';
import { planTopology } from '../topology/plan.js';
import { destroyRun, staleRuns } from '../topology/state.js';
import { playFaults } from './schedule-faults.js';
import { sleepUntil } from './time.js';
import { AGENT_DRAIN_MS, startHeartbeat } from './workload.js';

export interface RunOptions {
  readonly outDir: string;
  readonly seed?: number;
  readonly signal?: AbortSignal;
  readonly onEvent?: (e: HistoryEvent) => void;
}

export interface RunResult {
  readonly outDir: string;
  readonly runId: string;
  readonly verdicts: readonly Verdict[];
  readonly checks: readonly CheckResult[];
  readonly aborted: boolean;
  readonly error?: string;
  readonly timings: Readonly<Record<string, number>>;
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
  let error: string | undefined;

  try {
    for (const stale of await staleRuns(runtime)) {
      const r = await destroyRun(runtime, stale.runId);
      phase('reaped-stale-run', { runId: stale.runId, ...r });
    }
    phase('bring-up', { runId, seed });
    let t = now();
    d = await deploy(plan, runtime, { seed, onStep: (step) => phase(`bring-up:${step}`) });
    timings.bringUpMs = now() - t;
    const pids = new Map(await Promise.all([...d.containers].map(async ([ref, id]) => [ref, await runtime.pid(id)] as const)));
    const before: Snapshot = await snapshot(d, pids);
    history.append({ t: now(), kind: 'baseline', type: 'snapshot', differences: [] });

    if (!signal.aborted) {
      phase('workload', { durationMs: scenario.duration });
      const t0 = now();
      const agents = scenario.workload.flatMap((w) => (w.kind === 'heartbeat' ? startHeartbeat(w, d!, runtime, scenario.duration, history) : []));
      await playFaults(sched.faults, t0, d, runtime, history, signal);
      await sleepUntil(t0 + scenario.duration + AGENT_DRAIN_MS, signal);
      if (!signal.aborted) await Promise.all(agents);
      timings.workloadMs = now() - t0;

      phase('verify-heal');
      const differences = compareSnapshots(before, await snapshot(d, pids));
      history.append({ t: now(), kind: 'baseline', type: 'compare', differences });
    }
  } catch (err) {
    error = (err as Error).message;
    phase('error', { message: error });
  } finally {
    phase('teardown');
    const t = now();
    if (d) await undeploy(d, runtime).catch(() => destroyRun(runtime, runId));
    else await destroyRun(runtime, runId);
    timings.teardownMs = now() - t;
    phase('done', { aborted: signal.aborted });
  }
  history.close();

  const checks = runChecks(history.events(), scenario, plan);
  const vs = verdicts(scenario, checks);
  const result: RunResult = { outDir: opts.outDir, runId, verdicts: vs, checks, aborted: signal.aborted, ...(error ? { error } : {}), timings };
  await writeReport(result, loaded, { seed, started, finished: new Date() });
  return result;
}

/** Exit status of a run: only pass for every decided requirement counts. */
export function passed(r: RunResult): boolean {
  return !r.aborted && r.error === undefined && r.verdicts.every((v) => v.status === 'pass' || v.status === 'skip') && r.verdicts.some((v) => v.status === 'pass');
}
