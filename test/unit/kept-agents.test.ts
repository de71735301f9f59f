// msh up's VNFs left running: the role read from a member's log, and the
// summary printed after --workloads.
import { describe, expect, it } from 'vitest';
import { workloadSummary } from '../../harness/cli/up.js';
import { lastRole } from '../../harness/engine/kept-agents.js';
import type { OpEvent } from '../../harness/observe/history.js';

const role = (to: string) => JSON.stringify({ t: 1, type: 'info', f: 'role', value: { from: 'x', to } });

describe('lastRole', () => {
  it('is the last role event, whatever else the log holds', () => {
    expect(lastRole([role('standby'), JSON.stringify({ t: 2, type: 'info', f: 'peer', value: { to: 'active' } }), 'node: a stderr line', role('active'), ''])).toBe('active');
    expect(lastRole([role('active'), role('standby')])).toBe('standby');
  });

  it('is null before any role event', () => {
    expect(lastRole([])).toBeNull();
    expect(lastRole([JSON.stringify({ t: 1, type: 'info', f: 'start', value: {} }), '{"f":"role","value":{}}'])).toBeNull();
  });
});

describe('workloadSummary', () => {
  const op = (process: string, type: OpEvent['type']): OpEvent => ({ t: 1, kind: 'op', process, type, f: 'x', value: {} });

  it('counts ok, fail and info per process, sorted, invokes left out', () => {
    const events = [op('tokens@west', 'invoke'), op('tokens@west', 'ok'), op('calls@users/client', 'fail'), op('tokens@west', 'ok'), op('calls@users/client', 'ok'), op('calls@users/client', 'info'), op('tokens@west', 'fail')];
    expect(workloadSummary(events)).toEqual(['calls@users/client: 1 ok, 1 fail, 1 info', 'tokens@west: 2 ok, 1 fail']);
  });

  it('says nothing of a process that only invoked', () => {
    expect(workloadSummary([op('issue@east', 'invoke')])).toEqual([]);
  });
});
