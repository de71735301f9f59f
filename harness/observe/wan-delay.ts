// How long the emulated WAN held each datagram, read from the capture on the
// WAN bridge. The relay forwards a datagram's payload as it came, so the copy
// arriving from one site and the copy leaving towards the other carry the
// same bytes; the time between the two kernel timestamps is the link's
// one-way delay, free of both endpoints' overhead and independent of the
// relay's own account. A run pairs only datagrams whose innermost packet is
// UDP (`innermostUdp`): their bytes (sequence numbers, IP IDs) tell them
// apart, while a bulk TCP flow would add thousands of samples no check
// reads; `msh capture` pairs everything on its one link.
import { readPcap, udpOf, UDP } from './pcap.js';
import { innermost, type Innermost } from './wan-traffic.js';

export type LinkDir = 'aToB' | 'bToA';

/** A link as the relay serves it: side a's datagrams arrive on a.relayPort and leave from b.relayPort, and vice versa. */
export interface WireLink {
  readonly vni: number;
  readonly a: { readonly relayPort: number };
  readonly b: { readonly relayPort: number };
}

export interface WireFlow {
  readonly linkVni: number;
  readonly dir: LinkDir;
  readonly tenantVni: number | null;
  readonly proto: number; // innermost IP protocol
  readonly port: number; // innermost UDP or TCP port, the lower of the two (0 for others)
  /** Per datagram forwarded: [when it reached the relay (ms since the epoch), how long until it left (ms)]. */
  readonly samples: [number, number][];
  /** Datagrams that reached the relay and never left it while the capture ran (lost, cut, or still held at the end). */
  unmatched: number;
  /** Forwarded datagrams beyond MAX_WIRE_SAMPLES, not kept. */
  dropped: number;
}

/** Per flow: 20/s for over 15 minutes; a flow busier than that is not a heartbeat. */
export const MAX_WIRE_SAMPLES = 20_000;

const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** Which datagrams a run pairs: those whose innermost packet is UDP. */
export const innermostUdp = (i: Innermost) => i.proto === UDP;

export function wireDelays(pcap: Buffer, relay: string, links: readonly WireLink[], keep: (i: Innermost) => boolean = innermostUdp): WireFlow[] {
  const inbound = new Map<number, { vni: number; dir: LinkDir }>();
  const outbound = new Map<number, { vni: number; dir: LinkDir }>();
  for (const l of links) {
    inbound.set(l.a.relayPort, { vni: l.vni, dir: 'aToB' }).set(l.b.relayPort, { vni: l.vni, dir: 'bToA' });
    outbound.set(l.b.relayPort, { vni: l.vni, dir: 'aToB' }).set(l.a.relayPort, { vni: l.vni, dir: 'bToA' });
  }
  const flows = new Map<string, WireFlow>();
  // Arrivals not yet seen leaving, by their exact bytes: a FIFO per content.
  const held = new Map<string, { flow: WireFlow; times: number[] }>();
  for (const r of readPcap(pcap)) {
    const o = udpOf(r.data);
    if (!o || o.proto !== UDP) continue;
    const arriving = o.dst === relay;
    const side = arriving ? inbound.get(o.dport) : o.src === relay ? outbound.get(o.sport) : undefined;
    if (!side) continue;
    const i = innermost(o.payload);
    if (!i || !keep(i) || i.linkVni !== side.vni) continue;
    const fk = `${side.vni}/${side.dir}/${i.tenantVni}/${i.proto}/${i.port}`;
    const key = `${fk}/${r.wireLength}/${o.payload.toString('latin1')}`;
    if (arriving) {
      let flow = flows.get(fk);
      if (!flow) flows.set(fk, (flow = { linkVni: side.vni, dir: side.dir, tenantVni: i.tenantVni, proto: i.proto, port: i.port, samples: [], unmatched: 0, dropped: 0 }));
      const h = held.get(key);
      if (h) h.times.push(r.t);
      else held.set(key, { flow, times: [r.t] });
      continue;
    }
    const h = held.get(key);
    const tIn = h?.times.shift();
    if (!h || tIn === undefined) continue; // left without being seen arriving: the capture started meanwhile
    if (h.times.length === 0) held.delete(key);
    if (h.flow.samples.length < MAX_WIRE_SAMPLES) h.flow.samples.push([r3(tIn), r3(r.t - tIn)]);
    else h.flow.dropped += 1;
  }
  for (const h of held.values()) h.flow.unmatched += h.times.length;
  return [...flows.values()];
}
