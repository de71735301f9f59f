// Faults injected by hand on a run left up (`msh fault`, `msh heal`). The
// injecting process exits, so a heal cannot be the kind's closure: what a
// heal needs is kept in <run dir>/faults/<name>.json and the heal is
// re-derived from the kind, measuring the same things the kind's own heal
// measures:
//   partition, impair: the link set back to its baseline in the relay, read
//     back, and the relay's counters over the window (from a snapshot taken
//     right after the injection) judged as the kind judges them;
//   pause-node: docker unpause, then the engine's state read back;
//   break-l2pop: the watcher's session killed in the controller, then the
//     entries it removed read from its log (nothing is restored, as in the kind);
//   leave-dirty: nothing undone on purpose, the device read back (as in the kind);
//   site-loss and the one-shot actions have no heal: nothing is kept.
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FaultEnv, Proof } from '../faults/kind.js';
import { faultKind, type FaultSpec } from '../faults/registry.js';
import { cutProof } from '../faults/kinds/partition.js';
import { impairProof } from '../faults/kinds/impair.js';
import { healProof as l2popHealProof, remoteEntries } from '../faults/kinds/break-l2pop.js';
import { dirtyProof } from '../faults/kinds/leave-dirty.js';
import { thaw } from '../faults/kinds/pause-node.js';
import { windowEffect } from '../faults/kinds/link-effect.js';
import { now, type History } from '../observe/history.js';
import { sameImpairment, type Impairment } from '../wan/impairment.js';
import type { LinkStats } from '../wan/control.js';

/** What is kept of a fault injected by hand until it is healed. */
export interface HandFault {
  readonly name: string;
  readonly spec: FaultSpec;
  readonly startedAt: number; // wall clock, ms (the history clock)
  readonly proof: Proof;
  /** No heal (site-loss): kept only so `msh ps` shows it; it lasts until `msh down`. */
  readonly permanent?: boolean;
  /** Link kinds: the relay's counters right after the injection, the start of the measured window. */
  readonly before?: LinkStats;
}

export const faultsDir = (runDir: string) => join(runDir, 'faults');

export async function readHandFaults(runDir: string): Promise<HandFault[]> {
  const files = (await readdir(faultsDir(runDir)).catch(() => [] as string[])).filter((f) => f.endsWith('.json')).sort();
  return Promise.all(files.map(async (f) => JSON.parse(await readFile(join(faultsDir(runDir), f), 'utf8')) as HandFault));
}

const failed = (what: string, err: unknown): Proof => ({ ok: false, summary: `${what} failed: ${(err as Error).message}`, measured: { error: (err as Error).message } });

function event(f: FaultSpec, type: 'start' | 'heal', t: number, proof: Proof) {
  return { t, kind: 'fault' as const, type, fault: f.name, faultKind: f.kind, target: faultKind(f).target(f), proof, tookMs: Math.round((now() - t) * 100) / 100 };
}

/** Inject now, record the start in the history, keep what the heal needs. */
export async function injectByHand(spec: FaultSpec, env: FaultEnv, runDir: string, history: History): Promise<{ proof: Proof; heals: boolean }> {
  const kind = faultKind(spec);
  const file = join(faultsDir(runDir), `${spec.name}.json`);
  const kept0 = await readHandFaults(runDir);
  if (kept0.some((h) => h.name === spec.name)) throw new Error(`a fault named ${spec.name} is already injected: heal it first (msh heal ${env.plan.runId} ${spec.name}) or pick another --name`);
  // As in a scenario, two faults may not act on one target at once: the second's heal would undo the first.
  const key = kind.target(spec).key;
  const clash = kept0.find((h) => faultKind(h.spec).target(h.spec).key === key);
  if (clash) throw new Error(`fault ${clash.name} (${clash.spec.kind}) already acts on ${key}: heal it first (msh heal ${env.plan.runId} ${clash.name})`);
  const started = now();
  let proof: Proof;
  try {
    proof = (await kind.inject(spec, env)).proof;
  } catch (err) {
    history.append(event(spec, 'start', started, failed('injection', err)));
    throw err;
  }
  history.append(event(spec, 'start', started, proof));
  if (kind.action) return { proof, heals: false };
  const before = spec.kind === 'partition' || spec.kind === 'impair' ? await env.linkStats(env.link(spec.link)) : undefined;
  const kept: HandFault = { name: spec.name, spec, startedAt: started, proof, ...(kind.heals ? {} : { permanent: true }), ...(before ? { before } : {}) };
  await mkdir(faultsDir(runDir), { recursive: true });
  await writeFile(file, JSON.stringify(kept, null, 2));
  return { proof, heals: kind.heals };
}

