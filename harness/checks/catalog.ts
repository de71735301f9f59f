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
const HA_SEED = 'seeds/VNF_high_availability_across_VIM.rst';
const ID_SEED = 'seeds/multisite-identity-service-management.rst';

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
      'For every partition fault, the longest gap in heartbeats received across the cut link is the injected duration plus one heartbeat interval (the expected gap of a periodic stream through a cut) within the stated tolerance (default 100 ms).',
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
  {
    id: 'HA-NEW-CALLS-1S',
    title: 'New calls are served again within 1 s of losing the active',
    source: HA_SEED,
    section: 'Description',
    statement:
      'With the active component\'s site lost (or cut off), the service keeps "the ability to make new calls": a new call set up after the fault succeeds within 1 s of it ("short time scales (<1s)").',
  },
  {
    id: 'HA-ONGOING-CALLS',
    title: 'Ongoing calls survive a failover with their state',
    source: HA_SEED,
    section: 'Description',
    statement:
      'Calls in progress when the active is lost keep going ("keeping up existing calls"): none dropped, their replicated state continues on the new active, and the media gap is at most 1 s.',
  },
  {
    id: 'HA-NO-SPLIT-BRAIN',
    title: 'The floating service IP is never held by two actives beyond one heartbeat timeout',
    source: HA_SEED,
    section: 'Analysis of requirements to OpenStack (3)',
    statement:
      'The external IP moves to the standby when the master fails (VRRP/GARP); under a partition, two components are never active (serving the same IP) for longer than one heartbeat timeout.',
  },
  {
    id: 'HA-BACKUP-L2-OVERLAY',
    title: 'Heartbeats and state replication cross sites on the L2 overlay',
    source: HA_SEED,
    section: 'Analysis of requirements to OpenStack (1)',
    statement:
      'The backup plane (heartbeat, state replication) between sites is an overlay L2 network: on the WAN its packets are VXLAN with the backup network\'s VNI, and none travel on the external plane.',
  },
  {
    id: 'HA-REMOTE-PORT-L2POP',
    title: 'Fake remote ports carry a VTEP and drive L2 population',
    source: HA_SEED,
    section: 'Proposed solution',
    statement:
      'A remote port representing a VM of another site can be created, read (with its VTEP IP), updated and deleted through the network API, and each of these programs L2 population so the FDB entry exists exactly while the port exists.',
  },
  {
    id: 'HA-OVERLAPPING-IP',
    title: 'VNFs with the same internal addresses work side by side',
    source: HA_SEED,
    section: 'Analysis of requirements to OpenStack (1b)',
    statement:
      'Overlay L2 backup planes support IP overlapping: two VNFs using the same internal addresses, each on its own overlay across the same sites, both elect an active and serve calls (at least 99 % of setups outside fault windows).',
  },
  {
    id: 'HA-L3-BACKUP',
    title: 'A routed (L3) backup plane across sites also supports failover',
    source: HA_SEED,
    section: 'Analysis of requirements to OpenStack (2)',
    statement:
      'With heartbeats and state replication routed between sites at L3 (no overlay) and the floating IP moved by GARP, losing the active site still gives new calls within 1 s.',
  },
  {
    id: 'HA-ACTIVE-ACTIVE',
    title: 'An active/active VNF keeps both services when one site is lost',
    source: HA_SEED,
    section: 'Description',
    statement:
      'A VNF designed as active/active across two sites (each member active for one service IP and standby for the other, state replicated both ways) serves new calls on both service IPs within 1 s of losing either site.',
  },
  {
    id: 'HA-NWAY',
    title: 'An N-way VNF (N >= 3) survives the loss of one site',
    source: HA_SEED,
    section: 'Description',
    statement:
      'A VNF designed as N-way across three or more sites keeps serving new and ongoing calls when the site of its active member is lost: the next member takes over within 1 s.',
  },
  {
    id: 'ID-VALIDATE-EVERYWHERE',
    title: 'A token issued through the one auth URL validates in every region',
    source: ID_SEED,
    section: 'Requirement analysis',
    statement:
      'A user authenticates once (one auth URL) and the token is accepted by the services of every region: at least 99 % of validations succeed in each region outside fault windows; latency per region is reported.',
  },
  {
    id: 'ID-LOCAL-VALIDATION',
    title: 'Token validation stays in the region',
    source: ID_SEED,
    section: 'Candidate solution analysis',
    statement:
      'In the distributed models, validating a token sends no packet across regions: zero identity packets on the WAN during validation, measured by capture (replication traffic is reported per 1000 validations).',
  },
  {
    id: 'ID-REVOCATION',
    title: 'A revoked token is rejected in every region within a measured window',
    source: ID_SEED,
    section: 'Candidate solution analysis',
    statement:
      'After a token is revoked in one region, every region rejects it within the limit (default 1 s); a region cut off from the others when the token is revoked, within the limit of rejoining, its whole window reported as a security exposure; a revoked token never rejected is a security finding.',
  },
  {
    id: 'ID-KEY-ROTATION',
    title: 'Fernet key rotation done right causes no failed validation',
    source: ID_SEED,
    section: 'Candidate solution analysis',
    statement:
      'Rotating the Fernet keys (the staged key distributed to every region before it is promoted) causes zero failed validations in every region; a rotation that is not distributed is reported with the regions and the window of failures.',
  },
  {
    id: 'ID-BAD-TOKENS-REJECTED',
    title: 'Forged, tampered, expired, revoked and wrong-key tokens are rejected in every region',
    source: ID_SEED,
    section: 'Candidate solution analysis',
    statement:
      'Token validation must "reject some malicious API request": in every region, a forged token, a valid token with one byte changed, an expired token, a revoked token and a token under a key the region does not hold are rejected (401/404) every time, while a valid control token is accepted; a bad token accepted anywhere is a security finding.',
  },
  {
    id: 'ID-VALIDATE-SITE-LOSS',
    title: 'Validation keeps working in every running region when a site is lost or cut off',
    source: ID_SEED,
    section: 'Candidate solution analysis',
    statement:
      'While a site (the master site of the identity database included) is lost, or cut off from the others, at least 99 % of token validations succeed in every region still running, the cut-off one included: validation is local.',
  },
  {
    id: 'ID-WRITES-CLEAN',
    title: 'Identity writes fail cleanly while the database cannot take them, and resume',
    source: ID_SEED,
    section: 'Candidate solution analysis',
    statement:
      'While the master site is lost or the identity database is partitioned, every write (new users, role changes) in a region whose Keystone is up either succeeds or is refused with an answer (4xx, or 503 naming the cause), never left hanging; writes succeed again within 10 s of healing in every region, and no acknowledged write is missing afterwards in any region.',
  },
  {
    id: 'ID-GALERA-MINORITY',
    title: 'A Galera minority leaves the Primary component and refuses writes',
    source: ID_SEED,
    section: 'Candidate solution analysis',
    statement:
      'When a partition splits the Galera identity cluster, the minority side becomes non-Primary within 10 s and accepts no write until it rejoins; the majority stays Primary; after healing every node is Primary again within 10 s.',
  },
  {
    id: 'ID-ISSUE-LOCAL',
    title: 'Tokens are issued in every region, by its own Keystone',
    source: ID_SEED,
    section: 'Requirement analysis',
    statement:
      'Each region issues tokens (password method) at its own Keystone: at least 99 % succeed outside fault windows and no identity packet crosses regions (by capture); issue latency per region (p50/p99, optionally bounded by a limit) and WAN bytes per 1000 issued tokens by protocol are reported.',
  },
  {
    id: 'ID-MIDDLEWARE-REGION',
    title: "A site's auth middleware validates tokens in its own region",
    source: ID_SEED,
    section: 'Gaps',
    statement:
      "The seed's gap (\"Can't specify identity endpoint for token validation among several keystone servers in keystonemiddleware\", bug 1488347): each region's services validate tokens through their auth middleware at their own region's identity endpoint, or offline (PKI); no online validation goes to another region's Keystone, by the middleware's own counts of its identity calls.",
  },
];

const BY_ID = new Map(CATALOG.map((r) => [r.id, r]));

export function requirement(id: string): Requirement | undefined {
  return BY_ID.get(id);
}
