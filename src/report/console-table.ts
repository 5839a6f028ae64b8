import type { RunSummary } from '../summary/run-summary.js';
import { breakerStateAt } from '../failover/circuit-breaker.js';

/**
 * consoleTable renders the run summary as the table printed at the end of `run` (and by
 * `report`): one row per target, TTFT / ITL / E2E p50 and p99, throughput and errors.
 */
export function consoleTable(s: RunSummary): string {
  // In an open loop, response time (from the schedule) and service time (from the send) differ;
  // both are shown, labelled, with the arrivals that were dropped.
  const open = s.loadModel !== undefined && s.loadModel !== 'closed';
  const header = ['target', 'region', 'model', 'ok/total', 'err%', 'req/s', 'TTFT p50', 'TTFT p99', 'ITL p50', 'ITL p99', 'E2E p50', 'E2E p99', 'out tok/s'];
  if (open) header.push('svc TTFT p99', 'svc E2E p99', 'dropped');
  const targetGroups = s.groups.filter((g) => (g.scope ?? 'target') === 'target' || g.scope === 'route');
  const rows = targetGroups.map((g) => [
    g.step ? `${g.target} @${g.step}` : g.target,
    g.region,
    g.model,
    `${g.requests.ok}/${g.requests.total}`,
    pct(g.requests.errorRate),
    fixed(g.throughput.requestsPerSec, 1),
    msCell(g.metrics.ttft.p50),
    msCell(g.metrics.ttft.p99),
    msCell(g.metrics.itl.p50),
    msCell(g.metrics.itl.p99),
    msCell(g.metrics.e2e.p50),
    msCell(g.metrics.e2e.p99),
    fixed(g.throughput.outputTokensPerSec, 0),
    ...(open
      ? [msCell(g.metrics.ttftService.p99), msCell(g.metrics.e2eService.p99), String(g.requests.dropped)]
      : []),
  ]);
  const lines = [table(header, rows, 3)];
  if (open) lines.push('open loop: TTFT/E2E count from each request\'s scheduled arrival (response time); svc = from its actual send (service time).');
  const errors = targetGroups.filter((g) => g.requests.failed > 0);
  for (const g of errors) {
    const kinds = Object.entries(g.requests.errorsByKind)
      .map(([k, n]) => `${k} ×${n}`)
      .join(', ');
    lines.push(`errors ${g.target}: ${kinds}`);
  }
  const byWorkload = s.groups.filter((g) => g.scope === 'workload').sort((a, b) => a.target.localeCompare(b.target) || (a.workload ?? '').localeCompare(b.workload ?? ''));
  if (byWorkload.length) lines.push('', 'by workload:', breakdownTable(byWorkload, (g) => g.workload ?? ''));
  const byTurn = s.groups
    .filter((g) => g.scope === 'turn')
    .sort((a, b) => a.target.localeCompare(b.target) || (a.workload ?? '').localeCompare(b.workload ?? '') || (a.turn ?? 1) - (b.turn ?? 1));
  if (byTurn.length) lines.push('', 'by conversation turn (turn 1 = first message; later turns carry the earlier exchanges):', breakdownTable(byTurn, (g) => `${g.workload} turn ${g.turn ?? 1}`));
  lines.push('', tokenTable(targetGroups));
  const priced = targetGroups.filter((g) => g.cost?.priced);
  if (priced.length) lines.push('', costTable(priced, s));
  if (s.traffic) lines.push(s.traffic.note);
  if (s.decision && s.decision.rows.length > 1) lines.push('', decisionTable(s));
  if (s.budget?.stopped) lines.push(`BUDGET: ${s.budget.reason}; spent $${s.budget.spentUsd.toFixed(4)} on ${s.budget.requests} requests, ${s.budget.tokens} tokens; results hold what was measured.`);
  if (s.failover) lines.push('', failoverSection(s));
  if (s.sweep) lines.push('', sweepTable(s));
  for (const w of s.generator.warnings) lines.push(`WARNING: ${w}`);
  if (s.status === 'interrupted') lines.push(`NOTE: run interrupted (${s.stopReason}); numbers cover what was measured before the stop.`);
  return lines.join('\n');
}

