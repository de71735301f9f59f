// ID-BAD-TOKENS-REJECTED: every bad token of the corpus is rejected (401/404)
// in every region, every time, and the valid control token is accepted there
// (otherwise a region that rejects everything, or is down, would pass).
import { z } from 'zod';
import type { HistoryEvent } from '../../observe/history.js';
import type { BadTokensSpec } from '../../scenario/schema.js';
import type { CheckContext, Checker } from '../context.js';
import type { CheckKind, SpecOf } from '../kind.js';
import { checkFields, workload } from '../options.js';
import { ops } from '../series.js';
import type { Status } from '../verdict.js';
import { controllerSites } from '../site-faults.js';

const options = z.strictObject({
  ...checkFields('bad-tokens'),
  workload: workload('bad-tokens'),
});

/** Fewer answers than this for one label in one region decide nothing. */
export const MIN_ATTEMPTS = 3;
/** Share of control validations that must be accepted (the token-validation bar). */
export const CONTROL_RATIO = 0.99;
const CONTROL = 'control';
const REJECTED = new Set([401, 404]);

/** The `corpus` info event the harness records before the workload starts. */
export const CorpusRecord = z.object({
  provider: z.string(),
  tokens: z.array(z.object({ label: z.string(), bytes: z.number(), how: z.string() })),
  skipped: z.array(z.object({ label: z.string(), reason: z.string() })),
});
export type CorpusRecord = z.infer<typeof CorpusRecord>;

function workloadOf(ctx: CheckContext<SpecOf<typeof options>>): BadTokensSpec {
  const all = ctx.scenario.workload.filter((w): w is BadTokensSpec => w.kind === 'bad-tokens');
  const w = ctx.spec.workload ? all.find((x) => x.name === ctx.spec.workload) : all[0];
  if (!w) throw new Error(`check ${ctx.spec.name} has no bad-tokens workload to read`);
  return w;
}

export interface BadTokenRow {
  readonly region: string;
  readonly label: string;
  readonly attempts: number;
  readonly accepted: number;
  readonly rejected: number;
  /** answers that are neither: other statuses, transport errors */
  readonly other: readonly string[];
  readonly status: Status;
}

function row(h: readonly HistoryEvent[], process: string, region: string, label: string): BadTokenRow {
  const answers = ops(h, process, 'validate').filter((e) => e.type !== 'invoke' && e.value?.label === label);
  const accepted = answers.filter((e) => e.value?.status === 200).length;
  const rejected = answers.filter((e) => REJECTED.has(Number(e.value?.status))).length;
  const other = answers.filter((e) => e.value?.status !== 200 && !REJECTED.has(Number(e.value?.status))).map((e) => String(e.value?.status ?? e.value?.error));
  const attempts = answers.length;
  let status: Status;
  if (label === CONTROL) status = attempts < MIN_ATTEMPTS ? 'unknown' : accepted / attempts >= CONTROL_RATIO ? 'pass' : 'fail';
  else if (accepted > 0) status = 'fail';
  else status = attempts < MIN_ATTEMPTS || other.length > 0 ? 'unknown' : 'pass';
  return { region, label, attempts, accepted, rejected, other: [...new Set(other)], status };
}

const check: Checker<SpecOf<typeof options>> = (h, ctx) => {
  const w = workloadOf(ctx);
  const raw = ops(h, `${w.name}@harness`, 'corpus').at(-1)?.value;
  const parsed = CorpusRecord.safeParse(raw);
  if (!parsed.success) return { status: 'unknown', summary: 'no bad-token corpus was recorded: nothing was validated', evidence: {} };
  const corpus = parsed.data;
  const labels = corpus.tokens.map((t) => t.label);
  if (!labels.includes(CONTROL)) return { status: 'unknown', summary: 'the corpus has no control token: a dead service would pass', evidence: { corpus } };

  const regions = w.regions ?? controllerSites(ctx.scenario);
  const rows = regions.flatMap((region) => labels.map((label) => row(h, `${w.name}@${region}`, region, label)));
  const evidence = { provider: corpus.provider, allowExpired: w.allowExpired, corpus: corpus.tokens, skipped: corpus.skipped, rows };
  const skipped = corpus.skipped.length ? `; not tested: ${corpus.skipped.map((s) => `${s.label} (${s.reason})`).join('; ')}` : '';

  const accepted = rows.filter((r) => r.label !== CONTROL && r.accepted > 0);
  const deadControl = rows.filter((r) => r.label === CONTROL && r.status === 'fail');
  if (accepted.length || deadControl.length) {
    const parts = [
      ...(accepted.length ? [`SECURITY FINDING: bad tokens accepted: ${accepted.map((r) => `${r.region} x ${r.label} (${r.accepted}/${r.attempts})`).join(', ')}`] : []),
      ...deadControl.map((r) => `${r.region}: the valid control token was accepted only ${r.accepted}/${r.attempts} times (${r.other.join(', ') || 'rejected'}), so its rejections prove nothing`),
    ];
    return { status: 'fail', summary: parts.join('; ') + skipped, evidence };
  }
  const unsure = rows.filter((r) => r.status === 'unknown');
  if (unsure.length) {
    const why = (r: BadTokenRow) => `${r.region} x ${r.label}: ${r.attempts < MIN_ATTEMPTS ? `${r.attempts} answers (< ${MIN_ATTEMPTS})` : `answered ${r.other.join(', ')}`}`;
    return { status: 'unknown', summary: `undecided: ${unsure.map(why).join('; ')}${skipped}`, evidence };
  }
  const bad = rows.filter((r) => r.label !== CONTROL);
  const control = rows.filter((r) => r.label === CONTROL);
  const badLabels = labels.filter((l) => l !== CONTROL);
  const sum = (rs: readonly BadTokenRow[], k: 'accepted' | 'rejected' | 'attempts') => rs.reduce((n, r) => n + r[k], 0);
  return {
    status: 'pass',
    summary: `${regions.join(', ')} rejected every bad ${corpus.provider} token (${badLabels.join(', ')}): ${sum(bad, 'rejected')} validations, all 401/404; the control was accepted ${sum(control, 'accepted')}/${sum(control, 'attempts')}${skipped}`,
    evidence,
  };
};

export const badTokens: CheckKind<typeof options> = {
  options,
  requirements: ['ID-BAD-TOKENS-REJECTED'],
  needs: { workloads: ['bad-tokens'] },
  check,
};
