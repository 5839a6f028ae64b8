import { describe, expect, it } from 'vitest';
import { latencyStats, newHistogram, recordedBuckets, recordMs, type RecordedBuckets } from '../../src/metrics/histogram.js';
import { betaDraw, gammaDraw } from '../../src/random/beta.js';
import { prng } from '../../src/random/prng.js';
import { sampler } from '../../src/random/distribution.js';
import { bootstrapPercentile, intervalOf, percentileRank, percentileUs } from '../../src/analysis/percentile-bootstrap.js';
import { normalQuantile, proportionDiffInterval, rateRatioInterval, twoSidedZ, wilsonInterval } from '../../src/analysis/intervals.js';
import { judge } from '../../src/summary/compare-rows.js';

// The statistics under `bakeoff compare`, on synthetic data whose answer is known: the draws, the
// percentile read from recorded buckets, the bootstrap (against a naive resampler), the closed-form
// intervals (against published figures), and the rule that turns an interval into a verdict.

function bucketsOf(valuesMs: number[]): RecordedBuckets {
  const h = newHistogram();
  for (const v of valuesMs) recordMs(h, v);
  return recordedBuckets(h);
}

function lognormal(n: number, median: number, sigma: number, seed: number): number[] {
  const s = sampler({ dist: 'lognormal', median, sigma }, prng(seed));
  return Array.from({ length: n }, s);
}

