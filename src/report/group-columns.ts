import type { RunGroupSummary } from '../summary/run-summary.js';
import type { Column, Columns } from './columns.js';
import { escapeHtml } from './html/escape.js';
import { beyondCell, msCell } from './text-table.js';
import { rateLimitWarning } from '../metrics/rate-limit.js';

/** GroupTableContext is what the per-group table needs beside its rows. */
export interface GroupTableContext {
  /** An open loop: the console adds service times and dropped arrivals. */
  open: boolean;
  /** Some row's server reported its own time (Bedrock): the tables add it, and the share of E2E beyond it. */
  serverReported: boolean;
  /** Some row had a failure: the tables add the all-requests p99s beside the success-only ones. */
  anyFailed: boolean;
  /** The longest p99 of each latency across the rows: HTML's bars share one scale per metric. */
  barScaleMs: Record<BarMetric, number>;
  /** Some row is judged against goodput bounds: the tables add "SLO met %". */
  goodput?: boolean;
}

/** BarMetric is a latency HTML draws as p50/p99 bars. */
export type BarMetric = 'ttft' | 'itl' | 'e2e';

type GroupColumn = Column<RunGroupSummary, GroupTableContext>;

/** targetLabel names a group in a table: its target, with its sweep level. */
export function targetLabel(g: RunGroupSummary): string {
  return g.step ? `${g.target} @${g.step}` : g.target;
}

/**
 * rateLimitWarnings are the warnings of the target groups (each sweep level apart) whose provider's stated quota came
 * within 10 % of its limit: every report prints them.
 */
export function rateLimitWarnings(groups: readonly RunGroupSummary[]): string[] {
  return groups
    .filter((g) => (g.scope ?? 'target') === 'target')
    .map((g) => rateLimitWarning(targetLabel(g), g.rateLimit))
    .filter((w) => w !== null);
}

const ms = (header: string, value: (g: RunGroupSummary) => number | null, only: GroupColumn['in']): GroupColumn => ({
  header,
  value,
  written: 'ms',
  in: only,
});

// p50 / p99 in one cell, drawn in HTML as two bars on the metric's scale across every row.
const bars = (header: string, m: BarMetric): GroupColumn => ({
  header,
  value: (g) => {
    const { p50, p99 } = g.metrics[m];
    return p50 === null || p99 === null ? null : `${msCell(p50)} / ${msCell(p99)}`;
  },
  written: 'text',
  in: ['html'],
  html: {
    cell: (g, ctx, text) => {
      const { p50, p99 } = g.metrics[m];
      if (p50 === null || p99 === null) return text;
      const scale = ctx.barScaleMs[m];
      const w = (v: number) => (scale > 0 ? ((v / scale) * 100).toFixed(1) : '0');
      return {
        html:
          '<div class="bar-cell"><div class="bars" aria-hidden="true">' +
          `<span class="bar p99" style="width:${w(p99)}%"></span><span class="bar p50" style="width:${w(p50)}%"></span>` +
          `</div><span class="bar-text">${escapeHtml(text)}</span></div>`,
      };
    },
  },
});

// The p99 over all requests, a failure slower than any success (metrics/all-requests.ts), beside the success-only one:
// its value, or "> max (n% failed)" when it falls among the failures. Shown when some row failed (else the two are equal).
const allP99 = (header: string, m: 'ttft' | 'e2e'): GroupColumn => ({
  header,
  value: (g) => {
    const all = g.metrics[m].all;
    if (!all) return null;
    return all.beyondSuccesses.includes('p99') ? beyondCell(g.requests.errorRate) : all.p99;
  },
  written: 'ms',
  when: (c) => c.anyFailed,
  html: { header: `${header.replace(' all', '')} (all requests)` },
});

// The console shows the request rate beside the error rate, HTML after the latency bars: one column, two places.
const REQUESTS_PER_SEC: GroupColumn = { header: 'req/s', value: (g) => g.throughput.requestsPerSec, written: { fixed: 1 } };

/**
 * GROUP_COLUMNS is the per-group latency table: the console's table per target (and route), the
 * markdown report's targets, and report.html's per-region comparison (with bars).
 */
