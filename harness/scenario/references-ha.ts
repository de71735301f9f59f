// Reference checks for the HA parts of a scenario: tenant networks, VNFs,
// call workloads and remote-port workloads.
import { contains, overlaps, parseCidr, parseIp, SITE_SPACE } from './cidr.js';
import type { RefIssue } from './references.js';
import type { NetworkSpec, Scenario } from './schema.js';
import { controllerSiteProblem, identityDbIssues } from './references-identity-db.js';
import { suggest } from './suggest.js';

export function checkHaReferences(s: Scenario): RefIssue[] {
  const issues: RefIssue[] = [];
  const add = (path: (string | number)[], message: string) => issues.push({ path, message });
  const sites = new Map(s.sites.map((x) => [x.name, x]));
  const role = new Map<string, string>(s.sites.flatMap((x) => x.nodes.map((n) => [`${x.name}/${n.name}`, n.role] as const)));
  const vms = [...role].filter(([, r]) => r === 'vm').map(([ref]) => ref);
  const vnfs = new Map(s.vnfs.map((v) => [v.name, v]));
  const siteOf = (ref: string) => ref.split('/')[0]!;
  const q = (names: readonly string[]) => names.map((x) => `"${x}"`).join(' and ');

  // Networks by name (the first of a name: a second is reported as defined twice).
  const networks = new Map<string, NetworkSpec>();
  for (const n of s.networks) if (!networks.has(n.name)) networks.set(n.name, n);
  const netNames = [...networks.keys()];
  // Who names each network that does not exist.
  const unknownNets = new Map<string, string[]>();
  const useNet = (net: string | undefined, user: string) => {
    if (net !== undefined && !networks.has(net)) unknownNets.set(net, [...(unknownNets.get(net) ?? []), user]);
  };
  s.vnfs.forEach((v) => [v.backup.network, v.external.network].forEach((net) => useNet(net, `VNF "${v.name}"`)));
  s.workload.forEach((w) => w.kind === 'remote-port-crud' && useNet(w.network, `workload "${w.name}"`));
  // A network defined twice is most often one renamed by mistake: the name it lost is then
  // missing wherever it is used. That is one mistake, reported (with the name lost) once.
  const duplicateNet = s.networks.some((n, i) => s.networks.findIndex((o) => o.name === n.name) !== i);
  const lost = [...unknownNets].map(([net, users]) => `"${net}", which ${[...new Set(users)].join(' and ')} use${users.length === 1 ? 's' : ''}`);
  const unknownNet = (net: string) => `network "${net}", which does not exist${suggest(net, netNames, 'networks')}`;
  // Networks naming a site that does not exist: where they reach is unknown, so nothing is checked against it.
  const broken = new Set<string>();
  // Sites without exactly one controller, reported at the first network spanning them.
  const reportedSites = new Set<string>();

  const seen = new Map<string, string>();
  const vnis = new Map<number, string>();
  s.networks.forEach((n, i) => {
    if (seen.has(n.name)) {
      add(['networks', i, 'name'], `network "${n.name}" is defined twice: rename or remove one (names must be unique)${lost.length ? `; was this one meant to be ${lost.join(', or ')}?` : ''}`);
    }
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
      if (!spec) {
        broken.add(n.name);
        return add(['networks', i, 'sites', k], `network "${n.name}" spans site "${site}", which does not exist${suggest(site, [...sites.keys()], 'sites')}`);
      }
      const count = spec.nodes.filter((x) => x.role === 'controller').length;
      if (count === 1 || reportedSites.has(site)) return;
      reportedSites.add(site);
      const spanning = s.networks.filter((o) => o.sites.includes(site)).map((o) => o.name);
      add(
        ['networks', i, 'sites', k],
        `network "${n.name}" spans site "${site}", which needs exactly one node with role: controller to serve its network API (it has ${count || 'none'}): ` +
          `${count === 0 ? 'make one of its nodes role: controller' : 'keep one controller'}, or take the site out of ${spanning.length > 1 ? `networks ${spanning.join(', ')}` : 'the network'}`,
      );
    });
  });

  // Each site's network API gives each network its own VNI; vniBySite may make two meet only across sites.
  const siteVnis = new Map<string, string>(); // "site/vni" -> the network holding it there
  s.networks.forEach((n, i) => {
    for (const site of Object.keys(n.vniBySite ?? {})) {
      if (!n.sites.includes(site)) add(['networks', i, 'vniBySite', site], `network "${n.name}" gives site "${site}" a VNI of its own but does not span it: add the site to sites, or drop it from vniBySite`);
    }
    for (const site of n.sites) {
      const at = n.vniBySite?.[site] ?? n.vni;
      const holder = siteVnis.get(`${site}/${at}`);
      // Two networks on one default VNI are reported above, once.
      if (holder !== undefined && (n.vniBySite?.[site] !== undefined || networks.get(holder)?.vniBySite?.[site] !== undefined)) {
        add(n.vniBySite?.[site] !== undefined ? ['networks', i, 'vniBySite', site] : ['networks', i, 'vni'], `network "${n.name}" has VNI ${at} in site "${site}", which "${holder}" has there: a site's network API gives each network its own VNI`);
      }
      if (holder === undefined) siteVnis.set(`${site}/${at}`, n.name);
    }
  });

  /** A VM attached to networks `nets`: reported once, for the first thing wrong with it. */
  const vmOn = (ref: string, nets: readonly (string | undefined)[], path: (string | number)[], what: string) => {
    if (role.get(ref) === undefined) return add(path, `${what} "${ref}" is not a node of this scenario${suggest(ref, vms, 'VMs')}`);
    if (role.get(ref) !== 'vm') return add(path, `${what} "${ref}" must have role: vm (the controller attaches VMs to tenant networks)`);
    const off = nets.filter((net): net is string => net !== undefined && !broken.has(net) && networks.get(net)?.sites.includes(siteOf(ref)) === false);
    if (off.length > 0) {
      add(path, `${what} "${ref}" is in site "${siteOf(ref)}", where network${off.length > 1 ? 's' : ''} ${q(off)} ${off.length > 1 ? 'do' : 'does'} not exist: add the site to the network's sites`);
    }
  };

  s.vnfs.forEach((v, i) => {
    for (const plane of ['backup', 'external'] as const) {
      const net = v[plane].network;
      if (net !== undefined && !networks.has(net) && !duplicateNet) add(['vnfs', i, plane, 'network'], `VNF "${v.name}" puts its ${plane} plane on ${unknownNet(net)}`);
    }
    if (v.backup.network === v.external.network) add(['vnfs', i, 'external', 'network'], `VNF "${v.name}" uses one network for both planes: the backup plane must be separate from the external plane`);
    v.members.forEach((m, k) => vmOn(m, [v.backup.network, v.external.network], ['vnfs', i, 'members', k], 'member'));
    if (new Set(v.members.map(siteOf)).size < v.members.length) add(['vnfs', i, 'members'], `VNF "${v.name}" has two members in one site: spread them across sites`);
    if (v.witness) {
      if (v.backup.network) vmOn(v.witness, [v.backup.network], ['vnfs', i, 'witness'], 'witness');
      else if (!role.has(v.witness)) add(['vnfs', i, 'witness'], `witness "${v.witness}" is not a node of this scenario${suggest(v.witness, [...role.keys()], 'nodes')}`);
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
      if (!v) add(['workload', i, 'vnf'], `calls "${w.name}" target VNF "${w.vnf}", which does not exist${suggest(w.vnf, [...vnfs.keys()], 'VNFs')}`);
      else vmOn(w.from, [v.external.network], ['workload', i, 'from'], 'call generator');
    }
    if (w.kind === 'remote-port-crud') {
      const n = networks.get(w.network);
      if (!n) {
        if (!duplicateNet) add(['workload', i, 'network'], `workload "${w.name}" uses ${unknownNet(w.network)}`);
      } else if (!sites.has(w.site)) {
        add(['workload', i, 'site'], `workload "${w.name}" creates ports in site "${w.site}", which does not exist${suggest(w.site, n.sites, `sites of network "${n.name}"`)}`);
      } else if (!n.sites.includes(w.site) && !broken.has(n.name)) {
        add(['workload', i, 'site'], `network "${w.network}" does not span site "${w.site}": add it to the network's sites, or use one it spans (${n.sites.join(', ')})`);
      }
      w.tunnelIps.forEach((ip, k) => {
        if (parseIp(ip) === null || !contains(SITE_SPACE, { base: parseIp(ip)!, prefix: 32 })) add(['workload', i, 'tunnelIps', k], `tunnel IP ${ip} must be inside 198.18.0.0/16`);
      });
    }
  });

  const siteNames = [...sites.keys()];
  const controllers = s.sites.filter((x) => x.nodes.some((n) => n.role === 'controller')).map((x) => x.name);
  if (s.identity) {
    const problem = controllerSiteProblem(s.identity.site, siteNames, controllers, ' to run the identity service');
    if (problem) add(['identity', 'site'], `identity.site ${problem}`);
    issues.push(...identityDbIssues(s.identity, siteNames, controllers));
  }
  s.workload.forEach((w, i) => {
    if (w.kind !== 'tokens' && w.kind !== 'writes' && w.kind !== 'issue') return;
    const does = w.kind === 'tokens' ? 'validates tokens' : w.kind === 'writes' ? 'writes to the identity service' : 'issues tokens';
    if (!s.identity) add(['workload', i], `workload "${w.name}" ${does}, but the scenario has no identity block: add one (provider, placement, site, database)`);
    (w.regions ?? []).forEach((r, k) => {
      const problem = controllerSiteProblem(r, siteNames, controllers, ' to send requests from');
      if (problem) add(['workload', i, 'regions', k], `region ${problem}`);
    });
  });
  return issues;
}
