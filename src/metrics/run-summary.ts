import type { ErrorKind } from './request-result.js';
import type { LatencyStats } from './histogram.js';
import type { LatencyMetric } from './metric-names.js';
import type { GeneratorHealth } from './generator-health.js';
import type { GroupLabels, GroupScope } from './recorder.js';
import type { TimeseriesPoint } from './timeseries.js';
import type { SweepSummary } from '../analysis/sweep-verdict.js';
import type { BreakerTransition } from '../failover/circuit-breaker.js';
import type { Outage } from '../failover/outages.js';
import type { GroupCost } from '../cost/run-cost.js';
import type { Decision } from '../analysis/decision.js';

/** SUMMARY_SCHEMA names and versions summary.json; bump the version on any incompatible change. */
export const SUMMARY_SCHEMA = { id: 'llm-bakeoff/summary', version: 1 } as const;

/**
 * RunSummary is the content of summary.json: everything a report needs, so `report` can rebuild
 * every output without the live run. Documented field by field in docs/summary-schema.md.
 * All durations are milliseconds; times are offsets on the run's monotonic clock unless named *At (ISO-8601).
 */
export interface RunSummary {
  schema: typeof SUMMARY_SCHEMA.id;
  schemaVersion: typeof SUMMARY_SCHEMA.version;
  tool: { name: string; version: string };
  runId: string;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  /** completed: the load model ran to its end; interrupted: stopped by a signal; budget: stopped before crossing a budget cap (results are partial in both). */
  status: 'completed' | 'interrupted' | 'budget';
  stopReason: string;
  /** The load model: closed (concurrency), open (rate/stages) or trace; response vs service time differ only in open loops. */
  loadModel: 'closed' | 'open' | 'trace';
  /** The validated scenario with defaults filled, durations in ms, and secret-looking header values redacted. */
  scenario: unknown;
  /** Requests sent during warmup (excluded from every metric). */
  warmupRequests: number;
  groups: GroupSummary[];
  generator: GeneratorHealth;
  /** How traffic reached the targets: paired (same prompts, full load each) or routed (one stream split by weight). */
  traffic?: { mode: 'paired' | 'routed'; seed: number; note: string };
  /** The pricing catalog costs were computed with. */
  pricing?: { asOf: string; currency: string };
  /** Decision table: per target the SLO verdict and cost, and the cheapest target meeting the SLO. */
  decision?: Decision;
  /** Why the run stopped early to stay within its budget, if it did. */
  budget?: { stopped: boolean; reason: string; spentUsd: number; requests: number; tokens: number };
  /** Failover drill: per route its chain and retries; every breaker transition; every outage as the client saw it. */
  failover?: {
    routes: { name: string; chain: string[]; retries: number; retriesDenied: number; retryTokens?: { input: number; output: number } }[];
    breakers: (BreakerTransition & { route: string })[];
    outages: Outage[];
  };
  /** Capacity sweep: each level's SLO verdict per target, and each target's knee. */
  sweep?: SweepSummary;
  histogram: { unit: 'us'; lowestDiscernible: number; highestTrackable: number; significantDigits: number; encoding: string };
}

/** GroupSummary is one group's numbers (a target, today). */
export interface GroupSummary extends GroupLabels {
  key: string;
  /** target: everything sent to a target; workload: one workload on it; turn: one conversation turn of a workload. */
  scope: GroupScope;
  requests: {
    /** Measured requests that ended (ok + failed). */
    total: number;
    ok: number;
    failed: number;
    /** failed / total (0 when total is 0). */
    errorRate: number;
    /** Arrivals never sent because maxInFlight was reached (overflow: drop); not in total. */
    dropped: number;
    /** Requests that waited for an in-flight slot before being sent (overflow: queue). */
    queued: number;
    /** Requests that opened a new connection (the rest reused one). */
    newConnections: number;
    errorsByKind: Partial<Record<ErrorKind, number>>;
  };
  tokens: {
    input: number;
    /** Output tokens of successful requests. */
    output: number;
    /** Output tokens those requests asked for (their token limits). */
    requestedOutput: number;
    /** How many requests' counts came from server usage vs our tokenizer. */
    source: { usage: number; counted: number };
    /** Requests with both server usage and our count of the streamed text, and how far the two disagree. */
    usageVsCounted: { requests: number; usageOutput: number; countedOutput: number; meanAbsDiff: number; maxAbsDiff: number };
  };
  /** Measurement window: first measured request scheduled → last measured request ended. */
  window: { startMs: number; endMs: number; durationMs: number };
  throughput: { requestsPerSec: number; outputTokensPerSec: number };
  metrics: Record<LatencyMetric, LatencyStats>;
  /** Each latency histogram, HdrHistogram V2 compressed base64, values in integer microseconds. */
  histograms: Record<LatencyMetric, string>;
  /** Per-second counts and TTFT/E2E percentiles, by request end time. */
  timeseries: TimeseriesPoint[];
  /** What the group's traffic cost at list prices (when the run had a pricing catalog). */
  cost?: GroupCost;
  /** Route groups: requests served by each hop, attempts made in all, requests a fallback served. */
  route?: { servedBy: Record<string, number>; attempts: number; failedOver: number };
}
