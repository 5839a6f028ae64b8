import type { RunSummary } from '../../summary/run-summary.js';
import { BREAKDOWN_SECTIONS, breakdownSection } from './breakdown-sections.js';
import { BREAKDOWNS, buildCharts, type ChartSpec } from './chart-specs.js';
import { charts, costSection, errorsSection, failoverSection, regionSection, agentsSection, runDetailsSection } from './detail-sections.js';
import { escapeHtml, inlineSource, jsonForScript } from './escape.js';
import { section } from './html-table.js';
import { PAGE_SCRIPT } from './page-script.js';
import { PAGE_STYLE } from './page-style.js';
import { uplotAssets } from './uplot-assets.js';
import { banners, decisionSection, header, healthSection, scenarioName, thresholdsSection } from './verdict-sections.js';

/**
 * CONTENT_SECURITY_POLICY keeps the page self-contained in the browser too: no script, style,
 * font, image or connection from anywhere but the page itself (inline), so a report opened from
 * disk cannot reach the network even if something in it tried.
 */
export const CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:";

/**
 * renderHtmlReport renders report.html: one self-contained page (uPlot and the chart data
 * inlined; no network, no CDN) with the run's validity and generator health up front, the
 * decision table and thresholds, latency by percentile from the HDR histograms, a per-region
 * comparison, per-workload and per-turn sections (their tables and latency by percentile), latency,
 * throughput and errors per second with failover events marked, failover and cost tables, and the
 * scenario as run. A pure function of the summary (docs/report-html.md).
 */
export function renderHtmlReport(s: RunSummary): string {
  const specs = buildCharts(s);
  const byKind = (pred: (c: ChartSpec) => boolean) => specs.filter(pred);
  const percentile = byKind((c) => c.id.startsWith('pct-'));
  const split = (k: keyof typeof BREAKDOWNS) => byKind((c) => c.id.startsWith(BREAKDOWNS[k].idPrefix));
  const overTime = byKind((c) => ['time-ttft', 'time-e2e', 'time-requests', 'time-tokens'].includes(c.id));
  const routes = byKind((c) => c.id.startsWith('time-route-'));
  const errors = specs.find((c) => c.id === 'time-errors');
  const parts = [
    banners(s),
    decisionSection(s),
    thresholdsSection(s),
    healthSection(s),
    section('percentiles', 'Latency by percentile', charts(percentile, 'No successful request: no latency to plot.')),
    regionSection(s),
    agentsSection(s),
    breakdownSection(s, 'workload', split('workload')),
    breakdownSection(s, 'turn', split('turn')),
    section('over-time', 'Over time', charts(overTime, 'No per-second series in this run.')),
    errorsSection(s, errors),
    failoverSection(s, routes),
    costSection(s),
    runDetailsSection(s),
  ].filter(Boolean);
  const nav = [
    ['decision', 'Decision'],
    ...(s.thresholds ? [['thresholds', 'Thresholds']] : []),
    ['health', 'Validity & generator'],
    ['percentiles', 'Percentiles'],
    ['regions', 'Regions'],
    ...(s.parts?.length ? [['agents', 'Agents & parts']] : []),
    ...(['workload', 'turn'] as const)
      .filter((k) => s.groups.some((g) => g.scope === k))
      .map((k) => [BREAKDOWN_SECTIONS[k].id, BREAKDOWN_SECTIONS[k].nav]),
    ['over-time', 'Over time'],
    ['errors', 'Errors'],
    ...(s.failover ? [['failover', 'Failover']] : []),
    ['cost', 'Cost'],
    ['details', 'Run details'],
  ];
  const uplot = uplotAssets();
  const title = `${s.validity.valid ? '' : 'INVALID RUN — '}${scenarioName(s)} — llm-bakeoff report ${s.runId}`;
  const footer =
    `${s.tool.name} ${s.tool.version} · run ${s.runId} · summary schema ${s.schema} v${s.schemaVersion} · ` +
    `charts by uPlot ${uplot.version} (MIT), inlined`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${escapeHtml(`${s.tool.name} ${s.tool.version}`)}">
<title>${escapeHtml(title)}</title>
<style>${inlineSource(uplot.css, 'style')}</style>
<style>${PAGE_STYLE}</style>
</head>
<body>
<main>
${header(s)}
<nav>${nav.map(([id, label]) => `<a href="#${id}">${label}</a>`).join('')}</nav>
${parts.join('\n')}
<footer>${escapeHtml(footer)}</footer>
</main>
<script type="application/json" id="bakeoff-data">${jsonForScript({ charts: specs })}</script>
<script>${inlineSource(uplot.js, 'script')}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}
