import type { RunSummary } from '../summary/run-summary.js';
import { msCell, pct, table, usd } from './text-table.js';

/** decisionTable is the bake-off's bottom line: latency, errors and money per target, and the cheapest one meeting the SLO. */
export function decisionTable(s: RunSummary): string {
  const d = s.decision!;
  const money = (r: (typeof d.rows)[number], v: number | null, digits: number) => (!r.priced ? 'unpriced' : usd(v, digits));
  const header = [
    'target',
    'model',
    'TTFT p50',
    'TTFT p99',
    'E2E p50',
    'E2E p99',
    'err%',
    '$ / 1M out tok',
    '$ / ok request',
    `SLO (${d.slo.join(', ')})`,
  ];
  const rows = d.rows.map((r) => [
    r.target,
    r.model,
    msCell(r.ttftP50),
    msCell(r.ttftP99),
    msCell(r.e2eP50),
    msCell(r.e2eP99),
    pct(r.errorRate),
    money(r, r.per1MOutputTokensUsd, 2),
    money(r, r.perSuccessfulRequestUsd, 6),
    r.note ?? (r.meetsSlo ? 'meets' : `misses: ${r.failed.map((c) => c.threshold).join('; ')}`),
  ]);
  const verdict = d.cheapestMeetingSlo
    ? `cheapest target meeting the SLO: ${d.cheapestMeetingSlo}${d.tiedWith?.length ? ` (within 1% on cost of ${d.tiedWith.join(', ')}; the fastest by TTFT p99)` : ''}`
    : 'no priced target meets the SLO';
  const asOf = s.pricing ? ` (list prices as of ${s.pricing.asOf}; cost = tokens billed by the provider, at those prices)` : '';
  return ['decision:' + asOf, table(header, rows, 2), verdict].join('\n');
}

// A list price as printed on price pages: at least the cents ($0.60, $2.50, $0.075).
function price(x: number): string {
  return `$${Number.isInteger(Math.round(x * 1e6) / 1e4) ? x.toFixed(2) : String(x)}`;
}

// costTable: what each target's traffic cost at list prices, and the part spent on failed requests.
export function costTable(groups: RunSummary['groups'], s: RunSummary): string {
  const header = [
    'target',
    'model',
    '$ / 1M in',
    '$ / 1M out',
    'total',
    '$ / ok request',
    '$ / 1K requests',
    '$ / 1M out tok',
    'failed requests',
  ];
  const rows = groups.map((g) => {
    const c = g.cost!;
    return [
      g.step ? `${g.target} @${g.step}` : g.target,
      g.model,
      price(c.pricePer1M!.input),
      price(c.pricePer1M!.output),
      usd(c.totalUsd, 4),
      usd(c.perSuccessfulRequestUsd, 6),
      usd(c.per1kRequestsUsd, 4),
      usd(c.per1MOutputTokensUsd, 2),
      usd(c.failedUsd, 4),
    ];
  });
  return (
    `cost at list prices${s.pricing ? ` (as of ${s.pricing.asOf})` : ''}: billed tokens (2xx responses) × price; "failed requests" is what broken streams and retried attempts cost\n` +
    table(header, rows, 2)
  );
}
