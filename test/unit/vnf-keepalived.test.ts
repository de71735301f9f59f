// The VRRP takeover option (`takeover: vrrp`): the pure keepalived.conf
// generator, the per-member parameters the harness chooses, the agent's config
// validation and the scenario rules that come with VRRP.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseVnfConfig } from '../../harness/agents/vnf-config.js';
import { advertInt, keepalivedConf, masterDownMs, notifyScript, parseNotify, vrrpProblems, type VrrpParams } from '../../harness/agents/vnf-keepalived.js';
import { VRRP_STARTUP_WAIT_MS, vnfConfigs } from '../../harness/engine/ha.js';
import { MshError } from '../../harness/scenario/errors.js';
import { parseScenario } from '../../harness/scenario/load.js';
import { planAttachments } from '../../harness/topology/overlay.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const VRRP_FILE = join(ROOT, 'scenarios', 'ha-l2-site-loss-vrrp.yaml');
const vrrpText = readFileSync(VRRP_FILE, 'utf8');

const params: VrrpParams = {
  instance: 'vnf1',
  vrid: 1,
  priority: 254,
  advertMs: 100,
  interface: 'backup',
  srcIp: '198.18.200.10',
  peers: ['198.18.200.11', '198.18.200.12'],
  vip: { address: '198.18.201.100', prefix: 24, dev: 'ext' },
  notifyPath: '/run/msh-vrrp/vnf1/notify',
};

/** The lines of one block (`name {` ... `}`), trimmed, without the braces. */
function block(conf: string, name: string): string[] {
  const lines = conf.split('\n').map((l) => l.trim());
  const start = lines.indexOf(`${name} {`);
  expect(start, `${name} block`).toBeGreaterThanOrEqual(0);
  let depth = 0;
  const out: string[] = [];
  for (const l of lines.slice(start)) {
    if (l.endsWith('{')) depth += 1;
    if (l === '}') depth -= 1;
    if (depth === 0) break;
    out.push(l);
  }
  return out.slice(1);
}

describe('keepalivedConf', () => {
  const conf = keepalivedConf(params);

  it('is VRRPv3 with unicast adverts from the backup plane to every peer', () => {
    expect(block(conf, 'global_defs')).toContain('vrrp_version 3');
    const inst = block(conf, 'vrrp_instance vnf1');
    expect(inst).toEqual(
      expect.arrayContaining(['interface backup', 'virtual_router_id 1', 'priority 254', 'advert_int 0.1', 'unicast_src_ip 198.18.200.10', 'unicast_peer {', '198.18.200.11', '198.18.200.12']),
    );
    expect(block(conf, 'unicast_peer')).toEqual(['198.18.200.11', '198.18.200.12']);
  });

  it('starts every member BACKUP with nopreempt (a recovered member does not take the VIP back)', () => {
    const inst = block(conf, 'vrrp_instance vnf1');
    expect(inst).toContain('state BACKUP');
    expect(inst).toContain('nopreempt');
    expect(inst).not.toContain('state MASTER');
  });

  it('puts the VIP with the external prefix on the external interface, and runs the notify script', () => {
    expect(block(conf, 'virtual_ipaddress')).toEqual(['198.18.201.100/24 dev ext']);
    expect(block(conf, 'vrrp_instance vnf1')).toContain('notify /run/msh-vrrp/vnf1/notify');
    expect(block(conf, 'global_defs')).toEqual(expect.arrayContaining(['script_user root', 'enable_script_security']));
  });

  it('writes advert_int in seconds with centisecond precision', () => {
    expect([10, 50, 100, 250, 1000, 40_950].map(advertInt)).toEqual(['0.01', '0.05', '0.1', '0.25', '1', '40.95']);
    expect(block(keepalivedConf({ ...params, advertMs: 1000 }), 'vrrp_instance vnf1')).toContain('advert_int 1');
  });

  it('refuses what keepalived or VRRPv3 cannot carry, saying what to use', () => {
    expect(vrrpProblems(params)).toEqual([]);
    expect(vrrpProblems({ ...params, advertMs: 105 })[0]).toContain('multiple of 10 ms');
    expect(vrrpProblems({ ...params, advertMs: 50_000 })[0]).toContain('40950 ms');
    expect(vrrpProblems({ ...params, priority: 255 })[0]).toContain('1 to 254');
    expect(vrrpProblems({ ...params, vrid: 0 })[0]).toContain('1 to 255');
    expect(vrrpProblems({ ...params, peers: [] })[0]).toContain('unicast peer');
    expect(vrrpProblems({ ...params, instance: 'vnf 1' })[0]).toContain('instance');
    expect(() => keepalivedConf({ ...params, advertMs: 105 })).toThrow(/multiple of 10 ms/);
  });

  it('gives the VRRP detection floor: 3 adverts plus skew', () => {
    expect(masterDownMs(100, 253)).toBeCloseTo(301.17, 2);
    expect(masterDownMs(1000, 253)).toBeCloseTo(3011.7, 1);
  });
});

