// newCallsServed (vnf-history) at the edges the failover checks' tests do not
// reach: calls sent at the same instant, a first answer from a member that is
// not a server, a recovery with no setup sent before it (docs/mutation.md).
import { describe, expect, it } from 'vitest';
import { newCallsServed, outageVerdict } from '../../harness/checks/vnf-history.js';
import type { OpEvent } from '../../harness/observe/history.js';

const SERVER = 'west/vnf-b';
const OTHER = 'east/vnf-a';
const by = (ref: string) => ref.replace('/', '-');
/** A call setup: its invoke at `sent`, its outcome `after` ms later. */
const call = (id: number, sent: number, outcome: 'ok' | 'fail', who?: string, after = 10): OpEvent[] => [
  { t: sent, kind: 'op', process: 'calls', type: 'invoke', f: 'setup', value: { call: id } },
  { t: sent + after, kind: 'op', process: 'calls', type: outcome, f: 'setup', value: { call: id, ...(who ? { by: by(who) } : {}) } },
];
const setups = (...calls: OpEvent[][]) => calls.flat().sort((a, b) => a.t - b.t);

describe('newCallsServed', () => {
  it('a call sent at the same instant as the last failed one is not the recovery: it must be sent after it', () => {
    const r = newCallsServed(setups(call(1, 100, 'fail'), call(2, 100, 'ok', SERVER, 5), call(3, 200, 'ok', SERVER)), 0, 1000, [SERVER]);
    expect(r).toEqual({ outageMs: 210, lastOfferedMs: 200, servedBy: by(SERVER), failedSetups: 1, failedAfterFirstServed: 0, resolutionMs: 100 });
  });

  it('failures after the first call a server answered: not a failure answered by a server, nor an answer from another member', () => {
    const h = setups(call(1, 0, 'fail', SERVER), call(6, 20, 'fail'), call(2, 50, 'ok', OTHER), call(7, 70, 'fail'), call(3, 100, 'ok', SERVER), call(4, 150, 'fail'), call(5, 250, 'ok', SERVER));
    const r = newCallsServed(h, 0, 1000, [SERVER]);
    // Only call 4 was sent after call 3, the first a server answered (counting from call 1 would give 3, from call 2 would give 2).
    expect(r.failedAfterFirstServed).toBe(1);
    expect(r.failedSetups).toBe(4);
    expect(r.outageMs).toBe(260);
  });

  it('a failure sent at the same instant as the first served call is not after it', () => {
    const r = newCallsServed(setups(call(1, 100, 'ok', SERVER), call(2, 100, 'fail', undefined, 20), call(3, 300, 'ok', SERVER)), 0, 1000, [SERVER]);
    expect(r.failedAfterFirstServed).toBe(0);
    expect(r.failedSetups).toBe(1);
  });

  it('a recovery that is the first setup ever sent has no resolution to measure', () => {
    const r = newCallsServed(setups(call(1, 100, 'ok', SERVER)), 0, 1000, [SERVER]);
    expect(r).toEqual({ outageMs: 110, lastOfferedMs: 100, servedBy: by(SERVER), failedSetups: 0, failedAfterFirstServed: 0, resolutionMs: null });
  });
});

describe('outageVerdict', () => {
  const served = (outageMs: number | null, lastOfferedMs: number | null) => ({ outageMs, lastOfferedMs, servedBy: null, failedSetups: 0, failedAfterFirstServed: 0, resolutionMs: null });
  it('passes an outage of exactly the limit, fails one just over it', () => {
    expect(outageVerdict(served(1000, 5000), 1000)).toEqual({ status: 'pass', why: '' });
    expect(outageVerdict(served(1000.01, 5000), 1000)).toEqual({ status: 'fail', why: '' });
  });
  it('with no recovery: fails once a call was offered at the limit or later, else cannot tell', () => {
    expect(outageVerdict(served(null, 1000), 1000)).toEqual({ status: 'fail', why: '' });
    expect(outageVerdict(served(null, 999.99), 1000).status).toBe('unknown');
    expect(outageVerdict(served(null, null), 1000)).toEqual({
      status: 'unknown',
      why: 'none served again, but no new call was offered after the fault, before the 1000 ms limit: the calls stopped before the outage could be judged',
    });
  });
});
