// The run on one time axis, as inline SVG: a lane per node, VNF role, Galera
// node and workload process; faults as shaded bands across every lane (with
// their proof as the tooltip); the failover gaps and revocation windows the
// checks measured. Pure: (result, history) -> markup. What a lane shows is
// read through the checks' own history helpers and the checks' evidence, so
// the picture cannot disagree with the verdicts.
import { faultWindows, type FaultWindow } from '../checks/series.js';
import { faultKind } from '../faults/registry.js';
import { activeIntervals } from '../checks/vnf-history.js';
import type { HistoryEvent, OpEvent } from '../observe/history.js';
import { measuredLanes } from './html-measured.js';
import { esc, px, ticksSvg, xOf, type Axis } from './html-util.js';
import type { ResultFile } from './write.js';

export const LABEL_W = 250;
export const PLOT_W = 1100;
export const LANE_H = 18;
/** Room above the lanes for fault names and phase marks. */
export const TOP = 38;
/** Workload marks are counted per bin of this many pixels: thousands of events stay a few hundred shapes. */
export const BIN_PX = 4;

export type Seg = { readonly from: number; readonly to: number; readonly cls: string; readonly title: string };
export interface Lane {
  readonly label: string;
  readonly group: string;
  readonly segs: readonly Seg[];
  /** Pre-rendered marks (binned ops), drawn over the segments. */
  readonly marks?: (a: Axis, y: number) => string;
}

/** The span the picture covers: every workload operation and fault, nothing of bring-up or teardown. */
export function timeRange(h: readonly HistoryEvent[]): { t0: number; t1: number } | null {
  let t0 = Infinity;
  let t1 = -Infinity;
  // A loop, not Math.min(...): a long run's history is more arguments than a call takes.
  for (const e of h) {
    if (e.kind !== 'op' && e.kind !== 'fault') continue;
    t0 = Math.min(t0, e.t);
    t1 = Math.max(t1, e.t);
  }
  if (!Number.isFinite(t0)) return null;
  return { t0, t1: t1 > t0 ? t1 : t0 + 1000 };
}

export function axisOf(h: readonly HistoryEvent[]): Axis | null {
  const r = timeRange(h);
  return r && { ...r, x0: LABEL_W, width: PLOT_W };
}

function nodeLanes(r: ResultFile, windows: readonly FaultWindow[], t1: number): Lane[] {
  return r.scenario.sites.flatMap((s) =>
    s.nodes.map((n) => {
      const ref = `${s.name}/${n.name}`;
      const stop = windows.find((w) => ref in w.stopped);
      const died = stop?.stopped[ref];
      const paused = windows.filter((w) => w.faultKind === 'pause-node' && w.target.node === ref);
      const segs: Seg[] = [
        ...(died === undefined ? [] : [{ from: died, to: t1, cls: 'dead', title: `${ref} dead (${stop!.fault})` }]),
        ...paused.map((w) => ({ from: w.start, to: w.end, cls: 'paused', title: `${ref} paused (${w.fault})` })),
      ];
      return { label: `${ref} (${n.role})`, group: 'node', segs };
    }),
  );
}

function roleLanes(r: ResultFile, h: readonly HistoryEvent[], t1: number): Lane[] {
  return r.scenario.vnfs.flatMap((v) => {
    const spans = activeIntervals(h, v, t1);
    return v.members.map((m) => ({
      label: `${v.name} active @ ${m}`,
      group: 'role',
      segs: (spans.get(m) ?? []).map(([a, b]) => ({ from: a, to: b, cls: 'active', title: `${v.name}: ${m} active` })),
    }));
  });
}

/** Galera node states from the wsrep probes: each probe's state holds until the next. */
function galeraLanes(h: readonly HistoryEvent[], t1: number): Lane[] {
  const bySite = new Map<string, OpEvent[]>();
  for (const e of h) if (e.kind === 'op' && e.f === 'wsrep') bySite.set(e.process, bySite.get(e.process) ?? []).get(e.process)!.push(e);
  return [...bySite.entries()].map(([process, es]) => ({
    label: `galera ${process.slice('wsrep@'.length)}`,
    group: 'galera',
    segs: es.map((e, i) => {
      const v = e.value ?? {};
      const primary = v.status === 'Primary' && v.ready !== false;
      return { from: e.t, to: es[i + 1]?.t ?? t1, cls: primary ? 'primary' : 'non-primary', title: `${String(v.status)} size ${String(v.size)}${v.ready === false ? ', not ready' : ''}` };
    }),
  }));
}

