// The bad-scenario corpus: every file in fixtures/bad-scenarios/ is a good
// example (scenarios/wan-heartbeat.yaml unless its comment names another)
// with exactly one mistake, named in its first-line comment. Each must be rejected with an MshError whose first
// issue points at the mistake and says what to change.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MshError } from '../../harness/scenario/errors.js';
import { loadScenario, parseScenario } from '../../harness/scenario/load.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DIR = join(ROOT, 'fixtures', 'bad-scenarios');
const GOOD = join(ROOT, 'scenarios', 'wan-heartbeat.yaml');

interface Expected {
  /** Line of the mistake (1-based; line 1 is the comment saying what is wrong). */
  readonly line: number;
  /** Column, where it is stable. */
  readonly col?: number;
  /** Part of the message that says what to change. */
  readonly message: string;
}

const CASES: Record<string, Expected> = {
  // YAML itself
  'yaml-syntax.yaml': { line: 20, message: 'this [ list is never closed: end it with ]' },
  'yaml-unclosed-quote.yaml': { line: 3, message: 'string is never closed: end it with a closing "' },
  'yaml-tab-indent.yaml': { line: 21, message: 'indent with spaces instead' },
  'duplicate-key.yaml': { line: 22, col: 5, message: 'key "latency" appears twice in the same mapping: remove or rename one' },
  'top-level-list.yaml': { line: 2, col: 1, message: 'a scenario file is a YAML mapping with name, duration, sites' },

  // Schema: required fields, unknown keys, types
  // A missing top-level field has no line of its own: the top-level mapping's start.
  'missing-name.yaml': { line: 2, col: 1, message: 'missing "name" in top level: add it' },
  'missing-duration.yaml': { line: 2, col: 1, message: 'missing "duration" in top level: add it' },
  'missing-sites.yaml': { line: 2, col: 1, message: 'missing "sites" in top level: add it' },
  'sites-empty.yaml': { line: 8, col: 8, message: 'a scenario needs at least one site' },
  'fault-missing-kind.yaml': { line: 31, col: 5, message: 'missing "kind" in faults.0: add it (one of partition, impair, pause-node, site-loss' },
  'wrong-type.yaml': { line: 5, col: 7, message: 'seed: expected a number, found the text "forty-two"' },
  'unknown-key-top.yaml': { line: 3, col: 1, message: 'unknown key "descripton" in top level: did you mean "description"?' },
  'unknown-key-site.yaml': { line: 14, col: 5, message: 'unknown key "subnte" in sites.1: did you mean "subnet"?' },
  'unknown-key-node.yaml': { line: 17, col: 9, message: 'unknown key "imgae" in sites.1.nodes.0: did you mean "image"?' },
  'unknown-key-link.yaml': { line: 21, col: 5, message: 'unknown key "latncy" in links.0: did you mean "latency"?' },
  'unknown-key-fault.yaml': { line: 35, col: 5, message: 'unknown key "duraton" in faults.0: did you mean "duration"?' },
  'unknown-key-after.yaml': { line: 39, col: 36, message: 'unknown key "delya" in faults.1.after: did you mean "delay"?' },
  'fault-unknown-kind.yaml': { line: 31, col: 11, message: 'did you mean "partition"? use one of partition, impair, pause-node' },
  'bad-name-uppercase.yaml': { line: 2, col: 7, message: "a lowercase letter, then lowercase letters, digits or '-'" },

  // Units
  'bad-duration.yaml': { line: 6, col: 11, message: '"5 parsecs" is not a duration: write e.g. 50ms, 10s or 2m' },
  'bad-percent.yaml': { line: 22, col: 11, message: '"150%" is not a percentage: write e.g. 0.5% (0 to 100)' },
  'bad-bandwidth.yaml': { line: 22, col: 16, message: '"10 mbps" is not a bandwidth: write e.g. 512kbit, 10mbit or 1gbit' },

  // Addresses
  'subnet-outside-site-space.yaml': { line: 14, col: 13, message: 'is not inside 198.18.0.0/16, where site subnets live: pick one inside it' },
  'subnet-host-bits.yaml': { line: 14, col: 13, message: 'has host bits set: write the network address, 198.18.2.0/24' },
  'subnet-overlap.yaml': { line: 14, col: 13, message: 'overlaps 198.18.1.0/24 of site "east": give each site its own range' },
  'subnet-too-small.yaml': { line: 10, col: 13, message: 'has 6 nodes but 198.18.1.0/29 holds 5: use a larger subnet' },

  // Names and references
  'duplicate-site.yaml': { line: 17, col: 11, message: 'site "east" is defined twice: rename or remove one' },
  'duplicate-node.yaml': { line: 13, col: 15, message: 'node "hb" is defined twice in site "east": rename or remove one' },
  'link-unknown-site.yaml': { line: 20, col: 21, message: 'joins "wset", which is not a site: did you mean "west"? (sites: east, west)' },
  'link-self.yaml': { line: 20, col: 14, message: 'joins site "east" to itself: name two different sites' },
  'link-duplicate.yaml': { line: 23, col: 14, message: 'links "wan1" and "wan2" join the same two sites: keep one' },
  'workload-unknown-node.yaml': { line: 27, col: 9, message: 'uses node "west/hb2", which does not exist: did you mean "west/hb"? (nodes: east/hb, west/hb)' },
  'heartbeat-self.yaml': { line: 27, col: 9, message: 'goes from east/hb to itself: name two different nodes' },
  'fault-unknown-link.yaml': { line: 33, col: 11, message: 'acts on link "wan2", which does not exist: did you mean "wan1"? (links: wan1)' },
  'check-unknown-requirement.yaml': { line: 48, col: 20, message: 'requirement "WAN-FIDELTY" is not in the catalog: use one of its IDs (WAN-FIDELITY' },
  'check-unknown-workload.yaml': { line: 46, col: 15, message: 'reads workload "hb1", which does not exist: did you mean "hb"? (workloads: hb)' },

  // Fault schedule
  'fault-at-and-after.yaml': { line: 39, col: 9, message: "has both 'at' and 'after': keep one of them" },
  // A fault without a start has no line for it: the fault's own first line.
  'fault-no-start.yaml': { line: 31, col: 5, message: "has no start: add 'at' (a time, e.g. at: 5s) or 'after'" },
  'fault-after-unknown.yaml': { line: 39, col: 12, message: 'starts after "cutt", which is not a fault of this scenario: did you mean "cut"? (faults: cut)' },
  // A cycle has no single wrong line: it is reported at the 'after' that closes it.
  'fault-after-cycle.yaml': { line: 39, col: 12, message: "in a cycle: cut -> slow -> cut: give one of them an 'at' time instead" },
  'fault-past-duration.yaml': { line: 40, col: 15, message: 'start it earlier, shorten it, or lengthen the scenario' },
  'check-bad-tolerance.yaml': { line: 52, col: 16, message: 'takes a duration tolerance such as 100ms' },
  'fault-overlap.yaml': { line: 39, col: 12, message: 'overlap on link wan1 (8 s < 15 s): each heals what it changed, so schedule them one after the other' },

  // VNFs (these start from scenarios/ha-l2-site-loss-vrrp.yaml instead)
  'vnf-takeover-typo.yaml': { line: 34, col: 15, message: 'vnfs.0.takeover: did you mean "vrrp"? expected one of "garp", "vrrp"' },

  // Identity (this starts from scenarios/id-pki-offline.yaml)
  'identity-middleware-cache-fraction.yaml': { line: 31, col: 98, message: "identity.middlewareCache: middlewareCache is keystonemiddleware's token_cache_time, whole seconds: write e.g. 300s" },

  // Identity under faults (these start from scenarios/id-galera-partition.yaml)
  'identity-wsrep-option-name.yaml': { line: 29, col: 109, message: '"ignore_quorum" is not a Galera provider option name: they are group.option, e.g. evs.suspect_timeout or pc.ignore_quorum' },
  'check-galera-quorum-local-db.yaml': { line: 41, col: 5, message: 'check "quorum" (galera-quorum) needs a Galera identity database: set identity.database' },
  'writes-region-unknown.yaml': { line: 34, col: 74, message: 'region "mars" is not a site (sites with a controller: east, west, north)' },

  // Sites and nodes
  'node-role-typo.yaml': { line: 14, col: 32, message: 'did you mean "controller"? expected one of "host", "controller", "vm"' },
  'node-role-unknown.yaml': { line: 13, col: 15, message: 'role: expected one of "host", "controller", "vm"' },
  'node-name-too-long.yaml': { line: 12, col: 15, message: 'node name must be 1-15 characters' },
  // A name that breaks the rule is reported where it is defined, not again where it is used (member west/vnf_b).
  'node-name-underscore.yaml': { line: 14, col: 54, message: "node name must be 1-15 characters: a lowercase letter, then lowercase letters, digits or '-'" },
  'site-no-nodes.yaml': { line: 15, col: 12, message: 'a site needs at least one node' },
  // A missing field has no line of its own: the start of the mapping it belongs in.
  'site-missing-subnet.yaml': { line: 13, col: 5, message: 'missing "subnet" in sites.1: add it' },
  'subnet-no-prefix.yaml': { line: 14, col: 13, message: '"198.18.2.0" is not an IPv4 network: write it as address/prefix' },
  'node-ref-dot.yaml': { line: 26, col: 11, message: 'a node is named as site/node, e.g. east/hb' },
  'node-image-typo.yaml': { line: 13, col: 16, message: 'image "bsae" is not an image the harness builds: did you mean "base"? (images: base)' },
  'node-image-empty.yaml': { line: 13, col: 16, message: 'image is empty: leave image out for the harness image, base' },

  // Links
  'link-latency-negative.yaml': { line: 21, col: 14, message: '"-20ms": a duration cannot be negative: write e.g. 50ms' },
  'link-latency-unit.yaml': { line: 21, col: 14, message: '"20 msec" is not a duration: write e.g. 50ms' },
  'link-loss-negative.yaml': { line: 22, col: 11, message: '"-1%": a percentage cannot be negative: write e.g. 0.5% (0 to 100)' },
  'link-bandwidth-bytes.yaml': { line: 22, col: 16, message: '"10MB" is not a bandwidth: write e.g. 512kbit, 10mbit or 1gbit' },
  'link-bandwidth-zero.yaml': { line: 22, col: 16, message: 'a bandwidth of 0 carries nothing: write more than 0 (e.g. 512kbit, 10mbit or 1gbit); to cut a link, use a partition fault' },
  'link-between-three.yaml': { line: 20, col: 14, message: 'between lists exactly two site names, e.g. [east, west]' },
  'link-between-string.yaml': { line: 20, col: 14, message: 'links.0.between: expected a list, found the text "east-west"' },
  'link-missing-between.yaml': { line: 19, col: 5, message: 'missing "between" in links.0: add it' },

  // Tenant networks (these start from scenarios/ha-l2-partition-witness.yaml or ha-remote-port-crud.yaml)
  'network-vni-text.yaml': { line: 25, col: 26, message: 'networks.0.vni: expected a number, found the text "vxlan-5001"' },
  'network-vni-zero.yaml': { line: 25, col: 26, message: 'VNI 0 is reserved: a VXLAN VNI is 1 to 16777215, e.g. 5001' },
  'network-vni-too-large.yaml': { line: 25, col: 26, message: "VNI 16777216 does not fit in VXLAN's 24 bits: a VNI is 1 to 16777215, e.g. 5001" },
  'network-sites-empty.yaml': { line: 25, col: 62, message: 'a network spans at least one site: list the sites it reaches, e.g. sites: [east, west]' },
  'network-duplicate-vni.yaml': { line: 26, col: 23, message: 'reuses VNI 5001 of "backup": give each network its own VNI' },
  'network-cidr-site-overlap.yaml': { line: 25, col: 38, message: 'overlaps the subnet of site "east" (198.18.1.0/24): tenant networks may overlap each other, not site subnets' },
  'network-cidr-outside.yaml': { line: 25, col: 38, message: 'must be a network address inside 198.18.0.0/16' },
  'network-site-no-controller.yaml': { line: 20, col: 69, message: 'spans site "west", which needs exactly one node with role: controller to serve its network API (it has none): make one of its nodes role: controller, or take the site out of the network' },
  // One site, one problem: reported at the first network spanning it, naming every one.
  'network-site-no-controller-two-networks.yaml': { line: 25, col: 75, message: 'spans site "users", which needs exactly one node with role: controller to serve its network API (it has none): make one of its nodes role: controller, or take the site out of networks backup, ext' },
  // The name the renamed network lost ("ext") is missing where it is used: the same mistake, named in the one message.
  'network-duplicate-name.yaml': { line: 26, col: 13, message: 'network "backup" is defined twice: rename or remove one (names must be unique); was this one meant to be "ext", which VNF "vnf1" uses?' },
  // Where a network with an unknown site reaches is unknown: its VMs (the witness in users) are not judged against it.
  'network-unknown-site.yaml': { line: 25, col: 75, message: 'network "backup" spans site "user", which does not exist: did you mean "users"? (sites: east, west, users)' },

  // VNFs (these start from scenarios/ha-l2-partition-witness.yaml, ha-l2-site-loss-vrrp.yaml or ha-active-active.yaml)
  // A member on two networks is reported once, not once per network.
  'vnf-unknown-member.yaml': { line: 30, col: 27, message: 'member "west/vnf-c" is not a node of this scenario: did you mean "west/vnf-b"? (VMs: east/vnf-a, west/vnf-b, users/client, users/witness)' },
  'vnf-member-not-vm.yaml': { line: 30, col: 15, message: 'member "east/ctl" must have role: vm (the controller attaches VMs to tenant networks)' },
  'vnf-witness-unknown.yaml': { line: 34, col: 14, message: 'witness "users/witnes" is not a node of this scenario: did you mean "users/witness"? (VMs: ' },
  'vnf-one-member.yaml': { line: 30, col: 14, message: 'a VNF needs at least two members' },
  'vnf-members-one-site.yaml': { line: 30, col: 14, message: 'has two members in one site: spread them across sites' },
  'vnf-member-site-off-network.yaml': { line: 30, col: 27, message: "is in site \"west\", where network \"ext\" does not exist: add the site to the network's sites" },
  'vnf-witness-member-site.yaml': { line: 34, col: 14, message: 'shares a site with a member: put it in a third site' },
  'vnf-witness-not-vm.yaml': { line: 34, col: 14, message: 'witness "users/ctl" must have role: vm' },
  'vnf-vrrp-witness.yaml': { line: 34, col: 14, message: 'cannot consult a witness: remove witness, or use takeover: garp' },
  'vnf-vrrp-interval.yaml': { line: 33, col: 28, message: 'use a multiple of 10ms from 10ms to 40950ms' },
  'vnf-vrrp-misses.yaml': { line: 33, col: 43, message: 'set misses to 3, or use takeover: garp' },
  'vnf-heartbeat-unit.yaml': { line: 33, col: 28, message: '"50 msec" is not a duration: write e.g. 50ms' },
  'vnf-heartbeat-misses-zero.yaml': { line: 33, col: 42, message: 'misses is how many heartbeats in a row a standby must miss before it takes over: write 1 or more, e.g. 3' },
  'vnf-port-privileged.yaml': { line: 35, col: 11, message: "80 is below 1024 (a privileged port): the VNF's port for calls at the VIP must be 1024 to 65535, e.g. 5060" },
  'vnf-port-too-large.yaml': { line: 35, col: 17, message: "71000 is above 65535, the largest port number: the VNF's port for heartbeats and state on the backup plane must be 1024 to 65535, e.g. 7100" },
  'vnf-backup-port-clash.yaml': { line: 31, col: 168, message: 'both use backupPort 7100: give "vnf2" another (e.g. 7101)' },
  'vnf-unknown-network.yaml': { line: 31, col: 24, message: 'network "bakup", which does not exist: did you mean "backup"? (networks: backup, ext)' },
  'vnf-same-network.yaml': { line: 32, col: 26, message: 'uses one network for both planes: the backup plane must be separate from the external plane' },
  'vnf-vip-outside.yaml': { line: 32, col: 36, message: 'VIP 198.18.200.100 must be an address inside the external network 198.18.201.0/24' },
  'vnf-vip-cidr.yaml': { line: 32, col: 36, message: 'vnfs.0.external.vip: an IPv4 address, e.g. 198.18.201.100' },
  'vnf-mode-typo.yaml': { line: 35, col: 11, message: 'mode: expected one of "active-standby", "nway"' },
  'vnf-missing-external.yaml': { line: 29, col: 5, message: 'missing "external" in vnfs.0: add it' },

  // Identity (these start from the scenarios/id-*.yaml their comment names)
  'identity-provider-typo.yaml': { line: 30, col: 23, message: 'identity.provider: did you mean "fernet"?' },
  'identity-placement-typo.yaml': { line: 24, col: 39, message: 'identity.placement: did you mean "centralized"?' },
  'identity-database-typo.yaml': { line: 24, col: 77, message: 'identity.database: did you mean "galera"?' },
  'identity-site-unknown.yaml': { line: 30, col: 61, message: 'identity.site "esat" is not a site: did you mean "east"? (sites with a controller: east, west, north, south)' },
  // Reported at database, whose line and message name both ways out.
  'identity-galera-centralized.yaml': { line: 24, col: 77, message: 'use placement: distributed, or database: local' },
  'identity-star-master-unknown.yaml': { line: 30, col: 99, message: 'master "wset" is not a site: did you mean "west"? (sites with a controller: east, west, north, south)' },
  'identity-masters-not-star.yaml': { line: 24, col: 94, message: 'masters is for database: star (this one is galera): remove it' },
  'identity-clusters-not-multi.yaml': { line: 30, col: 116, message: 'clusters is for database: multi-cluster (this one is star): remove it' },
  'identity-cluster-missing-site.yaml': { line: 30, col: 102, message: 'every controller site must be in a cluster; missing: south: add it to one of the clusters' },
  'identity-cluster-site-twice.yaml': { line: 30, col: 118, message: 'site "west" is already in cluster 1: a site belongs to one cluster' },
  'identity-cluster-one.yaml': { line: 30, col: 102, message: 'multi-cluster needs at least two clusters (the first takes the writes, the others replicate from it)' },
  'identity-star-three-masters.yaml': { line: 30, col: 92, message: 'with database: star the master Galera cluster spans one or two sites: list at most two' },
  // A misspelt site leaves the one it meant ("south") in no cluster: one mistake, reported once.
  'identity-cluster-unknown-site.yaml': { line: 30, col: 125, message: 'cluster 2: "sout" is not a site: did you mean "south"? (sites with a controller: east, west, north, south)' },
  'identity-star-master-twice.yaml': { line: 30, col: 99, message: 'master site "east" is listed twice: remove one' },
  'identity-middleware-region-typo.yaml': { line: 24, col: 122, message: 'identity.middlewareRegion: did you mean "auth-site"?' },
  'identity-missing-site.yaml': { line: 24, col: 11, message: 'missing "site" in identity: add it' },

  // Workloads
  'workload-unknown-kind.yaml': { line: 24, col: 11, message: 'unknown kind "heartbeats"; did you mean "heartbeat"?' },
  'workload-missing-to.yaml': { line: 24, col: 5, message: 'missing "to" in workload.0: add it' },
  'workload-interval-tiny.yaml': { line: 28, col: 15, message: 'below the 5 ms the harness can resolve: use 5ms or more' },
  'workload-port-privileged.yaml': { line: 29, col: 11, message: '700 is below 1024 (a privileged port): the heartbeat port must be 1024 to 65535, e.g. 7000' },
  'workload-duplicate-name.yaml': { line: 38, col: 26, message: 'workload "calls" is defined twice: rename or remove one' },
  'calls-unknown-vnf.yaml': { line: 37, col: 58, message: 'target VNF "vnf2", which does not exist: did you mean "vnf1"? (VNFs: vnf1)' },
  'calls-from-controller.yaml': { line: 37, col: 39, message: 'call generator "users/ctl" must have role: vm' },
  'calls-rate-unit.yaml': { line: 37, col: 70, message: 'workload.0.rate: expected a number, found the text "5/s"' },
  'calls-hold-unit.yaml': { line: 37, col: 79, message: '"3 seconds" is not a duration: write e.g. 50ms, 10s or 2m' },
  'calls-rate-negative.yaml': { line: 37, col: 70, message: 'rate is new calls per second: write a number above 0, e.g. 5' },
  'tokens-rate-zero.yaml': { line: 33, col: 41, message: 'rate is token validations per second in each region: write a number above 0, e.g. 20' },
  'tokens-via-typo.yaml': { line: 27, col: 50, message: 'workload.0.via: did you mean "service"?' },
  'tokens-region-unknown.yaml': { line: 33, col: 62, message: 'region "soutth" is not a site: did you mean "south"? (sites with a controller: east, west, north, south)' },
  'tokens-without-identity.yaml': { line: 29, col: 5, message: 'but the scenario has no identity block: add one (provider, placement, site, database)' },
  'crud-unknown-network.yaml': { line: 23, col: 52, message: 'uses network "bakup", which does not exist: did you mean "backup"? (networks: backup)' },
  'crud-site-unknown.yaml': { line: 23, col: 66, message: 'creates ports in site "wset", which does not exist: did you mean "west"? (sites of network "backup": east, west)' },
  'crud-tunnel-outside.yaml': { line: 23, col: 96, message: 'tunnel IP 10.0.0.9 must be inside 198.18.0.0/16' },
  'crud-one-tunnel.yaml': { line: 23, col: 83, message: 'tunnelIps lists two remote VTEP addresses: the port is created at the first, then moved to the second' },

  // Faults
  'fault-pause-unknown-node.yaml': { line: 44, col: 11, message: 'pauses "west/hb2", which is not a node of this scenario: did you mean "west/hb"? (nodes: east/hb, west/hb)' },
  'fault-pause-node-no-site.yaml': { line: 44, col: 11, message: 'a node is named as site/node, e.g. east/hb' },
  'fault-site-loss-unknown.yaml': { line: 40, col: 47, message: 'acts on site "eats", which does not exist: did you mean "east"? (sites: east, west, users)' },
  'fault-revoke-unknown-site.yaml': { line: 37, col: 47, message: 'acts on site "nort", which does not exist: did you mean "north"? (sites: east, west, north, south)' },
  // A fault-level problem has no line of its own: the fault's first line.
  'fault-revoke-no-identity.yaml': { line: 42, col: 5, message: 'revokes a token, but the scenario has no identity block to issue one: add one (provider, placement, site, database), or remove this fault' },
  'impair-nothing.yaml': { line: 36, col: 5, message: 'fault "slow" changes nothing: set at least one of latency, jitter, loss or bandwidth (e.g. latency: 100ms); to cut the link, use kind: partition' },
  'fault-rotate-keys-uuid.yaml': { line: 30, col: 5, message: 'rotates Fernet keys: it needs identity with provider: fernet and placement: distributed' },
  'fault-direction-typo.yaml': { line: 34, col: 16, message: 'direction: expected one of "both", "a-to-b", "b-to-a"' },
  'fault-delay-negative.yaml': { line: 39, col: 43, message: '"-3s": a duration cannot be negative: write e.g. 50ms' },
  'fault-duration-zero.yaml': { line: 35, col: 15, message: 'lasts 0 ms: give it a positive duration' },
  'fault-missing-duration.yaml': { line: 31, col: 5, message: 'missing "duration" in faults.0: add it' },
  // Faults start after each other by name: with one name defined twice, no schedule is judged (no cycle cut -> cut).
  'fault-duplicate-name.yaml': { line: 37, col: 11, message: 'fault "cut" is defined twice: rename or remove one' },
  'fault-after-on-typo.yaml': { line: 39, col: 30, message: 'after.on: expected one of "start", "heal"' },

  // Checks
  'check-unknown-kind.yaml': { line: 45, col: 11, message: 'checks.0.kind: did you mean "heartbeat-rtt"?' },
  'check-missing-requirements.yaml': { line: 59, col: 5, message: 'missing "requirements" in checks.3: add it' },
  'check-empty-requirements.yaml': { line: 61, col: 19, message: 'a check decides at least one requirement ID' },
  'check-requirements-string.yaml': { line: 61, col: 19, message: 'requirements: expected a list, found the text "HARNESS-BASELINE-RESTORED"' },
  'check-duplicate-name.yaml': { line: 49, col: 11, message: 'check "rtt" is defined twice: rename or remove one' },
  'check-unknown-vnf.yaml': { line: 45, col: 49, message: 'reads VNF "vnf2", which does not exist: did you mean "vnf1"? (VNFs: vnf1)' },
  'check-no-tolerance-kind.yaml': { line: 61, col: 16, message: 'check kind baseline-restored takes no tolerance: remove it' },
  'check-rtt-tolerance-duration.yaml': { line: 47, col: 16, message: 'takes a relative tolerance such as 10%, not "5ms"' },
  'check-limit-unit.yaml': { line: 43, col: 63, message: '"1 sec" is not a duration: write e.g. 50ms' },
  'check-intervals-negative.yaml': { line: 57, col: 16, message: 'intervals is the largest gap allowed, counted in heartbeat intervals: write a number above 0, e.g. 3' },
  'check-token-issue-no-workload.yaml': { line: 42, col: 5, message: 'reads an issue workload: add one (kind: issue)' },
};

