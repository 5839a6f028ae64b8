import type { RunGroupSummary, RunSummary } from '../../summary/run-summary.js';
import type { TimeseriesPoint } from '../../metrics/timeseries.js';
import { percentileCurve } from './percentile-curve.js';
import { fixed, msCell } from '../text-table.js';

/**
 * ChartSpec is one chart of report.html as data: everything the page's script needs to draw it
 * with uPlot, computed here (in Node, from summary.json) so that the browser only draws. It goes
 * into the page as JSON; `series[].values` line up with `x`, null where there is no data.
 */
export interface ChartSpec {
  id: string;
  title: string;
  /** percentile: x is 1/(1−p) on a log axis; time: x is the run clock in seconds. */
  kind: 'percentile' | 'time';
  xLabel: string;
  yLabel: string;
  /** How a y value is written in the legend and on the axis. */
  unit: 'ms' | 'per_s' | 'count';
  x: number[];
  series: ChartSeries[];
  /** Time charts: failover events drawn over the plot. */
  markers: ChartMarker[];
  /** Draw a line across missing points (percentile curves, whose gaps only come from aligning series to one x). */
  spanGaps: boolean;
  /** A sentence under the chart: what a point is. */
  note: string;
}

/**
 * ChartSeries is one line: its legend label (the group and, on a latency chart, the metric: "us-east TTFT p50"), colour,
 * dash (p99 lines are dashed) and values.
 */
export interface ChartSeries {
  label: string;
  color: string;
  dash?: number[];
  values: (number | null)[];
  /** What the legend shows beside the label while the cursor is off the chart: the whole run's figure ("run p50 182ms"). */
  legend?: string;
}

/**
 * ChartScope is which groups a set of charts plots and how it names them: the page's own charts (targets and routes),
 * or a breakdown's (per workload, per conversation turn), whose chart ids and titles say which.
 */
export interface ChartScope {
  groups: RunGroupSummary[];
  colors: Map<string, string>;
  label: (g: RunGroupSummary) => string;
  /** Prepended to every chart id ('' for the page's own charts). */
  idPrefix: string;
  /** Appended to every chart title ('' for the page's own charts). */
  titleSuffix: string;
}

/** ChartMarker is a failover event on a time chart: a breaker transition (a line) or an outage (a band), in run-clock seconds. */
export interface ChartMarker {
  kind: 'outage' | 'breaker' | 'abort';
  fromS: number;
  /** Outages: where the band ends (serving again, or the last failure when it never recovered). */
  toS?: number;
  color: string;
  label: string;
  /** The route the event happened on (the abort has none). */
  route?: string;
  /** Outages and breakers: the target (hop) it concerns. */
  target?: string;
  /** Breakers: the state it moved to. */
  state?: 'open' | 'half-open' | 'closed';
}

/** PERCENTILE_METRICS are the latencies plotted by percentile. */
export const PERCENTILE_METRICS = [
  { metric: 'ttft', name: 'TTFT', what: 'time to first token' },
  { metric: 'itl', name: 'ITL', what: 'inter-token latency' },
  { metric: 'e2e', name: 'E2E', what: 'end-to-end latency' },
] as const;

// Categorical colours (Tableau 10 without its red, which the page keeps for failures and outages).
const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f', '#393b79'];
const ERROR_PALETTE = ['#d62728', '#9467bd', '#8c564b', '#e377c2', '#ff7f0e', '#17becf', '#bcbd22', '#7f7f7f', '#1f77b4', '#2ca02c'];
/** BREAKER_COLORS colour a breaker transition by the state it moved to. */
export const BREAKER_COLORS = { open: '#d62728', 'half-open': '#d4a017', closed: '#2ca02c' } as const;
/** OUTAGE_COLOR fills the band of an outage on a target that is not plotted itself. */
export const OUTAGE_COLOR = 'rgba(214, 39, 40, 0.16)';
const ABORT_COLOR = '#000000';
const P99_DASH = [6, 4];

/** chartGroups are the groups plotted: targets (at each sweep level) and failover routes, in summary order. */
export function chartGroups(s: RunSummary): RunGroupSummary[] {
  return s.groups.filter((g) => g.scope === 'target' || g.scope === 'route');
}

