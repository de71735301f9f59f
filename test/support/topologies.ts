// The topologies the unit tests' scenarios share, as YAML to splice into a
// scenario's text (each test keeps what it varies: identity, VNFs, workloads).

/** Two regions, one controller each, 20 ms apart. */
export const TWO_REGIONS = `sites:
  - { name: east, subnet: 198.18.1.0/24, nodes: [{ name: ctl, role: controller }] }
  - { name: west, subnet: 198.18.2.0/24, nodes: [{ name: ctl, role: controller }] }
links:
  - { name: ew, between: [east, west], latency: 20ms }`;

/** Three regions, one controller each, 20-40 ms apart (as scenarios/id-fernet-galera.yaml). */
export const THREE_REGIONS = `sites:
  - { name: east, subnet: 198.18.1.0/24, nodes: [{ name: ctl, role: controller }] }
  - { name: west, subnet: 198.18.2.0/24, nodes: [{ name: ctl, role: controller }] }
  - { name: north, subnet: 198.18.3.0/24, nodes: [{ name: ctl, role: controller }] }
links:
  - { name: ew, between: [east, west], latency: 20ms }
  - { name: en, between: [east, north], latency: 40ms }
  - { name: wn, between: [west, north], latency: 30ms }`;

/**
 * The HA layout: a VNF member in east and in west, a client (and a witness)
 * in users, 5 ms links, backup and external overlays; `moreInUsers`: other
 * VMs in users (a third VNF member).
 */
export const haSites = (witness = true, moreInUsers: readonly string[] = []) => `sites:
  - { name: east, subnet: 198.18.1.0/24, nodes: [{ name: ctl, role: controller }, { name: vnf-a, role: vm }] }
  - { name: west, subnet: 198.18.2.0/24, nodes: [{ name: ctl, role: controller }, { name: vnf-b, role: vm }] }
  - { name: users, subnet: 198.18.3.0/24, nodes: [{ name: ctl, role: controller }, { name: client, role: vm }${[...(witness ? ['witness'] : []), ...moreInUsers].map((n) => `, { name: ${n}, role: vm }`).join('')}] }
links:
  - { name: ew, between: [east, west], latency: 5ms }
  - { name: eu, between: [east, users], latency: 5ms }
  - { name: wu, between: [west, users], latency: 5ms }
networks:
  - { name: backup, vni: 5001, cidr: 198.18.200.0/24, sites: [east, west, users] }
  - { name: ext, vni: 5002, cidr: 198.18.201.0/24, sites: [east, west, users] }`;

/** Two sites with a heartbeat node each, one WAN link (as scenarios/wan-heartbeat.yaml). */
export const wanPair = (latency: string) => `sites:
  - { name: east, subnet: 198.18.1.0/24, nodes: [{ name: hb }] }
  - { name: west, subnet: 198.18.2.0/24, nodes: [{ name: hb }] }
links:
  - { name: wan1, between: [east, west], latency: ${latency} }`;
