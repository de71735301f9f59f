// msh fault's options: the kind's own schema and checks, errors located on
// the command line as the scenario loader locates them in a file.
import { describe, expect, it } from 'vitest';
import { checkAgainst, FAULT_KINDS, parseFaultArgs } from '../../harness/ops/fault-args.js';
import { MshError, formatLocated } from '../../harness/scenario/errors.js';
import { parseScenario } from '../../harness/scenario/load.js';
import { wanPair } from '../support/topologies.js';

/** The error parseFaultArgs throws, as `msh fault` prints it. */
function problems(f: () => unknown): { message: string; lines: string[] } {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(MshError);
    const e = err as MshError;
    expect(e.code).toBe('USAGE');
    return { message: e.message, lines: e.issues.map(formatLocated) };
  }
  throw new Error('no error thrown');
}

const scenario = parseScenario(
  'x.yaml',
  `name: x
duration: 1s
${wanPair('20ms')}
`,
).scenario;

describe('msh fault options', () => {
  it('knows every kind of the registry', () => {
    expect(FAULT_KINDS).toEqual(expect.arrayContaining(['partition', 'impair', 'pause-node', 'site-loss']));
  });

  it('suggests the kind meant for a misspelt one and lists them all', () => {
    const p = problems(() => parseFaultArgs(['partiton', '--link', 'wan1']));
    expect(p.message).toBe(`unknown fault kind "partiton": did you mean "partition"? (kinds: ${FAULT_KINDS.join(', ')})`);
  });

  it('names a kind when none is given', () => {
    expect(problems(() => parseFaultArgs(['--link', 'wan1'])).message).toMatch(/^name a fault kind: one of partition, /);
  });

  it('parses options into the kind spec, defaulting name and direction', () => {
    expect(parseFaultArgs(['partition', '--link', 'wan1']).spec).toMatchObject({ kind: 'partition', name: 'partition', link: 'wan1', direction: 'both' });
    expect(parseFaultArgs(['impair', '--link=wan1', '--latency', '100ms', '--loss', '1%', '--name', 'slow']).spec).toMatchObject({ kind: 'impair', name: 'slow', latency: 100, loss: 1 });
  });

  it('reports a bad value with the unit parser\'s own words, at its argument', () => {
    const p = problems(() => parseFaultArgs(['impair', '--link', 'wan1', '--latency', 'fast'], 2));
    expect(p.lines).toEqual(['command line:1:5: --latency "fast": "fast" is not a duration: write e.g. 50ms, 10s or 2m']);
  });

  it('suggests an enum value and an option name, every problem at once, in order', () => {
    const p = problems(() => parseFaultArgs(['partition', '--lnk', 'wan1', '--direction', 'a-to'], 2));
    expect(p.message).toBe("2 problems with the fault's options");
    expect(p.lines).toEqual([
      'command line:1:3: unknown option --lnk: did you mean --link? (options of partition: --name, --link, --direction)',
      'command line:1:5: --direction "a-to": did you mean "a-to-b"? expected one of both, a-to-b, b-to-a',
    ]);
  });

  it('says what is missing, and refuses the scenario-only timing options', () => {
    expect(problems(() => parseFaultArgs(['pause-node'])).lines).toEqual(['command line:1:2: missing --node: pause-node needs it']);
    const p = problems(() => parseFaultArgs(['partition', '--link', 'wan1', '--duration', '2s', '--at', '1s'], 2));
    expect(p.lines).toEqual(['command line:1:5: --duration is not an option by hand: the fault lasts until msh heal', 'command line:1:7: --at is not an option by hand: the fault starts now']);
  });

  it('checks the target against the run\'s scenario with the kind\'s own message', () => {
    const args = ['partition', '--link', 'wan2'];
    const { spec } = parseFaultArgs(args, 2);
    expect(problems(() => checkAgainst(spec, scenario, args.slice(1), 3)).lines).toEqual(['command line:1:3: fault "partition" acts on link "wan2", which does not exist: did you mean "wan1"? (links: wan1)']);
    const ok = parseFaultArgs(['pause-node', '--node', 'west/hb']).spec;
    expect(() => checkAgainst(ok, scenario, [])).not.toThrow();
  });
});
