/**
 * Closed-form confidence intervals for the two figures of a group that are counts, not
 * histograms: the error rate (a proportion) and the request rate (a count over a window).
 */

/** Interval is [low, high] of a difference or ratio at some confidence level. */
export type Interval = [number, number];

/**
 * normalQuantile is Φ⁻¹(p), the standard normal quantile (Acklam's rational approximation,
 * relative error < 1.2e-9), e.g. 1.96 for p = 0.975.
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile needs 0 < p < 1, got ${p}`);
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1)
    );
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

/** twoSidedZ is the normal quantile of a two-sided interval at `confidence` (0–1): 1.96 at 0.95. */
export function twoSidedZ(confidence: number): number {
  return normalQuantile(1 - (1 - confidence) / 2);
}

/** wilsonInterval is the Wilson score interval of a proportion x/n (n > 0). */
export function wilsonInterval(x: number, n: number, z: number): Interval {
  const p = x / n;
  const z2n = (z * z) / n;
  const centre = (p + z2n / 2) / (1 + z2n);
  const half = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/**
 * proportionDiffInterval is Newcombe's hybrid score interval (his method 10, Statistics in
 * Medicine 1998) for p₂ − p₁ = x₂/n₂ − x₁/n₁, built from each side's Wilson interval. Unlike the
 * textbook normal interval it stays honest at 0 errors and at small counts: 0 of 1,000 against
 * 3 of 1,000 is not called different.
 */
export function proportionDiffInterval(x1: number, n1: number, x2: number, n2: number, z: number): Interval {
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const [l1, u1] = wilsonInterval(x1, n1, z);
  const [l2, u2] = wilsonInterval(x2, n2, z);
  const d = p2 - p1;
  return [d - Math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2), d + Math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)];
}

/**
 * rateRatioInterval is the interval of rate₂ / rate₁ when each rate is a count of events over a
 * window: the counts are taken as Poisson, so log(ratio) has variance 1/N₁ + 1/N₂. A closed loop's
 * completions vary less than Poisson arrivals (each user waits for its last answer), so this is
 * wide rather than narrow: throughput is called different only when it clearly is.
 */
export function rateRatioInterval(rate1: number, n1: number, rate2: number, n2: number, z: number): Interval {
  const ratio = rate2 / rate1;
  const se = Math.sqrt(1 / n1 + 1 / n2);
  return [ratio * Math.exp(-z * se), ratio * Math.exp(z * se)];
}
