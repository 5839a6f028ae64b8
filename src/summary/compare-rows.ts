import { decodeHistogram, recordedBuckets, type Histogram, type RecordedBuckets } from '../metrics/histogram.js';
import type { GroupSummary } from '../metrics/group-summary.js';
import type { LatencyMetric } from '../scenario/metric-names.js';
import { deriveSeed, prng } from '../random/prng.js';
import { PERCENTILE_OF, metricId, type CompareMetric } from './compare-metrics.js';
import { bootstrapPercentile, intervalOf, percentileUs } from '../analysis/percentile-bootstrap.js';
import { proportionDiffInterval, rateRatioInterval, twoSidedZ, type Interval } from '../analysis/intervals.js';
import { roundTo } from '../scenario/decimals.js';

/** Verdict is what `compare` concludes about one metric. */
export type Verdict = 'regression' | 'improvement' | 'within noise' | 'no data';

/** StatsMethod names how a row's interval was made. */
export type StatsMethod = 'bootstrap' | 'newcombe' | 'poisson';

/** ComparedMetric is one metric of one group, baseline against current. */
export interface ComparedMetric {
  /** `ttft.p50`, `errorRate`, `requestsPerSec`. */
  metric: string;
  unit: 'ms' | 'share' | 'per_s';
  /** Which way is better: lower for latencies and the error rate, higher for throughput and goodput. */
  better: 'lower' | 'higher';
  method: StatsMethod;
  /** The figure on each side; null when that side has no data (never 0). */
  baseline: number | null;
  current: number | null;
  /** Samples behind each figure: histogram counts, requests (error rate, throughput). */
  baselineN: number;
  currentN: number;
  /** Values resampled per side (bootstrap only): the count, or for itl the number of streams. */
  resampledN?: { baseline: number; current: number };
  /** current − baseline, in the unit. */
  delta: number | null;
  /** current / baseline − 1; null for the error rate (judged in percentage points) or a zero baseline. */
  relDelta: number | null;
  /** Interval of delta, in the unit, at the comparison's confidence. */
  ci: Interval | null;
  /** Interval of relDelta. */
  relCi: Interval | null;
  verdict: Verdict;
  /** This metric decides the exit code (--fail-on) for this group. */
  gated: boolean;
}

/** RowOptions are the statistics' settings. */
export interface RowOptions {
  /** Two-sided confidence level, 0–1. */
  confidence: number;
  /** Bootstrap replicates per metric. */
  resamples: number;
  seed: number;
  /** Smallest relative change that counts (0.02 = 2 %), latencies and throughput. */
  minEffect: number;
  /** Smallest error-rate change that counts, as a share (0.001 = 0.1 percentage points). */
  minErrorDelta: number;
}

/** HistogramProblem is a histogram in a summary that does not decode: the file is damaged or was edited. */
export class HistogramProblem extends Error {}

/** GroupSide is one group of a summary file with its histograms decoded on demand (each at most once). */
export class GroupSide {
  private readonly buckets = new Map<LatencyMetric, RecordedBuckets>();
  constructor(
    readonly group: GroupSummary,
    readonly file: string,
  ) {}

  /** bucketsOf decodes a metric's histogram, clamped to the exact min and max the run recorded. */
  bucketsOf(m: LatencyMetric): RecordedBuckets {
    let b = this.buckets.get(m);
    if (!b) {
      const st = this.group.metrics[m] ?? { min: null, max: null };
      const text = this.group.histograms[m];
      let h: Histogram;
      try {
        if (typeof text !== 'string') throw new Error('missing');
        h = decodeHistogram(text);
      } catch (err) {
        throw new HistogramProblem(
          `${this.file}: groups "${this.group.key}" histograms.${m} does not decode ` +
            `(${(err as Error).message}); the file is damaged or was edited — run the scenario again`,
        );
      }
      b = recordedBuckets(
        h,
        st.min !== null && st.max !== null ? { min: Math.round(st.min * 1000), max: Math.round(st.max * 1000) } : undefined,
      );
      this.buckets.set(m, b);
    }
    return b;
  }
}

