// Latency over time as inline SVG scatter plots, on the timeline's axis: one
// plot per operation that has a latency (heartbeat RTT, token validation,
// identity writes, call setup), a colour per process, failures in red.
import { quantile, answered } from '../checks/series.js';
import type { HistoryEvent, OpEvent } from '../observe/history.js';
import { esc, px, ticksSvg, xOf, type Axis } from './html-util.js';
import { LABEL_W, PLOT_W } from './html-timeline.js';

export const PLOT_H = 140;
/** Per series at most this many points are drawn (evenly strided; every failure is kept). */
export const MAX_POINTS = 800;
const COLOURS = ['#1e88e5', '#43a047', '#8e24aa', '#f9a825', '#00897b', '#6d4c41', '#3949ab', '#c0ca33'];

export interface Point {
  readonly t: number;
  readonly ms: number;
  readonly ok: boolean;
}
export interface Series {
  readonly process: string;
  readonly points: readonly Point[];
}

/** Latency the agent measured itself (`rttMs`, `latencyMs`), else answer time minus the invoke's (`series.answered`, matched by `value.n`). */
export function latencySeries(h: readonly HistoryEvent[]): Map<string, Series[]> {
  const keys = new Map<string, Set<string>>(); // f -> processes
  const withN = new Set<string>();
  for (const e of h) {
    if (e.kind !== 'op') continue;
    if (e.type === 'invoke' && typeof e.value?.n === 'number') withN.add(`${e.process}\u0000${e.f}`);
    if (e.type === 'ok' && (typeof e.value?.rttMs === 'number' || typeof e.value?.latencyMs === 'number')) keys.set(e.f, (keys.get(e.f) ?? new Set()).add(e.process));
  }
  for (const k of withN) {
    const [p, f] = k.split('\u0000') as [string, string];
    keys.set(f, (keys.get(f) ?? new Set()).add(p));
  }
  const out = new Map<string, Series[]>();
  for (const [f, processes] of [...keys.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const series = [...processes].sort().map((p) => ({ process: p, points: pointsOf(h, p, f, withN.has(`${p}\u0000${f}`)) }));
    out.set(f, series.filter((s) => s.points.length > 0));
  }
  return out;
}

function pointsOf(h: readonly HistoryEvent[], process: string, f: string, paired: boolean): Point[] {
  if (paired) return answered(h, process, f).filter((a) => a.e.type !== 'info').map((a) => ({ t: a.sent, ms: a.e.t - a.sent, ok: a.e.type === 'ok' }));
  const own = (e: OpEvent) => (typeof e.value?.rttMs === 'number' ? e.value.rttMs : e.value?.latencyMs);
  return h
    .filter((e): e is OpEvent => e.kind === 'op' && e.process === process && e.f === f && e.type === 'ok' && typeof own(e) === 'number')
    .map((e) => ({ t: e.t - (own(e) as number), ms: own(e) as number, ok: true }));
}

function strided(ps: readonly Point[]): Point[] {
  const ok = ps.filter((p) => p.ok);
  const step = Math.max(1, Math.ceil(ok.length / MAX_POINTS));
  return [...ok.filter((_, i) => i % step === 0), ...ps.filter((p) => !p.ok)];
}

/** One plot; the y range stops at 1.5 x the p99 so one timeout does not flatten the rest (points above sit on the top edge, marked). */
export function plotSvg(f: string, series: readonly Series[], a: Axis): string {
  const all = series.flatMap((s) => s.points.map((p) => p.ms)).sort((x, y) => x - y);
  const yMax = Math.max(Math.min(all.at(-1)!, quantile(all, 0.99) * 1.5), 1);
  const top = 20;
  const bottom = top + PLOT_H;
  const y = (ms: number) => bottom - (Math.min(ms, yMax) / yMax) * PLOT_H;
  const dots = series
    .map((s, i) => {
      const colour = COLOURS[i % COLOURS.length]!;
      const pts = strided(s.points)
        .map((p) => `<circle class="pt${p.ok ? '' : ' pt-fail'}${p.ms > yMax ? ' clipped' : ''}" cx="${px(xOf(a, p.t))}" cy="${px(y(p.ms))}" r="${p.ok ? 1.6 : 2.2}"${p.ok ? ` fill="${colour}"` : ''}><title>${esc(`${s.process} ${f}: ${p.ms.toFixed(1)} ms${p.ok ? '' : ' (failed)'}`)}</title></circle>`)
        .join('');
      return `<g class="series" data-process="${esc(s.process)}">${pts}</g>`;
    })
    .join('');
  const legend = series.map((s, i) => `<text x="${LABEL_W + 8 + i * 200}" y="12"><tspan style="fill:${COLOURS[i % COLOURS.length]}">\u25cf</tspan> ${esc(s.process)} (${s.points.length})</text>`).join('');
  const yTicks = [0, 0.5, 1].map((q) => `<text class="tick-label" x="${LABEL_W - 4}" y="${px(y(q * yMax) + 4)}" text-anchor="end">${px(q * yMax)} ms</text><line class="tick" x1="${LABEL_W}" x2="${LABEL_W + PLOT_W}" y1="${px(y(q * yMax))}" y2="${px(y(q * yMax))}"/>`).join('');
  const w = LABEL_W + PLOT_W + 10;
  return (
    `<svg class="plot" data-f="${esc(f)}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${bottom + 20}" width="100%" role="img" aria-label="${esc(f)} latency">` +
    `<text x="4" y="${top + 12}" font-weight="600">${esc(f)} latency</text>${yTicks}${ticksSvg(a, top, bottom)}${legend}${dots}</svg>`
  );
}

export function plotsHtml(h: readonly HistoryEvent[], a: Axis): string {
  const plots = [...latencySeries(h).entries()].filter(([, s]) => s.length > 0).map(([f, s]) => plotSvg(f, s, a));
  return plots.length ? plots.join('\n') : '<p>No operation with a latency in this run.</p>';
}

export const PLOTS_CSS = `.pt-fail{fill:#e53935}.clipped{stroke:#000;stroke-width:.6}`;
