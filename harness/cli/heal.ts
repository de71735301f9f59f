// msh heal <run> [fault]: heal one fault injected by `msh fault`, or all of
// them, printing each heal's proof (re-derived from the kind: see
// harness/ops/hand-faults.ts) and recording it in the run's history.
import { join } from 'node:path';
import { faultEnv } from '../engine/schedule-faults.js';
import { openHistory } from '../observe/history.js';
import { healByHand, readHandFaults } from '../ops/hand-faults.js';
import { attachDeployment, openRun } from '../ops/run-handle.js';
import { MshError } from '../scenario/errors.js';
import { suggest } from '../scenario/suggest.js';
import { println, type Io } from './io.js';

export async function healCommand(args: string[], io: Io): Promise<number> {
  const [runId, name, ...extra] = args;
  if (runId === undefined || extra.length > 0) throw new MshError('USAGE', 'usage: msh heal <run> [fault]');
  const h = await openRun(runId);
  const all = await readHandFaults(h.dir);
  for (const k of all.filter((x) => x.permanent && (name === undefined || x.name === name))) println(io.stdout, `fault ${k.name} (${k.spec.kind}) has no heal: it lasts until msh down ${h.runId}`);
  const kept = all.filter((x) => !x.permanent);
  const todo = name === undefined ? kept : kept.filter((k) => k.name === name);
  if (name !== undefined && todo.length === 0 && !all.some((x) => x.name === name)) throw new MshError('USAGE', `no fault ${name} injected by hand in run ${h.runId}${suggest(name, kept.map((k) => k.name), 'faults')}`);
  if (todo.length === 0) {
    println(io.stdout, `run ${h.runId}: no fault injected by hand to heal`);
    return 0;
  }
  const history = openHistory(join(h.dir, 'history.jsonl'));
  const d = await attachDeployment(h);
  let ok = true;
  try {
    const env = faultEnv(d, h.runtime);
    for (const k of todo) {
      const proof = await healByHand(k, env, h.dir, history);
      ok &&= proof.ok;
      println(io.stdout, `fault ${k.name} (${k.spec.kind}) ${proof.ok ? 'healed' : 'HEAL NOT PROVEN'}: ${proof.summary}`);
    }
  } finally {
    history.close();
    await d.relay.close();
  }
  return ok ? 0 : 1;
}
