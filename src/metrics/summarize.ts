import { HISTOGRAM_RANGE, encodeHistogram, latencyStats, newHistogram, type Histogram } from './histogram.js';
import { LATENCY_METRICS, type LatencyMetric } from './metric-names.js';
import type { GroupAccumulator, Recorder } from './recorder.js';
import { SUMMARY_SCHEMA, type GroupSummary, type RunSummary } from './run-summary.js';
import type { GeneratorHealth } from './generator-health.js';
import type { ErrorKind } from './request-result.js';
import type { Catalog } from '../cost/catalog.js';
import { groupCost } from '../cost/run-cost.js';
import { decide } from '../analysis/decision.js';

/** RunMeta is what a summary needs beyond the recorder: labels and times of the run. */
export interface RunMeta {
  tool: { name: string; version: string };
  runId: string;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  status: RunSummary['status'];
  loadModel: RunSummary['loadModel'];
  stopReason: string;
  scenario: unknown;
  generator: GeneratorHealth;
  sweep?: RunSummary['sweep'];
  traffic?: RunSummary['traffic'];
  failover?: RunSummary['failover'];
  /** Prices for the cost of the run (groups are priced by their model). */
  pricing?: Catalog;
  /** SLO conditions for the decision table. */
  slo?: string[];
  budget?: RunSummary['budget'];
}

/** summarizeRun closes a recorder into the summary.json document (vegeta's Metrics.Close). */
export function summarizeRun(recorder: Recorder, meta: RunMeta): RunSummary {
  const groups = [...recorder.groups.values()].map((g) => withCost(summarizeGroup(g), g, meta.pricing));
  return {
    schema: SUMMARY_SCHEMA.id,
    schemaVersion: SUMMARY_SCHEMA.version,
    tool: meta.tool,
    runId: meta.runId,
    startedAt: meta.startedAt,
    endedAt: meta.endedAt,
    durationMs: round3(meta.durationMs),
    status: meta.status,
    stopReason: meta.stopReason,
    loadModel: meta.loadModel,
    scenario: meta.scenario,
    warmupRequests: recorder.warmupRequests,
    groups,
    decision: decide(groups, meta.slo),
    ...(meta.budget ? { budget: meta.budget } : {}),
    ...(meta.pricing ? { pricing: { asOf: meta.pricing.asOf, currency: meta.pricing.currency } } : {}),
    generator: meta.generator,
    ...(meta.traffic ? { traffic: meta.traffic } : {}),
    ...(meta.sweep ? { sweep: meta.sweep } : {}),
    ...(meta.failover ? { failover: meta.failover } : {}),
    histogram: {
      unit: 'us',
      lowestDiscernible: HISTOGRAM_RANGE.lowestDiscernibleUs,
      highestTrackable: HISTOGRAM_RANGE.highestTrackableUs,
      significantDigits: HISTOGRAM_RANGE.significantDigits,
      encoding: 'HdrHistogram V2 compressed, base64',
    },
  };
}

/** summarizeGroup turns one accumulator into its summary. */
export function summarizeGroup(g: GroupAccumulator, opts: { timeseries: boolean } = { timeseries: true }): GroupSummary {
  const failed = g.requests - g.ok;
  const hasWindow = Number.isFinite(g.windowStartMs) && g.windowEndMs > g.windowStartMs;
  const windowMs = hasWindow ? g.windowEndMs - g.windowStartMs : 0;
  const perSec = (n: number) => (windowMs > 0 ? round3((n * 1000) / windowMs) : 0);
  const errorsByKind: Partial<Record<ErrorKind, number>> = {};
  for (const [k, n] of Object.entries(g.errorsByKind)) if (n > 0) errorsByKind[k as ErrorKind] = n;
  return {
    key: g.key,
    scope: g.scope,
    ...g.labels,
    requests: {
      total: g.requests,
      ok: g.ok,
      failed,
      errorRate: g.requests ? round6(failed / g.requests) : 0,
      dropped: g.dropped,
      queued: g.queued,
      newConnections: g.newConnections,
      errorsByKind,
    },
    tokens: {
      input: g.inputTokens,
      output: g.outputTokens,
      requestedOutput: g.requestedOutputTokens,
      source: { ...g.tokenSource },
      usageVsCounted: {
        requests: g.usageVsCounted.requests,
        usageOutput: g.usageVsCounted.usageOutput,
        countedOutput: g.usageVsCounted.countedOutput,
        meanAbsDiff: g.usageVsCounted.requests ? round3(g.usageVsCounted.absDiff / g.usageVsCounted.requests) : 0,
        maxAbsDiff: g.usageVsCounted.maxAbsDiff,
      },
    },
    window: hasWindow
      ? { startMs: round3(g.windowStartMs), endMs: round3(g.windowEndMs), durationMs: round3(windowMs) }
      : { startMs: 0, endMs: 0, durationMs: 0 },
    throughput: { requestsPerSec: perSec(g.requests), outputTokensPerSec: perSec(g.outputTokens) },
    metrics: mapMetrics((m) => latencyStats(g.histograms[m] ?? emptyHistogram())),
    histograms: mapMetrics((m) => (g.histograms[m] ? encodeHistogram(g.histograms[m]) : emptyEncoded())),
    // Closing the series is final, so a mid-run look (a sweep verdict) leaves it open.
    timeseries: opts.timeseries && g.timeseries ? g.timeseries.points() : [],
    ...(g.scope === 'route' ? { route: { servedBy: { ...g.servedBy }, attempts: g.attempts, failedOver: g.failedOver } } : {}),
  };
}

// Target groups are priced by their model; route groups add up their hops' cost elsewhere.
function withCost(s: GroupSummary, g: GroupAccumulator, catalog?: Catalog): GroupSummary {
  if (!catalog || g.scope === 'route') return s;
  return { ...s, cost: groupCost(g.labels.model, g.billed, g.requests, g.ok, g.outputTokens, catalog) };
}

// An empty histogram stands for a metric that never occurred; made once, never recorded into.
let empty: Histogram | undefined;
let emptyText: string | undefined;
function emptyHistogram(): Histogram {
  return (empty ??= newHistogram());
}
function emptyEncoded(): string {
  return (emptyText ??= encodeHistogram(emptyHistogram()));
}

function mapMetrics<T>(f: (m: LatencyMetric) => T): Record<LatencyMetric, T> {
  return Object.fromEntries(LATENCY_METRICS.map((m) => [m, f(m)])) as Record<LatencyMetric, T>;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
