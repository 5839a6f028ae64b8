import * as hdr from 'hdr-histogram-js';
import { msToUs, usToMs } from './clock.js';
import { roundTo } from '../scenario/decimals.js';

/**
 * HISTOGRAM_RANGE is the one place that fixes what our histograms can hold: integer microseconds
 * from 1 µs to 1 hour at 3 significant digits (relative error ≤ 0.1%). Every histogram in a run,
 * in a shard and in a baseline shares it, which is what lets `merge` and `compare` add them.
 */
export const HISTOGRAM_RANGE = {
  lowestDiscernibleUs: 1,
  highestTrackableUs: 3_600_000_000,
  significantDigits: 3,
} as const;

export type Histogram = hdr.Histogram;

/** newHistogram builds an empty latency histogram with HISTOGRAM_RANGE. */
export function newHistogram(): Histogram {
  return hdr.build({
    bitBucketSize: 32,
    autoResize: false,
    lowestDiscernibleValue: HISTOGRAM_RANGE.lowestDiscernibleUs,
    highestTrackableValue: HISTOGRAM_RANGE.highestTrackableUs,
    numberOfSignificantValueDigits: HISTOGRAM_RANGE.significantDigits,
  });
}

/**
 * recordMs records a latency given in milliseconds. Values outside the range are clamped rather
 * than thrown away: a 2-hour hang is still a hang, and losing it would flatter the tail.
 */
export function recordMs(h: Histogram, ms: number): void {
  if (!Number.isFinite(ms)) return; // a NaN would corrupt the histogram's counts array
  const us = msToUs(ms);
  h.recordValue(Math.min(Math.max(us, 0), HISTOGRAM_RANGE.highestTrackableUs));
}

/**
 * recordCount records a count (output tokens of a reply) as the integer it is, in a histogram of HISTOGRAM_RANGE: exact
 * below 2048, to 3 significant digits above. Not a latency: read it back with countAt, never latencyStats.
 */
export function recordCount(h: Histogram, n: number): void {
  if (!Number.isFinite(n)) return;
  h.recordValue(Math.min(Math.max(Math.round(n), 0), HISTOGRAM_RANGE.highestTrackableUs));
}

/** countAt is a count histogram's percentile p (0–100), clamped to the recorded extremes; null when it is empty. */
export function countAt(h: Histogram, p: number): number | null {
  if (h.totalCount === 0) return null;
  const min = h.getValueAtPercentile(0) === 0 ? 0 : h.minNonZeroValue;
  return Math.min(h.maxValue, Math.max(min, h.getValueAtPercentile(p)));
}

/** encodeHistogram serialises a histogram in the standard compressed HdrHistogram V2 base64 form. */
export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

/** decodeHistogram reads a histogram written by encodeHistogram (or any HdrHistogram implementation). */
export function decodeHistogram(base64: string): Histogram {
  return hdr.decodeFromCompressedBase64(base64, 32, false);
}

/** PERCENTILES are the percentiles every report carries, in this order. */
export const PERCENTILES = [50, 90, 95, 99, 99.9] as const;

/**
 * LatencyStats is a histogram's summary in milliseconds, as written to summary.json and CSV.
 * With no samples every statistic is null — "no data" is never 0, which would read as infinitely
 * fast. Percentiles are clamped to the observed min and max: HdrHistogram reports a bucket's
 * highest equivalent value, which can exceed the largest value recorded by up to the resolution.
 */
export interface LatencyStats {
  count: number;
  mean: number | null;
  stddev: number | null;
  min: number | null;
  p50: number | null;
  p90: number | null;
  p95: number | null;
  p99: number | null;
  p999: number | null;
  max: number | null;
}

/** NO_STATS is the summary of an empty histogram. */
export const NO_STATS: LatencyStats = Object.freeze({
  count: 0,
  mean: null,
  stddev: null,
  min: null,
  p50: null,
  p90: null,
  p95: null,
  p99: null,
  p999: null,
  max: null,
});

/** RESOLUTION words what a histogram value means, for summary.json. */
export const RESOLUTION =
  `integer microseconds; each recorded value is exact to ${HISTOGRAM_RANGE.significantDigits} ` +
  `significant digits (relative error ≤ ${10 ** -HISTOGRAM_RANGE.significantDigits * 100}%); ` +
  `percentiles are clamped to the observed min and max`;

/** latencyStats summarises a histogram in milliseconds; every statistic null when it is empty. */
export function latencyStats(h: Histogram, extremesUs?: { min: number; max: number }): LatencyStats {
  const count = h.totalCount;
  if (count === 0) return NO_STATS;
  // The true extremes: maxValue is kept exact; min is 0 when a zero was recorded (minNonZeroValue
  // skips zeros). A histogram decoded from its encoding knows them only to the bucket: a merge
  // passes the exact ones its parts reported.
  const minUs = extremesUs?.min ?? (h.getValueAtPercentile(0) === 0 ? 0 : h.minNonZeroValue);
  const maxUs = extremesUs?.max ?? h.maxValue;
  const at = (p: number) => roundTo(usToMs(Math.min(maxUs, Math.max(minUs, h.getValueAtPercentile(p)))), 3);
  return {
    count,
    mean: roundTo(usToMs(h.mean), 3),
    stddev: roundTo(usToMs(h.stdDeviation), 3),
    min: roundTo(usToMs(minUs), 3),
    p50: at(50),
    p90: at(90),
    p95: at(95),
    p99: at(99),
    p999: at(99.9),
    max: roundTo(usToMs(maxUs), 3),
  };
}

/**
 * RecordedBuckets is a histogram as its distinct recorded values: the buckets that hold a count,
 * in increasing order, each with the value a percentile landing in it reports (in µs) and the
 * count of values up to and including it. What `compare` resamples from.
 */
export interface RecordedBuckets {
  /** Each bucket's reported value, µs: its highest equivalent value, clamped to the observed min and max (as latencyStats reports it). */
  valuesUs: Float64Array;
  /** Values recorded up to and including each bucket; the last is `count`. */
  cumulative: Float64Array;
  count: number;
}

/**
 * recordedBuckets lists a histogram's recorded buckets. `clampUs` gives the exact observed
 * extremes when they are known (summary.json's min and max): a decoded histogram only knows its
 * extremes to the bucket, and percentiles are clamped to them exactly as latencyStats does, so a
 * percentile read from these buckets equals the one the run reported.
 */
export function recordedBuckets(h: Histogram, clampUs?: { min: number; max: number }): RecordedBuckets {
  const js = h as unknown as hdr.JsHistogram;
  const count = h.totalCount;
  const lo = clampUs?.min ?? (count === 0 ? 0 : h.getValueAtPercentile(0) === 0 ? 0 : h.minNonZeroValue);
  const hi = clampUs?.max ?? h.maxValue;
  const values: number[] = [];
  const cumulative: number[] = [];
  let total = 0;
  for (let i = 0; i < js.countsArrayLength && total < count; i++) {
    const n = js.getCountAtIndex(i);
    if (n === 0) continue;
    total += n;
    values.push(Math.min(hi, Math.max(lo, js.highestEquivalentValue(js.valueFromIndex(i)))));
    cumulative.push(total);
  }
  return { valuesUs: Float64Array.from(values), cumulative: Float64Array.from(cumulative), count };
}
