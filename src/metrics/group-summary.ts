import { countAt, encodeHistogram, latencyStats, newHistogram, NO_STATS, type Histogram } from './histogram.js';
import { rateLimitHeadroom, type RateLimitHeadroom } from './rate-limit.js';
import { LATENCY_METRICS, type LatencyMetric } from '../scenario/metric-names.js';
import { ERROR_OWNERS, type ErrorKind } from '../scenario/error-kinds.js';
import type { DropReason } from './request-result.js';
import type { GroupAccumulator, GroupLabels, GroupScope, SlowRequest, TargetStop } from './recorder.js';
import type { TimeseriesPoint } from './timeseries.js';
import { coEstimate, type CoEstimate } from './co-estimate.js';
import { roundTo } from '../scenario/decimals.js';
import { goodputSummary, type GoodputSummary } from './goodput.js';
import { withAllRequests, type MetricStats } from './all-requests.js';

/** GroupSummary is one group's numbers: a target, a route, or a workload or turn of a target. */
export interface GroupSummary extends GroupLabels {
  key: string;
  /** target: everything sent to a target; workload: one workload on it; turn: one conversation turn of a workload. */
  scope: GroupScope;
  requests: {
    /** Measured requests whose outcome is the target's (ok + failed). */
    total: number;
    ok: number;
    /** Failed by the target or the network between (error kinds owned by `target` or `network`). */
    failed: number;
    /** failed / total; null when nothing was measured. */
    errorRate: number | null;
    /** Arrivals never sent (not in total), and why. */
    dropped: number;
    droppedBy: Partial<Record<DropReason, number>>;
    /** Requests that waited for an in-flight slot before being sent (overflow: queue). */
    queued: number;
    /** Requests that opened a new connection (the rest reused one), answered or not. */
    newConnections: number;
    /** The target's and the network's failures by kind. */
    errorsByKind: Partial<Record<ErrorKind, number>>;
    /**
     * Requests that failed on the generator's own side (its resources, its lateness, the user's abort): never in total,
     * failed or errorRate.
     */
    generatorFailed: number;
    generatorErrorsByKind: Partial<Record<ErrorKind, number>>;
    /** One message per error kind that occurred: what such a failure looked like. */
    errorSamples: Partial<Record<ErrorKind, string>>;
  };
  /**
   * What the load asked for beside what was sent, per second over the span of the measured
   * schedule (first to last scheduled arrival): arrivals scheduled, sent, and dropped. Null
   * without at least two arrivals.
   */
  offered: { scheduledPerSec: number; sentPerSec: number; droppedPerSec: number } | null;
  /**
   * Closed loops: the coordinated-omission estimate beside the raw numbers (see metrics/co-estimate.ts); absent for
   * open loops, which measure from the schedule.
   */
  coEstimate?: CoEstimate | null;
  /** Connection churn: connections opened, connects that failed, and connections opened per request sent (null without a request). */
  connections: { opened: number; failed: number; perRequest: number | null };
  /**
   * Time closed-loop users spent waiting before sending to this target again: for its Retry-After, and after its
   * failures. Null when none.
   */
  backoff: { waits: number; totalMs: number; rateLimitedMs: number; afterErrorsMs: number } | null;
  /** Conversations that ended before their last turn because the load's time was up. */
  conversationsCutShort: number;
  /**
   * Target groups whose target was stopped for the rest of the run after refusing every request (load.stopAfterRefusals):
   * when (run clock, ms), after how many refusals, the last one's kind, status and message, and what to fix. Absent otherwise.
   */
  stopped?: TargetStop;
  /**
   * Target and route groups: the slowest successful requests by E2E, slowest first, with the provider's request id to
   * quote to its support.
   */
  slowest?: SlowRequest[];
  tokens: {
    input: number;
    /** Output tokens of successful requests. */
    output: number;
    /** Output tokens those requests asked for (their token limits). */
    requestedOutput: number;
    /** How many requests' counts came from server usage vs our tokenizer. */
    source: { usage: number; counted: number };
    /** Requests with both server usage and our count of the streamed text, and how far the two disagree. */
    usageVsCounted: { requests: number; usageOutput: number; countedOutput: number; meanAbsDiff: number | null; maxAbsDiff: number };
  };
  /** Prompt-cache use from the providers' usage (absent from summaries written before it was measured). */
  cache?: PromptCache;
  /** How long successful replies were, and how many stopped at their token limit (absent from older summaries). */
  outputTokens?: OutputLength;
  /**
   * The least rate-limit quota the target's responses stated (x-ratelimit-*, anthropic-ratelimit-*); null when none
   * stated one, and on route groups (a route has no quota of its own). Absent from older summaries.
   */
  rateLimit?: RateLimitHeadroom | null;
  /** Measurement window: first measured request scheduled → last measured request ended; null when nothing was measured. */
  window: { startMs: number; endMs: number; durationMs: number } | null;
  /**
   * SLO attainment (docs/metrics.md#goodput): requests that succeeded and met every goodput bound of their workload, of
   * the measured requests the target is accountable for. Absent when no goodput block applies to the group.
   */
  goodput?: GoodputSummary;
  /** Per second of the measurement window; null without a window. */
  throughput: { requestsPerSec: number | null; outputTokensPerSec: number | null };
  /**
   * Token gaps that could not be timed: tokens read in the same socket read as the one before them
   * (left out of itl), and their share of all gaps (null without any gap). A high share means the
   * server sends tokens in bursts or the generator read late; either way itl describes only the rest.
   */
  itlCoalesced: { gaps: number; share: number | null };
  /** Of successful requests; for ALL_REQUESTS_METRICS also `all`: over every request, a failure slower than any success. */
  metrics: Record<LatencyMetric, MetricStats>;
  /** Each latency histogram, HdrHistogram V2 compressed base64, values in integer microseconds. */
  histograms: Record<LatencyMetric, string>;
  /** Per-second counts and TTFT/E2E percentiles, by request end time. */
  timeseries: TimeseriesPoint[];
  /** Route groups: requests served by each hop, attempts made in all, requests a fallback served. */
  route?: { servedBy: Record<string, number>; attempts: number; failedOver: number };
}

