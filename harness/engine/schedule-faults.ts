// Plays the resolved fault schedule against a live deployment. Each fault is
// injected at its time and healed at its end, or at once when the run is
// aborted, so nothing stays broken.
import { inject, type FaultHooks } from '../faults/nemesis.js';
import { now, type History } from '../observe/history.js';
import type { Runtime } from '../runtime/runtime.js';
import { faultTarget, type TimedFault } from '../scenario/schedule.js';
import type { Deployment } from '../topology/deploy.js';
import { sleepUntil } from './time.js';

export async function playFaults(faults: readonly TimedFault[], t0: number, d: Deployment, runtime: Runtime, history: History, signal: AbortSignal, hooks: FaultHooks = {}): Promise<void> {
  await Promise.all(
    faults.map(async (tf) => {
      if (!(await sleepUntil(t0 + tf.startMs, signal))) return;
      const f = tf.fault;
      const base = { kind: 'fault' as const, fault: f.name, faultKind: f.kind, target: faultTarget(f) };
      let active;
      // The fault's time is when injecting began: its effect starts somewhere
      // within the call (a kill, a relay update, an API request), never before.
      const started = now();
      try {
        active = await inject(f, d, runtime, hooks);
      } catch (err) {
        history.append({ t: now(), ...base, type: 'start', did: { error: (err as Error).message } });
        history.append({ t: now(), ...base, type: 'heal', did: { error: 'never injected' } });
        return;
      }
      history.append({ t: started, ...base, type: 'start', did: { ...active.did, injectMs: Math.round((now() - started) * 100) / 100 } });
      if (!Number.isFinite(tf.endMs)) return; // lasts the rest of the run: no heal event
      await sleepUntil(t0 + tf.endMs, signal);
      const healed = await active.heal().catch((err: Error) => ({ error: err.message }));
      history.append({ t: now(), ...base, type: 'heal', did: healed });
    }),
  );
}
