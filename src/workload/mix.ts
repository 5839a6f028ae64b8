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
