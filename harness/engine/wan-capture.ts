// The WAN capture a scenario's checks and fault proofs need, for a run or a
// session by hand: started before the workloads, ended after them, and what
// it saw appended to the history (flows, tcpdump's counters, how long the
// WAN held each datagram when a check or a fault kind reads that, the
// identity HTTP that crossed). Then each fault whose kind can be checked on
// the capture gets its second proof (captureProofs).
import { join } from 'node:path';
import { checkKind } from '../checks/registry.js';
import { faultWindows } from '../checks/series.js';
import { faultKindNamed } from '../faults/registry.js';
import { captureWan, decodeAs } from '../observe/capture.js';
import { now, type FaultCaptureEvent, type History, type HistoryEvent } from '../observe/history.js';
import type { CaptureRecord } from '../report/write.js';
import type { Scenario } from '../scenario/schema.js';
import { IDENTITY_PORT } from '../topology/identity.js';
import type { Plan } from '../topology/plan.js';

export const WAN_PCAP = 'wan.pcap';

export interface WanRecording {
  /** Ends the capture and appends what it saw to the history. */
  record(history: History): Promise<void>;
}

/** Starts capturing the WAN bridge into `outDir` if a check or a fault of the scenario reads it; undefined if none does. */
export async function captureForRun(s: Scenario, plan: Plan, outDir: string): Promise<WanRecording | undefined> {
  const needs = s.checks.map((c) => checkKind(c.kind).needs);
  const wire = needs.some((n) => n.wire) || s.faults.some((f) => faultKindNamed(f.kind)?.byCapture !== undefined);
  if (!wire && !needs.some((n) => n.capture)) return undefined;
  const capture = await captureWan(plan.wanNs, join(outDir, WAN_PCAP), plan.wanGateway, plan.links);
  return {
    async record(history) {
      const seen = await capture.stop({ wire, identityPort: IDENTITY_PORT });
      history.append({ t: now(), kind: 'capture', source: 'wan bridge', file: WAN_PCAP, flows: seen.flows, stats: seen.stats, ...(seen.wire ? { wire: seen.wire } : {}), identityHttp: seen.identityHttp });
    },
  };
}

/**
 * The capture's second proof of each fault whose kind has one
 * (FaultKind.byCapture), over its window (to the end of the capture when it
 * never healed), from a history whose capture paired the datagrams; none
 * where the capture saw too little of a fault's window.
 */
export function captureProofs(events: readonly HistoryEvent[], plan: Plan): FaultCaptureEvent[] {
  const wire = events.flatMap((e) => (e.kind === 'capture' ? (e.wire ?? []) : []));
  if (wire.length === 0) return [];
  return faultWindows(events).flatMap((w) => {
    const proof = faultKindNamed(w.faultKind)?.byCapture?.(w.measured, w.end, wire, plan);
    return proof ? [{ t: now(), kind: 'fault-capture' as const, fault: w.fault, faultKind: w.faultKind, injectedAt: w.injectedAt, proof }] : [];
  });
}

/** What a result says of the capture its history holds: the file, and tshark's options to decode its links. */
export function captureRecord(events: readonly HistoryEvent[], plan: Plan): { capture?: CaptureRecord } {
  return events.some((e) => e.kind === 'capture') ? { capture: { file: WAN_PCAP, decodeAs: decodeAs(plan.links).join(' ') } } : {};
}
