// summary.md: the run for a human, verdicts first, evidence after.
import type { ResultFile } from './write.js';

const ICON = { pass: 'PASS', fail: 'FAIL', unknown: 'UNKNOWN', skip: 'SKIP' } as const;

export function summaryMarkdown(r: ResultFile): string {
  const lines = [
    `# ${r.scenario.name}`,
    '',
    r.scenario.description,
    '',
    `- scenario file: \`${r.scenario.file}\``,
    `- run id: \`${r.runId}\`, seed ${r.seed}`,
    `- started ${r.started}, finished ${r.finished}${r.aborted ? ' (ABORTED)' : ''}`,
    ...(r.error ? [`- error: ${r.error}`] : []),
    ...Object.entries(r.timings).map(([k, v]) => `- ${k}: ${v.toFixed(0)} ms`),
    ...(r.capture ? [`- WAN capture: \`${r.capture.file}\` (the WAN bridge during the workload); its links' VXLAN runs on the relay's ports: \`tshark -r ${r.capture.file} ${r.capture.decodeAs}\` (Wireshark: Decode As..., those UDP ports -> VXLAN)`] : []),
    '',
    ...(r.faults.length
      ? ['## Faults', '', '| fault | kind | target | took effect | proof |', '| --- | --- | --- | --- | --- |', ...r.faults.map((f) => `| ${f.fault} | ${f.kind} | ${f.target} | ${f.proven ? 'yes' : 'NOT PROVEN'} | ${f.proof} |`), '']
      : []),
    '## Verdicts',
    '',
    '| requirement | status | source | evidence |',
    '| --- | --- | --- | --- |',
    ...r.verdicts.map((v) => `| ${v.id} | ${ICON[v.status]} | ${v.source} (${v.section}) | ${v.checks.map((c) => `${c.check}: ${c.summary}`).join('<br>') || 'not decided by this scenario'} |`),
    '',
    '## Evidence',
    '',
    ...r.verdicts.flatMap((v) => v.checks.map((c) => `### ${v.id} / ${c.check} (${c.kind}): ${ICON[c.status]}\n\n\`\`\`json\n${JSON.stringify(c.evidence, null, 2)}\n\`\`\`\n`)),
  ];
  return lines.join('\n') + '\n';
}
