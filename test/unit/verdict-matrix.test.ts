// Guard of the verdict matrix (test/verdict-matrix.yaml): every catalog
// requirement has a known-good and a known-bad scenario run that a test
// really makes, or is one of the gaps listed here, exactly.
import { existsSync, readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CATALOG } from '../../harness/checks/catalog.js';
import { main } from '../../harness/cli/main.js';
import { MATRIX_FILE, matrixTable, missingSides, parseMatrix, unknownIds, verdictMatrix, type MatrixFile } from '../../harness/report/matrix.js';
import { loadScenario } from '../../harness/scenario/load.js';

/**
 * The sides with no run yet. Exact on purpose: a new gap fails this test, and
 * so does a filled one (remove it here and from the file's `gaps`).
 */
const KNOWN_GAPS: string[] = [];

const matrix: MatrixFile = parseMatrix(readFileSync(MATRIX_FILE, 'utf8'));
const rows = verdictMatrix(matrix, CATALOG);

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The source of the it() named `name` in `file`: from its name to the next it/test/describe. Throws unless exactly one. */
function testBody(file: string, name: string): string {
  const src = readFileSync(file, 'utf8');
  const starts = [...src.matchAll(new RegExp(`\\b(?:it|test)\\(\\s*(['"\`])${escape(name)}\\1`, 'g'))];
  if (starts.length !== 1) throw new Error(`${file}: ${starts.length} tests named "${name}" (want exactly one, not skipped)`);
  const from = starts[0]!.index!;
  const next = /\n\s*(?:it|test|describe)(?:\.\w+)?\(/g;
  next.lastIndex = from + 1;
  const end = next.exec(src)?.index ?? src.length;
  return src.slice(from, end);
}

/** The evidence field an assertion names: its first word ("outageMs > 1000" -> outageMs). */
const field = (assertion: string) => /^[A-Za-z_]\w*/.exec(assertion)?.[0];

describe('verdict matrix (test/verdict-matrix.yaml)', () => {
  it('names only catalog requirements', () => {
    expect(unknownIds(matrix, CATALOG)).toEqual([]);
  });

  it('every requirement has a known-good and a known-bad run, except exactly the listed gaps', () => {
    expect(missingSides(rows)).toEqual(KNOWN_GAPS);
    // Each gap says why, and only gaps have a why.
    const explained = Object.entries(matrix.gaps).flatMap(([id, g]) => (['good', 'bad'] as const).filter((s) => g[s]).map((s) => `${id} ${s}`));
    expect(explained.sort()).toEqual([...KNOWN_GAPS].sort());
  });

  it('every run: the scenario file exists and its checks decide each requirement claimed', async () => {
    const problems: string[] = [];
    for (const r of matrix.runs) {
      if (!/^(scenarios|fixtures\/scenarios)\/[^/]+\.yaml$/.test(r.scenario)) problems.push(`${r.scenario}: not a file in scenarios/ or fixtures/scenarios/`);
      if (!existsSync(r.scenario)) {
        problems.push(`${r.scenario}: no such file`);
        continue;
      }
      const { scenario } = await loadScenario(r.scenario);
      const decided = new Set(scenario.checks.flatMap((c) => c.requirements));
      for (const id of [...Object.keys(r.pass), ...Object.keys(r.fail)]) if (!decided.has(id)) problems.push(`${r.scenario}: no check decides ${id}`);
      for (const id of Object.keys(r.pass)) if (id in r.fail) problems.push(`${r.scenario}: ${id} claimed both pass and fail`);
    }
    expect(problems).toEqual([]);
  });

  it('every run: the named test exists once, runs that scenario, and names the requirement, the status and each evidence field', () => {
    const problems: string[] = [];
    for (const r of matrix.runs) {
      if (!existsSync(r.test)) {
        problems.push(`${r.test}: no such file`);
        continue;
      }
      let body: string;
      try {
        body = testBody(r.test, r.name);
      } catch (err) {
        problems.push((err as Error).message);
        continue;
      }
      const where = `${r.test} "${r.name}"`;
      if (!body.includes(`'${r.scenario}'`)) problems.push(`${where}: does not run ${r.scenario}`);
      for (const [status, claims] of [['pass', r.pass], ['fail', r.fail]] as const) {
        if (Object.keys(claims).length > 0 && !body.includes(`'${status}'`)) problems.push(`${where}: never expects '${status}'`);
        for (const [id, evidence] of Object.entries(claims)) {
          if (!body.includes(id)) problems.push(`${where}: does not name ${id}`);
          for (const e of evidence) {
            const f = field(e);
            if (!f || !new RegExp(`\\b${f}\\b`).test(body)) problems.push(`${where}: ${id} claims "${e}", but the test never reads ${f ?? '(no field)'}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('renders one block per requirement, with the gaps said', () => {
    const table = matrixTable(rows);
    for (const r of CATALOG) expect(table).toContain(r.id);
    expect(table).toContain('ha-active-active-asymmetric.yaml');
    // A side with no run says so, and why (the file has no gap left: a made-up one).
    const gapped = matrixTable(verdictMatrix({ runs: [], gaps: { 'HA-NWAY': { bad: 'a reason' } } }, CATALOG.slice(0, 1).concat(CATALOG.filter((r) => r.id === 'HA-NWAY'))));
    expect(gapped).toContain('none: a reason');
  });

  it('msh requirements --matrix prints the table (and --format json the rows)', async () => {
    const run = async (args: string[]) => {
      let out = '';
      const sink = new Writable({ write: (c, _e, cb) => ((out += c.toString()), cb()) });
      const code = await main(args, { stdout: sink, stderr: sink });
      return { code, out };
    };
    const table = await run(['requirements', '--matrix']);
    expect(table.code).toBe(0);
    for (const r of CATALOG) expect(table.out).toContain(r.id);
    expect(table.out).toContain(KNOWN_GAPS.length ? `no run yet for: ${KNOWN_GAPS.join(', ')}` : 'every one has a known-good and a known-bad run');
    const json = await run(['requirements', '--matrix', '--format', 'json']);
    expect((JSON.parse(json.out) as { id: string }[]).map((r) => r.id)).toEqual(CATALOG.map((r) => r.id));
    expect((await run(['requirements', '--format', 'yaml'])).code).toBe(2);
  });
});
