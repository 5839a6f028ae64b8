import type { Prng } from './prng.js';

/**
 * Distribution describes a random quantity (a latency, a token count) in scenario files.
 * A bare number is a constant. Bounds (`min`/`max`) clamp draws, so a normal never goes negative.
 */
export type Distribution =
  | number
  | { dist: 'fixed'; value: number }
  | { dist: 'uniform'; min: number; max: number }
  | { dist: 'normal'; mean: number; stddev: number; min?: number; max?: number }
  | { dist: 'lognormal'; median: number; sigma: number; min?: number; max?: number }
  | { dist: 'exponential'; mean: number; min?: number; max?: number }
  | { dist: 'empirical'; values: number[] };

/** Sampler draws values from a Distribution with a given Prng. */
export type Sampler = () => number;

/** sampler compiles a Distribution into a function drawing from it. */
export function sampler(d: Distribution, rng: Prng): Sampler {
  if (typeof d === 'number') return () => d;
  switch (d.dist) {
    case 'fixed':
      return () => d.value;
    case 'uniform':
      return () => d.min + (d.max - d.min) * rng.next();
    case 'normal':
      return () => clamp(d.mean + d.stddev * standardNormal(rng), d.min ?? 0, d.max);
    case 'lognormal': {
      const mu = Math.log(d.median);
      return () => clamp(Math.exp(mu + d.sigma * standardNormal(rng)), d.min ?? 0, d.max);
    }
    case 'exponential':
      return () => clamp(-d.mean * Math.log(1 - rng.next()), d.min ?? 0, d.max);
    case 'empirical': {
      // Each observed value equally likely: a production histogram of prompt lengths, replayed.
      const v = d.values;
      return () => v[Math.floor(rng.next() * v.length)]!;
    }
  }
}

/** meanOf is the (unclamped) mean of a distribution, for estimates in `validate`. */
export function meanOf(d: Distribution): number {
  if (typeof d === 'number') return d;
  switch (d.dist) {
    case 'fixed':
      return d.value;
    case 'uniform':
      return (d.min + d.max) / 2;
    case 'normal':
      return d.mean;
    case 'lognormal':
      return d.median * Math.exp((d.sigma * d.sigma) / 2);
    case 'exponential':
      return d.mean;
    case 'empirical':
      return d.values.reduce((a, b) => a + b, 0) / d.values.length;
  }
}

/** describe renders a distribution for plans and reports, e.g. "normal(120±15, ≥60)". */
export function describe(d: Distribution, unit = ''): string {
  if (typeof d === 'number') return `${d}${unit}`;
  const bounds = (min?: number, max?: number) => (min !== undefined ? `, ≥${min}` : '') + (max !== undefined ? `, ≤${max}` : '');
  switch (d.dist) {
    case 'fixed':
      return `${d.value}${unit}`;
    case 'uniform':
      return `uniform(${d.min}..${d.max}${unit})`;
    case 'normal':
      return `normal(${d.mean}±${d.stddev}${unit}${bounds(d.min, d.max)})`;
    case 'lognormal':
      return `lognormal(median ${d.median}${unit}, σ ${d.sigma}${bounds(d.min, d.max)})`;
    case 'exponential':
      return `exponential(mean ${d.mean}${unit}${bounds(d.min, d.max)})`;
    case 'empirical':
      return `empirical(${d.values.length} values, mean ${+meanOf(d).toFixed(1)}${unit})`;
  }
}

/** standardNormal draws N(0,1) by Box–Muller (one value per call; simplicity over speed). */
export function standardNormal(rng: Prng): number {
  const u1 = 1 - rng.next(); // (0, 1]: log(0) would be -Infinity
  const u2 = rng.next();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

function clamp(x: number, min: number, max: number | undefined): number {
  if (x < min) return min;
  if (max !== undefined && x > max) return max;
  return x;
}
