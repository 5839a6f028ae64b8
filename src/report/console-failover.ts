import type { RunSummary } from '../summary/run-summary.js';
import { breakerStateAt } from '../failover/circuit-breaker.js';
import { msCell, pct, table } from './text-table.js';

/**
 * failoverSection renders the drill: per route, availability as users saw it against each hop's
 * raw error rate, failover time and time lost, who served what; the per-second timeline; breaker
 * transitions; and each outage's detect and recover times.
 */
export function failoverSection(s: RunSummary, width?: number): string {
  const f = s.failover!;
  const out: string[] = ['Failover'];
  for (const r of f.routes) {
    const g = s.groups.find((x) => x.scope === 'route' && x.target === r.name);
    if (!g) continue;
    const avail = g.requests.total ? g.requests.ok / g.requests.total : null;
    out.push(
      `route ${r.name} (${r.chain.join(' → ')}): ${g.requests.total} user requests, available ${pct(avail)} as users saw it; ` +
        `${g.route?.failedOver ?? 0} served by a fallback; ` +
        `${g.route?.attempts ?? 0} attempts (${r.retries} retries, ${r.retriesDenied} denied by the retry budget` +
        `${r.retryTokens ? `; retries re-sent ${r.retryTokens.input} input tokens and got ${r.retryTokens.output} output tokens` : ''})`,
    );
    out.push(
      `  failover time p50 ${msCell(g.metrics.failover.p50)}, p99 ${msCell(g.metrics.failover.p99)}; ` +
        `time lost on failed attempts p50 ${msCell(g.metrics.timeLost.p50)}, p99 ${msCell(g.metrics.timeLost.p99)}; ` +
        `TTFT p99 as users saw it ${msCell(g.metrics.ttft.p99)}`,
    );
    const hops = r.chain.map((t) => {
      const tg = s.groups.find((x) => (x.scope ?? 'target') === 'target' && x.target === t);
      const raw = `${tg ? pct(tg.requests.errorRate) : '—'} of ${tg?.requests.total ?? 0} attempts`;
      return `${t}: served ${g.route?.servedBy[t] ?? 0}, raw error rate ${raw}`;
    });
    out.push(`  ${hops.join('; ')}`);
    // Per-second timeline: requests served by each hop, failures, and each hop's breaker state.
    const header = ['second', ...r.chain.map((t) => `by ${t}`), 'failed', ...r.chain.map((t) => `breaker ${t}`)];
    const rows = g.timeseries.map((p) => [
      String(p.second),
      ...r.chain.map((t) => String(p.servedBy?.[t] ?? 0)),
      String(p.failed),
      ...r.chain.map((t) => breakerStateAt(f.breakers, r.name, t, (p.second + 1) * 1000)),
    ]);
    // At a narrow console the breakers' states drop first, then the hops' counts; the second and the failures stay.
    const drop = [undefined, ...r.chain.map(() => 1), undefined, ...r.chain.map(() => 2)];
    out.push(table(header, rows, 0, { width, drop }));
  }
  if (f.breakers.length) {
    out.push('breaker transitions:');
    for (const b of f.breakers)
      out.push(
        `  ${(b.atMs / 1000).toFixed(3)}s  ${b.route}/${b.target}${b.part ? ` [${b.part}]` : ''}: ${b.from} → ${b.to} (${b.reason})`,
      );
  }
  if (f.outages.length) {
    out.push('outages (as the client saw them):');
    for (const o of f.outages)
      out.push(
        `  ${o.route}/${o.target}${o.part ? ` [${o.part}]` : ''}: ` +
          `failures ${(o.firstFailureMs / 1000).toFixed(2)}s–${(o.lastFailureMs / 1000).toFixed(2)}s (${o.failures}); ` +
          `detected (breaker open) ${o.detectMs === null ? 'never' : `after ${Math.round(o.detectMs)}ms`}; ` +
          `serving again ${
            o.recoveredAtMs === null
              ? 'not within the run'
              : `at ${(o.recoveredAtMs / 1000).toFixed(2)}s, ${Math.round(o.recoverMs!)}ms after the last failure`
          }`,
      );
  }
  return out.join('\n');
}