// breakdownTable: the main latency columns for sub-groups (per workload, per turn), with input size.
function breakdownTable(groups: RunSummary['groups'], label: (g: RunSummary['groups'][number]) => string): string {
  const header = ['target', 'group', 'ok/total', 'in tok/req', 'out tok/req', 'TTFT p50', 'TTFT p99', 'ITL p50', 'E2E p50', 'E2E p99'];
  const rows = groups.map((g) => [
    g.step ? `${g.target} @${g.step}` : g.target,
    label(g),
    `${g.requests.ok}/${g.requests.total}`,
    g.requests.total ? fixed(g.tokens.input / g.requests.total, 0) : '—',
    g.requests.ok ? fixed(g.tokens.output / g.requests.ok, 0) : '—',
    msCell(g.metrics.ttft.p50),
    msCell(g.metrics.ttft.p99),
    msCell(g.metrics.itl.p50),
    msCell(g.metrics.e2e.p50),
    msCell(g.metrics.e2e.p99),
  ]);
  return table(header, rows, 2);
}

// tokenTable: where token counts came from, requested vs received output, and how far the
// server's usage and our tokenizer disagree on the same text.
function tokenTable(groups: RunSummary['groups']): string {
  const header = ['target', 'input tok', 'output tok', 'requested out', 'out/requested', 'source usage/counted', 'usage vs local count'];
  const rows = groups.map((g) => {
    const t = g.tokens;
    const u = t.usageVsCounted;
    return [
      g.step ? `${g.target} @${g.step}` : g.target,
      String(t.input),
      String(t.output),
      t.requestedOutput !== undefined ? String(t.requestedOutput) : '—',
      t.requestedOutput ? pct(t.output / t.requestedOutput) : '—',
      `${t.source.usage}/${t.source.counted}`,
      u && u.requests ? `${u.usageOutput} vs ${u.countedOutput} (mean |Δ| ${u.meanAbsDiff}/req, max ${u.maxAbsDiff})` : '—',
    ];
  });
  return 'tokens:\n' + table(header, rows, 1);
}

