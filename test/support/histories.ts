// Literal histories for checker tests: what a heartbeat run would record,
// generated from a simple model of the link, with no cluster.
import type { HistoryEvent } from '../../harness/observe/history.js';
import { wanCapture, wireFlow } from './capture.js';
import { fault } from './faults.js';

export interface Window {
  fault: string;
  faultKind: 'partition' | 'impair';
  link: string;
  start: number;
  end: number;
  /** The impairment per direction, as the kind records it. */
  applied: Record<string, unknown>;
}

export interface HeartbeatModel {
  durationMs: number;
  intervalMs: number;
  /** one-way delay of a packet sent at t in a direction ('ab' east->west), or null if dropped */
  delay: (t: number, dir: 'ab' | 'ba') => number | null;
  windows?: Window[];
  /** What the endpoints add to each one-way delay the heartbeats measure, on top of the link's (default 0): the capture does not see it. */
  endpointMs?: number;
  /** Record no WAN capture (a run without one). */
  noCapture?: boolean;
}


/** Heartbeats of workload "hb" between east/hb and west/hb, as the agents would print them. */
export function heartbeatHistory(m: HeartbeatModel): HistoryEvent[] {
  const ev: HistoryEvent[] = [];
  const procs = { ab: ['hb@east/hb', 'hb@west/hb'], ba: ['hb@west/hb', 'hb@east/hb'] } as const;
  const wire = { ab: [] as [number, number][], ba: [] as [number, number][] };
  const e = m.endpointMs ?? 0;
  for (const dir of ['ab', 'ba'] as const) {
    const [sender, receiver] = procs[dir];
    const back = dir === 'ab' ? 'ba' : 'ab';
    for (let seq = 1, t = 0; t < m.durationMs; seq++, t += m.intervalMs) {
      ev.push({ t, kind: 'op', process: sender, type: 'invoke', f: 'send', value: { seq } });
      const d1 = m.delay(t, dir);
      if (d1 === null) continue;
      wire[dir].push([t, d1]);
      ev.push({ t: t + d1 + e, kind: 'op', process: receiver, type: 'info', f: 'recv', value: { seq, delayMs: d1 + e } });
      const d2 = m.delay(t + d1, back);
      if (d2 === null) continue;
      wire[back].push([t + d1 + e, d2]);
      ev.push({ t: t + d1 + d2 + 2 * e, kind: 'op', process: sender, type: 'ok', f: 'ack', value: { seq, rttMs: d1 + d2 + 2 * e } });
    }
  }
  for (const w of m.windows ?? []) ev.push(...fault({ kind: w.faultKind, link: w.link }, w.start, w.end, { name: w.fault, measured: w.applied }));
  if (!m.noCapture) ev.push(wanCapture([], { wire: [wireFlow('aToB', wire.ab), wireFlow('bToA', wire.ba)], t: m.durationMs + 1 }));
  return ev.sort((a, b) => a.t - b.t);
}

export const imp = (latencyMs: number, down = false) => ({ latencyMs, jitterMs: 0, lossPct: 0, bandwidthKbit: null, down });

export interface ValidationModel {
  regions: readonly string[];
  everyMs: number;
  durationMs: number;
  latencyMs: number;
  /** HTTP status of the validation sent at t in a region (200 = accepted). */
  status: (region: string, t: number) => number;
}

/** Validations of workload "tokens" in each region, as the tokens agent prints them. */
export function validationHistory(m: ValidationModel): HistoryEvent[] {
  const ev: HistoryEvent[] = [];
  for (const region of m.regions) {
    for (let n = 0, t = 0; t < m.durationMs; n++, t += m.everyMs) {
      const s = m.status(region, t);
      ev.push({ t, kind: 'op', process: `tokens@${region}`, type: 'invoke', f: 'validate', value: { n } });
      ev.push({ t: t + m.latencyMs, kind: 'op', process: `tokens@${region}`, type: s === 200 ? 'ok' : 'fail', f: 'validate', value: { n, status: s, latencyMs: m.latencyMs } });
    }
  }
  return ev;
}
