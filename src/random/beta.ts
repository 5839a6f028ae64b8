import { standardNormal } from './distribution.js';
import type { Prng } from './prng.js';

/**
 * gammaDraw draws from Gamma(shape, 1) by Marsaglia and Tsang's method ("A simple method for
 * generating gamma variables", ACM TOMS 2000): one normal and one uniform per try, accepted ~98 %
 * of the time whatever the shape, so a draw costs the same at shape 2 as at shape 200,000.
 * Shapes below 1 use the boost Gamma(a) = Gamma(a + 1) · U^(1/a).
 */
export function gammaDraw(shape: number, rng: Prng): number {
  if (!(shape > 0)) throw new RangeError(`gamma shape must be > 0, got ${shape}`);
  if (shape < 1) return gammaDraw(shape + 1, rng) * (1 - rng.next()) ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = standardNormal(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - rng.next(); // (0, 1]: log(0) would be -Infinity
    if (u < 1 - 0.0331 * x * x * x * x) return d * v;
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** betaDraw draws from Beta(a, b) as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b). */
export function betaDraw(a: number, b: number, rng: Prng): number {
  const x = gammaDraw(a, rng);
  return x / (x + gammaDraw(b, rng));
}
