import { describe as suite, expect, it } from 'vitest';
import { deriveSeed, prng } from '../../src/random/prng.js';
import { describe, meanOf, sampler, type Distribution } from '../../src/random/distribution.js';

const N = 50_000;

function draws(d: Distribution, seed = 7, n = N): number[] {
  const s = sampler(d, prng(seed));
  return Array.from({ length: n }, s);
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function variance(xs: number[]): number {
  const m = mean(xs);
  return xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function sequence(seed: number, n = 100): number[] {
  const r = prng(seed);
  return Array.from({ length: n }, () => r.next());
}

suite('prng', () => {
  it.each([0, 1, 42, 0xdeadbeef])('seed %i reproduces its sequence', (seed) => {
    expect(sequence(seed)).toEqual(sequence(seed));
  });

  it.each([
    [1, 2],
    [0, 1],
    [42, 43],
  ])('seeds %i and %i give different sequences', (a, b) => {
    const sa = sequence(a);
    const sb = sequence(b);
    expect(sa).not.toEqual(sb);
    // Not merely shifted: almost no value in common.
    expect(sa.filter((x) => sb.includes(x)).length).toBeLessThan(3);
  });

  it('draws floats in [0, 1)', () => {
    const xs = sequence(3, N);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(mean(xs)).toBeCloseTo(0.5, 2);
  });

  it('treats seeds as 32-bit unsigned', () => {
    expect(sequence(-1)).toEqual(sequence(0xffffffff));
  });

  it.each([
    [1, 'workload:chat', 1, 'workload:chat', true],
    [1, 'workload:chat', 2, 'workload:chat', false],
    [1, 'workload:chat', 1, 'workload:other', false],
    [1, 'mock:us-east', 1, 'mock:eu-west', false],
  ])('deriveSeed(%i, %j) vs (%i, %j): equal=%s', (s1, l1, s2, l2, equal) => {
    expect(deriveSeed(s1, l1) === deriveSeed(s2, l2)).toBe(equal);
  });
});

suite('sampler', () => {
  it.each<[string, Distribution, number]>([
    ['bare number', 42, 42],
    ['fixed', { dist: 'fixed', value: 7.5 }, 7.5],
  ])('%s is constant', (_, d, value) => {
    expect(new Set(draws(d, 1, 1000))).toEqual(new Set([value]));
  });

  it('uniform stays in [min, max) with mean at the middle', () => {
    const xs = draws({ dist: 'uniform', min: 100, max: 200 });
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(100);
    expect(Math.max(...xs)).toBeLessThan(200);
    expect(mean(xs)).toBeCloseTo(150, 0);
  });

  it('normal has the asked mean and variance', () => {
    const xs = draws({ dist: 'normal', mean: 120, stddev: 15 });
    expect(mean(xs)).toBeCloseTo(120, 0);
    expect(variance(xs) / 225).toBeCloseTo(1, 1);
  });

  it.each<[string, Distribution, number, number | undefined, number]>([
    // P(Z < -0.5) ≈ 0.3085 of draws land on the floor.
    ['explicit min', { dist: 'normal', mean: 10, stddev: 10, min: 5 }, 5, undefined, 0.3085],
    // Without min a normal is clamped at 0, so a latency is never negative: half the draws.
    ['implicit min 0', { dist: 'normal', mean: 0, stddev: 1 }, 0, undefined, 0.5],
    ['max', { dist: 'normal', mean: 10, stddev: 10, max: 15 }, 0, 15, 0.3085],
  ])('normal is clamped (%s)', (_, d, min, max, clampedShare) => {
    const xs = draws(d);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(min);
    if (max !== undefined) expect(Math.max(...xs)).toBeLessThanOrEqual(max);
    const bound = max ?? min;
    expect(xs.filter((x) => x === bound).length / xs.length).toBeCloseTo(clampedShare, 1);
  });

  it('lognormal has the asked median and the mean meanOf predicts', () => {
    const d: Distribution = { dist: 'lognormal', median: 200, sigma: 0.5 };
    const xs = draws(d);
    expect(median(xs) / 200).toBeCloseTo(1, 1);
    expect(mean(xs) / meanOf(d)).toBeCloseTo(1, 1);
    expect(Math.min(...xs)).toBeGreaterThan(0);
  });

  it('exponential has the asked mean', () => {
    const xs = draws({ dist: 'exponential', mean: 50 });
    expect(mean(xs) / 50).toBeCloseTo(1, 1);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
  });

  it.each<[Distribution, number, number]>([
    [{ dist: 'lognormal', median: 100, sigma: 1, min: 20, max: 300 }, 20, 300],
    [{ dist: 'exponential', mean: 100, min: 10, max: 150 }, 10, 150],
  ])('%j is clamped to [%d, %d]', (d, min, max) => {
    const xs = draws(d);
    expect(Math.min(...xs)).toBe(min);
    expect(Math.max(...xs)).toBe(max);
  });

  it('same seed, same draws', () => {
    const d: Distribution = { dist: 'normal', mean: 10, stddev: 3 };
    expect(draws(d, 5, 100)).toEqual(draws(d, 5, 100));
    expect(draws(d, 5, 100)).not.toEqual(draws(d, 6, 100));
  });
});

suite('meanOf', () => {
  it.each<[Distribution, number]>([
    [42, 42],
    [{ dist: 'fixed', value: 3 }, 3],
    [{ dist: 'uniform', min: 100, max: 200 }, 150],
    [{ dist: 'normal', mean: 120, stddev: 15, min: 60 }, 120],
    [{ dist: 'lognormal', median: 100, sigma: 0 }, 100],
    [{ dist: 'lognormal', median: 100, sigma: 1 }, 100 * Math.exp(0.5)],
    [{ dist: 'exponential', mean: 80 }, 80],
  ])('%j → %d', (d, expected) => {
    expect(meanOf(d)).toBeCloseTo(expected, 9);
  });
});

suite('describe', () => {
  it.each<[Distribution, string, string]>([
    [42, '', '42'],
    [42, 'ms', '42ms'],
    [{ dist: 'fixed', value: 3 }, 'ms', '3ms'],
    [{ dist: 'uniform', min: 150, max: 250 }, '', 'uniform(150..250)'],
    [{ dist: 'normal', mean: 120, stddev: 15 }, 'ms', 'normal(120±15ms)'],
    [{ dist: 'normal', mean: 120, stddev: 15, min: 60 }, 'ms', 'normal(120±15ms, ≥60)'],
    [{ dist: 'normal', mean: 120, stddev: 15, min: 60, max: 200 }, 'ms', 'normal(120±15ms, ≥60, ≤200)'],
    [{ dist: 'lognormal', median: 180, sigma: 0.25 }, 'ms', 'lognormal(median 180ms, σ 0.25)'],
    [{ dist: 'lognormal', median: 180, sigma: 0.25, max: 1000 }, 'ms', 'lognormal(median 180ms, σ 0.25, ≤1000)'],
    [{ dist: 'exponential', mean: 50 }, 'ms', 'exponential(mean 50ms)'],
    [{ dist: 'exponential', mean: 50, min: 0 }, '', 'exponential(mean 50, ≥0)'],
  ])('%j with unit %j → %s', (d, unit, expected) => {
    expect(describe(d, unit)).toBe(expected);
  });
});
