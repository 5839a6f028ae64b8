import { stringify } from 'csv-stringify/sync';
import type { RunSummary } from '../summary/run-summary.js';
import { breakerStateAt } from '../failover/circuit-breaker.js';

/**
 * failoverCsv renders the drill timeline: one row per route × second, with the requests each hop
 * served, the user requests that failed, and each hop's breaker state at the end of the second.
 * A pure function of summary.json.
 */
export function failoverCsv(s: RunSummary): string {
  const f = s.failover;
  if (!f) return '';
  const maxHops = Math.max(...f.routes.map((r) => r.chain.length));
  const columns = [
    'route',
    'second',
    'requests',
    'ok',
    'failed',
    ...Array.from({ length: maxHops }, (_, i) => [`hop${i + 1}`, `hop${i + 1}_served`, `hop${i + 1}_breaker`]).flat(),
  ];
  const rows: (string | number)[][] = [];
  for (const r of f.routes) {
    const g = s.groups.find((x) => x.scope === 'route' && x.target === r.name);
    for (const p of g?.timeseries ?? []) {
      const end = (p.second + 1) * 1000;
      const hops = r.chain.flatMap((t) => [t, p.servedBy?.[t] ?? 0, breakerStateAt(f.breakers, r.name, t, end)]);
      rows.push([r.name, p.second, p.requests, p.ok, p.failed, ...hops]);
    }
  }
  return stringify(rows, { header: true, columns });
}
