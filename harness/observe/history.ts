// The run's single timeline. Every event is appended to history.jsonl the
// moment it happens (one write per line, no buffering), so a crash or a
// SIGKILL keeps everything recorded so far.
import { closeSync, openSync, writeSync } from 'node:fs';
import type { FaultTarget, Proof } from '../faults/kind.js';
import type { IdentityHttp } from './identity-http.js';
import type { WireFlow } from './wan-delay.js';

/** Wall-clock time in ms with sub-ms precision; all containers share this kernel clock. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

export type OpType = 'invoke' | 'ok' | 'fail' | 'info';

/** A workload operation (Jepsen's shape): who did what, and how it went. */
export interface OpEvent {
  readonly t: number;
  readonly kind: 'op';
  readonly process: string; // workload@site/node
  readonly type: OpType;
  readonly f: string;
  readonly value?: Readonly<Record<string, unknown>>;
}

/** A fault started or healed, with the proof the harness measured that it took (or was undone). */
export interface FaultEvent {
  readonly t: number; // start: when injecting began; heal: when healing began
  readonly kind: 'fault';
  readonly type: 'start' | 'heal';
  readonly fault: string;
  readonly faultKind: string;
  readonly target: FaultTarget;
  readonly proof: Proof;
  /** How long the injection or heal call took, ms. */
  readonly tookMs?: number;
}

/** The WAN capture's account of a fault's window, appended once the capture ended: a second proof, independent of the relay's own (FaultKind.byCapture). */
export interface FaultCaptureEvent {
  readonly t: number;
  readonly kind: 'fault-capture';
  readonly fault: string;
  readonly faultKind: string;
  /** Its injection's time (the fault event's `t`): which window of the fault it proves. */
  readonly injectedAt: number;
  readonly proof: Proof;
}

export interface PhaseEvent {
  readonly t: number;
  readonly kind: 'phase';
  readonly phase: string;
  readonly detail?: Readonly<Record<string, unknown>>;
}

/** Baseline state of the topology before faults, and its comparison after healing. */
export interface BaselineEvent {
  readonly t: number;
  readonly kind: 'baseline';
  readonly type: 'snapshot' | 'compare';
  readonly differences: readonly string[];
}

export interface LogEvent {
  readonly t: number;
  readonly kind: 'log';
  readonly source: string;
  readonly line: string;
}

/** What a packet capture saw, summarized when the capture ended. */
export interface CaptureEvent {
  readonly t: number;
  readonly kind: 'capture';
  readonly source: string; // where it was taken, e.g. "wan bridge"
  readonly file: string;
  readonly flows: readonly {
    readonly linkVni: number;
    readonly tenantVni: number | null;
    readonly proto: number;
    readonly port: number;
    readonly packets: number;
    readonly bytes: number;
  }[];
  /** tcpdump's counters at exit; null if it did not print them. */
  readonly stats: { readonly captured: number; readonly receivedByFilter: number; readonly droppedByKernel: number } | null;
  /** How long the relay held each datagram whose innermost packet is UDP, per link direction (observe/wan-delay.ts). */
  readonly wire?: readonly WireFlow[];
  /** The identity HTTP requests that crossed, and the packets of their connections (observe/identity-http.ts). */
  readonly identityHttp?: IdentityHttp;
}

export type HistoryEvent = OpEvent | FaultEvent | FaultCaptureEvent | PhaseEvent | BaselineEvent | LogEvent | CaptureEvent;

export interface History {
  append(e: HistoryEvent): void;
  events(): readonly HistoryEvent[];
  close(): void;
}

/** In-memory history mirrored to a JSONL file when a path is given. */
export function openHistory(path?: string, onEvent?: (e: HistoryEvent) => void): History {
  const fd = path === undefined ? undefined : openSync(path, 'a');
  const all: HistoryEvent[] = [];
  return {
    append(e) {
      all.push(e);
      if (fd !== undefined) writeSync(fd, JSON.stringify(e) + '\n');
      onEvent?.(e);
    },
    events: () => all,
    close() {
      if (fd !== undefined) closeSync(fd);
    },
  };
}

export function parseHistory(text: string): HistoryEvent[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as HistoryEvent);
}
