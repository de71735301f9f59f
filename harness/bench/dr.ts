// DR figures for make bench: a full backup's throughput across the emulated
// WAN at 10 and 100 mbit (incompressible data, so what crosses is the
// volume), and RPO/RTO per option of the GR seed from real runs.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bringUp } from '../engine/bring-up.js';
import { newRunId, runScenario } from '../engine/run.js';
import { DR_PROJECT } from '../dr/runner.js';
import { expect, restOn, until } from '../dr/rest.js';
import { openHistory } from '../observe/history.js';
import { PROJECT_ROOT } from '../paths.js';
import type { Runtime } from '../runtime/runtime.js';
import { loadScenario, parseScenario } from '../scenario/load.js';
import { siteDir, undeploy, type Deployment } from '../topology/deploy.js';
import { planTopology } from '../topology/plan.js';
import { destroyRun } from '../topology/state.js';

const GIB = 4; // a 4 GiB volume: 16 MiB at the backend's 4 MiB per GiB

function linkScenario(bandwidth: string) {
  return parseScenario(
    'dr-bench',
    `name: dr-bench
duration: 1s
sites:
  - { name: primary, subnet: 198.18.1.0/24, nodes: [{ name: ctl, role: controller }] }
  - { name: backup, subnet: 198.18.2.0/24, nodes: [{ name: ctl, role: controller }] }
links:
  - { name: pb, between: [primary, backup], latency: 10ms, bandwidth: ${bandwidth} }
dr: { primary: primary, backup: backup, option: quiesce-group-snapshot, members: 2, rate: 1, every: 60s }
`,
  ).scenario;
}

/** One full backup of a volume filled with random bytes, across a link of `bandwidth`: Mbit/s of volume data, and the backup's time. */
async function backupThroughput(runtime: Runtime, bandwidth: string): Promise<{ mbit: number; ms: number; bytes: number }> {
  const scenario = linkScenario(bandwidth);
  const plan = planTopology(scenario, newRunId());
  const dir = await mkdtemp(join(tmpdir(), 'msh-bench-dr-'));
  const history = openHistory(join(dir, 'history.jsonl'));
  let d: Deployment | undefined;
  try {
    d = (await bringUp(scenario, plan, runtime, history, { seed: 1, phase: () => undefined, deployed: (x) => (d = x) })).d;
    const primary = await siteDir(d.stateDir, 'primary');
    const vol = restOn(join(primary, 'volume.sock'));
    const v3 = `/v3/${DR_PROJECT}`;
    const created = await expect(vol, [200, 202], 'POST', `${v3}/volumes`, { volume: { name: 'bench', size: GIB } });
    const id = (created.body as { volume: { id: string } }).volume.id;
    await writeFile(join(primary, 'volumes', id), randomBytes(GIB * 4 * 1024 * 1024));
    const r = await expect(vol, [202], 'POST', `${v3}/backups`, { backup: { volume_id: id, container: 'volumebackups', name: 'bench' } });
    const bid = (r.body as { backup: { id: string } }).backup.id;
    const b = await until(
      async () => ((await expect(vol, [200], 'GET', `${v3}/backups/${bid}`)).body as { backup: Record<string, unknown> }).backup,
      (x) => x['status'] === 'available' || (x['status'] === 'error' ? `backup went error: ${String(x['fail_reason'])}` : false),
      180_000,
      'bench backup',
      100,
    );
    const bytes = Number(b['msh:bytes_sent']);
    const ms = Number(b['msh:duration_ms']);
    return { mbit: (bytes * 8) / (ms * 1000), ms, bytes };
  } finally {
    history.close();
    if (d) await undeploy(d, runtime).catch(() => destroyRun(runtime, plan.runId));
    else await destroyRun(runtime, plan.runId);
    await rm(dir, { recursive: true, force: true });
  }
}

async function optionFigures(runtime: Runtime, file: string): Promise<string> {
  const loaded = await loadScenario(join(PROJECT_ROOT, file));
  const dir = await mkdtemp(join(tmpdir(), 'msh-bench-'));
  try {
    const r = await runScenario(loaded, runtime, { outDir: dir });
    const ev = (id: string) => r.verdicts.find((v) => v.id === id)?.checks[0]?.evidence ?? {};
    const rto = ev('DR-RTO');
    const rpo = ev('DR-RPO');
    return `RTO ${String(rto['rtoMs'] ?? '-')} ms (decision ${String(rto['decisionMs'] ?? '-')} + restore ${String(rto['restoreMs'] ?? '-')}), RPO ${String(rpo['lostTransactions'] ?? '-')} transactions (${String(rpo['lostMs'] ?? '-')} ms of writes)`;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function drRows(runtime: Runtime): Promise<[string, string][]> {
  const rows: [string, string][] = [];
  for (const bw of ['10mbit', '100mbit']) {
    const t = await backupThroughput(runtime, bw);
    rows.push([`full backup of a ${GIB} GiB volume (${t.bytes / 1048576} MiB random) to the backup site's Swift over a ${bw} link`, `${t.mbit.toFixed(1)} Mbit/s (${t.ms.toFixed(0)} ms)`]);
  }
  for (const [option, file] of [
    ['option 1 (quiesce + group snapshot + backup, 3 s cycles)', 'scenarios/dr-option1-site-loss.yaml'],
    ['option 2 (compute snapshot per VM + backup, 3 s cycles)', 'scenarios/dr-option2-site-loss.yaml'],
    ['option 3 (replication every 200 ms)', 'scenarios/dr-option3-replication.yaml'],
  ] as const) {
    rows.push([`DR ${option}: primary lost, failover triggered 1 s later`, await optionFigures(runtime, file)]);
  }
  return rows;
}
