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
const DR_SEED = 'seeds/multisite-vnf-gr-requirement.rst';

export const CATALOG: readonly Requirement[] = [
  {
    id: 'WAN-FIDELITY',
    title: 'Emulated WAN delay matches what was injected',
    source: HARNESS_DOC,
    section: 'WAN emulation',
    statement:
      "The delay the emulated WAN adds to the heartbeats' datagrams (from a datagram's arrival at the WAN emulator to its departure towards the other site, both read from a capture of the WAN bridge) has a median within the stated tolerance of the configured one-way latency, on every hop and in each direction, in every phase of the run (baseline and each impairment).",
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
      'Overlay L2 backup planes support IP overlapping: two VNFs using the same internal addresses, each on its own overlay across the same sites, both elect an active over it (every member hears each of its peers there) and serve calls (at least 99 % of setups outside fault windows).',
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
  {
    id: 'DR-BOOT-VOLUME-RESTORABLE',
    title: "The VNF's bootable volumes are restorable in the backup site",
    source: DR_SEED,
    section: 'Requirement and candidate solutions analysis',
    statement:
      "For a VNF to be restored from the backup site, each VM's bootable volume must be restorable there: a VM booted in the backup site from its restored boot volume runs the VNF with the configuration the volume carries, with nothing from the lost site.",
  },
  {
    id: 'DR-DATA-VOLUMES-RESTORABLE',
    title: "The VNF's data volumes are restorable in the backup site",
    source: DR_SEED,
    section: 'Requirement and candidate solutions analysis',
    statement:
      "Each VM's data volume is restorable in the backup site: the restored volume holds the VNF's data as of a recovery point, readable by the restored VM.",
  },
  {
    id: 'DR-OPT1-VOLUMES-FROM-COMPUTE',
    title: "Option 1 gets each VM's volumes from compute",
    source: DR_SEED,
    section: 'Option 1, step 1',
    statement:
      'The GR software gets the volumes of each VM of the VNF from the compute API (Nova), not from its own records.',
  },
  {
    id: 'DR-OPT1-QUIESCE-ORDER',
    title: 'Option 1 quiesces the VMs in the desired order',
    source: DR_SEED,
    section: 'Option 1, step 2; Pros',
    statement:
      "The GR software calls the compute API's quiesce on the VMs of the VNF in the desired order, and each VM is held (its writes stopped) before the next is quiesced.",
  },
  {
    id: 'DR-OPT1-UNQUIESCE-REVERSE',
    title: 'Option 1 unquiesces the VMs in reverse order',
    source: DR_SEED,
    section: 'Option 1, step 4; Pros',
    statement:
      'After the snapshots, the VMs are unquiesced in the reverse of the quiesce order.',
  },
  {
    id: 'DR-OPT1-FAST-SNAPSHOT',
    title: 'The quiesced window is short',
    source: DR_SEED,
    section: 'Option 1, step 3 (NOTE)',
    statement:
      'Because storage provides fast snapshots, the interval between the first quiesce and the last unquiesce is short: within the stated limit.',
  },
  {
    id: 'DR-CONSISTENT-CUT',
    title: 'The restored VMs form a transactional cut',
    source: DR_SEED,
    section: 'Option 1, Pros; Option 2, Cons 1',
    statement:
      "The volumes restored for a group of VMs with a strong relationship hold a state that existed at one instant: no transaction is visible at a VM written after another that lacks it (the fake VNF's cross-VM sequence invariant), in every protection cycle and after restore.",
  },
  {
    id: 'DR-INCREMENTAL-BACKUP',
    title: 'Backups to the remote store are incremental',
    source: DR_SEED,
    section: 'Option 1, step 6; Option 2',
    statement:
      "Backups after a volume's first are incremental: what crosses the WAN to the backup site's object store is the changed blocks plus a bounded overhead, measured on the wire.",
  },
  {
    id: 'DR-RESTORE-BACKUP-SITE',
    title: 'Backups are restored in the backup site',
    source: DR_SEED,
    section: 'Option 1, step 7.1',
    statement:
      "When the primary site has failed, the backups are restored into volumes of the backup site's volume service, from the backup site's object store alone, all from one recovery point: the newest protection cycle whose backups all completed (volumes from different cycles would restore a state that never existed; an interrupted backup is never used).",
  },
  {
    id: 'DR-BOOT-ATTACH',
    title: 'Restored VMs boot from their volumes and get their data volumes attached',
    source: DR_SEED,
    section: 'Option 1, step 7.2',
    statement:
      'In the backup site, the VMs boot from the restored bootable volumes and the restored data volumes are attached, after which the VNF serves again.',
  },
  {
    id: 'DR-OPT2-SERVER-SNAPSHOT',
    title: 'Option 2 snapshots each VM through compute, volumes in image metadata',
    source: DR_SEED,
    section: 'Option 2',
    statement:
      'A compute snapshot of a volume-backed VM quiesces it internally, snapshots its volumes and records them in the metadata of an image without data; the GR software gets the snapshots from the image and creates volumes from them.',
  },
  {
    id: 'DR-OPT2-IMAGE-CLEANUP',
    title: "Option 2's temporary images are cleaned up",
    source: DR_SEED,
    section: 'Option 2, Cons 3',
    statement:
      'The temporary images option 2 creates in the image service are deleted once their snapshots have been turned into volumes: none is left behind.',
  },
  {
    id: 'DR-OPT3-PROMOTE',
    title: 'Option 3 promotes the replicated volume and hands it to the new instance',
    source: DR_SEED,
    section: 'Option 3',
    statement:
      "A volume with replication enabled is replicated to the backup site; when the primary site fails, the replica is promoted to writable and attached to the VNF's new instance, which serves with the data it holds.",
  },
  {
    id: 'DR-ADMIN-METADATA-REF',
    title: "The backend's real reference is kept in the volume's admin metadata",
    source: DR_SEED,
    section: 'Gaps, 2',
    statement:
      'A volume managed by the driver (a promoted replica, a managed backend volume) keeps the real backend reference in its admin_metadata.',
  },
  {
    id: 'DR-MANUAL-TRIGGER',
    title: 'Failover to the backup site only when triggered',
    source: DR_SEED,
    section: 'Description',
    statement:
      "The transfer to the backup site starts only when an operator (or the scenario's schedule, standing for one) triggers it: nothing is restored or booted in the backup site before the trigger.",
  },
  {
    id: 'DR-NO-PROPAGATED-FAULT',
    title: 'A propagating software fault is not restored',
    source: DR_SEED,
    section: 'Description',
    statement:
      'GR deals with propagating software faults: corrupt data written at the primary after the recovery point is not in the state restored in the backup site.',
  },
  {
    id: 'DR-RPO',
    title: 'Data lost on restore is within the stated bound',
    source: DR_SEED,
    section: 'Description; Proposed solution',
    statement:
      'The transactions committed at the primary but absent from the restored state (the recovery point objective, measured) are at most the stated number.',
  },
  {
    id: 'DR-RTO',
    title: 'The VNF serves again in the backup site within the stated time',
    source: DR_SEED,
    section: 'Description; Proposed solution',
    statement:
      "From the primary site's loss (its first node seen dead) to the restored VNF's first committed transaction in the backup site (the recovery time, measured) is within the stated limit.",
  },
];

const BY_ID = new Map(CATALOG.map((r) => [r.id, r]));

export function requirement(id: string): Requirement | undefined {
  return BY_ID.get(id);
}
