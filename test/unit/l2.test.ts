// Linux bridge agent + L2 population as pure command generation: device
// naming, network devices, remote port programming with the flooding entry
// reference-counted per (network, VTEP), and reconciliation against
// observed kernel state.
import { describe, expect, it } from 'vitest';
import {
  EMPTY_STATE,
  bridgeName,
  floodRefs,
  networkDownCommands,
  networkUpCommands,
  parseFdb,
  parseLinks,
  parseNeigh,
  reconcileCommands,
  render,
  stateOf,
  tapName,
  transition,
  vxlanName,
  type L2Config,
  type L2State,
  type Observed,
  type RemoteEndpoint,
} from '../../harness/services/network/l2.js';

const cfg: L2Config = { vtep: '198.18.1.2', dev: 'eth0', arpResponder: true };
const NET = 'a1b2c3d4-e5f6-4711-8899-aabbccddeeff';
const net = { id: NET, vni: 5001, mtu: 1400 };

function ep(portId: string, vtep: string, mac: string, ips: string[] = []): RemoteEndpoint {
  return { portId, networkId: NET, vni: 5001, mac, ips, vtep };
}

function apply(state: L2State, portId: string, next: RemoteEndpoint | null): { state: L2State; cmds: string[] } {
  const t = transition(cfg, state, portId, next);
  return { state: t.state, cmds: t.commands.map(render) };
}

describe('names', () => {
  it("follows Neutron's linuxbridge agent", () => {
    expect(bridgeName(NET)).toBe('brqa1b2c3d4-e5');
    expect(bridgeName(NET).length).toBeLessThanOrEqual(15);
    expect(vxlanName(5001)).toBe('vxlan-5001');
    expect(vxlanName(16_777_215).length).toBeLessThanOrEqual(15);
    expect(tapName('0123456789abcdef')).toBe('tap0123456789a');
  });
});

describe('network devices', () => {
  it('creates the bridge and an enslaved nolearning proxy vxlan device at the network MTU', () => {
    expect(networkUpCommands(cfg, net).map(render)).toEqual([
      'ip link add brqa1b2c3d4-e5 type bridge forward_delay 0 stp_state 0',
      'ip link add vxlan-5001 type vxlan id 5001 local 198.18.1.2 dstport 4789 dev eth0 nolearning proxy',
      'ip link set brqa1b2c3d4-e5 mtu 1400 up',
      'ip link set vxlan-5001 mtu 1400 master brqa1b2c3d4-e5 up',
    ]);
  });

  it('leaves proxy off without the ARP responder', () => {
    expect(networkUpCommands({ ...cfg, arpResponder: false }, net)[1]!.line).toBe('link add vxlan-5001 type vxlan id 5001 local 198.18.1.2 dstport 4789 dev eth0 nolearning');
  });

  it('deletes both devices, tolerating their absence', () => {
    const cmds = networkDownCommands(net);
    expect(cmds.map(render)).toEqual(['ip link del vxlan-5001', 'ip link del brqa1b2c3d4-e5']);
    expect(cmds.every((c) => c.mayFail)).toBe(true);
  });
});