/** compareMetric judges one metric of a group pair; `seedLabel` makes its draws its own, whatever else is compared. */
export function compareMetric(
  m: CompareMetric,
  base: GroupSide,
  cur: GroupSide,
  gated: boolean,
  seedLabel: string,
  o: RowOptions,
): ComparedMetric {
  switch (m.kind) {
    case 'latency':
      return latencyRow(
        m.metric,
        PERCENTILE_OF[m.stat],
        metricId(m),
        base,
        cur,
        gated,
        prng(deriveSeed(o.seed, `${seedLabel}|${metricId(m)}`)),
        o,
      );
    case 'errorRate':
      return errorRateRow(base.group, cur.group, gated, o);
    case 'goodput':
      return goodputRow(base.group, cur.group, gated, o);
    case 'requestsPerSec':
      return throughputRow(base.group, cur.group, gated, o);
  }
}

// A latency percentile: the bootstrap interval of the difference, from each side's histogram.
function latencyRow(
  m: LatencyMetric,
  p: number,
  id: string,
  base: GroupSide,
  cur: GroupSide,
  gated: boolean,
  rng: ReturnType<typeof prng>,
  o: RowOptions,
): ComparedMetric {
  const b = base.bucketsOf(m);
  const c = cur.bucketsOf(m);
  const bv = percentileUs(b, p);
  const cv = percentileUs(c, p);
  const row: ComparedMetric = {
    metric: id,
    unit: 'ms',
    better: 'lower',
    method: 'bootstrap',
    baseline: ms(bv),
    current: ms(cv),
    baselineN: b.count,
    currentN: c.count,
    delta: null,
    relDelta: null,
    ci: null,
    relCi: null,
    verdict: 'no data',
    gated,
  };
  if (bv === null || cv === null) return row;
  const nB = resampleSize(m, base.group, b.count);
  const nC = resampleSize(m, cur.group, c.count);
  const rb = bootstrapPercentile(b, p, nB, o.resamples, rng);
  const rc = bootstrapPercentile(c, p, nC, o.resamples, rng);
  const diffs = new Float64Array(o.resamples);
  const ratios = new Float64Array(o.resamples);
  let ratiosOk = true;
  for (let i = 0; i < o.resamples; i++) {
    diffs[i] = rc[i]! - rb[i]!;
    if (rb[i]! > 0) ratios[i] = rc[i]! / rb[i]! - 1;
    else ratiosOk = false;
  }
  const [lo, hi] = intervalOf(diffs, o.confidence);
  row.resampledN = { baseline: nB, current: nC };
  row.delta = roundTo((cv - bv) / 1000, 3);
  row.relDelta = bv > 0 ? roundTo(cv / bv - 1, 6) : null;
  row.ci = [roundTo(lo / 1000, 3), roundTo(hi / 1000, 3)];
  row.relCi = ratiosOk ? (intervalOf(ratios, o.confidence).map((x) => roundTo(x, 6)) as Interval) : null;
  row.verdict = judge(cv - bv, [lo, hi], row.relDelta === null ? cv !== bv : Math.abs(row.relDelta) >= o.minEffect, 'lower');
  return row;
}

/**
 * resampleSize is how many independent values a percentile's bootstrap resamples: the count,
 * except for inter-token latency, whose gaps come in streams — the gaps of one response share
 * its server, its batch and its connection, and move together. Resampling every gap as if
 * independent would make intervals far too narrow, so itl resamples as many values as there were
 * streams with a gap (tpot's count: responses of two tokens or more).
 */
function resampleSize(m: LatencyMetric, g: GroupSummary, count: number): number {
  if (m !== 'itl') return count;
  const streams = g.metrics.tpot?.count ?? 0;
  return streams > 0 ? Math.min(count, streams) : count;
}

