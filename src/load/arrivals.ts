import type { Prng } from '../random/prng.js';

/** RateStage is one segment of an arrival-rate profile: the rate moves linearly to `targetPerSec` over `durationMs`. */
export interface RateStage {
  durationMs: number;
  targetPerSec: number;
}

/**
 * Pacer yields the scheduled arrival times (ms from the start of the open-loop phase), in
 * non-decreasing order, then null. Pure: no clock, no timers — the open-loop driver decides how
 * to wait, and tests can check a schedule without sending anything.
 */
export interface Pacer {
  next(): number | null;
}

/**
 * ratePacer schedules arrivals for a piecewise-linear rate profile that starts at `startPerSec`
 * and follows `stages` (k6's ramping-arrival-rate semantics; a constant rate is one flat stage).
 *
 * Arrival k happens when the expected arrival count N(t) = ∫ rate reaches a target c_k:
 * - constant spacing: c_k = k (k = 0, 1, 2, …), so the first arrival is at t = 0 and the gaps are
 *   exactly 1/rate at a fixed rate;
 * - poisson: c_k = E_1 + … + E_k with E_i ~ Exp(1) — a (non-homogeneous) Poisson process by time
 *   change, so inter-arrival times at a fixed rate are exponential with mean 1/rate.
 */
export function ratePacer(
  startPerSec: number,
  stages: readonly RateStage[],
  opts: { poisson: false } | { poisson: true; rng: Prng },
): Pacer {
  // Each stage in per-ms units: rate a → b over d ms, N grows by (a + b) / 2 · d.
  const segs = stages.map((s, i) => ({
    a: (i === 0 ? startPerSec : stages[i - 1]!.targetPerSec) / 1000,
    b: s.targetPerSec / 1000,
    d: s.durationMs,
  }));
  let seg = 0;
  let segStartMs = 0;
  let segStartCount = 0; // N at the start of the current segment
  let k = 0;
  let target = 0;
  return {
    next() {
      if (opts.poisson) target += -Math.log(1 - opts.rng.next());
      else target = k;
      k++;
      while (seg < segs.length) {
        const { a, b, d } = segs[seg]!;
        const area = ((a + b) / 2) * d;
        const m = target - segStartCount;
        // Arrivals within 1 µs of a stage end fall to the next stage: float error, not a real arrival.
        if (m <= area + 1e-9 && (a > 0 || b > 0)) {
          const tau = solveLinearRamp(a, b, d, m);
          if (tau !== null && tau < d - 1e-3) return segStartMs + tau;
        }
        segStartMs += d;
        segStartCount += area;
        seg++;
      }
      return null;
    },
  };
}

/** solveLinearRamp finds τ in [0, d] with a·τ + (b − a)·τ² / (2d) = m (rates in per-ms). */
function solveLinearRamp(a: number, b: number, d: number, m: number): number | null {
  if (m <= 0) return 0;
  const slope = (b - a) / d;
  if (Math.abs(slope) < 1e-15) return a > 0 ? m / a : null;
  // slope/2 · τ² + a·τ − m = 0 → τ = (−a + √(a² + 2·slope·m)) / slope
  const disc = a * a + 2 * slope * m;
  if (disc < 0) return null;
  return (-a + Math.sqrt(disc)) / slope;
}

/** constantRate is a fixed rate for a duration. */
export function constantRate(perSec: number, durationMs: number): RateStage[] {
  return [{ durationMs, targetPerSec: perSec }];
}

/** offsetsPacer replays given arrival offsets (a trace), multiplied by `timeScale` (0.5 = twice as fast). */
export function offsetsPacer(offsetsMs: Iterable<number>, timeScale = 1): Pacer {
  const it = offsetsMs[Symbol.iterator]();
  return {
    next() {
      const r = it.next();
      return r.done ? null : r.value * timeScale;
    },
  };
}

/**
 * dealt keeps a share's arrivals of a schedule: arrivals index, index + count, index + 2·count…
 * of the whole load's, at the whole load's times. (Computing the arrivals it skips costs a few
 * hundred nanoseconds each: nothing beside a request.)
 */
export function dealt(whole: Pacer, share: { index: number; count: number }): Pacer {
  let k = 0;
  return {
    next() {
      for (;;) {
        const t = whole.next();
        if (t === null) return null;
        if (k++ % share.count === share.index) return t;
      }
    },
  };
}