describe('remote port programming', () => {
  it('adds the flooding entry, the MAC entry and one ARP proxy entry per fixed IP', () => {
    const r = apply(EMPTY_STATE, 'p1', ep('p1', '198.18.2.2', 'fa:16:3e:00:00:01', ['10.0.0.5', '10.0.0.6']));
    expect(r.cmds).toEqual([
      'bridge fdb append 00:00:00:00:00:00 dev vxlan-5001 dst 198.18.2.2',
      'bridge fdb replace fa:16:3e:00:00:01 dev vxlan-5001 dst 198.18.2.2 self permanent',
      'ip neigh replace 10.0.0.5 lladdr fa:16:3e:00:00:01 dev vxlan-5001 nud permanent',
      'ip neigh replace 10.0.0.6 lladdr fa:16:3e:00:00:01 dev vxlan-5001 nud permanent',
    ]);
    expect(floodRefs(r.state, NET, '198.18.2.2')).toBe(1);
  });

  it('programs no neigh entries without the ARP responder', () => {
    const t = transition({ ...cfg, arpResponder: false }, EMPTY_STATE, 'p1', ep('p1', '198.18.2.2', 'fa:16:3e:00:00:01', ['10.0.0.5']));
    expect(t.commands.map(render).filter((c) => c.startsWith('ip neigh'))).toEqual([]);
  });

  it('reference-counts the flooding entry per (network, VTEP)', () => {
    let s = apply(EMPTY_STATE, 'p1', ep('p1', '198.18.2.2', 'fa:16:3e:00:00:01', ['10.0.0.5'])).state;
    const second = apply(s, 'p2', ep('p2', '198.18.2.2', 'fa:16:3e:00:00:02', ['10.0.0.6']));
    // Second port on the same VTEP: no second flooding entry.
    expect(second.cmds.filter((c) => c.includes('00:00:00:00:00:00'))).toEqual([]);
    s = second.state;
    expect(floodRefs(s, NET, '198.18.2.2')).toBe(2);

    const del1 = apply(s, 'p1', null);
    expect(del1.cmds).toEqual(['bridge fdb del fa:16:3e:00:00:01 dev vxlan-5001 dst 198.18.2.2 self', 'ip neigh del 10.0.0.5 dev vxlan-5001']);
    const del2 = apply(del1.state, 'p2', null);
    expect(del2.cmds).toEqual([
      'bridge fdb del fa:16:3e:00:00:02 dev vxlan-5001 dst 198.18.2.2 self',
      'ip neigh del 10.0.0.6 dev vxlan-5001',
      'bridge fdb del 00:00:00:00:00:00 dev vxlan-5001 dst 198.18.2.2 self',
    ]);
    expect(del2.state.size).toBe(0);
  });

  it('counts per network: the same VTEP on another network has its own flooding entry', () => {
    const s = apply(EMPTY_STATE, 'p1', ep('p1', '198.18.2.2', 'fa:16:3e:00:00:01')).state;
    const other: RemoteEndpoint = { portId: 'q1', networkId: 'ffffffff-0000', vni: 5002, mac: 'fa:16:3e:00:00:09', ips: [], vtep: '198.18.2.2' };
    const t = transition(cfg, s, 'q1', other);
    expect(t.commands.map(render)[0]).toBe('bridge fdb append 00:00:00:00:00:00 dev vxlan-5002 dst 198.18.2.2');
    expect(apply(t.state, 'p1', null).cmds).toContain('bridge fdb del 00:00:00:00:00:00 dev vxlan-5001 dst 198.18.2.2 self');
  });

  it('moves a port to another VTEP: new path first, old flooding entry removed when unused', () => {
    const s = apply(EMPTY_STATE, 'p1', ep('p1', '198.18.2.2', 'fa:16:3e:00:00:01', ['10.0.0.5'])).state;
    const r = apply(s, 'p1', ep('p1', '198.18.3.2', 'fa:16:3e:00:00:01', ['10.0.0.5']));
    expect(r.cmds).toEqual([
      'bridge fdb append 00:00:00:00:00:00 dev vxlan-5001 dst 198.18.3.2',
      // replace moves the unicast entry in place; the ARP entry (IP -> MAC) is unchanged
      'bridge fdb replace fa:16:3e:00:00:01 dev vxlan-5001 dst 198.18.3.2 self permanent',
      'bridge fdb del 00:00:00:00:00:00 dev vxlan-5001 dst 198.18.2.2 self',
    ]);
    expect(floodRefs(r.state, NET, '198.18.2.2')).toBe(0);
    expect(floodRefs(r.state, NET, '198.18.3.2')).toBe(1);
  });

  it('keeps the old flooding entry when another port still uses that VTEP', () => {
    let s = apply(EMPTY_STATE, 'p1', ep('p1', '198.18.2.2', 'fa:16:3e:00:00:01')).state;
    s = apply(s, 'p2', ep('p2', '198.18.2.2', 'fa:16:3e:00:00:02')).state;
    const r = apply(s, 'p1', ep('p1', '198.18.3.2', 'fa:16:3e:00:00:01'));
    expect(r.cmds).toEqual(['bridge fdb append 00:00:00:00:00:00 dev vxlan-5001 dst 198.18.3.2', 'bridge fdb replace fa:16:3e:00:00:01 dev vxlan-5001 dst 198.18.3.2 self permanent']);
  });

  it('joins an existing flooding entry when moving onto a VTEP already in use', () => {
    let s = apply(EMPTY_STATE, 'p1', ep('p1', '198.18.2.2', 'fa:16:3e:00:00:01')).state;
    s = apply(s, 'p2', ep('p2', '198.18.3.2', 'fa:16:3e:00:00:02')).state;
    const r = apply(s, 'p1', ep('p1', '198.18.3.2', 'fa:16:3e:00:00:01'));
    expect(r.cmds).toEqual(['bridge fdb replace fa:16:3e:00:00:01 dev vxlan-5001 dst 198.18.3.2 self permanent', 'bridge fdb del 00:00:00:00:00:00 dev vxlan-5001 dst 198.18.2.2 self']);
    expect(floodRefs(r.state, NET, '198.18.3.2')).toBe(2);
  });

  it('changes MAC and fixed IPs: old MAC entry and dropped IPs removed, ARP entries rewritten', () => {
    const s = apply(EMPTY_STATE, 'p1', ep('p1', '198.18.2.2', 'fa:16:3e:00:00:01', ['10.0.0.5', '10.0.0.6'])).state;
    const r = apply(s, 'p1', ep('p1', '198.18.2.2', 'fa:16:3e:00:00:aa', ['10.0.0.6', '10.0.0.7']));
    expect(r.cmds).toEqual([
      'bridge fdb replace fa:16:3e:00:00:aa dev vxlan-5001 dst 198.18.2.2 self permanent',
      'ip neigh replace 10.0.0.6 lladdr fa:16:3e:00:00:aa dev vxlan-5001 nud permanent',
      'ip neigh replace 10.0.0.7 lladdr fa:16:3e:00:00:aa dev vxlan-5001 nud permanent',
      'bridge fdb del fa:16:3e:00:00:01 dev vxlan-5001 dst 198.18.2.2 self',
      'ip neigh del 10.0.0.5 dev vxlan-5001',
    ]);
  });

  it('changes only fixed IPs: only neigh entries change', () => {
    const s = apply(EMPTY_STATE, 'p1', ep('p1', '198.18.2.2', 'fa:16:3e:00:00:01', ['10.0.0.5'])).state;
    expect(apply(s, 'p1', ep('p1', '198.18.2.2', 'fa:16:3e:00:00:01', ['10.0.0.8'])).cmds).toEqual([
      'ip neigh replace 10.0.0.8 lladdr fa:16:3e:00:00:01 dev vxlan-5001 nud permanent',
      'ip neigh del 10.0.0.5 dev vxlan-5001',
    ]);
  });

  it('an unchanged endpoint programs nothing; an unknown port going away removes nothing', () => {
    const e = ep('p1', '198.18.2.2', 'fa:16:3e:00:00:01', ['10.0.0.5']);
    const s = apply(EMPTY_STATE, 'p1', e).state;
    expect(apply(s, 'p1', { ...e }).cmds).toEqual([]);
    expect(apply(s, 'nope', null).cmds).toEqual([]);
  });

  it('marks additions strict and removals tolerant', () => {
    const s = apply(EMPTY_STATE, 'p1', ep('p1', '198.18.2.2', 'fa:16:3e:00:00:01', ['10.0.0.5'])).state;
    const add = transition(cfg, EMPTY_STATE, 'p1', ep('p1', '198.18.2.2', 'fa:16:3e:00:00:01', ['10.0.0.5']));
    expect(add.commands.every((c) => !c.mayFail)).toBe(true);
    expect(transition(cfg, s, 'p1', null).commands.every((c) => c.mayFail)).toBe(true);
  });

  it('never mutates the state it is given', () => {
    const s = apply(EMPTY_STATE, 'p1', ep('p1', '198.18.2.2', 'fa:16:3e:00:00:01')).state;
    transition(cfg, s, 'p1', null);
    transition(cfg, s, 'p2', ep('p2', '198.18.2.2', 'fa:16:3e:00:00:02'));
    expect([...s.keys()]).toEqual(['p1']);
  });
});

