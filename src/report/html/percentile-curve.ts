import * as hdr from 'hdr-histogram-js';
import { decodeHistogram } from '../../metrics/histogram.js';
import { usToMs } from '../../metrics/clock.js';

/** PercentilePoint is one step of a percentile distribution: the level, its x on the 1/(1−p) axis, and the latency there. */
export interface PercentilePoint {
  /** Percentile level, 0–100 (exclusive of 100). */
  percentile: number;
  /** 1 / (1 − percentile/100): 2 at p50, 10 at p90, 100 at p99, 1000 at p99.9. */
  x: number;
  ms: number;
}

/** TICKS_PER_HALF_DISTANCE is HdrHistogram's default for its percentile distribution (outputPercentileDistribution). */
export const TICKS_PER_HALF_DISTANCE = 5;

/**
 * percentileCurve decodes one of summary.json's histograms and walks it the way HdrHistogram's
 * percentile distribution does (its PercentileIterator: 5 steps per half-distance to 100 %, so
 * the steps get finer towards the tail), giving the points of its latency-by-percentile plot.
 * Values are clamped to the observed min and max, as every percentile in summary.json is: pass
 * the summary's own (exact) min and max, since a decoded histogram knows its max only to its
 * bucket. The 100 % step (x = ∞) is left out, as HdrHistogram's own plotter leaves it out. Empty
 * for a histogram with no samples: no data is no curve, never a curve at 0.
 */
export function percentileCurve(
  encoded: string,
  bounds: { min: number | null; max: number | null } = { min: null, max: null },
  ticksPerHalfDistance = TICKS_PER_HALF_DISTANCE,
): PercentilePoint[] {
  if (!encoded) return [];
  const h = decodeHistogram(encoded);
  if (h.totalCount === 0) return [];
  // decodeHistogram asks for the JavaScript implementation, which carries the iterator.
  if (!(h instanceof hdr.JsHistogram)) throw new Error('percentileCurve: expected a JsHistogram from decodeHistogram');
  const minUs = bounds.min !== null ? bounds.min * 1000 : h.getValueAtPercentile(0) === 0 ? 0 : h.minNonZeroValue;
  const maxUs = bounds.max !== null ? bounds.max * 1000 : h.maxValue;
  const it = h.percentileIterator;
  it.reset(ticksPerHalfDistance);
  const points: PercentilePoint[] = [];
  while (it.hasNext()) {
    const v = it.next();
    const p = v.percentileLevelIteratedTo;
    if (p >= 100) break;
    const us = Math.min(maxUs, Math.max(minUs, v.valueIteratedTo));
    points.push({ percentile: p, x: 1 / (1 - p / 100), ms: Math.round(usToMs(us) * 1000) / 1000 });
  }
  return points;
}
