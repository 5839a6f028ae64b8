import type { AllP99, Decision } from '../analysis/decision.js';
import type { RunSummary } from '../summary/run-summary.js';
import type { Column, Columns } from './columns.js';
import { escapeHtml } from './html/escape.js';
import { beyondCell } from './text-table.js';

/** DecisionRow is one target's row of the decision. */
export type DecisionRow = Decision['rows'][number];

type DecisionColumn = Column<DecisionRow, RunSummary>;

const ms = (header: string, value: (r: DecisionRow) => number | null): DecisionColumn => ({ header, value, written: 'ms' });

// Money only where the model has a price: "unpriced" is not "no data".
const money = (header: string, value: (r: DecisionRow) => number | null, digits: number): DecisionColumn => ({
  header,
  value: (r) => (r.priced ? value(r) : 'unpriced'),
  written: { usd: digits },
});

// The p99 over all requests the decision ranks on, a failure slower than any success: its value, or "> max (n% failed)"
// when it falls among the failures. Shown when some target failed (else it equals the success-only p99).
const allP99 = (header: string, key: AllP99): DecisionColumn => ({
  header,
  value: (r) => {
    if (!r.all) return null;
    return r.all.beyondSuccesses.includes(key) ? beyondCell(r.errorRate) : r.all[key];
  },
  written: 'ms',
  when: (s) => s.decision?.rows.some((r) => (r.errorRate ?? 0) > 0) ?? false,
  html: { header: `${header.replace(' all', '')} (all requests)` },
});

/** sloVerdict is a row's verdict against the SLO, in words. */
export function sloVerdict(r: DecisionRow): string {
  return r.note ?? (r.meetsSlo ? 'meets' : `misses: ${r.failed.map((c) => c.threshold).join('; ')}`);
}

/**
 * DECISION_COLUMNS is the bake-off's bottom line, per target: latency, errors and money, and the
 * verdict against the SLO — the console's decision table and report.html's (which adds the region
 * and marks the recommended target).
 */
export const DECISION_COLUMNS: Columns<DecisionRow, RunSummary> = [
  {
    header: 'target',
    text: true,
    value: (r) => r.target,
    fold: true,
    html: {
      cell: (r, s, text) =>
        r.target === s.decision?.cheapestMeetingSlo
          ? { html: `${escapeHtml(text)} <span class="badge badge-ok">recommended</span>` }
          : text,
    },
  },
  {
    header: 'region',
    text: true,
    value: (r, s) => s.groups.find((g) => g.scope === 'target' && g.target === r.target && !g.step)?.region ?? '',
    in: ['html'],
  },
  // At a narrow console, columns drop in rank order (the highest first); the target, errors, cost per request and the
  // verdict stay.
  { header: 'model', text: true, value: (r) => r.model, drop: 5, fold: true },
  { ...ms('TTFT p50', (r) => r.ttftP50), drop: 7 },
  { ...ms('TTFT p99', (r) => r.ttftP99), drop: 1 },
  { ...allP99('TTFT p99 all', 'ttftP99'), drop: 3 },
  { ...ms('E2E p50', (r) => r.e2eP50), drop: 7 },
  { ...ms('E2E p99', (r) => r.e2eP99), drop: 2 },
  { ...allP99('E2E p99 all', 'e2eP99'), drop: 3 },
  { header: 'err%', value: (r) => r.errorRate, written: 'pct', html: { header: 'error rate' } },
  {
    header: 'SLO met %',
    value: (r) => r.sloMet ?? null,
    written: 'pct',
    when: (s) => s.decision?.rows.some((r) => r.sloMet !== undefined) ?? false,
  },
  // Beside TTFT and cost: a cached prefix moves both. Older summaries' rows have no hit rate: "—".
  { header: 'cache hit', value: (r) => r.cacheHitRate ?? null, written: 'pct', drop: 6, html: { header: 'cache hit rate' } },
  { ...money('$ / 1M out tok', (r) => r.per1MOutputTokensUsd, 2), drop: 4 },
  money('$ / ok request', (r) => r.perSuccessfulRequestUsd, 6),
  {
    header: (s) => `SLO (${s.decision?.slo.join(', ') ?? ''})`,
    value: sloVerdict,
    written: 'text',
    fold: true,
    html: {
      header: 'SLO verdict',
      headerClass: 'text',
      cell: (r, _, text) => ({ text, className: !r.note && r.meetsSlo ? 'good' : 'bad wrap' }),
    },
  },
];
