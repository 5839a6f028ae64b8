import { coEstimateOf } from './co-estimate.js';
import { outputLength, promptCache, type GroupSummary, type PromptCache } from './group-summary.js';
import { mergeRateLimit } from './rate-limit.js';
import { decodeHistogram, encodeHistogram, latencyStats, newHistogram, NO_STATS, type Histogram, type LatencyStats } from './histogram.js';
import { SLOWEST_KEPT } from './recorder.js';
import { mergePoints, type TimeseriesPoint } from './timeseries.js';
import { LATENCY_METRICS, type LatencyMetric } from '../scenario/metric-names.js';
import { msToUs } from './clock.js';
import { roundTo } from '../scenario/decimals.js';
import { mergeGoodput } from './goodput.js';
import { withAllRequests, type MetricStats } from './all-requests.js';

/** GroupPart is one part's summary of a group, and where the part's clock started on the merged clock (ms). */
export interface GroupPart {
  group: GroupSummary;
  shiftMs: number;
}

/**
 * mergeGroups adds the summaries of one group from several parts of a split load (shards,
 * workers) into the summary one process would have written: every histogram is the exact sum of
 * the parts' (so percentiles are those of all the values, to the histogram's resolution — never
 * an average of percentiles), counters are summed, and rates (throughput, offered load) are each
 * part's own rate over its own window, summed: parts that ran side by side added their rates, and
 * a merged window stretched by one part's late start must not dilute them. Times move to the
 * merged clock; per-second points move by whole seconds.
 */
export function mergeGroups(parts: readonly GroupPart[]): GroupSummary {
  const gs = parts.map((p) => p.group);
  const first = gs[0]!;
  const sum = (f: (g: GroupSummary) => number) => gs.reduce((n, g) => n + f(g), 0);
  const histograms = {} as Record<LatencyMetric, Histogram>;
  for (const m of LATENCY_METRICS) {
    const h = newHistogram();
    for (const g of gs) if (g.metrics[m].count) h.add(decodeHistogram(g.histograms[m]));
    histograms[m] = h;
  }
  const total = sum((g) => g.requests.total);
  // The failure count merges by sum, as the histograms do: all-requests percentiles are of the merged whole.
  const counts = { ok: sum((g) => g.requests.ok), failed: total - sum((g) => g.requests.ok) };
  const metrics = {} as Record<LatencyMetric, MetricStats>;
  for (const m of LATENCY_METRICS) {
    const extremes = extremesOf(gs.map((g) => g.metrics[m]));
    metrics[m] = withAllRequests(m, statsOf(histograms[m], extremes), histograms[m], counts, extremes);
  }
  const generatorFailed = sum((g) => g.requests.generatorFailed);
  const opened = sum((g) => g.connections.opened);
  const connectFailed = sum((g) => g.connections.failed);
  const windows = parts
    .filter((p) => p.group.window !== null)
    .map((p) => ({ start: p.group.window!.startMs + p.shiftMs, end: p.group.window!.endMs + p.shiftMs }));
  const coalescedGaps = sum((g) => g.itlCoalesced.gaps);
  const gaps = coalescedGaps + histograms.itl.totalCount;
  const hasCo = gs.some((g) => g.coEstimate !== undefined);
  const routes = gs.map((g) => g.route).filter((r) => r !== undefined);
  const goodput = mergeGoodput(gs.map((g) => g.goodput));
  return {
    key: first.key,
    scope: first.scope,
    ...labelsOf(first),
    requests: mergedRequests(gs),
    offered: sumRates(
      gs.map((g) => g.offered),
      ['scheduledPerSec', 'sentPerSec', 'droppedPerSec'],
    ),
    ...(hasCo ? { coEstimate: coEstimateOf(histograms.e2e.totalCount ? histograms.e2e : undefined, histograms.ttft) } : {}),
    connections: {
      opened,
      failed: connectFailed,
      perRequest: total + generatorFailed ? roundTo((opened + connectFailed) / (total + generatorFailed), 3) : null,
    },
    backoff: mergedBackoff(gs),
    conversationsCutShort: sum((g) => g.conversationsCutShort),
    ...stoppedOf(parts),
    ...(first.slowest !== undefined
      ? {
          slowest: parts
            .flatMap((p) => (p.group.slowest ?? []).map((r) => ({ ...r, scheduledAtMs: roundTo(r.scheduledAtMs + p.shiftMs, 3) })))
            .sort((a, b) => b.e2eMs - a.e2eMs)
            .slice(0, SLOWEST_KEPT),
        }
      : {}),
    tokens: mergedTokens(gs),
    ...usageBlocks(gs),
    window: windows.length ? windowOf(Math.min(...windows.map((w) => w.start)), Math.max(...windows.map((w) => w.end))) : null,
    ...(goodput ? { goodput } : {}),
    throughput: sumRates(
      gs.map((g) => g.throughput),
      ['requestsPerSec', 'outputTokensPerSec'],
    ) ?? { requestsPerSec: null, outputTokensPerSec: null },
    itlCoalesced: { gaps: coalescedGaps, share: gaps ? roundTo(coalescedGaps / gaps, 6) : null },
    metrics,
    histograms: Object.fromEntries(LATENCY_METRICS.map((m) => [m, encodeHistogram(histograms[m])])) as Record<LatencyMetric, string>,
    timeseries: mergeTimeseries(parts),
    ...(routes.length ? { route: mergedRoute(routes) } : {}),
  };
}

