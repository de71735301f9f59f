// report.html: one self-contained page per run (inline CSS and SVG, no
// script, no external resource, so it opens from a CI artifact or a mail
// attachment with no network): the run's facts, the timeline, latency plots,
// the verdicts with their evidence and the faults with their proofs: the
// same facts as summary.md, from the same ResultFile.
import type { HistoryEvent } from '../observe/history.js';
import { PLOTS_CSS, plotsHtml } from './html-plots.js';
import { axisOf, BIN_PX, TIMELINE_CSS, timelineSvg } from './html-timeline.js';
import { esc, runOutcome, STATUS_CSS } from './html-util.js';
import type { ResultFile } from './write.js';

const badge = (status: string) => `<span class="badge st-${esc(status)}">${esc(status.toUpperCase())}</span>`;

function header(r: ResultFile): string {
  const outcome = runOutcome(r);
  const ms = Date.parse(r.finished) - Date.parse(r.started);
  const facts: [string, string][] = [
    ['scenario file', `<code>${esc(r.scenario.file)}</code>`],
    ['run id', `<code>${esc(r.runId)}</code>`],
    ['seed', esc(r.seed)],
    ['started', esc(r.started)],
    ['finished', `${esc(r.finished)} (${esc((ms / 1000).toFixed(1))} s)${r.aborted ? ' <strong>ABORTED</strong>' : ''}`],
    ...(r.error ? [['error', `<strong class="error">${esc(r.error)}</strong>`] as [string, string]] : []),
    ...Object.entries(r.timings).map(([k, v]) => [esc(k), `${esc(v.toFixed(0))} ms`] as [string, string]),
    ...(r.capture ? [['WAN capture', `<a href="${esc(r.capture.file)}">${esc(r.capture.file)}</a>: <code>tshark -r ${esc(r.capture.file)} ${esc(r.capture.decodeAs)}</code> (the links' VXLAN runs on the relay's ports)`] as [string, string]] : []),
  ];
  return (
    `<h1><span class="name">${esc(r.scenario.name)}</span> ${badge(outcome)}</h1>` +
    `<p class="description">${esc(r.scenario.description)}</p>` +
    `<table class="facts">${facts.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('')}</table>`
  );
}

function faultsTable(r: ResultFile): string {
  if (r.faults.length === 0) return '<p>No fault in this run.</p>';
  const rows = r.faults.map(
    (f) =>
      `<tr class="fault-row" data-fault="${esc(f.fault)}" data-proven="${f.proven}"><td>${esc(f.fault)}</td><td>${esc(f.kind)}</td><td>${esc(f.target)}</td>` +
      `<td>${f.proven ? 'yes' : '<strong class="error">NOT PROVEN</strong>'}</td><td class="proof">${esc(f.proof)}</td></tr>`,
  );
  return `<table class="faults"><thead><tr><th>fault</th><th>kind</th><th>target</th><th>took effect</th><th>proof</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function verdictsTable(r: ResultFile): string {
  // What the run decided first (catalog order kept within): most of the catalog is skipped by any one scenario.
  const ordered = [...r.verdicts.filter((v) => v.status !== 'skip'), ...r.verdicts.filter((v) => v.status === 'skip')];
  const rows = ordered.map((v) => {
    const checks = v.checks.map((c) => `<div>${badge(c.status)} <b>${esc(c.check)}</b>: ${esc(c.summary)}</div>`).join('') || '<i>not decided by this scenario</i>';
    return (
      `<tr class="verdict" data-id="${esc(v.id)}" data-status="${esc(v.status)}"><td><b>${esc(v.id)}</b><br><small>${esc(v.title)}</small></td>` +
      `<td class="status">${badge(v.status)}</td><td><small>${esc(v.source)} (${esc(v.section)})</small></td><td>${checks}</td></tr>`
    );
  });
  return `<table class="verdicts"><thead><tr><th>requirement</th><th>status</th><th>source</th><th>evidence</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** Each check's full evidence, folded: <details> needs no script. */
function evidence(r: ResultFile): string {
  return r.verdicts
    .flatMap((v) =>
      v.checks.map(
        (c) =>
          `<details class="evidence" data-check="${esc(c.check)}"><summary>${esc(v.id)} / ${esc(c.check)} (${esc(c.kind)}) ${badge(c.status)}</summary>` +
          `<pre>${esc(JSON.stringify(c.evidence, null, 2))}</pre></details>`,
      ),
    )
    .join('');
}

const CSS = `
body{font:14px/1.4 system-ui,sans-serif;margin:16px 24px;color:#222;max-width:1400px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:6px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
table.facts td,table.facts th{border:none;padding:1px 8px 1px 0}
.error{color:#c62828}.proof{font-size:12px}pre{background:#f6f8fa;padding:8px;overflow:auto;max-height:400px;font-size:12px}
.scroll{overflow-x:auto}.scroll svg{min-width:900px;height:auto}.legend span{margin-right:14px;font-size:12px}.sw{display:inline-block;width:12px;height:10px;margin-right:3px;vertical-align:middle}
${STATUS_CSS}${TIMELINE_CSS}${PLOTS_CSS}`;

const LEGEND = [
  ['#e53935;opacity:.3', 'fault (hover: proof)'],
  ['#b71c1c', 'one-shot fault (a line)'],
  ['#43a047', 'operations ok'],
  ['#e53935', 'some failed'],
  ['#90a4ae', 'info'],
  ['#1e88e5', 'VNF member active'],
  ['#66bb6a', 'Galera Primary'],
  ['#ffa726', 'Galera not Primary'],
  ['#d81b60', 'failover gap'],
  ['#8e24aa', 'revocation window'],
  ['#424242', 'node dead'],
]
  .map(([c, t]) => `<span><i class="sw" style="background:${c}"></i>${t}</span>`)
  .join('');

export function reportHtml(r: ResultFile, h: readonly HistoryEvent[]): string {
  const a = axisOf(h);
  const timeline = timelineSvg(r, h);
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(r.scenario.name)}: ${esc(runOutcome(r))}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<style>${CSS}</style></head><body>
${header(r)}
<h2>Timeline</h2>
${timeline ? `<p class="legend">${LEGEND}</p><div class="scroll">${timeline}</div><p><small>Seconds from the first workload operation or fault; dashed lines are phases. Operations are placed when they were sent (where the agent recorded it) and counted per ${BIN_PX} px; hover for counts.</small></p>` : '<p>No workload operation or fault was recorded.</p>'}
<h2>Latency</h2>
${a ? `<div class="scroll">${plotsHtml(h, a)}</div>` : '<p>No workload operation was recorded.</p>'}
<h2>Verdicts</h2>
${verdictsTable(r)}
<h2>Faults</h2>
${faultsTable(r)}
<h2>Evidence</h2>
${evidence(r)}
</body></html>
`;
}