/** groupLabel names a group in a legend: the target (with its sweep level), or "route <name>". */
export function groupLabel(g: RunGroupSummary): string {
  const name = g.step ? `${g.target}@${g.step}` : g.target;
  return g.scope === 'route' ? `route ${name}` : name;
}

/** groupColors gives each plotted group one colour, the same on every chart. */
export function groupColors(s: RunSummary): Map<string, string> {
  return new Map(chartGroups(s).map((g, i) => [g.key, PALETTE[i % PALETTE.length]!]));
}

/** BREAKDOWNS are the group scopes report.html splits into sections of their own: per workload and per conversation turn. */
export const BREAKDOWNS = {
  workload: {
    idPrefix: 'wl-',
    titleSuffix: ', per workload',
    label: (g: RunGroupSummary) => `${groupLabel(g)} · ${g.workload ?? ''}`,
  },
  turn: {
    idPrefix: 'turn-',
    titleSuffix: ', per conversation turn',
    label: (g: RunGroupSummary) => `${groupLabel(g)} · ${g.workload ?? ''} turn ${g.turn ?? 1}`,
  },
} as const;

/** breakdownGroups are a breakdown's groups in reading order: by workload, then turn, then target in the targets' order. */
export function breakdownGroups(s: RunSummary, scope: keyof typeof BREAKDOWNS): RunGroupSummary[] {
  const targets = s.groups.filter((g) => g.scope === 'target').map((g) => g.target);
  const rank = (g: RunGroupSummary) => targets.indexOf(g.target);
  return s.groups
    .filter((g) => g.scope === scope)
    .map((g, i) => ({ g, i }))
    .sort(
      (a, b) =>
        (a.g.workload ?? '').localeCompare(b.g.workload ?? '') || (a.g.turn ?? 1) - (b.g.turn ?? 1) || rank(a.g) - rank(b.g) || a.i - b.i,
    )
    .map(({ g }) => g);
}

/** breakdownScope is a breakdown's charts' scope: its groups, each in a colour of its own (a target's lines differ by workload). */
export function breakdownScope(s: RunSummary, scope: keyof typeof BREAKDOWNS): ChartScope {
  const groups = breakdownGroups(s, scope);
  return { groups, colors: new Map(groups.map((g, i) => [g.key, PALETTE[i % PALETTE.length]!])), ...BREAKDOWNS[scope] };
}

/**
 * buildCharts computes every chart of the page from the summary: its own, then each breakdown's percentile and per-second
 * latency, request and token charts (the same charts, split).
 */
export function buildCharts(s: RunSummary): ChartSpec[] {
  const main: ChartScope = { groups: chartGroups(s), colors: groupColors(s), label: groupLabel, idPrefix: '', titleSuffix: '' };
  const split = (['workload', 'turn'] as const).map((k) => breakdownScope(s, k)).filter((b) => b.groups.length > 0);
  return [...percentileCharts(main), ...timeCharts(s, main), ...split.flatMap((b) => [...percentileCharts(b), ...splitTimeCharts(b)])];
}

// A breakdown's per-second charts: its groups' own seconds (a summary written before workload and turn groups kept them
// has none: no chart), without the run's failover markers, routes or errors.
function splitTimeCharts(scope: ChartScope): ChartSpec[] {
  const groups = scope.groups.filter((g) => g.timeseries.length > 0);
  if (!groups.length) return [];
  const first = Math.min(...groups.map((g) => g.timeseries[0]!.second));
  const last = Math.max(...groups.map((g) => g.timeseries[g.timeseries.length - 1]!.second));
  const seconds = Array.from({ length: last - first + 1 }, (_, i) => first + i);
  const x = seconds.map((sec) => sec + 0.5);
  const time: TimeChart = (over) => ({ kind: 'time', xLabel: 'run time (s)', x, markers: [], spanGaps: false, ...over });
  return perSecondCharts({ ...scope, groups }, seconds, time);
}

/**
 * percentileCharts: latency by percentile per group for TTFT, ITL and E2E, from the encoded histograms. A group without
 * samples has no line.
 */
