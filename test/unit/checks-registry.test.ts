// The check kinds' registry: each kind's file declares its options, the
// requirements it decides and what it needs; the scenario schema's checks
// are built from it, and an option one kind does not take is refused by name.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CATALOG } from '../../harness/checks/catalog.js';
import { CHECK_KIND_NAMES, checkKind, checkOptions } from '../../harness/checks/registry.js';
import { MshError } from '../../harness/scenario/errors.js';
import { parseScenario } from '../../harness/scenario/load.js';

const GOOD = readFileSync('scenarios/wan-heartbeat.yaml', 'utf8');

function messages(text: string): string[] {
  try {
    parseScenario('wan.yaml', text);
    return [];
  } catch (err) {
    return (err as MshError).issues.map((i) => `${i.line}:${i.col} ${i.message}`);
  }
}

describe('check kinds', () => {
  it.each(CHECK_KIND_NAMES)('%s decides catalog requirements and describes each of its own options', (name) => {
    const kind = checkKind(name);
    expect(kind.options.shape.kind.value).toBe(name);
    expect(kind.requirements.length).toBeGreaterThan(0);
    for (const id of kind.requirements) expect(CATALOG.map((r) => r.id)).toContain(id);
    const own = Object.entries(kind.options.shape).filter(([k]) => !['name', 'kind', 'requirements'].includes(k));
    for (const [key, field] of own) expect((field as { description?: string }).description, `${name}.${key}`).toBeTruthy();
  });

  it('make up the scenario schema: one entry per kind', () => {
    expect(checkOptions.options.map((o) => o.shape.kind.value)).toEqual(CHECK_KIND_NAMES);
  });

  it('refuse an option of another kind by name, at its value', () => {
    const text = `${GOOD}  - { name: base, kind: baseline-restored, vnf: vnf1, requirements: [HARNESS-BASELINE-RESTORED] }\n`;
    expect(messages(text)).toEqual(['64:49 checks.4: check kind baseline-restored takes no vnf: remove it (it takes name, kind, requirements)']);
  });

  it('name the kind with an unknown key', () => {
    expect(messages(GOOD.replace('tolerance: 10%', 'tolernce: 10%'))).toEqual([
      '49:5 unknown key "tolernce" in checks.0: did you mean "tolerance"? (kind heartbeat-rtt takes: name, kind, requirements, workload, tolerance)',
    ]);
  });

  it('give faults the same message for an option of another kind', () => {
    expect(messages(GOOD.replace('    link: wan1\n    at: 5s', '    link: wan1\n    latency: 5ms\n    at: 5s'))).toEqual([
      '36:14 faults.0: fault kind partition takes no latency: remove it (it takes kind, name, at, after, duration, link, direction)',
    ]);
  });
});