const files = readdirSync(DIR).sort();

/** Loads a file and returns what it threw (or undefined if it loaded). */
async function rejection(file: string): Promise<unknown> {
  try {
    await loadScenario(file);
    return undefined;
  } catch (err) {
    return err;
  }
}

describe('bad scenario corpus', () => {
  it('holds at least 70 files', () => {
    expect(files.length).toBeGreaterThanOrEqual(70);
  });

  it('has every file in the table, and every table entry as a file', () => {
    expect(files.filter((f) => !(f in CASES))).toEqual([]);
    expect(Object.keys(CASES).filter((f) => !files.includes(f))).toEqual([]);
  });

  it.each(files)('%s says what is wrong in a first-line comment', (name) => {
    const first = readFileSync(join(DIR, name), 'utf8').split('\n')[0]!;
    expect(first).toMatch(/^# \S.{10,}/);
  });

  it.each(files)('%s is rejected with an MshError, never another exception', async (name) => {
    const err = await rejection(join(DIR, name));
    expect(err).toBeInstanceOf(MshError);
  });

  it.each(Object.entries(CASES))('%s: reported at the mistake, saying what to change', async (name, want) => {
    const file = join(DIR, name);
    const err = await rejection(file);
    expect(err, `${name} loaded without error`).toBeInstanceOf(MshError);
    const e = err as MshError;
    expect(['SCENARIO_INVALID', 'SCENARIO_UNREADABLE']).toContain(e.code);
    // One mistake per file, so one problem reported: no cascades.
    expect(e.issues.map((i) => `${i.line}:${i.col} ${i.message}`)).toHaveLength(1);
    const first = e.issues[0]!;
    expect(first.file).toBe(file);
    expect(first.line).toBe(want.line);
    if (want.col !== undefined) expect(first.col).toBe(want.col);
    expect(first.message).toContain(want.message);
  });
});

describe('loader robustness', () => {
  // Every one-line damage to the good example: the loader either accepts it
  // or reports located issues; it never throws anything but an MshError.
  const text = readFileSync(GOOD, 'utf8');
  const lines = text.split('\n');
  const variants: string[] = [];
  lines.forEach((_line, i) => {
    const edit = (f: (l: string) => string) => lines.map((l, j) => (j === i ? f(l) : l)).join('\n');
    variants.push(lines.filter((_, j) => j !== i).join('\n')); // line removed
    variants.push(lines.slice(0, i).join('\n')); // file cut short
    variants.push(edit((l) => ` ${l}`)); // indented one more
    variants.push(edit((l) => l.replace(/: .*/, ': '))); // value emptied
    variants.push(edit((l) => l.replace(/: .*/, ': [1, {a: b}]'))); // wrong type
    variants.push(edit((l) => l.replace(/: .*/, ': -1')));
    variants.push(edit((l) => l.replace(/: .*/, ': *nowhere'))); // undefined alias
  });

  it('never throws anything but an MshError with located issues', () => {
    for (const v of variants) {
      let err: unknown;
      try {
        parseScenario('damaged.yaml', v);
        continue;
      } catch (e) {
        err = e;
      }
      expect(err, v).toBeInstanceOf(MshError);
      const issues = (err as MshError).issues;
      expect(issues.length, v).toBeGreaterThan(0);
      for (const i of issues) {
        expect(i.file).toBe('damaged.yaml');
        expect(i.line).toBeGreaterThanOrEqual(1);
        expect(i.col).toBeGreaterThanOrEqual(1);
        expect(i.message).not.toMatch(/^\S+: Invalid input$/);
      }
    }
  });

  it('reports an unreadable file as SCENARIO_UNREADABLE', async () => {
    const err = await rejection(join(DIR, 'no-such-file.yaml'));
    expect(err).toBeInstanceOf(MshError);
    expect((err as MshError).code).toBe('SCENARIO_UNREADABLE');
  });
});
