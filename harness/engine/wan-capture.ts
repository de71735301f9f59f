// The WAN capture a scenario's checks need, for a run or a session by hand:
// started before the workloads, ended after them, and what it saw appended
// to the history (flows, tcpdump's counters, how long the WAN held each
// datagram when a check reads that, the identity HTTP that crossed).
import { join } from 'node:path';
import { checkKind } from '../checks/registry.js';
import { captureWan, decodeAs } from '../observe/capture.js';
import { now, type History, type HistoryEvent } from '../observe/history.js';
import type { CaptureRecord } from '../report/write.js';
import type { Scenario } from '../scenario/schema.js';
import { IDENTITY_PORT } from '../topology/identity.js';
import type { Plan } from '../topology/plan.js';

export const WAN_PCAP = 'wan.pcap';

export interface WanRecording {
  /** Ends the capture and appends what it saw to the history. */
  record(history: History): Promise<void>;
}

/** Starts capturing the WAN bridge into `outDir` if a check of the scenario needs it; undefined if none does. */
export async function captureForChecks(s: Scenario, plan: Plan, outDir: string): Promise<WanRecording | undefined> {
  const needs = s.checks.map((c) => checkKind(c.kind).needs);
  if (!needs.some((n) => n.capture || n.wire)) return undefined;
  const capture = await captureWan(plan.wanNs, join(outDir, WAN_PCAP), plan.wanGateway, plan.links);
  return {
    async record(history) {
      const { flows, stats, wire, identityHttp } = await capture.stop({ wire: needs.some((n) => n.wire), identityPort: IDENTITY_PORT });
      history.append({ t: now(), kind: 'capture', source: 'wan bridge', file: WAN_PCAP, flows, stats, ...(wire ? { wire } : {}), identityHttp });
    },
  };
}

/** What a result says of the capture its history holds: the file, and tshark's options to decode its links. */
export function captureRecord(events: readonly HistoryEvent[], plan: Plan): { capture?: CaptureRecord } {
  return events.some((e) => e.kind === 'capture') ? { capture: { file: WAN_PCAP, decodeAs: decodeAs(plan.links).join(' ') } } : {};
}
