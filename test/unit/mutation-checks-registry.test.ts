// The check kinds' registry at the edges the other tests do not reach: each
// assertion failed on a changed registry (mutation testing, docs/mutation.md).
import { describe, expect, it } from 'vitest';
import { CHECK_KIND_NAMES, checkKind, checkOptions } from '../../harness/checks/registry.js';

describe('check registry', () => {
  it('names an unknown kind, with the nearest and every known kind quoted', () => {
    const r = checkOptions.safeParse({ name: 'x', kind: 'heartbeat-rt', requirements: ['R'] });
    expect(r.success).toBe(false);
    const message = r.error!.issues[0]!.message;
    expect(message).toMatch(/^did you mean "heartbeat-rtt"\? expected one of "heartbeat-rtt", "partition-gap", /);
    expect(message).toContain(CHECK_KIND_NAMES.map((k) => JSON.stringify(k)).join(', '));
  });
  it('leaves other problems to their own messages, and reads a missing input as no kind', () => {
    for (const input of [5, undefined, null, 'split-brain']) {
      const r = checkOptions.safeParse(input);
      expect(r.success).toBe(false);
      expect(r.error!.issues.map((i) => i.message).join('; ')).not.toMatch(/expected one of/);
    }
    const nokind = checkOptions.safeParse({ name: 'x', requirements: ['R'] });
    expect(nokind.error!.issues[0]!.message).toMatch(/^expected one of "heartbeat-rtt"/);
  });
  it('gives a kind by name, and refuses an unknown one', () => {
    expect(checkKind('split-brain').requirements).toEqual(['HA-NO-SPLIT-BRAIN']);
    expect(() => checkKind('nope')).toThrow('unknown check kind nope');
  });
});