const mean = (xs: ArrayLike<number>) => Array.from(xs).reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: ArrayLike<number>) => {
  const m = mean(xs);
  return Math.sqrt(Array.from(xs).reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
};

describe('gamma and beta draws', () => {
  it.each([0.5, 1, 3, 50, 5000])('Gamma(%d) has mean and variance equal to its shape', (shape) => {
    const rng = prng(11);
    const xs = Array.from({ length: 20_000 }, () => gammaDraw(shape, rng));
    expect(Math.abs(mean(xs) - shape)).toBeLessThan((4 * sd(xs)) / Math.sqrt(xs.length));
    expect(sd(xs) ** 2 / shape).toBeGreaterThan(0.9);
    expect(sd(xs) ** 2 / shape).toBeLessThan(1.1);
  });

  it.each([
    [1, 1],
    [500, 501],
    [990, 11],
  ])('Beta(%d, %d) has mean a / (a + b) (within 4 standard errors)', (a, b) => {
    const rng = prng(5);
    const xs = Array.from({ length: 20_000 }, () => betaDraw(a, b, rng));
    expect(Math.abs(mean(xs) - a / (a + b))).toBeLessThan((4 * sd(xs)) / Math.sqrt(xs.length));
    expect(Math.min(...xs)).toBeGreaterThan(0);
    expect(Math.max(...xs)).toBeLessThan(1);
  });
});

describe('percentiles read from recorded buckets', () => {
  it.each([
    ['lognormal 2,000', lognormal(2000, 100, 0.3, 1)],
    ['lognormal 7', lognormal(7, 100, 0.3, 2)],
    ['one value', [42.5]],
    ['ties and a zero', [0, 1, 1, 1, 5, 5, 900]],
  ])('%s: equal to latencyStats', (_, values) => {
    const h = newHistogram();
    for (const v of values) recordMs(h, v);
    const st = latencyStats(h);
    const b = recordedBuckets(h);
    for (const [p, key] of [
      [50, 'p50'],
      [90, 'p90'],
      [99, 'p99'],
      [99.9, 'p999'],
    ] as const)
      expect(percentileUs(b, p)! / 1000, key).toBeCloseTo(st[key]!, 3);
  });

  it('an empty histogram has no percentile (null, not 0)', () => {
    expect(percentileUs(bucketsOf([]), 50)).toBeNull();
  });

  it.each([
    [50, 1000, 500],
    [99, 1000, 990],
    [99.9, 1000, 999],
    [50, 1, 1],
    [50, 3, 2],
    [0, 10, 1],
  ])('rank of p%d among %d values is %d', (p, n, rank) => {
    expect(percentileRank(p, n)).toBe(rank);
  });
});

describe('bootstrapPercentile', () => {
  // The naive bootstrap: draw n values one by one from the recorded distribution, take the percentile.
  function naive(b: RecordedBuckets, p: number, n: number, resamples: number, seed: number): number[] {
    const rng = prng(seed);
    const k = percentileRank(p, n);
    const out: number[] = [];
    for (let r = 0; r < resamples; r++) {
      const draw = Array.from({ length: n }, () => {
        const x = rng.next() * b.count;
        let i = 0;
        while (b.cumulative[i]! <= x) i++;
        return b.valuesUs[i]!;
      }).sort((a, c) => a - c);
      out.push(draw[k - 1]!);
    }
    return out;
  }

  it.each([50, 90, 99])('p%d: distributed as the percentile of a full resample (mean and spread within a few %)', (p) => {
    const b = bucketsOf(lognormal(400, 100, 0.4, 3));
    const fast = bootstrapPercentile(b, p, b.count, 4000, prng(1));
    const slow = naive(b, p, b.count, 1000, 2);
    expect(mean(fast) / mean(slow)).toBeGreaterThan(0.98);
    expect(mean(fast) / mean(slow)).toBeLessThan(1.02);
    expect(sd(fast) / sd(slow)).toBeGreaterThan(0.85);
    expect(sd(fast) / sd(slow)).toBeLessThan(1.15);
  });

  it('is reproducible: the same seed gives the same replicates, another seed others', () => {
    const b = bucketsOf(lognormal(2000, 100, 0.3, 4));
    expect(bootstrapPercentile(b, 50, 2000, 500, prng(9))).toEqual(bootstrapPercentile(b, 50, 2000, 500, prng(9)));
    expect(bootstrapPercentile(b, 50, 2000, 500, prng(9))).not.toEqual(bootstrapPercentile(b, 50, 2000, 500, prng(10)));
  });

  it('every replicate is a recorded value, and fewer resampled values spread wider', () => {
    const b = bucketsOf(lognormal(2000, 100, 0.3, 5));
    const recorded = new Set(b.valuesUs);
    const wide = bootstrapPercentile(b, 50, 100, 2000, prng(1));
    const narrow = bootstrapPercentile(b, 50, 2000, 2000, prng(1));
    for (const v of wide) expect(recorded.has(v)).toBe(true);
    expect(sd(wide)).toBeGreaterThan(2 * sd(narrow));
  });

  it('intervalOf takes the equal tails of the replicates', () => {
    const xs = Float64Array.from({ length: 1000 }, (_, i) => 1000 - i);
    expect(intervalOf(xs, 0.95)).toEqual([26, 975]);
    expect(intervalOf(xs, 0.99)).toEqual([6, 995]);
  });
});

describe('closed-form intervals', () => {
  it.each([
    [0.975, 1.959964],
    [0.995, 2.575829],
    [0.5, 0],
    [0.01, -2.326348],
  ])('normalQuantile(%d) = %d', (p, z) => {
    expect(normalQuantile(p)).toBeCloseTo(z, 5);
  });

  it('twoSidedZ(0.95) is 1.96', () => {
    expect(twoSidedZ(0.95)).toBeCloseTo(1.96, 2);
  });

  // Newcombe (1998), table II: 81/263 → Wilson 0.2553 to 0.3662; 0/10 → 0 to 0.2775.
  it.each([
    [81, 263, 0.2553, 0.3662],
    [0, 10, 0, 0.2775],
  ])('Wilson interval of %d/%d is [%d, %d]', (x, n, lo, hi) => {
    const [l, h] = wilsonInterval(x, n, 1.959964);
    expect(l).toBeCloseTo(lo, 4);
    expect(h).toBeCloseTo(hi, 4);
  });

  // Newcombe (1998), table II, method 10: 56/70 − 48/80 = 0.2000, 95 % interval 0.0524 to 0.3339.
  it('Newcombe interval of 56/70 − 48/80 is [0.0524, 0.3339]', () => {
    const [lo, hi] = proportionDiffInterval(48, 80, 56, 70, 1.959964);
    expect(lo).toBeCloseTo(0.0524, 4);
    expect(hi).toBeCloseTo(0.3339, 4);
  });

  it('0 errors against 3 in 1,000 requests is not called different; 0 against 30 is', () => {
    const z = twoSidedZ(0.99);
    expect(proportionDiffInterval(0, 1000, 3, 1000, z)[0]).toBeLessThan(0);
    expect(proportionDiffInterval(0, 1000, 30, 1000, z)[0]).toBeGreaterThan(0);
  });

  it('the rate ratio interval narrows with more requests and holds the ratio', () => {
    const [lo1, hi1] = rateRatioInterval(100, 100, 90, 90, 1.96);
    const [lo2, hi2] = rateRatioInterval(100, 10_000, 90, 9000, 1.96);
    expect(lo1).toBeLessThan(0.9);
    expect(hi1).toBeGreaterThan(1); // 100 requests cannot tell 10 % apart
    expect(lo2).toBeGreaterThan(0.87);
    expect(hi2).toBeLessThan(0.93);
  });
});

describe('judge: interval and effect → verdict', () => {
  it.each<[string, number, [number, number], boolean, 'lower' | 'higher', string]>([
    ['slower beyond noise, large enough', 5, [3, 7], true, 'lower', 'regression'],
    ['faster beyond noise, large enough', -5, [-7, -3], true, 'lower', 'improvement'],
    ['interval holds 0', 5, [-1, 11], true, 'lower', 'within noise'],
    ['beyond noise but too small to matter', 0.5, [0.2, 0.8], false, 'lower', 'within noise'],
    ['throughput down: worse', -5, [-7, -3], true, 'higher', 'regression'],
    ['throughput up: better', 5, [3, 7], true, 'higher', 'improvement'],
    ['point estimate outside a degenerate interval', 0, [0, 0], true, 'lower', 'within noise'],
  ])('%s', (_, delta, ci, practical, better, verdict) => {
    expect(judge(delta, ci, practical, better)).toBe(verdict);
  });
});