export function percentileCharts(scope: ChartScope): ChartSpec[] {
  const charts: ChartSpec[] = [];
  for (const { metric, name, what } of PERCENTILE_METRICS) {
    const curves = scope.groups
      .map((g) => ({ g, curve: percentileCurve(g.histograms[metric], g.metrics[metric]) }))
      .filter((c) => c.curve.length > 0);
    if (!curves.length) continue;
    const x = [...new Set(curves.flatMap((c) => c.curve.map((p) => p.x)))].sort((a, b) => a - b);
    const index = new Map(x.map((v, i) => [v, i]));
    const series = curves.map(({ g, curve }) => {
      const values: (number | null)[] = x.map(() => null);
      for (const p of curve) values[index.get(p.x)!] = p.ms;
      const legend = `p50 ${msCell(g.metrics[metric].p50)} · p99 ${msCell(g.metrics[metric].p99)}`;
      return { label: `${scope.label(g)} ${name}`, color: scope.colors.get(g.key)!, values, legend };
    });
    charts.push({
      id: `${scope.idPrefix}pct-${metric}`,
      title: `${name} by percentile (${what})${scope.titleSuffix}`,
      kind: 'percentile',
      xLabel: 'percentile (log scale of 1/(1−p))',
      yLabel: `${name} (ms)`,
      unit: 'ms',
      x,
      series,
      markers: [],
      spanGaps: true,
      note:
        "Successful requests, from each group's HDR histogram in summary.json, walked as HdrHistogram's percentile distribution does " +
        '(finer steps toward the tail); the line ends at the highest percentile its sample count resolves.',
    });
  }
  return charts;
}

// A time chart's frame around its own fields: the run's seconds on x, and failover markers (all, or the given ones).
type TimeChart = (over: Omit<ChartSpec, 'kind' | 'xLabel' | 'x' | 'markers' | 'spanGaps'>, markersOf?: ChartMarker[]) => ChartSpec;

/** timeCharts: latency, throughput, errors and (per route) who served, per second of the run, with failover markers. */
export function timeCharts(s: RunSummary, scope: ChartScope): ChartSpec[] {
  const groups = scope.groups.filter((g) => g.timeseries.length > 0);
  if (!groups.length) return [];
  const first = Math.min(...groups.map((g) => g.timeseries[0]!.second));
  const last = Math.max(...groups.map((g) => g.timeseries[g.timeseries.length - 1]!.second));
  const seconds = Array.from({ length: last - first + 1 }, (_, i) => first + i);
  // Each point sits in the middle of its second, so that an event at 2.05 s falls inside the bucket [2, 3) it belongs to.
  const x = seconds.map((sec) => sec + 0.5);
  const colors = scope.colors;
  const markers = failoverMarkers(s, colors);
  const time: TimeChart = (over, markersOf = markers) => ({
    kind: 'time',
    xLabel: 'run time (s)',
    x,
    markers: markersOf,
    spanGaps: false,
    ...over,
  });
  const charts = perSecondCharts({ ...scope, groups }, seconds, time);
  charts.push(...routeCharts(s, groups, seconds, colors, time, markers, charts.length));
  const errors = errorSeries(groups, seconds);
  if (errors.length)
    charts.push(
      time({
        id: 'time-errors',
        title: 'Errors by kind per second',
        yLabel: 'failed requests / s',
        unit: 'count',
        series: errors,
        note:
          'Failures by the second they ended in, by error kind (one colour per kind): summed over targets (their attempts, solid), ' +
          "and per route as its users saw them (dashed). The generator's own failures are not the targets' and are counted apart below.",
      }),
    );
  return charts;
}

