import * as hdr from 'hdr-histogram-js';
import { msToUs, usToMs } from './clock.js';

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

/** LatencyStats is a histogram's summary in milliseconds, as written to summary.json and CSV. */
export interface LatencyStats {
  count: number;
  mean: number;
  stddev: number;
  min: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
}

/** latencyStats summarises a histogram in milliseconds; all zeros (count 0) when it is empty. */
export function latencyStats(h: Histogram): LatencyStats {
  const count = h.totalCount;
  if (count === 0) {
    return { count: 0, mean: 0, stddev: 0, min: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 };
  }
  const at = (p: number) => round3(usToMs(h.getValueAtPercentile(p)));
  return {
    count,
    mean: round3(usToMs(h.mean)),
    stddev: round3(usToMs(h.stdDeviation)),
    min: round3(usToMs(h.minNonZeroValue === Number.MAX_SAFE_INTEGER ? 0 : h.minNonZeroValue)),
    p50: at(50),
    p90: at(90),
    p95: at(95),
    p99: at(99),
    p999: at(99.9),
    max: round3(usToMs(h.maxValue)),
  };
}

/** round3 keeps microsecond precision when a millisecond value is printed. */
function round3(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
