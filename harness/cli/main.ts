// Entry point: dispatches a verb, turns errors into messages (never stack traces).
import { MshError, formatLocated } from '../scenario/errors.js';
import { cleanCommand, downCommand } from './down.js';
import { requirementsCommand, schemaCommand } from './info.js';
import { println, type Io } from './io.js';
import { listCommand } from './list.js';
import { reportCommand } from './report.js';
import { runCommand } from './run.js';
import { upCommand } from './up.js';
import { drCommand } from './dr.js';
import { validateCommand } from './validate.js';
import { psCommand } from './ps.js';
import { logsCommand } from './logs.js';
import { shellCommand } from './shell.js';
import { faultCommand } from './fault.js';
import { healCommand } from './heal.js';
import { captureCommand } from './capture.js';
import { soakCommand } from './soak.js';

const COMMANDS: Record<string, { run: (args: string[], io: Io) => Promise<number>; help: string }> = {
  run: { run: runCommand, help: 'run <scenario.yaml...> [--tag T] [--jobs N] [--shard I/N] [--out DIR] [--seed N] [--json]   run scenarios (all when none named; N at a time) and write reports' },
  soak: { run: soakCommand, help: 'soak <scenario.yaml...> --runs N [--jobs J] [--tag T]   run each scenario N times, report every verdict that flips between runs' },
  validate: { run: validateCommand, help: 'validate <scenario.yaml...>                              schema and reference checks only' },
  list: { run: listCommand, help: 'list [--format table|json] [--tag T]                     scenarios, tags and requirement IDs' },
  up: { run: upCommand, help: 'up <scenario.yaml> [--workloads [--duration D]]         bring a topology up (its VNFs running) and leave it up; --workloads: then run its workloads, judge them (reports/by-hand/)' },
  dr: { run: drCommand, help: 'dr protect|failover|corrupt <run> [--to SITE]               the DR runner by hand on a run left up (one cycle, the failover, a propagating fault)' },
  ps: { run: psCommand, help: 'ps [--format table|json]                                 every run: since when, owner, containers, faults injected by hand' },
  logs: { run: logsCommand, help: 'logs <run> <site>/<node>                                 a container\'s output, its VNF agents\' events, a controller\'s services.log' },
  shell: { run: shellCommand, help: 'shell <run> <site>/<node>                                a shell in a node (prints the docker exec without a TTY)' },
  fault: { run: faultCommand, help: 'fault <run> <kind> [--name N] [--link L] [--node N] ...  inject a fault kind by hand on a run left up, print its proof' },
  heal: { run: healCommand, help: 'heal <run> [fault]                                       heal one or all faults injected by hand, print the proof' },
  capture: { run: captureCommand, help: 'capture <run> <link> [-w file] [--seconds N]             pcap of an inter-site link (prints the tshark decode-as)' },
  down: { run: downCommand, help: 'down [run-id|scenario]                                   tear down topologies left up' },
  clean: { run: cleanCommand, help: 'clean                                                    remove everything any run left behind' },
  report: { run: reportCommand, help: 'report <run dir...> [--format table|json]             identity runs side by side (token size, latency, WAN traffic, revocation)' },
  schema: { run: schemaCommand, help: 'schema                                                   print the JSON Schema of scenario files' },
  requirements: { run: requirementsCommand, help: 'requirements [--matrix] [--format table|json]           the requirement catalog; --matrix: known-good/bad runs per requirement and what the tests assert' },
};

export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [verb, ...rest] = argv;
  const cmd = verb === undefined ? undefined : COMMANDS[verb];
  if (!cmd) {
    if (verb !== undefined && verb !== 'help' && verb !== '--help') println(io.stderr, `msh: unknown command "${verb}"\n`);
    println(io.stderr, 'usage: msh <command>\n');
    for (const c of Object.values(COMMANDS)) println(io.stderr, `  msh ${c.help}`);
    return verb === undefined || verb === 'help' || verb === '--help' ? 0 : 2;
  }
  try {
    return await cmd.run(rest, io);
  } catch (err) {
    if (err instanceof MshError) {
      println(io.stderr, `msh ${verb}: ${err.message}`);
      for (const i of err.issues) println(io.stderr, `  ${formatLocated(i)}`);
      return err.code === 'SCENARIO_INVALID' || err.code === 'USAGE' ? 2 : 1;
    }
    // parseArgs and friends throw plain errors with a readable message.
    println(io.stderr, `msh ${verb}: ${(err as Error).message}`);
    if (process.env.MSH_DEBUG) println(io.stderr, (err as Error).stack ?? '');
    return 1;
  }
}