export const GROUP_COLUMNS: Columns<RunGroupSummary, GroupTableContext> = [
  {
    header: 'target',
    text: true,
    value: targetLabel,
    fold: true,
    markdown: { value: (g) => (g.scope === 'route' ? `${g.target} (route)` : g.target) },
  },
  // HTML groups the rows by region under a heading of their own.
  // At a narrow console, columns drop in rank order (the highest first): the tail of the ITL and throughput, the labels,
  // the medians, the rates; the target, its error rate and SLO verdict stay (docs/outputs.md#console-width).
  {
    header: 'region',
    text: true,
    value: (g) => g.region,
    in: ['console', 'markdown'],
    drop: 9,
    fold: true,
    markdown: { value: (g) => g.region || null },
  },
  { header: 'model', text: true, value: (g) => g.model, drop: 4, fold: true, markdown: { value: (g) => g.model || null } },
  {
    header: 'ok/total',
    value: (g) => `${g.requests.ok}/${g.requests.total}`,
    written: 'text',
    drop: 3,
    html: { header: 'ok / total' },
  },
  { header: 'err%', value: (g) => g.requests.errorRate, written: 'pct', html: { header: 'error rate' } },
  // The share of requests that met every goodput bound (docs/metrics.md#goodput): a failed request never does.
  { header: 'SLO met %', value: (g) => g.goodput?.ratio ?? null, written: 'pct', when: (c) => c.goodput === true },
  { ...REQUESTS_PER_SEC, in: ['console'], drop: 5 },
  { ...ms('TTFT p50', (g) => g.metrics.ttft.p50, ['console', 'markdown']), drop: 6 },
  { ...ms('TTFT p99', (g) => g.metrics.ttft.p99, ['console', 'markdown']), drop: 1 },
  bars('TTFT p50 / p99', 'ttft'),
  { ...allP99('TTFT p99 all', 'ttft'), drop: 2 },
  { ...ms('ITL p50', (g) => g.metrics.itl.p50, ['console', 'markdown']), drop: 7 },
  { ...ms('ITL p99', (g) => g.metrics.itl.p99, ['console']), drop: 12 },
  bars('ITL p50 / p99', 'itl'),
  { ...ms('E2E p50', (g) => g.metrics.e2e.p50, ['console', 'markdown']), drop: 6 },
  { ...ms('E2E p99', (g) => g.metrics.e2e.p99, ['console', 'markdown']), drop: 1 },
  bars('E2E p50 / p99', 'e2e'),
  { ...allP99('E2E p99 all', 'e2e'), drop: 2 },
  { ...REQUESTS_PER_SEC, in: ['html'] },
  { header: 'out tok/s', value: (g) => g.throughput.outputTokensPerSec, written: { fixed: 0 }, drop: 11 },
  {
    header: '$ / ok request',
    value: (g) => (g.cost?.priced ? g.cost.perSuccessfulRequestUsd : null),
    written: { usd: 6 },
    in: ['markdown'],
  },
  // In an open loop, response time (from the schedule) and service time (from the send) differ: both are shown, labelled.
  { ...ms('svc TTFT p99', (g) => g.metrics.ttftService.p99, ['console']), when: (c) => c.open, drop: 8 },
  { ...ms('svc E2E p99', (g) => g.metrics.e2eService.p99, ['console']), when: (c) => c.open, drop: 8 },
  { header: 'dropped', value: (g) => g.requests.dropped, written: 'count', in: ['console'], when: (c) => c.open, drop: 3 },
  // The server's own figure, labelled as the server's, and what the client saw beyond it (network, front end): per region.
  {
    ...ms('server-reported p50', (g) => g.metrics.serverLatency.p50, ['console', 'markdown', 'html']),
    when: (c) => c.serverReported,
    drop: 10,
  },
  {
    ...ms('beyond server p50', (g) => g.metrics.networkShare.p50, ['console', 'markdown', 'html']),
    when: (c) => c.serverReported,
    drop: 10,
  },
];

/** groupTableContext is the per-group table's context for these rows. */
export function groupTableContext(rows: readonly RunGroupSummary[], open = false): GroupTableContext {
  const scale = (m: BarMetric) => Math.max(0, ...rows.map((g) => g.metrics[m].p99 ?? 0));
  const serverReported = rows.some((g) => g.metrics.serverLatency.count > 0);
  const goodput = rows.some((g) => g.goodput !== undefined);
  const anyFailed = rows.some((g) => g.requests.failed > 0);
  return {
    open,
    serverReported,
    anyFailed,
    barScaleMs: { ttft: scale('ttft'), itl: scale('itl'), e2e: scale('e2e') },
    ...(goodput ? { goodput } : {}),
  };
}
