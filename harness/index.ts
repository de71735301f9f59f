// The library surface: load scenarios, plan, run, check, report.
export { loadScenario, parseScenario, type LoadedScenario } from './scenario/load.js';
export { scenarioSchema, scenarioJsonSchema, type Scenario } from './scenario/schema.js';
export { MshError, type Located } from './scenario/errors.js';
export { planTopology, type Plan } from './topology/plan.js';
export { runScenario, passed, type RunResult, type RunOptions } from './engine/run.js';
export { runChecks, verdicts } from './checks/run-checks.js';
export { CATALOG, requirement, type Requirement } from './checks/catalog.js';
export type { Verdict, Status, CheckResult } from './checks/verdict.js';
export type { HistoryEvent } from './observe/history.js';
export { DockerRuntime } from './runtime/docker.js';
export type { Runtime } from './runtime/runtime.js';
