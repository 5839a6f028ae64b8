import type { Prng } from '../random/prng.js';

/**
 * weightedPicker returns a function that picks an index by weight from one uniform draw.
 * Cumulative weights and a binary search: O(log n) a pick, exact proportions in expectation.
 */
export function weightedPicker(weights: readonly number[]): (rng: Prng) => number {
  const cum: number[] = [];
  let total = 0;
  for (const w of weights) cum.push((total += w));
  return (rng) => {
    const x = rng.next() * total;
    let lo = 0;
    let hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (x < cum[mid]!) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
}

/** totalWeight adds the weights of a mix (workloads, or routing shares): relative weights, they need not sum to 100. */
export function totalWeight(xs: readonly { weight: number }[]): number {
  return xs.reduce((n, x) => n + x.weight, 0);
}

/** weightedMean is the mean of f over a mix, each item counted by its weight: what the mix's average request asks. */
export function weightedMean<T extends { weight: number }>(xs: readonly T[], f: (x: T) => number): number {
  return xs.reduce((n, x) => n + f(x) * x.weight, 0) / totalWeight(xs);
}
