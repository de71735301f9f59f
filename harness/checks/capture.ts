// The WAN capture as evidence: a check that reads it gets the flows only if
// the capture can back a claim, in particular a claim that something did not
// cross (no identity packet, no backup packet outside its VNI). A missing
// capture, an empty one (the WAN always carries traffic in these scenarios,
// so empty means tcpdump saw nothing) or one with kernel drops cannot.
import type { CaptureEvent, HistoryEvent } from '../observe/history.js';

export type WanEvidence =
  | { readonly ok: true; readonly captures: readonly CaptureEvent[]; readonly flows: CaptureEvent['flows']; readonly packets: number }
  | { readonly ok: false; readonly why: string };

export function wanEvidence(h: readonly HistoryEvent[]): WanEvidence {
  const captures = h.filter((e): e is CaptureEvent => e.kind === 'capture');
  if (captures.length === 0) return { ok: false, why: 'no capture of the WAN was taken' };
  const flows = captures.flatMap((c) => c.flows);
  const packets = flows.reduce((n, f) => n + f.packets, 0);
  if (packets === 0) return { ok: false, why: 'the WAN capture holds no packet: tcpdump saw nothing, so it cannot show what did not cross' };
  const unaccounted = captures.filter((c) => !c.stats);
  if (unaccounted.length > 0) return { ok: false, why: 'tcpdump did not report its counters: kernel drops unknown' };
  const dropped = captures.reduce((n, c) => n + (c.stats?.droppedByKernel ?? 0), 0);
  if (dropped > 0) return { ok: false, why: `the kernel dropped ${dropped} packets from the WAN capture: what it missed may be what the check looks for` };
  return { ok: true, captures, flows, packets };
}