// The requests block: counts summed, the error rate of the sums, each error kind's latest sample.
function mergedRequests(gs: readonly GroupSummary[]): GroupSummary['requests'] {
  const sum = (f: (g: GroupSummary) => number) => gs.reduce((n, g) => n + f(g), 0);
  const total = sum((g) => g.requests.total);
  const ok = sum((g) => g.requests.ok);
  const failed = total - ok;
  return {
    total,
    ok,
    failed,
    errorRate: total ? roundTo(failed / total, 6) : null,
    dropped: sum((g) => g.requests.dropped),
    droppedBy: addCounts(gs.map((g) => g.requests.droppedBy)),
    queued: sum((g) => g.requests.queued),
    newConnections: sum((g) => g.requests.newConnections),
    errorsByKind: addCounts(gs.map((g) => g.requests.errorsByKind)),
    generatorFailed: sum((g) => g.requests.generatorFailed),
    generatorErrorsByKind: addCounts(gs.map((g) => g.requests.generatorErrorsByKind)),
    errorSamples: Object.assign({}, ...[...gs].reverse().map((g) => g.requests.errorSamples)) as GroupSummary['requests']['errorSamples'],
  };
}

// Waits summed over the parts that waited at all; null when none did.
// A target stopped in any part is stopped in the merge: the first stop on the merged clock says why.
function stoppedOf(parts: readonly GroupPart[]): Pick<GroupSummary, 'stopped'> {
  const stops = parts
    .filter((p) => p.group.stopped)
    .map((p) => ({ ...p.group.stopped!, atMs: roundTo(p.group.stopped!.atMs + p.shiftMs, 3) }));
  return stops.length ? { stopped: stops.reduce((a, b) => (b.atMs < a.atMs ? b : a)) } : {};
}

function mergedBackoff(gs: readonly GroupSummary[]): GroupSummary['backoff'] {
  const backoffs = gs.map((g) => g.backoff).filter((b) => b !== null);
  if (!backoffs.length) return null;
  const total = (f: (b: (typeof backoffs)[number]) => number) =>
    roundTo(
      backoffs.reduce((n, b) => n + f(b), 0),
      3,
    );
  return {
    waits: backoffs.reduce((n, b) => n + b.waits, 0),
    totalMs: total((b) => b.totalMs),
    rateLimitedMs: total((b) => b.rateLimitedMs),
    afterErrorsMs: total((b) => b.afterErrorsMs),
  };
}

// Tokens summed; the usage-vs-counted check weighs each part's mean difference by its requests.
function mergedTokens(gs: readonly GroupSummary[]): GroupSummary['tokens'] {
  const sum = (f: (g: GroupSummary) => number) => gs.reduce((n, g) => n + f(g), 0);
  const uvc = gs.map((g) => g.tokens.usageVsCounted);
  const uvcRequests = uvc.reduce((n, u) => n + u.requests, 0);
  return {
    input: sum((g) => g.tokens.input),
    output: sum((g) => g.tokens.output),
    requestedOutput: sum((g) => g.tokens.requestedOutput),
    source: { usage: sum((g) => g.tokens.source.usage), counted: sum((g) => g.tokens.source.counted) },
    usageVsCounted: {
      requests: uvcRequests,
      usageOutput: uvc.reduce((n, u) => n + u.usageOutput, 0),
      countedOutput: uvc.reduce((n, u) => n + u.countedOutput, 0),
      meanAbsDiff: uvcRequests ? roundTo(uvc.reduce((n, u) => n + (u.meanAbsDiff ?? 0) * u.requests, 0) / uvcRequests, 3) : null,
      maxAbsDiff: Math.max(0, ...uvc.map((u) => u.maxAbsDiff)),
    },
  };
}