describe('reconciliation', () => {
  const vx = (over: Partial<NonNullable<Observed['links'][number]['vxlan']>> = {}) => ({
    name: 'vxlan-5001',
    kind: 'vxlan',
    master: 'brqa1b2c3d4-e5',
    mtu: 1400,
    up: true,
    vxlan: { id: 5001, local: '198.18.1.2', port: 4789, link: 'eth0', learning: false, proxy: true, ...over },
  });
  const bridge = { name: 'brqa1b2c3d4-e5', kind: 'bridge', mtu: 1400, up: true };
  const state = stateOf([ep('p1', '198.18.2.2', 'fa:16:3e:00:00:01', ['10.0.0.5'])]);

  it('rebuilds everything on an empty kernel', () => {
    const cmds = reconcileCommands(cfg, [net], state, { links: [{ name: 'eth0', kind: 'veth', mtu: 1450, up: true }], fdb: new Map(), neigh: new Map() });
    expect(cmds.map(render)).toEqual([
      ...networkUpCommands(cfg, net).map(render),
      'bridge fdb replace fa:16:3e:00:00:01 dev vxlan-5001 dst 198.18.2.2 self permanent',
      'bridge fdb append 00:00:00:00:00:00 dev vxlan-5001 dst 198.18.2.2',
      'ip neigh replace 10.0.0.5 lladdr fa:16:3e:00:00:01 dev vxlan-5001 nud permanent',
    ]);
  });

  it('only re-asserts link settings when the kernel already matches', () => {
    const observed: Observed = {
      links: [bridge, vx()],
      fdb: new Map([
        [
          'vxlan-5001',
          [
            { mac: 'fa:16:3e:00:00:01', dst: '198.18.2.2' },
            { mac: '00:00:00:00:00:00', dst: '198.18.2.2' },
          ],
        ],
      ]),
      neigh: new Map([['vxlan-5001', [{ ip: '10.0.0.5', mac: 'fa:16:3e:00:00:01', permanent: true }]]]),
    };
    expect(reconcileCommands(cfg, [net], state, observed).map(render)).toEqual(['ip link set brqa1b2c3d4-e5 mtu 1400 up', 'ip link set vxlan-5001 mtu 1400 master brqa1b2c3d4-e5 up']);
  });

  it('removes stale entries and devices of networks that no longer exist, leaves other devices alone', () => {
    const observed: Observed = {
      links: [bridge, vx(), { name: 'vxlan-7', kind: 'vxlan', mtu: 1400, up: true, vxlan: { id: 7 } }, { name: 'brq00000000-00', kind: 'bridge', mtu: 1400, up: true }, { name: 'eth0', kind: 'veth', mtu: 1450, up: true }],
      fdb: new Map([
        [
          'vxlan-5001',
          [
            { mac: 'fa:16:3e:00:00:01', dst: '198.18.9.9' }, // moved: replaced in place
            { mac: 'fa:16:3e:00:00:77', dst: '198.18.9.9' }, // gone
            { mac: '00:00:00:00:00:00', dst: '198.18.9.9' }, // gone
          ],
        ],
      ]),
      neigh: new Map([
        [
          'vxlan-5001',
          [
            { ip: '10.0.0.5', mac: 'fa:16:3e:00:00:99', permanent: true },
            { ip: '10.0.0.77', mac: 'fa:16:3e:00:00:77', permanent: true },
          ],
        ],
      ]),
    };
    expect(reconcileCommands(cfg, [net], state, observed).map(render)).toEqual([
      'ip link del vxlan-7',
      'ip link del brq00000000-00',
      'ip link set brqa1b2c3d4-e5 mtu 1400 up',
      'ip link set vxlan-5001 mtu 1400 master brqa1b2c3d4-e5 up',
      'bridge fdb replace fa:16:3e:00:00:01 dev vxlan-5001 dst 198.18.2.2 self permanent',
      'bridge fdb append 00:00:00:00:00:00 dev vxlan-5001 dst 198.18.2.2',
      'bridge fdb del fa:16:3e:00:00:77 dev vxlan-5001 dst 198.18.9.9 self',
      'bridge fdb del 00:00:00:00:00:00 dev vxlan-5001 dst 198.18.9.9 self',
      'ip neigh replace 10.0.0.5 lladdr fa:16:3e:00:00:01 dev vxlan-5001 nud permanent',
      'ip neigh del 10.0.0.77 dev vxlan-5001',
    ]);
  });

  it('recreates a vxlan device whose parameters differ (here: another local VTEP)', () => {
    const observed: Observed = { links: [bridge, vx({ local: '198.18.1.99' })], fdb: new Map([['vxlan-5001', [{ mac: '00:00:00:00:00:00', dst: '198.18.2.2' }]]]), neigh: new Map() };
    const cmds = reconcileCommands(cfg, [net], state, observed).map(render);
    expect(cmds.slice(0, 2)).toEqual(['ip link del vxlan-5001', 'ip link add vxlan-5001 type vxlan id 5001 local 198.18.1.2 dstport 4789 dev eth0 nolearning proxy']);
    // The new device is empty: every entry is added again.
    expect(cmds).toContain('bridge fdb append 00:00:00:00:00:00 dev vxlan-5001 dst 198.18.2.2');
  });
});

