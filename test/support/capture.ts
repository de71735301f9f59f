// WAN capture events for literal histories, as the engine records them.
import type { CaptureEvent, HistoryEvent } from '../../harness/observe/history.js';
import type { WireFlow } from '../../harness/observe/wan-delay.js';

type Flow = Partial<CaptureEvent['flows'][number]> & { port: number; packets: number };

/** A capture of `flows` (link VNI 1000, UDP unless said, 100 bytes a packet unless said) with tcpdump's counters: no kernel drop unless given. */
export function wanCapture(flows: readonly Flow[], o: { stats?: CaptureEvent['stats']; identityHttp?: CaptureEvent['identityHttp']; wire?: CaptureEvent['wire']; t?: number } = {}): HistoryEvent {
  const full = flows.map((f) => ({ linkVni: 1000, tenantVni: null, proto: 17, bytes: f.packets * 100, ...f }));
  const n = full.reduce((m, f) => m + f.packets, 0);
  return {
    t: o.t ?? 1,
    kind: 'capture',
    source: 'wan bridge',
    file: 'wan.pcap',
    flows: full,
    stats: o.stats === undefined ? { captured: n, receivedByFilter: n, droppedByKernel: 0 } : o.stats,
    ...(o.identityHttp ? { identityHttp: o.identityHttp } : {}),
    ...(o.wire ? { wire: o.wire } : {}),
  };
}

/** The relay's hold times of a heartbeat (UDP port 7000 unless said, routed: no tenant VNI) on one direction of a link (VNI 1000: the first link). */
export function wireFlow(dir: WireFlow['dir'], samples: [number, number][], o: { linkVni?: number; port?: number; proto?: number } = {}): WireFlow {
  return { linkVni: o.linkVni ?? 1000, dir, tenantVni: null, proto: o.proto ?? 17, port: o.port ?? 7000, samples, unmatched: 0, dropped: 0 };
}