/** decisionTable is the bake-off's bottom line: latency, errors and money per target, and the cheapest one meeting the SLO. */
export function decisionTable(s: RunSummary): string {
  const d = s.decision!;
  const money = (r: (typeof d.rows)[number], v: number | null, digits: number) => (!r.priced ? 'unpriced' : usd(v, digits));
  const header = ['target', 'model', 'TTFT p50', 'TTFT p99', 'E2E p50', 'E2E p99', 'err%', '$ / 1M out tok', '$ / ok request', `SLO (${d.slo.join(', ')})`];
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

/**
 * failoverSection renders the drill: per route, availability as users saw it against each hop's
 * raw error rate, failover time and time lost, who served what; the per-second timeline; breaker
 * transitions; and each outage's detect and recover times.
 */
export function failoverSection(s: RunSummary): string {
  const f = s.failover!;
  const out: string[] = ['Failover'];
  for (const r of f.routes) {
    const g = s.groups.find((x) => x.scope === 'route' && x.target === r.name);
    if (!g) continue;
    const avail = g.requests.total ? g.requests.ok / g.requests.total : 0;
    out.push(
      `route ${r.name} (${r.chain.join(' → ')}): ${g.requests.total} user requests, available ${pct(avail)} as users saw it; ` +
        `${g.route?.failedOver ?? 0} served by a fallback; ${g.route?.attempts ?? 0} attempts (${r.retries} retries, ${r.retriesDenied} denied by the retry budget` +
        `${r.retryTokens ? `; retries re-sent ${r.retryTokens.input} input tokens and got ${r.retryTokens.output} output tokens` : ''})`,
    );
    out.push(
      `  failover time p50 ${msCell(g.metrics.failover.p50)}, p99 ${msCell(g.metrics.failover.p99)}; ` +
        `time lost on failed attempts p50 ${msCell(g.metrics.timeLost.p50)}, p99 ${msCell(g.metrics.timeLost.p99)}; ` +
        `TTFT p99 as users saw it ${msCell(g.metrics.ttft.p99)}`,
    );
    const hops = r.chain.map((t) => {
      const tg = s.groups.find((x) => (x.scope ?? 'target') === 'target' && x.target === t);
      return `${t}: served ${g.route?.servedBy[t] ?? 0}, raw error rate ${tg ? pct(tg.requests.errorRate) : '—'} of ${tg?.requests.total ?? 0} attempts`;
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
    out.push(table(header, rows, 0));
  }
  if (f.breakers.length) {
    out.push('breaker transitions:');
    for (const b of f.breakers) out.push(`  ${(b.atMs / 1000).toFixed(3)}s  ${b.route}/${b.target}: ${b.from} → ${b.to} (${b.reason})`);
  }
  if (f.outages.length) {
    out.push('outages (as the client saw them):');
    for (const o of f.outages)
      out.push(
        `  ${o.route}/${o.target}: failures ${(o.firstFailureMs / 1000).toFixed(2)}s–${(o.lastFailureMs / 1000).toFixed(2)}s (${o.failures}); ` +
          `detected (breaker open) ${o.detectMs === null ? 'never' : `after ${Math.round(o.detectMs)}ms`}; ` +
          `serving again ${o.recoveredAtMs === null ? 'not within the run' : `at ${(o.recoveredAtMs / 1000).toFixed(2)}s, ${Math.round(o.recoverMs!)}ms after the last failure`}`,
      );
  }
  return out.join('\n');
}

// A list price as printed on price pages: at least the cents ($0.60, $2.50, $0.075).
function price(x: number): string {
  return `$${Number.isInteger(Math.round(x * 1e6) / 1e4) ? x.toFixed(2) : String(x)}`;
}

// costTable: what each target's traffic cost at list prices, and the part spent on failed requests.
function costTable(groups: RunSummary['groups'], s: RunSummary): string {
  const header = ['target', 'model', '$ / 1M in', '$ / 1M out', 'total', '$ / ok request', '$ / 1K requests', '$ / 1M out tok', 'failed requests'];
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
  return `cost at list prices${s.pricing ? ` (as of ${s.pricing.asOf})` : ''}: billed tokens (2xx responses) × price; "failed requests" is what broken streams and retried attempts cost\n` + table(header, rows, 2);
}

/** sweepTable renders a capacity sweep: each level's SLO verdict per target, then each target's knee. */
export function sweepTable(s: RunSummary): string {
  const sw = s.sweep!;
  const header = ['level', 'target', 'SLO', 'req/s', 'TTFT p99', 'err%', 'dropped', 'failed checks'];
  const rows = sw.steps.flatMap((st) =>
    st.targets.map((t) => [
      st.label,
      t.target,
      t.pass ? 'pass' : 'FAIL',
      fixed(t.requestsPerSec, 1),
      msCell(t.ttftP99Ms),
      pct(t.errorRate),
      String(t.dropped),
      t.checks
        .filter((c) => !c.pass)
        .map((c) => `${c.threshold} (was ${c.actual === null ? 'no data' : round(c.actual)})`)
        .join('; '),
    ]),
  );
  const knees = sw.knee.map((k) => `knee ${k.target}: ${k.label === null ? `none — the SLO failed at the first level` : `${k.label} (highest ${sw.over} meeting ${sw.slo.join(' and ')})`}`);
  return [`capacity sweep over ${sw.over}, SLO: ${sw.slo.join(', ')}`, table(header, rows, 3), ...knees].join('\n');
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** table lays out rows in aligned columns; the first `leftCols` columns are left-aligned, the rest right-aligned. */
export function table(header: string[], rows: string[][], leftCols: number): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: string[]) =>
    cells.map((c, i) => (i < leftCols ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [fmt(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(fmt)].join('\n');
}

// A latency for a table cell: "—" when there is no data (never 0, which would read as instant).
function msCell(v: number | null): string {
  if (v === null) return '—';
  return v >= 100 ? `${v.toFixed(0)}ms` : v >= 10 ? `${v.toFixed(1)}ms` : `${v.toFixed(2)}ms`;
}

function fixed(v: number | null, digits: number): string {
  return v === null ? '—' : v.toFixed(digits);
}

function pct(rate: number | null): string {
  return rate === null ? '—' : `${(rate * 100).toFixed(rate > 0 && rate < 0.001 ? 2 : 1)}%`;
}

// Dollars to `digits` decimals, or "—" when there is no amount (nothing bought, nothing to divide by).
function usd(v: number | null, digits: number): string {
  return v === null ? '—' : `$${v.toFixed(digits)}`;
}