describe('parsing iproute2 JSON', () => {
  it('reads links with vxlan details and master', () => {
    const links = parseLinks([
      {
        ifname: 'vxlan-5001',
        flags: ['BROADCAST', 'UP'],
        mtu: 1400,
        master: 'brqa1b2c3d4-e5',
        linkinfo: { info_kind: 'vxlan', info_data: { id: 5001, local: '198.18.1.2', link: 'eth0', port: 4789, learning: false, proxy: true } },
      },
      { ifname: 'lo', flags: ['LOOPBACK'], mtu: 65536 },
    ]);
    expect(links[0]).toEqual({ name: 'vxlan-5001', kind: 'vxlan', mtu: 1400, up: true, master: 'brqa1b2c3d4-e5', vxlan: { id: 5001, local: '198.18.1.2', port: 4789, link: 'eth0', learning: false, proxy: true } });
    expect(links[1]).toEqual({ name: 'lo', kind: '', mtu: 65536, up: false });
  });

  it("keeps the vxlan device's own remote entries, not the bridge's", () => {
    expect(
      parseFdb([
        { mac: 'da:6c:32:f7:f8:e1', flags: [], master: 'brqa1b2c3d4-e5', state: 'permanent' },
        { mac: 'FA:16:3E:00:00:01', dst: '198.18.2.2', flags: ['self'], state: 'permanent' },
        { mac: '00:00:00:00:00:00', dst: '198.18.2.2', flags: ['self'], state: 'permanent' },
      ]),
    ).toEqual([
      { mac: 'fa:16:3e:00:00:01', dst: '198.18.2.2' },
      { mac: '00:00:00:00:00:00', dst: '198.18.2.2' },
    ]);
  });

  it('reads neighbours and whether they are permanent', () => {
    expect(parseNeigh([{ dst: '10.0.0.5', lladdr: 'fa:16:3e:00:00:01', state: ['PERMANENT'] }, { dst: '10.0.0.6', state: ['FAILED'] }])).toEqual([{ ip: '10.0.0.5', mac: 'fa:16:3e:00:00:01', permanent: true }]);
  });
});