// The error rate: Newcombe's interval of the difference of two proportions; practical when it moves by minErrorDelta.
function errorRateRow(b: GroupSummary, c: GroupSummary, gated: boolean, o: RowOptions): ComparedMetric {
  const row: ComparedMetric = {
    metric: 'errorRate',
    unit: 'share',
    better: 'lower',
    method: 'newcombe',
    baseline: b.requests.total ? b.requests.failed / b.requests.total : null,
    current: c.requests.total ? c.requests.failed / c.requests.total : null,
    baselineN: b.requests.total,
    currentN: c.requests.total,
    delta: null,
    relDelta: null,
    ci: null,
    relCi: null,
    verdict: 'no data',
    gated,
  };
  if (row.baseline === null || row.current === null) return row;
  const d = row.current - row.baseline;
  const ci = proportionDiffInterval(b.requests.failed, b.requests.total, c.requests.failed, c.requests.total, twoSidedZ(o.confidence));
  row.baseline = roundTo(row.baseline, 6);
  row.current = roundTo(row.current, 6);
  row.delta = roundTo(d, 6);
  row.ci = [roundTo(ci[0], 6), roundTo(ci[1], 6)];
  row.verdict = judge(d, ci, Math.abs(d) >= o.minErrorDelta - 1e-12, 'lower');
  return row;
}

// The goodput ratio (good of judged requests): Newcombe's interval as for the error rate, but higher is better.
function goodputRow(b: GroupSummary, c: GroupSummary, gated: boolean, o: RowOptions): ComparedMetric {
  const gb = b.goodput;
  const gc = c.goodput;
  const row: ComparedMetric = {
    metric: 'goodput',
    unit: 'share',
    better: 'higher',
    method: 'newcombe',
    baseline: gb?.ratio ?? null,
    current: gc?.ratio ?? null,
    baselineN: gb?.total ?? 0,
    currentN: gc?.total ?? 0,
    delta: null,
    relDelta: null,
    ci: null,
    relCi: null,
    verdict: 'no data',
    gated,
  };
  if (!gb?.total || !gc?.total) return row;
  const d = gc.good / gc.total - gb.good / gb.total;
  const ci = proportionDiffInterval(gb.good, gb.total, gc.good, gc.total, twoSidedZ(o.confidence));
  row.delta = roundTo(d, 6);
  row.ci = [roundTo(ci[0], 6), roundTo(ci[1], 6)];
  row.verdict = judge(d, ci, Math.abs(d) >= o.minErrorDelta - 1e-12, 'higher');
  return row;
}

// The request rate: a Poisson interval of the ratio of the two rates; higher is better.
function throughputRow(b: GroupSummary, c: GroupSummary, gated: boolean, o: RowOptions): ComparedMetric {
  const rb = b.throughput.requestsPerSec;
  const rc = c.throughput.requestsPerSec;
  const row: ComparedMetric = {
    metric: 'requestsPerSec',
    unit: 'per_s',
    better: 'higher',
    method: 'poisson',
    baseline: rb,
    current: rc,
    baselineN: b.requests.total,
    currentN: c.requests.total,
    delta: null,
    relDelta: null,
    ci: null,
    relCi: null,
    verdict: 'no data',
    gated,
  };
  if (rb === null || rc === null || !(rb > 0) || b.requests.total === 0 || c.requests.total === 0) return row;
  const [lo, hi] = rateRatioInterval(rb, b.requests.total, rc, c.requests.total, twoSidedZ(o.confidence));
  row.delta = roundTo(rc - rb, 3);
  row.relDelta = roundTo(rc / rb - 1, 6);
  row.relCi = [roundTo(lo - 1, 6), roundTo(hi - 1, 6)];
  row.ci = [roundTo(rb * (lo - 1), 3), roundTo(rb * (hi - 1), 3)];
  row.verdict = judge(rc - rb, [lo - 1, hi - 1], Math.abs(rc / rb - 1) >= o.minEffect, 'higher');
  return row;
}

/**
 * judge turns an interval into a verdict: a change is called only when the interval excludes 0
 * (it is not noise), the point estimate lies on the same side (a degenerate interval can disagree)
 * and the change is large enough to matter (`practical`). Which side is worse depends on `better`.
 */
export function judge(delta: number, ci: Interval, practical: boolean, better: 'lower' | 'higher'): Verdict {
  const up = ci[0] > 0 && delta > 0;
  const down = ci[1] < 0 && delta < 0;
  if (!(up || down) || !practical) return 'within noise';
  return up === (better === 'lower') ? 'regression' : 'improvement';
}

function ms(us: number | null): number | null {
  return us === null ? null : roundTo(us / 1000, 3);
}