/** The heal of a kept fault, re-derived from its kind (see the head of this file). */
export async function healProofOf(h: HandFault, env: FaultEnv): Promise<Proof> {
  const f = h.spec;
  switch (f.kind) {
    case 'partition':
    case 'impair': {
      const link = env.link(f.link);
      const after = await env.linkStats(link);
      const windowMs = now() - h.startedAt;
      await env.setLink(link, link.baseline, link.baseline);
      const held = await env.linkSettings(link);
      const restored = sameImpairment(held.aToB, link.baseline) && sameImpairment(held.bToA, link.baseline);
      const effect = windowEffect(h.before ?? after, after);
      const names = { aToB: `${link.a.site}->${link.b.site}`, bToA: `${link.b.site}->${link.a.site}` };
      let judged: { ok: boolean; text: string }[];
      if (f.kind === 'partition') {
        const cut = { aToB: f.direction !== 'b-to-a', bToA: f.direction !== 'a-to-b' };
        judged = (['aToB', 'bToA'] as const).filter((d) => cut[d]).map((d) => cutProof(names[d], effect[d]));
      } else {
        const changed: Impairment = { latencyMs: f.latency ?? link.baseline.latencyMs, jitterMs: f.jitter ?? link.baseline.jitterMs, lossPct: f.loss ?? link.baseline.lossPct, bandwidthKbit: f.bandwidth ?? link.baseline.bandwidthKbit, down: false };
        const all = (['aToB', 'bToA'] as const).map((d) => impairProof(names[d], changed, effect[d], windowMs));
        // As the kind: one quiet direction is not a failure, a contradiction is.
        const contradicted = all.filter((j) => !j.ok && !j.text.includes('no packet crossed'));
        judged = [{ ok: contradicted.length === 0 && all.some((j) => j.ok), text: all.map((j) => j.text).join('; ') }];
      }
      const ok = restored && judged.every((j) => j.ok);
      const back = restored ? `${link.name} back to baseline (read back: ${link.baseline.latencyMs} ms, up)` : `${link.name} read back ${JSON.stringify(held)}, not its baseline`;
      return { ok, summary: [back, ...judged.map((j) => j.text)].join('; '), measured: { link: link.name, effect, restored: held, windowMs: Math.round(windowMs) } };
    }
    case 'pause-node':
      return thaw(env, f.node);
    case 'break-l2pop': {
      const ctl = env.plan.sites.find((s) => s.name === f.site)!.nodes.find((n) => n.role === 'controller')!;
      const id = env.container(ctl.ref);
      // The watcher runs as its own session (setsid); its `bridge monitor fdb` (matched
      // exactly, so not this shell's own command line) names the session to kill.
      // Exit 3: no watcher was running any more when the heal came.
      const kill = 'pgrep -x -f "bridge monitor fdb" >/dev/null || exit 3; me=$(ps -o sid= -p $$ | tr -d " "); for p in $(pgrep -x -f "bridge monitor fdb"); do s=$(ps -o sid= -p $p | tr -d " "); [ "$s" != 1 ] && [ "$s" != "$me" ] && kill -TERM -"$s" 2>/dev/null; done; sleep 0.2; ! pgrep -x -f "bridge monitor fdb" >/dev/null';
      const r = await env.runtime.exec(id, ['sh', '-c', kill]);
      const log = await env.runtime.exec(id, ['cat', `/tmp/msh-break-l2pop-${f.name}.log`]);
      return l2popHealProof(f.site, r.exitCode !== 3, r.exitCode !== 0 && r.exitCode !== 3, remoteEntries(log.stdout));
    }
    case 'leave-dirty': {
      const l = env.link(f.link);
      const ns = env.plan.sites.find((s) => s.name === l.a.site)!.ns;
      const st = (await env.deviceStates(ns, [l.a.device]))[l.a.device] ?? 'absent';
      return dirtyProof(l.a.site, l.a.device, st, true);
    }
    default:
      return { ok: false, summary: `${f.kind} has no heal by hand`, measured: {} };
  }
}

/** Heal one kept fault: its proof goes to the history, and it is forgotten. */
export async function healByHand(h: HandFault, env: FaultEnv, runDir: string, history: History): Promise<Proof> {
  const t = now();
  let threw = false;
  const proof = await healProofOf(h, env).catch((err: unknown) => ((threw = true), failed('healing', err)));
  history.append(event(h.spec, 'heal', t, proof));
  // A heal that could not act (relay or engine unreachable) is kept, so `msh heal` can retry it.
  if (!threw) await rm(join(faultsDir(runDir), `${h.name}.json`), { force: true });
  return proof;
}