/**
 * PromptCache is a group's prompt-cache use as the providers' usage reported it, over the requests whose token counts
 * came from usage: readTokens / promptTokens is each provider's own hit rate once its adapter has made inputTokens the
 * whole prompt (OpenAI cached_tokens / prompt_tokens; Anthropic cache_read / (input + cache_read + cache_creation);
 * DeepSeek hit / (hit + miss); Bedrock cacheReadInputTokens / (inputTokens + cacheRead + cacheWrite)).
 */
export interface PromptCache {
  /** readTokens / promptTokens; null when no request's usage was reported (never 0 for "no data"). */
  hitRate: number | null;
  /** Prompt tokens read from the cache (hits). */
  readTokens: number;
  /** Prompt tokens written to the cache (Anthropic, Bedrock), billed apart. */
  writeTokens: number;
  /** The denominator: whole prompts of the requests whose usage was reported (locally counted ones left out). */
  promptTokens: number;
}

/** OutputLength is how many tokens successful replies had, and the share that stopped at their token limit. */
export interface OutputLength {
  /** Output tokens per successful request, median and 99th percentile; null without a successful request. */
  p50: number | null;
  p99: number | null;
  /** Successful requests whose finish reason says they hit the limit (`length`, `max_tokens`). */
  truncated: number;
  /** truncated / requests.ok; null without a successful request. */
  truncatedShare: number | null;
  /** The per-request counts as an HdrHistogram (V2 compressed base64, integer tokens): what merges add. */
  histogram: string;
}

