import { describe, expect, it } from 'vitest';
import { byProgram, programLabel, type CpuReport } from '../../harness/bench/cpu.js';

describe('bench/cpu programLabel', () => {
  it('names a node process by its script, others by their command', () => {
    expect(programLabel('node', ['node', '/opt/msh/dist/services/main.js', '--site', 'east'])).toBe('node services/main.js');
    expect(programLabel('node', ['/usr/bin/node', '--cpu-prof', '/work/main/dist/wan/relay.js'])).toBe('node wan/relay.js');
    expect(programLabel('python3', ['/usr/bin/python3', '/usr/bin/swift-proxy-server', '/etc/swift/proxy-server.conf'])).toBe('python3 swift-proxy-server');
    expect(programLabel('mariadbd', ['mariadbd', '--no-defaults'])).toBe('mariadbd');
    // On its way out a process has no cmdline left: only the command name.
    expect(programLabel('node', [])).toBe('node');
  });

  it('sums programs across containers and lists the biggest first', () => {
    const r: CpuReport = {
      wallS: 10,
      exitCode: 0,
      loadAvg: [1, 1],
      hostTree: { 'node bin/msh.js': 2, 'node wan/relay.js': 1.5 },
      containers: {
        a: { cgroupS: 1.2, programs: { 'node services/main.js': 1, mariadbd: 0.2 } },
        b: { cgroupS: 1.4, programs: { 'node services/main.js': 1.25, mariadbd: 0.15 } },
      },
      containersTotalS: 2.6,
      hostTreeTotalS: 3.5,
      dockerDaemonsDeltaS: 0.5,
      totalS: 6.6,
    };
    expect(byProgram(r)).toEqual([
      ['container: node services/main.js', 2.25],
      ['host: node bin/msh.js', 2],
      ['host: node wan/relay.js', 1.5],
      ['docker daemons (delta, shared)', 0.5],
      ['container: mariadbd', 0.35],
    ]);
  });
});
