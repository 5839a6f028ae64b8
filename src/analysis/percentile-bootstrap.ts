import type { RecordedBuckets } from '../metrics/histogram.js';
import { betaDraw } from '../random/beta.js';
import type { Prng } from '../random/prng.js';

/**
 * percentileRank is the rank (from 1) of the p-th percentile among n values, counted as
 * HdrHistogram's getValueAtPercentile counts it: the smallest value that p % of the values are at
 * or below, so the rank is ⌈p/100 · n⌉ (at least 1).
 */
export function percentileRank(p: number, n: number): number {
  const fp = (Math.min(p, 100) / 100) * n;
  // As HdrHistogram does: the product can come out one ulp above an integer, which must not round up.
  return Math.max(1, Math.ceil(fp - fp * Number.EPSILON));
}

/** valueAtRank is the value (µs) of the rank-th smallest recorded value (rank from 1). */
export function valueAtRank(b: RecordedBuckets, rank: number): number {
  return b.valuesUs[firstAtLeast(b.cumulative, rank)]!;
}

/** percentileUs reads the p-th percentile from recorded buckets, as latencyStats does; null when empty. */
export function percentileUs(b: RecordedBuckets, p: number): number | null {
  return b.count === 0 ? null : valueAtRank(b, percentileRank(p, b.count));
}

/**
 * bootstrapPercentile draws `resamples` bootstrap replicates of the p-th percentile of `n` values
 * resampled (with replacement) from the recorded distribution, in µs.
 *
 * No value is drawn one by one. The percentile of a resample is its k-th smallest value,
 * k = ⌈p/100 · n⌉; the k-th smallest of n independent draws from a distribution F is F⁻¹(U₍ₖ₎),
 * where U₍ₖ₎, the k-th smallest of n uniforms, is Beta(k, n − k + 1)-distributed. So one Beta draw
 * and one binary search over the buckets give one replicate, exactly as distributed as the
 * percentile of a full multinomial resample of the buckets (the identity Maritz and Jarrett used,
 * JASA 1978, for the bootstrap variance of a median) — at a cost that does not grow with n.
 *
 * `n` is normally the histogram's count; a smaller n resamples fewer, independent units (see
 * compare.ts on inter-token latency).
 */
export function bootstrapPercentile(b: RecordedBuckets, p: number, n: number, resamples: number, rng: Prng): Float64Array {
  const out = new Float64Array(resamples);
  if (b.count === 0 || n < 1) return out.fill(Number.NaN);
  const k = percentileRank(p, n);
  const last = b.valuesUs.length - 1;
  for (let i = 0; i < resamples; i++) {
    // F⁻¹(u) is the first bucket whose cumulative share reaches u.
    const u = betaDraw(k, n - k + 1, rng);
    out[i] = b.valuesUs[Math.min(last, firstAtLeast(b.cumulative, u * b.count))]!;
  }
  return out;
}

/** intervalOf is the equal-tailed percentile interval of bootstrap replicates at a confidence level (0–1). */
export function intervalOf(replicates: Float64Array, confidence: number): [number, number] {
  const s = Float64Array.from(replicates).sort();
  const tail = (1 - confidence) / 2;
  const lo = Math.max(0, Math.floor(tail * s.length));
  const hi = Math.min(s.length - 1, Math.ceil((1 - tail) * s.length) - 1);
  return [s[lo]!, s[hi]!];
}

// The first index whose cumulative count is at least x (binary search; cumulative increases).
function firstAtLeast(cumulative: Float64Array, x: number): number {
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cumulative[mid]! >= x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
