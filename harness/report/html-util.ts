// Small pieces the HTML pages share: escaping (every name, summary and proof
// comes from a scenario file or a measurement, never trusted as markup), the
// time axis, and a run's one-word outcome.
import type { Status } from '../checks/verdict.js';

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text or attribute value as HTML (also valid inside SVG). */
export function esc(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** A number for an SVG coordinate: two decimals are below a pixel's worth. */
export const px = (x: number): string => String(Math.round(x * 100) / 100);

/** The time axis: [t0, t1] of the history clock onto [x0, x0 + width] pixels. */
export interface Axis {
  readonly t0: number;
  readonly t1: number;
  readonly x0: number;
  readonly width: number;
}

export function xOf(a: Axis, t: number): number {
  const span = a.t1 - a.t0 || 1;
  return a.x0 + ((Math.min(Math.max(t, a.t0), a.t1) - a.t0) / span) * a.width;
}

/** Tick step (ms) giving 5 to 12 ticks: 1, 2 or 5 times a power of ten. */
export function tickStep(spanMs: number): number {
  const raw = Math.max(spanMs, 1) / 8;
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => spanMs / s <= 12)!;
}

/** Vertical grid lines and labels (seconds from the axis start) under `top`..`bottom`. */
export function ticksSvg(a: Axis, top: number, bottom: number): string {
  const step = tickStep(a.t1 - a.t0);
  const out: string[] = [];
  for (let d = 0; d <= a.t1 - a.t0 + 1e-9; d += step) {
    const x = px(xOf(a, a.t0 + d));
    out.push(`<line class="tick" x1="${x}" x2="${x}" y1="${top}" y2="${bottom}"/><text class="tick-label" x="${x}" y="${bottom + 12}" text-anchor="middle">${esc(fmtSeconds(d))}</text>`);
  }
  return out.join('');
}

export function fmtSeconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(s < 1 ? 2 : 1)} s`;
}

export type Outcome = 'pass' | 'fail' | 'unknown' | 'skip';

/** What a run amounts to, by the rule `msh run` exits with: anything failed, aborted or unproven fails it. */
export function runOutcome(r: { readonly aborted: boolean; readonly error?: string; readonly faults: readonly { readonly proven: boolean }[]; readonly verdicts: readonly { readonly status: Status }[] }): Outcome {
  const st = r.verdicts.map((v) => v.status);
  if (r.aborted || r.error !== undefined || r.faults.some((f) => !f.proven) || st.includes('fail')) return 'fail';
  if (st.includes('unknown')) return 'unknown';
  return st.includes('pass') ? 'pass' : 'skip';
}

/** Status colours, shared by the report and the index (also readable printed in grey: the word is always next to it). */
export const STATUS_CSS = `
.st-pass{background:#2e7d32;color:#fff}.st-fail{background:#c62828;color:#fff}
.st-unknown{background:#ef6c00;color:#fff}.st-skip{background:#9e9e9e;color:#fff}
.badge{display:inline-block;padding:1px 6px;border-radius:3px;font-weight:600;font-size:12px}`;
