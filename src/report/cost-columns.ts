import type { GroupCost } from '../cost/run-cost.js';
import type { RunGroupSummary } from '../summary/run-summary.js';
import type { Column, Columns, Written } from './columns.js';
import { targetLabel } from './group-columns.js';
import { groupLabel } from './html/chart-specs.js';

type CostColumn = Column<RunGroupSummary, void>;

/** listPrice writes a list price as price pages print it: at least the cents ($0.60, $2.50, $0.075). */
export function listPrice(v: number | undefined): string {
  return v === undefined ? '—' : `$${Number.isInteger(Math.round(v * 1e6) / 1e4) ? v.toFixed(2) : String(v)}`;
}

// A figure of a priced group; an unpriced one (report.html lists it) has an empty cell, its first says why.
const amount = (header: string, get: (c: GroupCost) => number | string | null, written: Written, html?: string): CostColumn => ({
  header,
  value: (g) => (g.cost?.priced ? get(g.cost) : ''),
  written,
  ...(html ? { html: { header: html } } : {}),
});

const UNPRICED = 'unpriced (model not in the catalog)';

/**
 * COST_COLUMNS is what each group's traffic cost at list prices, per unit, and the part spent on
 * failed requests: the console's cost table and report.html's.
 */
export const COST_COLUMNS: Columns<RunGroupSummary, void> = [
  { header: 'target', text: true, value: targetLabel, fold: true, html: { value: groupLabel } },
  // At a narrow console, columns drop in rank order (the highest first); the target and its total stay.
  { header: 'model', text: true, value: (g) => g.model, drop: 3, fold: true, html: { value: (g) => g.cost?.model ?? g.model } },
  {
    header: '$ / 1M in',
    value: (g) => (g.cost?.priced ? listPrice(g.cost.pricePer1M?.input) : UNPRICED),
    written: 'text',
    fold: true,
    drop: 6,
    html: { header: '$ / 1M input', cell: (g, _, text) => (g.cost?.priced ? text : { text, className: 'warn' }) },
  },
  { ...amount('$ / 1M out', (c) => listPrice(c.pricePer1M?.output), 'text', '$ / 1M output'), drop: 6 },
  amount('total', (c) => c.totalUsd, { usd: 4 }),
  { ...amount('$ / ok request', (c) => c.perSuccessfulRequestUsd, { usd: 6 }), drop: 1 },
  { ...amount('$ / 1K requests', (c) => c.per1kRequestsUsd, { usd: 4 }), drop: 5 },
  { ...amount('$ / 1M out tok', (c) => c.per1MOutputTokensUsd, { usd: 2 }, '$ / 1M output tokens'), drop: 4 },
  { ...amount('failed requests', (c) => c.failedUsd, { usd: 4 }), drop: 2 },
];
