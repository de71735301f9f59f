// Multisite identity on the real thing: Keystones per region on a Galera
// identity database over an emulated WAN; the centralized model is the
// known-bad configuration for local validation.
import { describe, expect, it } from 'vitest';
import { leftovers } from '../support/leftovers.js';
import { detail, runFile, status } from '../support/run.js';

describe('multisite identity', () => {
  it('distributed Fernet on Galera: valid everywhere, validated locally, revoked everywhere', async () => {
    const r = await runFile('scenarios/id-fernet-galera.yaml');
    expect(r.error, detail(r)).toBeUndefined();
    for (const id of ['ID-VALIDATE-EVERYWHERE', 'ID-LOCAL-VALIDATION', 'ID-REVOCATION']) expect(status(r, id), `${id}\n${detail(r)}`).toBe('pass');
    expect(await leftovers(r.runId)).toEqual([]);
  });

  it('known-bad: a centralized Keystone makes validation cross regions', async () => {
    const r = await runFile('scenarios/id-fernet-centralized.yaml');
    expect(r.error, detail(r)).toBeUndefined();
    expect(status(r, 'ID-LOCAL-VALIDATION'), detail(r)).toBe('fail');
  });

  it('Fernet key rotation: distributed, zero failures; not distributed, failures in the rotating region', async () => {
    const right = await runFile('scenarios/id-fernet-rotation.yaml');
    expect(status(right, 'ID-KEY-ROTATION'), detail(right)).toBe('pass');
    const wrong = await runFile('fixtures/scenarios/id-fernet-rotation-wrong.yaml');
    expect(status(wrong, 'ID-KEY-ROTATION'), detail(wrong)).toBe('fail');
    const rows = wrong.verdicts.find((v) => v.id === 'ID-KEY-ROTATION')!.checks[0]!.evidence.rows as { region: string; failed: number }[];
    expect(rows.filter((r) => r.failed > 0).map((r) => r.region)).toEqual(['east']);
  });
});
