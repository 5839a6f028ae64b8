import { COST_COLUMNS } from '../cost-columns.js';
import { GROUP_COLUMNS, groupTableContext } from '../group-columns.js';
import { AGENT_COLUMNS, PART_COLUMNS, agentRows } from '../parts.js';
import type { RunGroupSummary, RunSummary } from '../../summary/run-summary.js';
import { ERROR_OWNERS, type ErrorKind } from '../../scenario/error-kinds.js';
import { msCell, pct } from '../text-table.js';
import { BREAKER_COLORS, groupLabel, type ChartSpec } from './chart-specs.js';
import { escapeHtml } from './escape.js';
import { columnsTable, flagged, htmlTable, markup, para, section, type Cell } from './html-table.js';
import { seconds } from './verdict-sections.js';

/**
 * The body of report.html: charts, the per-region comparison, errors, failover, cost, and the
 * scenario as run. Charts are placeholders here (a <div> with the chart's id) that the page's
 * script fills with uPlot from the chart data.
 */

/** chartFigure is a chart's frame: its title, the element uPlot draws into, a key to its failover markers, and what a point is. */
export function chartFigure(spec: ChartSpec): string {
  return `<figure class="chart">
<figcaption class="chart-title">${escapeHtml(spec.title)}</figcaption>
<div class="plot" id="${escapeHtml(spec.id)}" data-kind="${spec.kind}"></div>
${markerKey(spec)}
<figcaption class="note">${escapeHtml(spec.note)}</figcaption>
</figure>`;
}

// The key to a time chart's failover markers: which colour is which breaker state, and the outages' bands.
function markerKey(spec: ChartSpec): string {
  if (!spec.markers.length) return '';
  const items: string[] = [];
  const outages = new Map(spec.markers.filter((m) => m.kind === 'outage').map((m) => [`${m.route}/${m.target}`, m.color]));
  for (const [who, color] of outages)
    items.push(`<span class="key"><i class="swatch" style="background:${color}"></i>outage ${escapeHtml(who)}</span>`);
  for (const state of ['open', 'half-open', 'closed'] as const)
    if (spec.markers.some((m) => m.kind === 'breaker' && m.state === state))
      items.push(`<span class="key"><i class="vline" style="border-color:${BREAKER_COLORS[state]}"></i>breaker → ${state}</span>`);
  if (spec.markers.some((m) => m.kind === 'abort'))
    items.push(`<span class="key"><i class="vline abort"></i>aborted by a threshold</span>`);
  return `<div class="marker-key">${items.join('')}<span class="key">(outage: first failure → serving again)</span></div>`;
}

/** charts renders the figures of the given charts, or a sentence saying why there are none. */
export function charts(specs: ChartSpec[], empty: string): string {
  return specs.length ? specs.map(chartFigure).join('\n') : para(empty, 'empty');
}

/** regionSection compares the targets region by region: latency p50 and p99 as bars on one scale per metric, errors and throughput. */
export function regionSection(s: RunSummary): string {
  const targets = s.groups.filter((g) => g.scope === 'target' && !g.step);
  if (!targets.length) return '';
  const regions = [...new Set(targets.map((g) => g.region))];
  const ctx = groupTableContext(targets);
  const blocks = regions.map((region) => {
    const rows = targets.filter((g) => g.region === region);
    return `<h3>${escapeHtml(region || '(no region)')}</h3>\n${columnsTable(GROUP_COLUMNS, rows, ctx, 'regions')}`;
  });
  const legend =
    '<p class="small"><span class="key"><i class="swatch bar-p50"></i>p50</span> ' +
    '<span class="key"><i class="swatch bar-p99"></i>p99</span> — ' +
    'bars share one scale per metric across every region (the longest p99 fills the cell).</p>';
  return section('regions', 'Regions', `${legend}\n${blocks.join('\n')}`);
}

/**
 * errorsSection: failures per second by kind (the chart) and in all, per group and kind, with the first message of each
 * kind; the generator's own apart.
 */