// The prompt cache, output lengths and rate-limit headroom, merged exactly: cache tokens summed (the hit rate is the
// sums'), output-token histograms added, the lowest quota of any part. Parts from a summary older than a block leave
// it out of the merge rather than make it up.
function usageBlocks(gs: readonly GroupSummary[]): Pick<GroupSummary, 'cache' | 'outputTokens' | 'rateLimit'> {
  const out: Pick<GroupSummary, 'cache' | 'outputTokens' | 'rateLimit'> = {};
  const caches = gs.map((g) => g.cache).filter((c) => c !== undefined);
  if (caches.length === gs.length) {
    const sum = (f: (c: PromptCache) => number) => caches.reduce((n, c) => n + f(c), 0);
    out.cache = promptCache({
      promptTokens: sum((c) => c.promptTokens),
      readTokens: sum((c) => c.readTokens),
      writeTokens: sum((c) => c.writeTokens),
    });
  }
  const lengths = gs.map((g) => g.outputTokens).filter((o) => o !== undefined);
  if (lengths.length === gs.length) {
    const h = newHistogram();
    for (const o of lengths) h.add(decodeHistogram(o.histogram));
    const truncated = lengths.reduce((n, o) => n + o.truncated, 0);
    out.outputTokens = outputLength(
      h,
      truncated,
      gs.reduce((n, g) => n + g.requests.ok, 0),
    );
  }
  if (gs.every((g) => g.rateLimit !== undefined)) out.rateLimit = mergeRateLimit(gs.map((g) => g.rateLimit));
  return out;
}

// A failover route's outcomes: who served, attempts and fallbacks, summed.
function mergedRoute(routes: readonly NonNullable<GroupSummary['route']>[]): NonNullable<GroupSummary['route']> {
  return {
    servedBy: addCounts(routes.map((r) => r.servedBy)) as Record<string, number>,
    attempts: routes.reduce((n, r) => n + r.attempts, 0),
    failedOver: routes.reduce((n, r) => n + r.failedOver, 0),
  };
}

// A group's labels, as summarizeGroup spreads them (only those it has).
function labelsOf(
  g: GroupSummary,
): Pick<GroupSummary, 'target' | 'region' | 'provider' | 'model' | 'step' | 'workload' | 'turn' | 'agentRegion'> {
  const { target, region, provider, model, step, workload, turn, agentRegion } = g;
  return {
    target,
    region,
    provider,
    model,
    ...(step !== undefined ? { step } : {}),
    ...(workload !== undefined ? { workload } : {}),
    ...(turn !== undefined ? { turn } : {}),
    ...(agentRegion !== undefined ? { agentRegion } : {}),
  };
}

// A merged histogram's statistics, clamped to the exact extremes its parts reported.
function statsOf(h: Histogram, extremesUs: { min: number; max: number } | undefined): LatencyStats {
  if (h.totalCount === 0) return NO_STATS;
  return latencyStats(h, extremesUs);
}

// The exact extremes the parts reported (µs); undefined when no part had a value.
function extremesOf(parts: readonly LatencyStats[]): { min: number; max: number } | undefined {
  const seen = parts.filter((p) => p.count > 0 && p.min !== null && p.max !== null);
  if (!seen.length) return undefined;
  return { min: msToUs(Math.min(...seen.map((p) => p.min!))), max: msToUs(Math.max(...seen.map((p) => p.max!))) };
}

// Per-part rates summed, field by field; null when no part had one (never 0 for "no data").
function sumRates<T extends Record<K, number | null>, K extends string>(rates: readonly (T | null)[], keys: readonly K[]): T | null {
  const present = rates.filter((r): r is T => r !== null);
  if (!present.length) return null;
  const out = {} as Record<K, number | null>;
  for (const k of keys) {
    const vals = present.map((r) => r[k] as number | null).filter((v) => v !== null);
    out[k] = vals.length
      ? roundTo(
          vals.reduce((a, b) => a + b, 0),
          3,
        )
      : null;
  }
  return out as T;
}

function addCounts<K extends string>(maps: readonly Partial<Record<K, number>>[]): Partial<Record<K, number>> {
  const out: Partial<Record<K, number>> = {};
  for (const m of maps) for (const [k, n] of Object.entries(m) as [K, number][]) out[k] = (out[k] ?? 0) + n;
  return out;
}

function windowOf(start: number, end: number): GroupSummary['window'] {
  return { startMs: roundTo(start, 3), endMs: roundTo(end, 3), durationMs: roundTo(end - start, 3) };
}

// Points of every part on the merged clock's seconds: a part whose clock started s seconds after
// the first one's has its second n at n + s (rounded to the second: points are whole seconds).
function mergeTimeseries(parts: readonly GroupPart[]): TimeseriesPoint[] {
  const bySecond = new Map<number, TimeseriesPoint>();
  for (const p of parts) {
    const shift = Math.round(p.shiftMs / 1000);
    for (const pt of p.group.timeseries) {
      const moved = { ...pt, second: pt.second + shift };
      const prev = bySecond.get(moved.second);
      bySecond.set(moved.second, prev ? mergePoints(prev, moved) : moved);
    }
  }
  return [...bySecond.values()].sort((a, b) => a.second - b.second);
}