/** summarizeGroup turns one accumulator into its summary. */
export function summarizeGroup(
  g: GroupAccumulator,
  opts: { timeseries: boolean; closedLoop?: boolean } = { timeseries: true },
): GroupSummary {
  const failed = g.requests - g.ok;
  const hasWindow = Number.isFinite(g.windowStartMs) && g.windowEndMs > g.windowStartMs;
  const windowMs = hasWindow ? g.windowEndMs - g.windowStartMs : 0;
  const perSec = (n: number) => (windowMs > 0 ? roundTo((n * 1000) / windowMs, 3) : null);
  return {
    key: g.key,
    scope: g.scope,
    ...g.labels,
    requests: {
      total: g.requests,
      ok: g.ok,
      failed,
      errorRate: g.requests ? roundTo(failed / g.requests, 6) : null,
      dropped: g.dropped,
      droppedBy: nonZero(g.droppedBy),
      queued: g.queued,
      newConnections: g.newConnections,
      errorsByKind: nonZero(g.errorsByKind, (k) => ERROR_OWNERS[k] !== 'generator'),
      generatorFailed: g.generatorFailed,
      generatorErrorsByKind: nonZero(g.errorsByKind, (k) => ERROR_OWNERS[k] === 'generator'),
      errorSamples: { ...g.errorSamples },
    },
    offered: offered(g),
    ...(opts.closedLoop && (g.scope === 'target' || g.scope === 'route') ? { coEstimate: coEstimate(g) } : {}),
    connections: {
      opened: g.newConnections,
      failed: g.connectFailures,
      perRequest:
        g.requests + g.generatorFailed ? roundTo((g.newConnections + g.connectFailures) / (g.requests + g.generatorFailed), 3) : null,
    },
    backoff: g.backoff.waits
      ? {
          waits: g.backoff.waits,
          totalMs: roundTo(g.backoff.ms, 3),
          rateLimitedMs: roundTo(g.backoff.byReason.rate_limited, 3),
          afterErrorsMs: roundTo(g.backoff.byReason.error, 3),
        }
      : null,
    conversationsCutShort: g.cutShort,
    ...(g.stopped ? { stopped: { ...g.stopped, atMs: roundTo(g.stopped.atMs, 3) } } : {}),
    ...(g.scope === 'target' || g.scope === 'route'
      ? {
          slowest: g.slowest.map((s) => ({
            ...s,
            scheduledAtMs: roundTo(s.scheduledAtMs, 3),
            ttftMs: s.ttftMs === null ? null : roundTo(s.ttftMs, 3),
            e2eMs: roundTo(s.e2eMs, 3),
          })),
        }
      : {}),
    tokens: {
      input: g.inputTokens,
      output: g.outputTokens,
      requestedOutput: g.requestedOutputTokens,
      source: { ...g.tokenSource },
      usageVsCounted: {
        requests: g.usageVsCounted.requests,
        usageOutput: g.usageVsCounted.usageOutput,
        countedOutput: g.usageVsCounted.countedOutput,
        meanAbsDiff: g.usageVsCounted.requests ? roundTo(g.usageVsCounted.absDiff / g.usageVsCounted.requests, 3) : null,
        maxAbsDiff: g.usageVsCounted.maxAbsDiff,
      },
    },
    cache: promptCache(g.cache),
    outputTokens: outputLength(g.outputTokenCounts ?? emptyHistogram(), g.truncated, g.ok),
    rateLimit: g.scope === 'route' ? null : rateLimitHeadroom(g.rateLimit),
    window: hasWindow ? { startMs: roundTo(g.windowStartMs, 3), endMs: roundTo(g.windowEndMs, 3), durationMs: roundTo(windowMs, 3) } : null,
    ...(g.goodput ? { goodput: goodputSummary(g.goodput, perSec(g.goodput.good)) } : {}),
    throughput: { requestsPerSec: perSec(g.requests), outputTokensPerSec: perSec(g.outputTokens) },
    itlCoalesced: coalesced(g),
    metrics: mapMetrics((m) =>
      withAllRequests(m, g.histograms[m] ? latencyStats(g.histograms[m]) : NO_STATS, g.histograms[m], { ok: g.ok, failed }),
    ),
    histograms: mapMetrics((m) => (g.histograms[m] ? encodeHistogram(g.histograms[m]) : emptyEncoded())),
    // Closing the series is final, so a mid-run look (a sweep verdict) leaves it open.
    timeseries: opts.timeseries && g.timeseries ? g.timeseries.points() : [],
    ...(g.scope === 'route' ? { route: { servedBy: { ...g.servedBy }, attempts: g.attempts, failedOver: g.failedOver } } : {}),
  };
}

/** promptCache is a group's prompt-cache block from its summed usage: the hit rate of the sums, never a mean of rates. */
export function promptCache(c: { promptTokens: number; readTokens: number; writeTokens: number }): PromptCache {
  return {
    hitRate: c.promptTokens > 0 ? roundTo(c.readTokens / c.promptTokens, 6) : null,
    readTokens: c.readTokens,
    writeTokens: c.writeTokens,
    promptTokens: c.promptTokens,
  };
}

/** outputLength is a group's output-length block from its count histogram and its truncated and successful requests. */
export function outputLength(h: Histogram, truncated: number, ok: number): OutputLength {
  return {
    p50: countAt(h, 50),
    p99: countAt(h, 99),
    truncated,
    truncatedShare: ok ? roundTo(truncated / ok, 6) : null,
    histogram: encodeHistogram(h),
  };
}

// The counts that are not zero, optionally only the keys `keep` accepts.
function nonZero<K extends string>(counts: Record<K, number>, keep: (k: K) => boolean = () => true): Partial<Record<K, number>> {
  const out: Partial<Record<K, number>> = {};
  for (const [k, n] of Object.entries(counts) as [K, number][]) if (n > 0 && keep(k)) out[k] = n;
  return out;
}

// The rate the load asked for beside what went out, over the span of the measured schedule.
function offered(g: GroupAccumulator): GroupSummary['offered'] {
  const spanMs = g.lastScheduledMs - g.firstScheduledMs;
  if (g.arrivals < 2 || !(spanMs > 0)) return null;
  // n arrivals span n − 1 gaps: a constant 3000/s schedule reads exactly 3000/s.
  const perSec = (n: number) => roundTo((n * 1000) / spanMs, 3);
  const gaps = g.arrivals - 1;
  const sent = g.arrivals - g.dropped;
  return {
    scheduledPerSec: perSec(gaps),
    sentPerSec: perSec((sent * gaps) / g.arrivals),
    droppedPerSec: perSec((g.dropped * gaps) / g.arrivals),
  };
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

// coalesced: the untimed gaps beside the timed ones (the itl histogram's count).
function coalesced(g: GroupAccumulator): GroupSummary['itlCoalesced'] {
  const timed = g.histograms.itl?.totalCount ?? 0;
  const all = timed + g.coalescedGaps;
  return { gaps: g.coalescedGaps, share: all ? roundTo(g.coalescedGaps / all, 6) : null };
}