export function errorsSection(s: RunSummary, chart: ChartSpec | undefined): string {
  const groups = s.groups.filter((g) => g.scope === 'target' || g.scope === 'route');
  const rows: Cell[][] = [];
  for (const g of groups) {
    const kinds = { ...g.requests.errorsByKind, ...g.requests.generatorErrorsByKind } as Record<ErrorKind, number>;
    for (const [kind, n] of Object.entries(kinds) as [ErrorKind, number][]) {
      const owner = ERROR_OWNERS[kind];
      const denominator = owner === 'generator' ? g.requests.total + g.requests.generatorFailed : g.requests.total;
      rows.push([
        groupLabel(g),
        kind,
        owner === 'generator' ? flagged('generator (not the target’s)', 'warn') : owner,
        String(n),
        pct(denominator ? n / denominator : null),
        markup(`<span class="message">${escapeHtml(g.requests.errorSamples[kind] ?? '')}</span>`, 'text'),
      ]);
    }
    for (const [reason, n] of Object.entries(g.requests.droppedBy))
      rows.push([groupLabel(g), `dropped: ${reason}`, 'not sent', String(n), '—', '']);
  }
  const body = rows.length
    ? htmlTable(['group', 'kind', 'owner', 'count', 'share', { text: 'first message of this kind', className: 'text' }], rows, 3, 'errors')
    : para('No failed or dropped requests.', 'good');
  return section(
    'errors',
    'Errors',
    `${chart ? chartFigure(chart) : ''}\n${body}\n` +
      para('share: of the group’s measured requests (the generator’s own failures: of those plus the requests it failed itself).', 'small'),
  );
}

/**
 * failoverSection: per route, availability as users saw it, failover time and time lost, who served; the route charts;
 * breaker transitions and outages.
 */
export function failoverSection(s: RunSummary, routeCharts: ChartSpec[]): string {
  const f = s.failover;
  if (!f) return '';
  // One column per route, one row per measure: routes are few and their measures many.
  type Route = NonNullable<RunSummary['failover']>['routes'][number];
  const measures: [string, (r: Route, g: RunGroupSummary | undefined) => string][] = [
    ['chain', (r) => r.chain.join(' → ')],
    ['user requests', (_, g) => String(g?.requests.total ?? 0)],
    ['available (as users saw it)', (_, g) => pct(g?.requests.total ? g.requests.ok / g.requests.total : null)],
    ['served by', (r, g) => r.chain.map((t) => `${t} ${g?.route?.servedBy[t] ?? 0}`).join(', ')],
    ['served by a fallback', (_, g) => String(g?.route?.failedOver ?? 0)],
    ['attempts (retries, denied by the retry budget)', (r, g) => `${g?.route?.attempts ?? 0} (${r.retries}, ${r.retriesDenied})`],
    ['failover time p50 / p99', (_, g) => `${msCell(g?.metrics.failover.p50 ?? null)} / ${msCell(g?.metrics.failover.p99 ?? null)}`],
    [
      'time lost on failed attempts p50 / p99',
      (_, g) => `${msCell(g?.metrics.timeLost.p50 ?? null)} / ${msCell(g?.metrics.timeLost.p99 ?? null)}`,
    ],
    ['TTFT p50 / p99 (as users saw it)', (_, g) => `${msCell(g?.metrics.ttft.p50 ?? null)} / ${msCell(g?.metrics.ttft.p99 ?? null)}`],
    [
      'raw error rate of each hop (its attempts)',
      (r) =>
        r.chain
          .map((t) => {
            const tg = s.groups.find((x) => x.scope === 'target' && x.target === t && !x.step);
            return `${t} ${tg ? pct(tg.requests.errorRate) : '—'} of ${tg?.requests.total ?? 0}`;
          })
          .join(', '),
    ],
  ];
  const routeGroups = f.routes.map((r) => s.groups.find((x) => x.scope === 'route' && x.target === r.name && !x.step));
  const routeTable = htmlTable(
    ['route', ...f.routes.map((r) => r.name)],
    measures.map(([name, value]) => [name, ...f.routes.map((r, i) => value(r, routeGroups[i]))]),
    1,
    'compact',
  );
  const breakers = f.breakers.length
    ? htmlTable(
        ['at', 'route', 'target', 'transition', 'reason'],
        f.breakers.map((b) => [
          seconds(b.atMs),
          b.route,
          b.part ? `${b.target} [${b.part}]` : b.target,
          markup(`<span style="color:${BREAKER_COLORS[b.to]}">${escapeHtml(`${b.from} → ${b.to}`)}</span>`),
          b.reason,
        ]),
        5,
        'compact',
      )
    : para('No breaker changed state.', 'small');
  const outages = f.outages.length
    ? htmlTable(
        ['route', 'target', 'failures', 'from', 'to', 'detected (breaker open) after', 'serving again at', 'recovered after last failure'],
        f.outages.map((o) => [
          o.route,
          o.part ? `${o.target} [${o.part}]` : o.target,
          String(o.failures),
          seconds(o.firstFailureMs),
          seconds(o.lastFailureMs),
          o.detectMs === null ? flagged('never', 'warn') : msCell(o.detectMs),
          o.recoveredAtMs === null ? flagged('not within the run', 'warn') : seconds(o.recoveredAtMs),
          o.recoverMs === null ? '—' : msCell(o.recoverMs),
        ]),
        2,
        'compact',
      )
    : para('No outage was seen.', 'small');
  return section(
    'failover',
    'Failover',
    `${routeTable}\n${charts(routeCharts, 'No route served a measured request.')}\n` +
      `<h3>Breaker transitions</h3>\n${breakers}\n<h3>Outages (as the client saw them)</h3>\n${outages}`,
  );
}