describe('notify script', () => {
  it('forwards its arguments to the agent over loopback UDP (keepalived discards its output)', () => {
    const s = notifyScript(40123);
    expect(s.startsWith('#!/bin/bash\n')).toBe(true);
    expect(s).toContain('"$1" "$2" "$3" "$4" > /dev/udp/127.0.0.1/40123');
    expect(() => notifyScript(0)).toThrow();
  });

  it('parses transitions, and ignores anything else', () => {
    expect(parseNotify('INSTANCE vnf1 MASTER 254\n')).toEqual({ instance: 'vnf1', state: 'MASTER', priority: 254 });
    expect(parseNotify('INSTANCE vnf1 BACKUP 253')).toEqual({ instance: 'vnf1', state: 'BACKUP', priority: 253 });
    expect(parseNotify('INSTANCE vnf1 FAULT 253')?.state).toBe('FAULT');
    expect(parseNotify('hello')).toBeNull();
  });
});

describe('VRRP members of scenarios/ha-l2-site-loss-vrrp.yaml', () => {
  const { scenario } = parseScenario(VRRP_FILE, vrrpText);
  const v = scenario.vnfs[0]!;
  const members = vnfConfigs(v, planAttachments(scenario), () => '198.18.1.10', 10_000, 7);

  it('takes over with vrrp: priorities by order of listing, adverts at the heartbeat interval, on the backup plane', () => {
    expect(v.takeover).toBe('vrrp');
    expect(members.map((m) => m.config.takeover)).toEqual(['vrrp', 'vrrp']);
    expect(members.map((m) => m.config.vrrp?.priority)).toEqual([254, 253]);
    expect(members.map((m) => m.config.vrrp?.vrid)).toEqual([7, 7]);
    expect(members.every((m) => m.config.vrrp?.advertMs === 100 && m.config.vrrp.interface === 'backup')).toBe(true);
    // Each member's source is the address its peer sends to.
    expect(members[0]!.config.vrrp?.srcIp).toBe(members[1]!.config.peers[0]!.ip);
    expect(members[1]!.config.vrrp?.srcIp).toBe(members[0]!.config.peers[0]!.ip);
  });

  it('gives the preferred master a head start, and the agent accepts the config', () => {
    expect(members.map((m) => m.config.vrrp?.startupWaitMs)).toEqual([0, VRRP_STARTUP_WAIT_MS]);
    for (const m of members) expect(parseVnfConfig(JSON.parse(JSON.stringify(m.config)))).toEqual(m.config);
  });

  it('garp members carry no VRRP block, and the agent refuses a half-made one', () => {
    const garp = parseScenario('garp.yaml', vrrpText.replace('takeover: vrrp', 'takeover: garp')).scenario;
    const cfg = vnfConfigs(garp.vnfs[0]!, planAttachments(garp), () => '198.18.1.10', 10_000)[0]!.config;
    expect(cfg.takeover).toBe('garp');
    expect(cfg.vrrp).toBeUndefined();
    expect(() => parseVnfConfig({ ...cfg, takeover: 'vrrp' })).toThrow(/config\.vrrp/);
    expect(() => parseVnfConfig({ ...members[0]!.config, witness: { ip: '198.18.200.20', port: 7200 } })).toThrow(/cannot consult a witness/);
  });
});

describe('scenario rules for takeover: vrrp', () => {
  const issue = (text: string) => {
    try {
      parseScenario('s.yaml', text);
    } catch (e) {
      expect(e).toBeInstanceOf(MshError);
      return (e as MshError).issues;
    }
    return [];
  };
  const lineOf = (needle: string) => vrrpText.split('\n').findIndex((l) => l.includes(needle)) + 1;

  it('defaults to garp', () => {
    const s = parseScenario('s.yaml', vrrpText.replace(/\n\s*takeover: vrrp/, '')).scenario;
    expect(s.vnfs[0]!.takeover).toBe('garp');
  });

  it('needs an advert interval VRRPv3 can carry', () => {
    const [i] = issue(vrrpText.replace('interval: 100ms', 'interval: 105ms'));
    expect(i?.message).toContain('multiple of 10ms');
    expect(i?.line).toBe(lineOf('interval: 100ms'));
  });

  it('keeps VRRP\'s fixed 3 missed adverts', () => {
    const [i] = issue(vrrpText.replace('misses: 3 }', 'misses: 5 }'));
    expect(i?.message).toContain('set misses to 3');
  });

  it('has no witness', () => {
    const [i] = issue(vrrpText.replace('    takeover: vrrp\n', '    takeover: vrrp\n    witness: users/client\n'));
    expect(i?.message).toContain('cannot consult a witness');
    expect(i?.line).toBe(lineOf('takeover: vrrp') + 1);
  });
});
