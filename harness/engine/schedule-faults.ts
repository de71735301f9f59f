// Plays the resolved fault schedule against a live deployment. Each fault is
// injected at its time and healed at its end, or at once when the run is
// aborted, so nothing stays broken. Every start and heal is recorded with
// the proof its kind measured; an injection that throws is recorded as an
// unproven fault, never as a normal window.
import { deviceStates, inNs } from '../net/ip.js';
import type { DrActions, FaultEnv, IdentityActions, Proof } from '../faults/kind.js';
import { faultKind } from '../faults/registry.js';
import { now, type History } from '../observe/history.js';
import { faultTarget, type TimedFault } from '../scenario/schedule.js';
import type { Runtime } from '../runtime/runtime.js';
import { linkConfig, type Deployment } from '../topology/deploy.js';
import { sleepUntil } from './time.js';

const failed = (what: string, err: unknown): Proof => ({ ok: false, summary: `${what} failed: ${(err as Error).message}`, measured: { error: (err as Error).message } });
const took = (since: number) => Math.round((now() - since) * 100) / 100;

export async function playFaults(faults: readonly TimedFault[], t0: number, env: FaultEnv, history: History, signal: AbortSignal): Promise<void> {
  await Promise.all(
    faults.map(async (tf) => {
      if (!(await sleepUntil(t0 + tf.startMs, signal))) return;
      const f = tf.fault;
      const base = { kind: 'fault' as const, fault: f.name, faultKind: f.kind, target: faultTarget(f) };
      // The fault's time is when injecting began: its effect starts somewhere
      // within the call (a kill, a relay update, an API request), never before.
      const started = now();
      let injected;
      try {
        injected = await faultKind(f).inject(f, env);
      } catch (err) {
        history.append({ t: started, ...base, type: 'start', proof: failed('injection', err), tookMs: took(started) });
        history.append({ t: now(), ...base, type: 'heal', proof: { ok: false, summary: 'never injected', measured: {} } });
        return;
      }
      history.append({ t: started, ...base, type: 'start', proof: injected.proof, tookMs: took(started) });
      if (!injected.heal || !Number.isFinite(tf.endMs)) return; // lasts the rest of the run: no heal event
      await sleepUntil(t0 + tf.endMs, signal);
      const healing = now();
      const proof = await injected.heal().catch((err: unknown) => failed('healing', err));
      history.append({ t: healing, ...base, type: 'heal', proof, tookMs: took(healing) });
    }),
  );
}

/** The narrow handles a fault kind may use, over a live deployment. */
export function faultEnv(d: Deployment, runtime: Runtime, identity?: IdentityActions, dr?: DrActions): FaultEnv {
  return {
    plan: d.plan,
    runtime,
    container: (ref) => {
      const id = d.containers.get(ref);
      if (!id) throw new Error(`node ${ref} has no container in this run`);
      return id;
    },
    link: (name) => {
      const l = d.plan.links.find((x) => x.name === name);
      if (!l) throw new Error(`link ${name} is not in this run's plan`);
      return l;
    },
    setLink: async (l, a, b) => {
      await d.relay.set(linkConfig(d.plan, l, a, b));
    },
    linkSettings: async (l) => {
      const c = (await d.relay.get())[l.name];
      if (!c) throw new Error(`the relay holds no settings for link ${l.name}`);
      return { aToB: c.aToB, bToA: c.bToA };
    },
    linkStats: async (l) => {
      const s = (await d.relay.stats())[l.name];
      if (!s) throw new Error(`the relay has no counters for link ${l.name}`);
      return s;
    },
    setDown: (ns, devs) => inNs(ns, devs.map((d) => `link set ${d} down`)),
    deviceStates,
    ...(identity ? { identity } : {}),
    ...(dr ? { dr } : {}),
  };
}