/** costSection: what each target's traffic cost at list prices, per unit, and the part spent on failed requests. */
export function costSection(s: RunSummary): string {
  const priced = s.groups.filter((g) => g.cost);
  if (!priced.length) return section('cost', 'Cost', para('No pricing catalog for this run: costs were not computed.'));
  const budget = s.budget
    ? para(
        `Budget: spent $${s.budget.spentUsd.toFixed(4)} on ${s.budget.requests} requests` +
          `${s.budget.stopped ? ` — stopped: ${s.budget.reason}` : ''}.`,
        s.budget.stopped ? 'warn' : 'small',
      )
    : '';
  const asOf = s.pricing ? `List prices as of ${s.pricing.asOf} (${s.pricing.currency}). ` : '';
  const note = `${asOf}Billed tokens (2xx responses) × price; "failed requests" is what broken streams and retried attempts cost.`;
  return section('cost', 'Cost', `${columnsTable(COST_COLUMNS, priced, undefined)}\n${para(note, 'small')}${budget}`);
}

/** runDetailsSection: the scenario as run (secrets redacted by the run), and what the histograms hold. */
export function runDetailsSection(s: RunSummary): string {
  return section(
    'details',
    'Run details',
    `${para(`Histograms: ${s.histogram.resolution}.`, 'small')}
<details><summary>Scenario as run (defaults filled, durations in ms, secret-looking header values redacted)</summary>` +
      `<pre>${escapeHtml(JSON.stringify(s.scenario, null, 2) ?? 'null')}</pre></details>`,
  );
}

/** agentsSection: a merged run's agent region × target region table, and its parts with their own generator health. */
export function agentsSection(s: RunSummary): string {
  const agents = agentRows(s);
  if (!agents.length && !s.parts?.length) return '';
  const blocks: string[] = [];
  if (agents.length) blocks.push('<h3>Agent region × target region</h3>', columnsTable(AGENT_COLUMNS, agents, undefined, 'agents'));
  if (s.parts?.length)
    blocks.push(
      "<h3>Parts</h3>\n<p class=\"small\">Each shard's or worker's own generator health; the run's health above is the worst of them.</p>",
      columnsTable(PART_COLUMNS, s.parts, undefined, 'parts'),
    );
  for (const n of s.merged?.notes ?? []) blocks.push(`<p class="small">${escapeHtml(n)}</p>`);
  return section('agents', 'Agents & parts', blocks.join('\n'));
}
