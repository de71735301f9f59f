// msh fault <run> <kind> [--name N] [--link L] [--site S] [--node N] ...:
// inject any fault kind of the registry by hand on a run left up by `msh up`.
// Options go through the kind's own schema and checks; the proof is printed
// and the start recorded in the run's history; a fault with a heal is kept
// for `msh heal` (harness/ops/hand-faults.ts says how each kind heals).
import { join } from 'node:path';
import { drSites } from '../engine/bring-up.js';
import { faultEnv } from '../engine/schedule-faults.js';
import { drRunner } from '../dr/runner.js';
import { openHistory } from '../observe/history.js';
import { checkAgainst, FAULT_KINDS, parseFaultArgs } from '../ops/fault-args.js';
import { injectByHand } from '../ops/hand-faults.js';
import { attachDeployment, openRun } from '../ops/run-handle.js';
import { MshError } from '../scenario/errors.js';
import { println, type Io } from './io.js';

const USAGE = `usage: msh fault <run> <kind> [--name N] [--link L] [--site S] [--node site/node] [--direction both|a-to-b|b-to-a] [--latency 100ms] [--loss 1%] ... (kinds: ${FAULT_KINDS.join(', ')})`;

export async function faultCommand(args: string[], io: Io): Promise<number> {
  const [runId, ...rest] = args;
  if (runId === undefined || rest.length === 0) throw new MshError('USAGE', USAGE);
  // Options first: a typo is reported without touching the run.
  const { spec } = parseFaultArgs(rest, 2);
  const h = await openRun(runId);
  checkAgainst(spec, h.scenario, rest.slice(1), 3);
  if (spec.kind === 'revoke-token' || spec.kind === 'rotate-keys') {
    throw new MshError('USAGE', `${spec.kind} acts on the token a run's tokens workload issued: it is played by msh run only, not by hand`);
  }
  const history = openHistory(join(h.dir, 'history.jsonl'));
  const d = await attachDeployment(h);
  try {
    // Only the DR kinds use the runner: others leave the VNF's sites alone.
    const drKind = spec.kind === 'dr-failover' || spec.kind === 'corrupt-data';
    const dr = drKind && h.scenario.dr ? drRunner(h.scenario.dr, await drSites(h.scenario, h.dir), history) : undefined;
    const env = faultEnv(d, h.runtime, undefined, dr);
    const { proof, heals } = await injectByHand(spec, env, h.dir, history);
    println(io.stdout, `fault ${spec.name} (${spec.kind}) ${proof.ok ? 'injected' : 'NOT PROVEN'}: ${proof.summary}`);
    println(io.stdout, heals ? `heal with: msh heal ${h.runId} ${spec.name}` : `${spec.kind} has no heal: it lasts until msh down ${h.runId}`);
    return proof.ok ? 0 : 1;
  } finally {
    history.close();
    await d.relay.close();
  }
}
