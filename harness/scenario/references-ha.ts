// Reference checks for the HA parts of a scenario: tenant networks, VNFs,
// call workloads and remote-port workloads.
import { contains, overlaps, parseCidr, parseIp, SITE_SPACE } from './cidr.js';
import type { RefIssue } from './references.js';
import type { Scenario } from './schema.js';
import { identityDbIssues } from './references-identity-db.js';

export function checkHaReferences(s: Scenario): RefIssue[] {
  const issues: RefIssue[] = [];
  const add = (path: (string | number)[], message: string) => issues.push({ path, message });
  const sites = new Map(s.sites.map((x) => [x.name, x]));
  const role = new Map<string, string>(s.sites.flatMap((x) => x.nodes.map((n) => [`${x.name}/${n.name}`, n.role] as const)));
  const networks = new Map(s.networks.map((n) => [n.name, n]));
  const vnfs = new Map(s.vnfs.map((v) => [v.name, v]));
  const siteOf = (ref: string) => ref.split('/')[0]!;

  const seen = new Map<string, string>();
  const vnis = new Map<number, string>();
  s.networks.forEach((n, i) => {
    if (seen.has(n.name)) add(['networks', i, 'name'], `network "${n.name}" is defined twice: names must be unique`);
    seen.set(n.name, n.name);
    if (vnis.has(n.vni)) add(['networks', i, 'vni'], `network "${n.name}" reuses VNI ${n.vni} of "${vnis.get(n.vni)}": give each network its own VNI`);
    vnis.set(n.vni, n.name);
    const c = parseCidr(n.cidr);
    if (!c || !contains(SITE_SPACE, c) || c.prefix > 29) {
      add(['networks', i, 'cidr'], `network "${n.name}": cidr "${n.cidr}" must be a network address inside 198.18.0.0/16, /16 to /29 (e.g. 198.18.200.0/24)`);
    } else {
      for (const site of s.sites) {
        if (overlaps(c, parseCidr(site.subnet)!)) add(['networks', i, 'cidr'], `network "${n.name}" (${n.cidr}) overlaps the subnet of site "${site.name}" (${site.subnet}): tenant networks may overlap each other, not site subnets`);
      }
    }
    n.sites.forEach((site, k) => {
      const spec = sites.get(site);
      if (!spec) add(['networks', i, 'sites', k], `network "${n.name}" spans site "${site}", which does not exist`);
      else if (spec.nodes.filter((x) => x.role === 'controller').length !== 1) {
        add(['networks', i, 'sites', k], `network "${n.name}" spans site "${site}", which needs exactly one node with role: controller to serve its network API`);
      }
    });
  });

  const vmOn = (ref: string, net: string, path: (string | number)[], what: string) => {
    if (role.get(ref) === undefined) return add(path, `${what} "${ref}" is not a node of this scenario`);
    if (role.get(ref) !== 'vm') return add(path, `${what} "${ref}" must have role: vm (the controller attaches VMs to tenant networks)`);
    const n = networks.get(net);
    if (n && !n.sites.includes(siteOf(ref))) add(path, `${what} "${ref}" is in site "${siteOf(ref)}", where network "${net}" does not exist: add the site to the network's sites`);
  };

  s.vnfs.forEach((v, i) => {
    for (const plane of ['backup', 'external'] as const) {
      const net = v[plane].network;
      if (net !== undefined && !networks.has(net)) add(['vnfs', i, plane, 'network'], `VNF "${v.name}" puts its ${plane} plane on network "${v[plane].network}", which does not exist (networks: ${[...networks.keys()].join(', ') || 'none'})`);
    }
    if (v.backup.network === v.external.network) add(['vnfs', i, 'external', 'network'], `VNF "${v.name}" uses one network for both planes: the backup plane must be separate from the external plane`);
    v.members.forEach((m, k) => {
      if (v.backup.network) vmOn(m, v.backup.network, ['vnfs', i, 'members', k], 'member');
      vmOn(m, v.external.network, ['vnfs', i, 'members', k], 'member');
    });
    if (new Set(v.members.map(siteOf)).size < v.members.length) add(['vnfs', i, 'members'], `VNF "${v.name}" has two members in one site: spread them across sites`);
    if (v.witness) {
      if (v.backup.network) vmOn(v.witness, v.backup.network, ['vnfs', i, 'witness'], 'witness');
      else if (!role.has(v.witness)) add(['vnfs', i, 'witness'], `witness "${v.witness}" is not a node of this scenario`);
      if (v.members.map(siteOf).includes(siteOf(v.witness))) add(['vnfs', i, 'witness'], `the witness of VNF "${v.name}" shares a site with a member: put it in a third site`);
    }
    const ext = networks.get(v.external.network);
    const vip = parseIp(v.external.vip);
    const c = ext && parseCidr(ext.cidr);
    if (vip === null || (c && !contains(c, { base: vip, prefix: 32 }))) add(['vnfs', i, 'external', 'vip'], `VIP ${v.external.vip} must be an address inside the external network ${ext?.cidr ?? ''}`);
  });

  // VNFs sharing a node (active/active is two crossed clusters on the same members) need their own ports.
  s.vnfs.forEach((v, i) => {
    const nodes = new Set([...v.members, ...(v.witness ? [v.witness] : [])]);
    s.vnfs.slice(0, i).forEach((o) => {
      if (![...nodes].some((n) => o.members.includes(n) || o.witness === n)) return;
      if (o.backupPort === v.backupPort) add(['vnfs', i, 'backupPort'], `VNFs "${o.name}" and "${v.name}" share a node and both use backupPort ${v.backupPort}: give "${v.name}" another (e.g. ${v.backupPort + 1})`);
      if (o.port === v.port && o.external.vip === v.external.vip) add(['vnfs', i, 'external', 'vip'], `VNFs "${o.name}" and "${v.name}" share a node and the VIP ${v.external.vip}: give each its own`);
    });
  });

  s.workload.forEach((w, i) => {
    if (w.kind === 'calls') {
      const v = vnfs.get(w.vnf);
      if (!v) add(['workload', i, 'vnf'], `calls "${w.name}" target VNF "${w.vnf}", which does not exist (VNFs: ${[...vnfs.keys()].join(', ') || 'none'})`);
      else vmOn(w.from, v.external.network, ['workload', i, 'from'], 'call generator');
    }
    if (w.kind === 'remote-port-crud') {
      const n = networks.get(w.network);
      if (!n) add(['workload', i, 'network'], `workload "${w.name}" uses network "${w.network}", which does not exist`);
      else if (!n.sites.includes(w.site)) add(['workload', i, 'site'], `network "${w.network}" does not span site "${w.site}": add it to the network's sites`);
      w.tunnelIps.forEach((ip, k) => {
        if (parseIp(ip) === null || !contains(SITE_SPACE, { base: parseIp(ip)!, prefix: 32 })) add(['workload', i, 'tunnelIps', k], `tunnel IP ${ip} must be inside 198.18.0.0/16`);
      });
    }
  });

  const controllers = new Set(s.sites.filter((x) => x.nodes.some((n) => n.role === 'controller')).map((x) => x.name));
  if (s.identity) {
    if (!controllers.has(s.identity.site)) add(['identity', 'site'], `identity.site "${s.identity.site}" must be a site with a node of role: controller (sites with one: ${[...controllers].join(', ') || 'none'})`);
    issues.push(...identityDbIssues(s.identity, [...controllers]));
  }
  s.workload.forEach((w, i) => {
    if (w.kind !== 'tokens' && w.kind !== 'writes' && w.kind !== 'issue') return;
    const does = w.kind === 'tokens' ? 'validates tokens' : w.kind === 'writes' ? 'writes to the identity service' : 'issues tokens';
    if (!s.identity) add(['workload', i], `workload "${w.name}" ${does}, but the scenario has no identity block: add one (provider, placement, site, database)`);
    (w.regions ?? []).forEach((r, k) => {
      if (!controllers.has(r)) add(['workload', i, 'regions', k], `region "${r}" has no controller to send requests from (sites with one: ${[...controllers].join(', ')})`);
    });
  });
  const needs: Partial<Record<string, { kind: string; what: string }>> = { 'write-availability': { kind: 'writes', what: 'a writes workload' }, 'token-issue': { kind: 'issue', what: 'an issue workload' }, 'validation-during-faults': { kind: 'tokens', what: 'a tokens workload' } };
  s.checks.forEach((c, i) => {
    const need = needs[c.kind];
    if (need && !s.workload.some((w) => w.kind === need.kind && (c.workload === undefined || w.name === c.workload))) add(['checks', i], `check "${c.name}" (${c.kind}) reads ${need.what}${c.workload ? ` named "${c.workload}"` : ''}: add one (kind: ${need.kind})`);
    if (c.kind === 'galera-quorum' && (s.identity?.database ?? 'local') === 'local') add(['checks', i], `check "${c.name}" (galera-quorum) needs a Galera identity database: set identity.database`);
    if (c.vnf !== undefined && !vnfs.has(c.vnf)) add(['checks', i, 'vnf'], `check "${c.name}" reads VNF "${c.vnf}", which does not exist`);
  });
  return issues;
}