/**
 * When an operation was sent, where the agent says (`sentAt`, or its own
 * measured latency back from the answer), else its event time: a heartbeat
 * declared lost a second after it was sent belongs where the link was cut.
 */
export function sentAt(e: OpEvent): number {
  const v = e.value ?? {};
  if (typeof v.sentAt === 'number') return v.sentAt;
  const took = typeof v.rttMs === 'number' ? v.rttMs : v.latencyMs;
  return typeof took === 'number' ? e.t - took : e.t;
}

/** Per bin of BIN_PX pixels: how many operations sent then ended ok, failed, or were informational. */
function binnedMarks(es: readonly OpEvent[]): (a: Axis, y: number) => string {
  return (a, y) => {
    const bins = new Map<number, { ok: number; fail: number; info: number; fs: Set<string> }>();
    for (const e of es) {
      if (e.type === 'invoke') continue;
      const b = Math.floor((xOf(a, sentAt(e)) - a.x0) / BIN_PX);
      const c = bins.get(b) ?? { ok: 0, fail: 0, info: 0, fs: new Set<string>() };
      c[e.type] += 1;
      c.fs.add(e.f);
      bins.set(b, c);
    }
    const h = LANE_H - 6;
    return [...bins.entries()]
      .map(([b, c]) => {
        const x = px(a.x0 + b * BIN_PX);
        const title = `<title>${esc([...c.fs].join(', '))}: ${c.ok} ok, ${c.fail} failed, ${c.info} info</title>`;
        // A failure is what one looks for: it wins the bin's colour.
        const cls = c.fail > 0 ? 'op-fail' : c.ok > 0 ? 'op-ok' : 'op-info';
        return `<rect class="${cls}" x="${x}" y="${px(y + 3)}" width="${BIN_PX - 1}" height="${h}">${title}</rect>`;
      })
      .join('');
  };
}

function workloadLanes(h: readonly HistoryEvent[]): Lane[] {
  const byProcess = new Map<string, OpEvent[]>();
  for (const e of h) if (e.kind === 'op' && e.f !== 'wsrep') byProcess.set(e.process, byProcess.get(e.process) ?? []).get(e.process)!.push(e);
  return [...byProcess.keys()].sort().map((p) => ({ label: p, group: 'workload', segs: [], marks: binnedMarks(byProcess.get(p)!) }));
}

export function lanesOf(r: ResultFile, h: readonly HistoryEvent[], t1: number): Lane[] {
  const windows = faultWindows(h);
  return [...nodeLanes(r, windows, t1), ...roleLanes(r, h, t1), ...galeraLanes(h, t1), ...measuredLanes(r, h, windows, t1), ...workloadLanes(h)];
}

/** Whether the scenario's fault of this name is a one-shot action (a token revoked, keys rotated): a moment, not a window. */
function isAction(r: ResultFile, fault: string): boolean {
  const spec = r.scenario.faults.find((f) => f.name === fault);
  return spec !== undefined && faultKind(spec).action;
}

function faultBands(r: ResultFile, windows: readonly FaultWindow[], a: Axis, bottom: number): string {
  return windows
    .map((f, i) => {
      const x = xOf(a, f.injectedAt);
      const xs = xOf(a, f.start);
      const xe = xOf(a, Math.min(f.end, a.t1));
      const title = `<title>${esc(`${f.fault} (${f.faultKind}, ${f.target.key}): ${f.proven ? 'took effect' : 'NOT PROVEN'}: ${f.proof}`)}</title>`;
      const label = (text: string) => `<text class="fault-label" x="${px(xs + 2)}" y="${12 + (i % 2) * 11}">${esc(text)}</text>`;
      if (isAction(r, f.fault)) {
        return `<g class="fault" data-fault="${esc(f.fault)}"><line class="fault-action${f.proven ? '' : ' unproven'}" data-fault="${esc(f.fault)}" x1="${px(xs)}" x2="${px(xs)}" y1="${TOP - 8}" y2="${bottom}">${title}</line>${label(f.fault)}</g>`;
      }
      // The lighter part: injecting began but the effect was measured to start later (e.g. a site's first death).
      const lead = xs > x ? `<rect class="fault-lead" x="${px(x)}" y="${TOP}" width="${px(xs - x)}" height="${px(bottom - TOP)}"/>` : '';
      return (
        `<g class="fault" data-fault="${esc(f.fault)}">${lead}` +
        `<rect class="fault-band${f.proven ? '' : ' unproven'}" data-fault="${esc(f.fault)}" x="${px(xs)}" y="${TOP}" width="${px(Math.max(xe - xs, 1))}" height="${px(bottom - TOP)}">${title}</rect>` +
        `${label(`${f.fault}${Number.isFinite(f.end) ? '' : ' (not healed)'}`)}</g>`
      );
    })
    .join('');
}

