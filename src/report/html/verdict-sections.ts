import type { RunSummary, ThresholdCheck } from '../../summary/run-summary.js';
import { SATURATION } from '../../metrics/generator-health.js';
import { msCell, pct } from '../text-table.js';
import { escapeHtml } from './escape.js';
import { DECISION_COLUMNS } from '../decision-columns.js';
import { rateLimitWarnings } from '../group-columns.js';
import { columnsTable, flagged, htmlTable, para, section, type Cell } from './html-table.js';

/**
 * The top of report.html: what was run, whether its numbers can be trusted (validity, generator
 * health, the status it ended with), and the verdict (decision table, thresholds). An invalid run
 * is said first, in red, before any number.
 */

/** scenarioName is the scenario's name from its echo, or the run id's tail when the echo has none. */
export function scenarioName(s: RunSummary): string {
  const name = (s.scenario as { name?: unknown } | null)?.name;
  return typeof name === 'string' && name ? name : s.runId.replace(/^\d{8}-\d{6}-/, '');
}

/** describeLoad words the scenario's load block in one line (the echo is untyped: only fields present are used). */
export function describeLoad(s: RunSummary): string {
  const l = ((s.scenario as { load?: Record<string, unknown> } | null)?.load ?? {}) as Record<string, unknown>;
  const parts: string[] = [{ closed: 'closed loop', open: 'open loop', trace: 'trace replay (open loop)' }[s.loadModel]];
  if (typeof l.concurrency === 'number') parts.push(`${l.concurrency} concurrent per target`);
  if (typeof l.rate === 'number') parts.push(`${l.rate}/s${typeof l.arrivals === 'string' ? ` ${l.arrivals} arrivals` : ''} per target`);
  if (Array.isArray(l.stages)) parts.push(`${l.stages.length} stage${l.stages.length === 1 ? '' : 's'}`);
  if (typeof l.duration === 'number') parts.push(`for ${seconds(l.duration)}`);
  if (typeof l.requests === 'number') parts.push(`${l.requests} requests per target`);
  return parts.join(', ');
}

/** header is the page's title block and the run's metadata. */
export function header(s: RunSummary): string {
  const rows: [string, string][] = [
    ['scenario', scenarioName(s)],
    ['run id', s.runId],
    ['started', s.startedAt],
    ['ended', s.endedAt],
    ['duration', `${seconds(s.durationMs)} (warmup included; ${s.warmupRequests} warmup requests excluded from every metric)`],
    ['load', describeLoad(s)],
    ['status', `${s.status} — ${s.stopReason}`],
    ['measured', s.measurement.note || '—'],
    ...(s.traffic ? [['traffic', trafficLine(s.traffic)] as [string, string]] : []),
    ['tool', `${s.tool.name} ${s.tool.version}`],
  ];
  const verdict = s.validity.valid
    ? s.generator.saturated
      ? ['warn', 'valid run, generator saturated']
      : ['ok', 'valid run']
    : ['bad', 'INVALID RUN'];
  return `<header>
<h1>${escapeHtml(scenarioName(s))} <span class="badge badge-${verdict[0]}">${escapeHtml(verdict[1]!)}</span></h1>
<dl class="meta">${rows.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>
</header>`;
}

// The run's own traffic note already opens with its mode ("paired: every target … (seed 42)"): each is said once,
// the seed added after a note that does not name it; a note worded otherwise gets both in front.
function trafficLine(t: NonNullable<RunSummary['traffic']>): string {
  if (!t.note.startsWith(`${t.mode}:`)) return `${t.mode} (seed ${t.seed}): ${t.note}`;
  return t.note.includes(`seed ${t.seed}`) ? t.note : `${t.note} (seed ${t.seed})`;
}

/**
 * banners are the things a reader must not miss, above everything else: an invalid run, thresholds not evaluated or
 * breached, a saturated generator, a run that stopped early.
 */
