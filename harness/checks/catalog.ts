// The requirement catalog: every verdict traces to one of these entries, and
// every entry to the document and section it was taken from. IDs of the
// harness's own (WAN-*, HARNESS-*) trace to this project's docs, because a
// conformance verdict is only as good as the emulation under it.

export interface Requirement {
  readonly id: string;
  readonly title: string;
  readonly source: string; // file the statement comes from
  readonly section: string;
  readonly statement: string;
}

const HARNESS_DOC = 'docs/ARCHITECTURE.md';

export const CATALOG: readonly Requirement[] = [
  {
    id: 'WAN-FIDELITY',
    title: 'Emulated WAN delay matches what was injected',
    source: HARNESS_DOC,
    section: 'WAN emulation',
    statement:
      'Heartbeat round trips measured across an emulated link are within the stated tolerance of twice the configured one-way latency, in every phase of the run (baseline and each impairment).',
  },
  {
    id: 'WAN-PARTITION-GAP',
    title: 'A partition shows up as a heartbeat gap of its injected length',
    source: HARNESS_DOC,
    section: 'WAN emulation',
    statement:
      'For every partition fault, the longest gap in heartbeats received across the cut link is the injected duration within the stated tolerance (default 100 ms).',
  },
  {
    id: 'WAN-HEARTBEAT-CONTINUITY',
    title: 'No heartbeat is lost outside fault windows',
    source: HARNESS_DOC,
    section: 'WAN emulation',
    statement:
      'Outside fault windows (and a settling margin after each), no gap between consecutive heartbeats exceeds the stated number of intervals.',
  },
  {
    id: 'HARNESS-BASELINE-RESTORED',
    title: 'Faults heal back to the baseline',
    source: HARNESS_DOC,
    section: 'Faults',
    statement:
      'After every fault is healed, links, addresses, routes and relay settings equal the snapshot taken before the first fault.',
  },
];

const BY_ID = new Map(CATALOG.map((r) => [r.id, r]));

export function requirement(id: string): Requirement | undefined {
  return BY_ID.get(id);
}
