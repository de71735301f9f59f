// HA-REMOTE-PORT-L2POP: the remote-port workload drives the site's network
// API through create, show (the VTEP read back), update (a new VTEP) and
// delete; after each step the controller's kernel must hold the port's FDB,
// flooding and ARP-proxy entries exactly while the port exists. Every API
// step must have succeeded: a failed step fails the check, a step never
// reached leaves it unknown.
import { z } from 'zod';
import type { OpEvent } from '../../observe/history.js';
import type { Checker } from '../context.js';
import type { CheckKind, SpecOf } from '../kind.js';
import { checkFields, workload } from '../options.js';

const options = z.strictObject({
  ...checkFields('remote-port-fdb'),
  workload: workload('remote-port-crud'),
});

/** The API steps the workload takes, in order; each must answer ok. */
export const STEPS = ['create', 'show', 'vtep-query', 'update', 'delete'] as const;

export interface Observation {
  readonly step: string;
  readonly portExists: boolean;
  readonly mac: boolean;
  readonly flood: boolean;
  readonly neigh: boolean;
}

const check: Checker<SpecOf<typeof options>> = (h, ctx) => {
  const w = ctx.scenario.workload.find((x) => x.kind === 'remote-port-crud' && (!ctx.spec.workload || x.name === ctx.spec.workload));
  if (!w) throw new Error(`check ${ctx.spec.name} has no remote-port-crud workload to read`);
  const mine = h.filter((e): e is OpEvent => e.kind === 'op' && e.process === `${w.name}@harness`);
  const answers = mine.filter((e) => e.type === 'ok' || e.type === 'fail');
  const failed = answers.filter((e) => e.type === 'fail' && (STEPS as readonly string[]).includes(e.f));
  const reached = STEPS.filter((s) => answers.some((e) => e.f === s && e.type === 'ok'));
  const seen = mine.filter((e) => e.f === 'fdb').map((e) => e.value as unknown as Observation);
  const wrong = seen.filter((x) => (x.portExists ? !(x.mac && x.flood && x.neigh) : x.mac || x.flood || x.neigh));
  const evidence = { steps: STEPS.map((s) => ({ step: s, answer: answers.find((e) => e.f === s)?.type ?? null })), observations: seen };
  const state = (x: Observation) => `after ${x.step}: port ${x.portExists ? 'exists' : 'gone'}, fdb ${x.mac ? 'present' : 'absent'}, flood ${x.flood ? 'present' : 'absent'}, neigh ${x.neigh ? 'present' : 'absent'}`;
  if (failed.length > 0) {
    const why = failed.map((e) => `${e.f}: ${String(e.value?.error ?? (e.f === 'vtep-query' ? `binding:vtep_ip read back ${String(e.value?.got)}, expected ${String(e.value?.expected)}` : 'failed'))}`);
    return { status: 'fail', summary: `${failed.length} API step(s) failed: ${why.join('; ')}`, evidence };
  }
  if (wrong.length > 0) return { status: 'fail', summary: `${wrong.length} of ${seen.length} observations disagree: ${wrong.slice(0, 2).map(state).join('; ')}`, evidence };
  const missing = STEPS.filter((s) => !reached.includes(s));
  if (missing.length > 0 || seen.length === 0) {
    return { status: 'unknown', summary: `the workload never completed ${missing.join(', ') || 'any FDB observation'}: ${seen.length} FDB observations`, evidence };
  }
  return { status: 'pass', summary: `every API step answered (${STEPS.join(', ')}); FDB, flood and ARP-proxy entries followed the remote port through ${seen.length} observations`, evidence };
};

export const remotePortFdb: CheckKind<typeof options> = {
  options,
  requirements: ['HA-REMOTE-PORT-L2POP'],
  needs: { workloads: ['remote-port-crud'] },
  check,
};