export function banners(s: RunSummary): string {
  const out: string[] = [];
  if (!s.validity.valid) {
    const notEvaluated =
      s.thresholds && !s.thresholds.evaluated ? '<p>Thresholds were <strong>not evaluated</strong>: an invalid run passes none.</p>' : '';
    out.push(
      '<div class="banner banner-bad" role="alert"><h2>INVALID RUN</h2>' +
        s.validity.reasons.map((r) => `<p>${escapeHtml(r)}.</p>`).join('') +
        '<p>The numbers below describe the load generator at least as much as the targets: do not compare targets on them.</p>' +
        `${notEvaluated}</div>`,
    );
  } else if (s.thresholds && !s.thresholds.evaluated)
    out.push(
      '<div class="banner banner-bad" role="alert"><h2>Thresholds not evaluated</h2>' +
        '<p>The run was judged invalid for thresholds: none passes.</p></div>',
    );
  if (s.thresholds?.evaluated && s.thresholds.passed === false) {
    const failed = s.thresholds.checks.filter((c) => !c.pass);
    out.push(
      `<div class="banner banner-bad"><h2>Thresholds breached</h2><p>${failed.length} of ${s.thresholds.checks.length} checks failed: ` +
        `${escapeHtml(failed.map((c) => `${c.threshold} on ${c.on}`).join('; '))}.</p></div>`,
    );
  }
  if (s.thresholds?.abortedBy) {
    const a = s.thresholds.abortedBy;
    out.push(
      '<div class="banner banner-bad"><h2>Aborted by a threshold</h2>' +
        `<p>${escapeHtml(`${a.threshold} on ${a.on} failed at ${seconds(a.atMs)}; the run stopped there.`)}</p></div>`,
    );
  }
  if (s.generator.saturated)
    out.push(
      '<div class="banner banner-warn"><h2>Generator saturated</h2>' +
        s.generator.warnings.map((w) => `<p>WARNING: ${escapeHtml(w)}</p>`).join('') +
        "<p>Latencies include the generator's own delay.</p></div>",
    );
  const limited = rateLimitWarnings(s.groups);
  if (limited.length)
    out.push(
      '<div class="banner banner-warn"><h2>Near a rate limit</h2>' +
        limited.map((w) => `<p>WARNING: ${escapeHtml(w)}.</p>`).join('') +
        '</div>',
    );
  if (s.status !== 'completed') {
    const why = s.status === 'interrupted' ? 'Run interrupted' : 'Run stopped by its budget';
    out.push(
      `<div class="banner banner-warn"><h2>${why}</h2>` +
        `<p>${escapeHtml(`${s.stopReason}${s.budget?.reason ? ` (${s.budget.reason})` : ''}: `)}` +
        `${escapeHtml('the numbers cover what was measured until then.')}</p></div>`,
    );
  }
  return out.join('\n');
}

// How a tie on cost is broken (analysis/decision.ts): a target that fails fast must not look fast.
const TIE_BREAK = 'the fastest by TTFT p99 over all requests';

/** decisionSection is the bottom line: per target latency, errors and money, the SLO verdict, and the recommendation. */
export function decisionSection(s: RunSummary): string {
  const d = s.decision;
  if (!d?.rows.length)
    return section(
      'decision',
      'Decision',
      para('No decision table: the run has no target measured on its own (a sweep judges each level instead).'),
    );
  const recommendation = d.cheapestMeetingSlo
    ? `<p class="verdict"><strong>Recommendation: ${escapeHtml(d.cheapestMeetingSlo)}</strong> — ` +
      'the cheapest target per successful request that meets the SLO' +
      `${d.tiedWith.length ? ` (within 1 % on cost of ${escapeHtml(d.tiedWith.join(', '))}; ${TIE_BREAK})` : ''}.</p>`
    : `<p class="verdict bad"><strong>No priced target meets the SLO.</strong></p>`;
  const caveat = s.validity.valid
    ? ''
    : para('This run is invalid: the recommendation rests on numbers that include the generator’s own failures.', 'bad');
  const prices = s.pricing
    ? `List prices as of ${s.pricing.asOf} (${s.pricing.currency}); cost = tokens billed by the provider, at those prices.`
    : 'No pricing catalog: costs are unpriced.';
  return section(
    'decision',
    'Decision',
    `${recommendation}${caveat}<p class="small">SLO: ${escapeHtml(d.slo.join(', ') || '—')}. ${escapeHtml(prices)} ` +
      'Latencies of successful requests; a target with no successful request cannot meet the SLO.</p>\n' +
      columnsTable(DECISION_COLUMNS, d.rows, s, 'decision') +
      (d.outputLengthNote ? `\n${para(`Note: ${d.outputLengthNote}.`, 'warn')}` : ''),
  );
}