// The per-second charts every scope has: TTFT and E2E p50 / p99, requests and output tokens, one line per group.
function perSecondCharts(scope: ChartScope, seconds: number[], time: TimeChart): ChartSpec[] {
  const { groups, colors, label, idPrefix, titleSuffix } = scope;
  const latency = (m: 'ttft' | 'e2e', name: string) =>
    time({
      id: `${idPrefix}time-${m}`,
      title: `${name} p50 and p99 per second${titleSuffix}`,
      yLabel: `${name} (ms)`,
      unit: 'ms',
      // A group without one successful request has no latency line at all (not a line at 0).
      series: groups
        .flatMap((g) => [
          {
            label: `${label(g)} ${name} p50`,
            color: colors.get(g.key)!,
            values: latencyAt(g, seconds, (p) => p[m]?.p50 ?? null),
            legend: `run p50 ${msCell(g.metrics[m].p50)}`,
          },
          {
            label: `${label(g)} ${name} p99`,
            color: colors.get(g.key)!,
            dash: P99_DASH,
            values: latencyAt(g, seconds, (p) => p[m]?.p99 ?? null),
            legend: `run p99 ${msCell(g.metrics[m].p99)}`,
          },
        ])
        .filter((series) => series.values.some((v) => v !== null)),
      note:
        'Successful requests by the second they ended in (each point is drawn mid-second); ' +
        'a gap is a second with no successful request.',
    });
  const charts = [latency('ttft', 'TTFT'), latency('e2e', 'E2E')].filter((c) => c.series.length > 0);
  const anyDropped = groups.some((g) => g.timeseries.some((p) => p.dropped > 0));
  charts.push(
    time({
      id: `${idPrefix}time-requests`,
      title: `Requests per second${titleSuffix}`,
      yLabel: 'requests / s',
      unit: 'per_s',
      series: [
        ...groups.map((g) => ({
          label: label(g),
          color: colors.get(g.key)!,
          values: countAt(g, seconds, (p) => p.requests),
          legend: `${g.requests.total} in all`,
        })),
        ...(anyDropped
          ? groups
              .filter((g) => g.requests.dropped > 0)
              .map((g) => ({
                label: `${label(g)} dropped`,
                color: colors.get(g.key)!,
                dash: [2, 3],
                values: countAt(g, seconds, (p) => p.dropped),
                legend: `${g.requests.dropped} in all`,
              }))
          : []),
      ],
      note:
        "Requests that ended each second, ok or failed (a target's: attempts sent to it; a route's: user requests)" +
        `${anyDropped ? '; dropped: arrivals never sent, by scheduled second' : ''}.`,
    }),
    time({
      id: `${idPrefix}time-tokens`,
      title: `Output tokens per second${titleSuffix}`,
      yLabel: 'output tokens / s',
      unit: 'per_s',
      series: groups.map((g) => ({
        label: label(g),
        color: colors.get(g.key)!,
        values: countAt(g, seconds, (p) => p.outputTokens),
        legend: `${fixed(g.throughput.outputTokensPerSec, 0)}/s over the run`,
      })),
      note: 'Output tokens of the successful requests that ended each second.',
    }),
  );
  return charts;
}

// routeCharts: per failover route, the user requests each hop served per second, with that route's markers.
function routeCharts(
  s: RunSummary,
  groups: RunGroupSummary[],
  seconds: number[],
  colors: Map<string, string>,
  time: TimeChart,
  markers: ChartMarker[],
  firstIndex: number,
): ChartSpec[] {
  const out: ChartSpec[] = [];
  for (const route of s.failover?.routes ?? []) {
    const g = groups.find((r) => r.scope === 'route' && r.target === route.name && !r.step);
    if (!g) continue;
    out.push(
      time(
        {
          id: `time-route-${firstIndex + out.length}`,
          title: `Route ${route.name}: user requests served by each hop per second`,
          yLabel: 'requests / s',
          unit: 'per_s',
          series: [
            ...route.chain.map((hop, i) => ({
              label: `served by ${hop}`,
              color:
                colors.get(s.groups.find((t) => t.scope === 'target' && t.target === hop && !t.step)?.key ?? '') ??
                PALETTE[i % PALETTE.length]!,
              values: countAt(g, seconds, (p) => p.servedBy?.[hop] ?? 0),
            })),
            { label: 'failed (as users saw it)', color: ERROR_PALETTE[0]!, values: countAt(g, seconds, (p) => p.failed) },
          ].map(withTotal),
          note: `User requests of route ${route.name} that ended each second, by the hop that served them.`,
        },
        markers.filter((m) => m.route === undefined || m.route === route.name),
      ),
    );
  }
  return out;
}

// A latency per second: the group's figure for that second, or null (no successful request ended then, or the group has no point there).
function latencyAt(g: RunGroupSummary, seconds: number[], value: (p: TimeseriesPoint) => number | null): (number | null)[] {
  const bySecond = new Map(g.timeseries.map((p) => [p.second, p]));
  return seconds.map((sec) => {
    const p = bySecond.get(sec);
    return p ? value(p) : null;
  });
}

