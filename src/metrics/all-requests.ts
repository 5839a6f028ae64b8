import { recordedBuckets, type Histogram, type LatencyStats, type RecordedBuckets } from './histogram.js';
import { usToMs } from './clock.js';
import { ALL_REQUESTS_METRICS, type LatencyMetric } from '../scenario/metric-names.js';
import { roundTo } from '../scenario/decimals.js';

// Failures in the tail (AIPerf's error-adjusted latency): a latency percentile of successes alone
// lets a target that fails fast look fast — at 10 % failures its p95 is the p95 of the other 90 %.
// Over all requests, a failed request counts as slower than any success: the all-requests quantile
// q of N = successes + failures is the success at rank q·N while that rank is a success's, and
// beyond every success (no number: a failure has no latency) once it falls among the failures.
// This needs only the success histogram and a failure count, so it merges as they do (by adding).

/** AllRequestsPercentile names a percentile of `metrics.<m>.all`, as LatencyStats names it. */
export type AllRequestsPercentile = 'p50' | 'p90' | 'p95' | 'p99' | 'p999';

/** ALL_REQUESTS_PERCENTILES are the percentiles `metrics.<m>.all` carries, with their quantile in percent. */
export const ALL_REQUESTS_PERCENTILES: readonly (readonly [AllRequestsPercentile, number])[] = [
  ['p50', 50],
  ['p90', 90],
  ['p95', 95],
  ['p99', 99],
  ['p999', 99.9],
];

/**
 * AllRequestsStats is a latency's percentiles over all requests, a failure counted slower than any success (ms). A
 * percentile is null either because it falls among the failures (then it is listed in `beyondSuccesses`) or because
 * there is no request at all (`requests` 0, `beyondSuccesses` empty): never both, so a null is never ambiguous.
 */
export interface AllRequestsStats {
  /** The requests the percentiles are over: successes with a value of this metric, and failures; 0: no data. */
  requests: number;
  /** The failures among them: the target's and the network's (requests.failed; metrics/counting.ts, isTailFailure). */
  failed: number;
  p50: number | null;
  p90: number | null;
  p95: number | null;
  p99: number | null;
  p999: number | null;
  /** The percentiles that fall among the failures, slower than every success: their value is null. */
  beyondSuccesses: AllRequestsPercentile[];
}

/** MetricStats is a latency's statistics in summary.json: of successes, and for ALL_REQUESTS_METRICS over all requests too. */
export type MetricStats = LatencyStats & { all?: AllRequestsStats };

/**
 * allRequestsRank says where percentile `percent` (of 100) of all requests falls, `failures` of them counted slower
 * than any of the `successes`: the rank (1 = fastest) of the success that holds it, 'beyond' when it falls among the
 * failures, null with no request at all. Nearest rank, ceil(q·N) and at least 1, as HdrHistogram ranks a percentile:
 * with no failure it names the success the success-only percentile reports.
 */
export function allRequestsRank(percent: number, successes: number, failures: number): number | 'beyond' | null {
  const n = successes + failures;
  if (n === 0) return null;
  const exact = (percent / 100) * n;
  // Up to the next whole rank, but not past a float's error: 99.9 % of 1000 computes as 999.0000000000001.
  const rank = Math.max(1, Math.ceil(exact - exact * 1e-12));
  return rank <= successes ? rank : 'beyond';
}

/**
 * allRequestsStats is a latency's all-requests percentiles from its success histogram and the group's failure count.
 * A group with successes but none with a value of this metric (a protocol that does not report it) has no data, as
 * the success-only statistics do. `extremesUs` clamps values as latencyStats does (the exact extremes of a merge).
 */
export function allRequestsStats(
  h: Histogram | undefined,
  failed: number,
  groupOk: number,
  extremesUs?: { min: number; max: number },
): AllRequestsStats {
  const successes = h?.totalCount ?? 0;
  const failures = successes === 0 && groupOk > 0 ? 0 : failed;
  const out: AllRequestsStats = {
    requests: successes + failures,
    failed: failures,
    p50: null,
    p90: null,
    p95: null,
    p99: null,
    p999: null,
    beyondSuccesses: [],
  };
  let buckets: RecordedBuckets | undefined;
  for (const [name, percent] of ALL_REQUESTS_PERCENTILES) {
    const rank = allRequestsRank(percent, successes, failures);
    if (rank === null) continue;
    if (rank === 'beyond') {
      out.beyondSuccesses.push(name);
      continue;
    }
    buckets ??= recordedBuckets(h!, extremesUs);
    out[name] = roundTo(usToMs(valueAtRank(buckets, rank)), 3);
  }
  return out;
}

/** withAllRequests adds a metric's all-requests percentiles to its statistics, for ALL_REQUESTS_METRICS only. */
export function withAllRequests(
  m: LatencyMetric,
  stats: LatencyStats,
  h: Histogram | undefined,
  counts: { ok: number; failed: number },
  extremesUs?: { min: number; max: number },
): MetricStats {
  if (!(ALL_REQUESTS_METRICS as readonly string[]).includes(m)) return stats;
  return { ...stats, all: allRequestsStats(h, counts.failed, counts.ok, extremesUs) };
}

// The value of the rank-th smallest recorded value (1-based), as its bucket reports it.
function valueAtRank(b: RecordedBuckets, rank: number): number {
  let lo = 0;
  let hi = b.cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (b.cumulative[mid]! >= rank) hi = mid;
    else lo = mid + 1;
  }
  return b.valuesUs[lo]!;
}
