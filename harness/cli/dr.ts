// msh dr <protect|failover|corrupt> <run> [--to SITE] [--member N]: the DR
// runner by hand, against a run left up by `msh up`: one protection cycle
// now, the failover the seed wants an operator to trigger, or a propagating
// fault. Each step goes into the run's history like a scheduled one.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { drSites } from '../engine/bring-up.js';
import { drRunner } from '../dr/runner.js';
import { openHistory } from '../observe/history.js';
import { MshError } from '../scenario/errors.js';
import { loadScenario } from '../scenario/load.js';
import { readState, RUN_ID, stateDir } from '../topology/state.js';
import { println, type Io } from './io.js';

const USAGE = 'usage: msh dr protect <run> | msh dr failover <run> --to SITE | msh dr corrupt <run> [--member N]';

export async function drCommand(args: string[], io: Io): Promise<number> {
  const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { to: { type: 'string' }, member: { type: 'string' } } });
  const [action, runId] = positionals;
  if (!action || !runId || !['protect', 'failover', 'corrupt'].includes(action)) throw new MshError('USAGE', USAGE);
  if (!RUN_ID.test(runId) || !(await readState(runId))) throw new MshError('USAGE', `no run ${runId} is up (msh up prints its id; see \`docker ps --filter label=msh.run\`)`);
  const dir = stateDir(runId);
  const { scenario } = await loadScenario(join(dir, 'scenario.yaml')).catch(() => {
    throw new MshError('USAGE', `run ${runId} has no scenario copy: it was not brought up by msh up`);
  });
  if (!scenario.dr) throw new MshError('USAGE', `run ${runId} (${scenario.name}) has no dr block: nothing to protect or fail over`);
  const history = openHistory(join(dir, 'history.jsonl'), (e) => {
    if (e.kind === 'op') println(io.stderr, `${e.process} ${e.f} ${e.type}${e.value?.['error'] ? `: ${String(e.value['error'])}` : ''}`);
  });
  const runner = drRunner(scenario.dr, await drSites(scenario, dir), history);
  try {
    if (action === 'protect') {
      const cycle = await runner.protectOnce();
      println(io.stdout, `protection cycle ${cycle} of ${scenario.dr.vnf} done (option ${scenario.dr.option})`);
    } else if (action === 'failover') {
      const to = values.to ?? scenario.dr.backup;
      if (to !== scenario.dr.backup) throw new MshError('USAGE', `the backups and replicas are in ${scenario.dr.backup}: use --to ${scenario.dr.backup}`);
      const r = await runner.failover(to);
      if (r.servingAt === null) {
        println(io.stdout, `VNF ${scenario.dr.vnf}: restore in ${to} carried out, ${r.booted} of ${r.members} VMs booted, not serving (the failed steps are above)`);
        return 1;
      }
      println(io.stdout, `VNF ${scenario.dr.vnf} restored in ${to} from ${r.restoredFrom}: cut ${r.seqs.join('/')}, serving since ${new Date(r.servingAt).toISOString()}`);
    } else {
      const member = Number(values.member ?? '0');
      const r = await runner.corrupt(member);
      println(io.stdout, `VM ${member} writes corrupt data from transaction ${r.seq} on (read back from its volume)`);
    }
  } finally {
    history.close();
  }
  return 0;
}