/** thresholdsSection lists every threshold check: what it was judged on, the measured value against its limit, and the verdict. */
export function thresholdsSection(s: RunSummary): string {
  const t = s.thresholds;
  if (!t) return '';
  const verdict = !t.evaluated
    ? para('Not evaluated: the run is invalid, so no threshold passes (the checks below are listed as not passed).', 'bad')
    : t.passed
      ? para(`All ${t.checks.length} checks passed.`, 'good')
      : para(`${t.checks.filter((c) => !c.pass).length} of ${t.checks.length} checks failed.`, 'bad');
  const rows: Cell[][] = t.checks.map((c) => [
    c.threshold,
    c.on,
    c.beyondSuccesses ? '> max' : thresholdValue(c, c.actual),
    thresholdValue(c, c.limit),
    !t.evaluated ? flagged('not evaluated', 'bad') : c.pass ? flagged('pass', 'good') : flagged('FAIL', 'bad'),
  ]);
  return section('thresholds', 'Thresholds', `${verdict}\n${htmlTable(['threshold', 'on', 'actual', 'limit', 'verdict'], rows, 2)}`);
}

// A threshold's value in its unit; null (nothing measured, which fails) is "—".
function thresholdValue(c: ThresholdCheck, v: number | null): string {
  if (v === null) return '—';
  switch (c.unit) {
    case 'ms':
      return msCell(v);
    case 'share':
      return pct(v);
    case 'usd':
      return `$${v}`;
    case 'per_s':
      return `${v}/s`;
  }
}

/** healthSection: whether the numbers are the targets' (validity) and how the generator fared, each figure beside its bound. */
export function healthSection(s: RunSummary): string {
  const v = s.validity;
  const g = s.generator;
  const over = (x: number | null, bound: number, text: string): Cell => (x !== null && x > bound ? flagged(text, 'bad') : text);
  const kinds = Object.entries(v.generatorErrorsByKind)
    .map(([k, n]) => `${k} ×${n}`)
    .join(', ');
  const validity = htmlTable(
    ['validity', 'value'],
    [
      ['verdict', v.valid ? flagged('valid', 'good') : flagged('INVALID', 'bad')],
      ['measured arrivals', String(v.arrivals)],
      [
        'failed on the generator’s side',
        v.generatorFailed ? flagged(`${v.generatorFailed}${kinds ? ` (${kinds})` : ''}`, v.valid ? 'warn' : 'bad') : '0',
      ],
      ['dropped by the generator', v.generatorDropped ? flagged(String(v.generatorDropped), v.valid ? 'warn' : 'bad') : '0'],
    ],
    1,
    'compact',
  );
  const ms = (x: number | null) => msCell(x);
  const health = htmlTable(
    ['generator', 'value', 'bound'],
    [
      [
        'event-loop delay p99',
        over(g.eventLoopDelayMs.p99, SATURATION.eventLoopDelayP99Ms, ms(g.eventLoopDelayMs.p99)),
        `${SATURATION.eventLoopDelayP99Ms}ms`,
      ],
      [
        'event-loop delay mean / p50 / max',
        `${ms(g.eventLoopDelayMs.mean)} / ${ms(g.eventLoopDelayMs.p50)} / ${ms(g.eventLoopDelayMs.max)}`,
        '',
      ],
      [
        'event-loop utilization',
        over(
          g.eventLoopUtilization,
          SATURATION.eventLoopUtilization,
          g.eventLoopUtilization === null ? '—' : `${(g.eventLoopUtilization * 100).toFixed(1)}%`,
        ),
        `${SATURATION.eventLoopUtilization * 100}%`,
      ],
      [
        'dispatch lag p99',
        over(g.dispatchLagMs?.p99 ?? null, SATURATION.dispatchLagP99Ms, ms(g.dispatchLagMs?.p99 ?? null)),
        `${SATURATION.dispatchLagP99Ms}ms`,
      ],
      ['dispatch lag p50 / max', `${ms(g.dispatchLagMs?.p50 ?? null)} / ${ms(g.dispatchLagMs?.max ?? null)}`, ''],
      ['CPU (process, % of one core; includes embedded mocks)', g.cpuPercent === null ? '—' : `${g.cpuPercent.toFixed(1)}%`, ''],
      ['saturated', g.saturated ? flagged('yes', 'bad') : flagged('no', 'good'), ''],
    ],
    1,
    'compact',
  );
  const warnings = g.warnings.length
    ? `<ul class="warnings">${g.warnings.map((w) => `<li>WARNING: ${escapeHtml(w)}</li>`).join('')}</ul>`
    : para('No generator warnings.', 'small');
  return section(
    'health',
    'Run validity and generator health',
    `<div class="cols">${validity}${health}</div>\n${warnings}\n` +
      para(
        'A run is invalid when more than 1 % of its arrivals failed on the generator’s own side or the generator was severely saturated; ' +
          'a saturated generator adds its own delay to every latency.',
        'small',
      ),
    v.valid ? (g.saturated ? 'health-warn' : '') : 'health-bad',
  );
}

/** seconds writes a duration in ms as seconds for a sentence. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}