// A count per second: 0 for a second inside the group's series with no point (nothing ended then — a real 0), null outside it (no data).
function countAt(g: RunGroupSummary, seconds: number[], value: (p: TimeseriesPoint) => number): (number | null)[] {
  const bySecond = new Map(g.timeseries.map((p) => [p.second, p]));
  const from = g.timeseries[0]!.second;
  const to = g.timeseries[g.timeseries.length - 1]!.second;
  return seconds.map((sec) => {
    if (sec < from || sec > to) return null;
    const p = bySecond.get(sec);
    return p ? value(p) : 0;
  });
}

// A count series' legend while the cursor is off the chart: its total over the run.
function withTotal(series: ChartSeries): ChartSeries {
  return { ...series, legend: `${series.values.reduce<number>((a, v) => a + (v ?? 0), 0)} in all` };
}

// Errors per second by kind: one series per kind over the targets, and one per kind of each route
// (its users' failures, dashed); a kind has one colour on both.
function errorSeries(groups: RunGroupSummary[], seconds: number[]): ChartSeries[] {
  const kindsOf = (gs: RunGroupSummary[]) =>
    [...new Set(gs.flatMap((g) => g.timeseries.flatMap((p) => Object.keys(p.errorsByKind ?? {}))))].sort();
  const color = new Map(kindsOf(groups).map((k, i) => [k, ERROR_PALETTE[i % ERROR_PALETTE.length]!]));
  const series = (label: string, members: RunGroupSummary[], kind: string, dash?: number[]): ChartSeries => {
    const bySecond = new Map<number, number>();
    for (const g of members)
      for (const p of g.timeseries)
        bySecond.set(p.second, (bySecond.get(p.second) ?? 0) + ((p.errorsByKind as Record<string, number> | undefined)?.[kind] ?? 0));
    const from = Math.min(...members.map((g) => g.timeseries[0]!.second));
    const to = Math.max(...members.map((g) => g.timeseries[g.timeseries.length - 1]!.second));
    const values = seconds.map((sec) => (sec < from || sec > to ? null : (bySecond.get(sec) ?? 0)));
    return withTotal({ label, color: color.get(kind)!, ...(dash ? { dash } : {}), values });
  };
  const targets = groups.filter((g) => g.scope === 'target');
  return [
    ...kindsOf(targets).map((kind) => series(`${kind} (targets)`, targets, kind)),
    ...groups
      .filter((g) => g.scope === 'route')
      .flatMap((r) => kindsOf([r]).map((kind) => series(`${kind} (${groupLabel(r)})`, [r], kind, P99_DASH))),
  ];
}

/**
 * failoverMarkers turns summary.failover's breaker transitions and outages (and a threshold's
 * abort) into chart markers, in seconds. An outage's band takes its target's colour, faint, so
 * whose outage it is reads off the legend.
 */
export function failoverMarkers(s: RunSummary, colors: Map<string, string>): ChartMarker[] {
  const markers: ChartMarker[] = [];
  for (const o of s.failover?.outages ?? [])
    markers.push({
      kind: 'outage',
      fromS: o.firstFailureMs / 1000,
      toS: (o.recoveredAtMs ?? o.lastFailureMs) / 1000,
      color: outageColor(s, colors, o.target),
      label: `${o.route}/${o.target}: outage, ${o.failures} failures${o.recoveredAtMs === null ? ', not recovered within the run' : ''}`,
      route: o.route,
      target: o.target,
    });
  for (const b of s.failover?.breakers ?? [])
    markers.push({
      kind: 'breaker',
      fromS: b.atMs / 1000,
      color: BREAKER_COLORS[b.to],
      label: `${b.route}/${b.target}: ${b.from} → ${b.to}`,
      route: b.route,
      target: b.target,
      state: b.to,
    });
  const abort = s.thresholds?.abortedBy;
  if (abort)
    markers.push({ kind: 'abort', fromS: abort.atMs / 1000, color: ABORT_COLOR, label: `aborted: ${abort.threshold} on ${abort.on}` });
  return markers;
}

// The target's series colour at 16 % opacity (a faint red for a target that is not plotted).
function outageColor(s: RunSummary, colors: Map<string, string>, target: string): string {
  const hex = colors.get(s.groups.find((g) => g.scope === 'target' && g.target === target && !g.step)?.key ?? '');
  if (!hex) return OUTAGE_COLOR;
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, 0.16)`;
}