function phaseMarks(h: readonly HistoryEvent[], a: Axis, bottom: number): string {
  return h
    .filter((e) => e.kind === 'phase' && e.t >= a.t0 && e.t <= a.t1)
    .map((e) => {
      const x = px(xOf(a, e.t));
      return `<line class="phase" x1="${x}" x2="${x}" y1="${TOP - 8}" y2="${bottom}"><title>${esc(e.kind === 'phase' ? e.phase : '')}</title></line>`;
    })
    .join('');
}

/** The timeline SVG; null when the history has no operation or fault to place. */
export function timelineSvg(r: ResultFile, h: readonly HistoryEvent[]): string | null {
  const a = axisOf(h);
  if (!a) return null;
  const lanes = lanesOf(r, h, a.t1);
  const bottom = TOP + lanes.length * LANE_H;
  const rows = lanes
    .map((l, i) => {
      const y = TOP + i * LANE_H;
      const segs = l.segs
        .map((s) => `<rect class="seg ${s.cls}" x="${px(xOf(a, s.from))}" y="${px(y + 2)}" width="${px(Math.max(xOf(a, s.to) - xOf(a, s.from), 1))}" height="${LANE_H - 4}"><title>${esc(s.title)}</title></rect>`)
        .join('');
      return (
        `<g class="lane lane-${l.group}" data-lane="${esc(l.label)}">` +
        `<rect class="lane-bg${i % 2 ? ' odd' : ''}" x="0" y="${y}" width="${LABEL_W + PLOT_W}" height="${LANE_H}"/>` +
        `<text class="lane-label" x="4" y="${y + LANE_H - 5}">${esc(l.label)}</text>${segs}${l.marks?.(a, y) ?? ''}</g>`
      );
    })
    .join('');
  const windows = faultWindows(h);
  const w = LABEL_W + PLOT_W + 10;
  const height = bottom + 20;
  return (
    `<svg class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${height}" width="100%" role="img" aria-label="timeline">` +
    `${rows}${ticksSvg(a, TOP, bottom)}${faultBands(r, windows, a, bottom)}${phaseMarks(h, a, bottom)}</svg>`
  );
}

export const TIMELINE_CSS = `
svg text{font:11px sans-serif;fill:#222}
.lane-bg{fill:#fff}.lane-bg.odd{fill:#f4f6f8}
.tick{stroke:#ccc;stroke-width:.5}.tick-label{fill:#555;font-size:10px}
.fault-band{fill:#e53935;fill-opacity:.16;stroke:#e53935;stroke-opacity:.5}.fault-band.unproven{fill:#9e9e9e}
.fault-action{stroke:#b71c1c;stroke-width:2}.fault-action.unproven{stroke:#9e9e9e}
.fault-lead{fill:#e53935;fill-opacity:.07}.fault-label{fill:#b71c1c;font-weight:600}
.phase{stroke:#5c6bc0;stroke-dasharray:3 3}
.seg.dead{fill:#424242}.seg.paused{fill:#8d6e63}.seg.active{fill:#1e88e5}
.seg.primary{fill:#66bb6a}.seg.non-primary{fill:#ffa726}
.seg.gap{fill:#d81b60}.seg.revocation{fill:#8e24aa}
.op-ok{fill:#43a047}.op-fail{fill:#e53935}.op-info{fill:#90a4ae}`;
