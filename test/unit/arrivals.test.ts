import { describe, expect, it } from 'vitest';
import { constantRate, offsetsPacer, ratePacer, type Pacer, type RateStage } from '../../src/load/arrivals.js';
import { usersAt, type ConcurrencyStage } from '../../src/load/closed-loop.js';
import { prng } from '../../src/random/prng.js';

// Arrival schedules are pure: a pacer yields offsets in ms, then null. Every test reads a whole
// schedule (bounded by `drain`'s cap) and checks it against the rate profile's integral.

/** drain reads a pacer to its end; a pacer that never ends fails the test instead of hanging it. */
function drain(p: Pacer, cap = 100_000): number[] {
  const out: number[] = [];
  for (let t = p.next(); t !== null; t = p.next()) {
    out.push(t);
    if (out.length > cap) throw new Error(`pacer yielded more than ${cap} arrivals`);
  }
  return out;
}

const constant = { poisson: false } as const;
const poisson = (seed: number) => ({ poisson: true as const, rng: prng(seed) });

/** rampArea is the expected arrival count ∫ rate dt of a piecewise-linear profile. */
function rampArea(startPerSec: number, stages: readonly RateStage[]): number {
  let from = startPerSec;
  let n = 0;
  for (const s of stages) {
    n += ((from + s.targetPerSec) / 2) * (s.durationMs / 1000);
    from = s.targetPerSec;
  }
  return n;
}

const gaps = (ts: readonly number[]) => ts.slice(1).map((t, i) => t - ts[i]!);
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const variance = (xs: readonly number[]) => {
  const m = mean(xs);
  return xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1);
};

describe('ratePacer: constant spacing at a fixed rate', () => {
  it.each([
    [1, 5_000],
    [10, 1_000],
    [100, 10_000],
    [250, 2_000],
    [1_000, 3_000],
  ])('%d/s for %dms → rate × duration arrivals, first at 0, exactly 1/rate apart', (perSec, durationMs) => {
    const ts = drain(ratePacer(perSec, constantRate(perSec, durationMs), constant));
    expect(ts).toHaveLength((perSec * durationMs) / 1000);
    expect(ts[0]).toBe(0);
    for (const [k, t] of ts.entries()) expect(t).toBeCloseTo((k * 1000) / perSec, 6);
    for (const g of gaps(ts)) expect(g).toBeCloseTo(1000 / perSec, 6);
    expect(ts.at(-1)!).toBeLessThan(durationMs);
  });

  it('with no end (requests-bound run) keeps yielding at the same spacing', () => {
    const p = ratePacer(50, constantRate(50, Infinity), constant);
    const ts = Array.from({ length: 10_000 }, () => p.next());
    expect(ts.every((t) => t !== null)).toBe(true);
    expect(ts.at(-1)).toBeCloseTo(9_999 * 20, 3);
  });

  it('constantRate is one flat stage', () => {
    expect(constantRate(20, 5_000)).toEqual([{ durationMs: 5_000, targetPerSec: 20 }]);
  });
});

describe('ratePacer: ramps (piecewise-linear rate)', () => {
  it.each<{ name: string; start: number; stages: RateStage[]; expected: number }>([
    { name: '0→100/s over 10s', start: 0, stages: [{ durationMs: 10_000, targetPerSec: 100 }], expected: 500 },
    { name: '100→0/s over 10s', start: 100, stages: [{ durationMs: 10_000, targetPerSec: 0 }], expected: 500 },
    {
      name: '0→40/s over 2s, then 40/s for 1s',
      start: 0,
      stages: [
        { durationMs: 2_000, targetPerSec: 40 },
        { durationMs: 1_000, targetPerSec: 40 },
      ],
      expected: 80,
    },
    {
      name: 'up, hold, down',
      start: 2,
      stages: [
        { durationMs: 10_000, targetPerSec: 30 },
        { durationMs: 5_000, targetPerSec: 30 },
        { durationMs: 5_000, targetPerSec: 5 },
      ],
      expected: 160 + 150 + 87.5,
    },
    { name: 'flat 0/s for 5s', start: 0, stages: [{ durationMs: 5_000, targetPerSec: 0 }], expected: 0 },
    {
      name: '10→0/s, 0/s for 1s, 0→10/s',
      start: 10,
      stages: [
        { durationMs: 1_000, targetPerSec: 0 },
        { durationMs: 1_000, targetPerSec: 0 },
        { durationMs: 1_000, targetPerSec: 10 },
      ],
      expected: 10,
    },
    {
      name: 'a jump (0s stage) to 50/s, held 2s',
      start: 0,
      stages: [
        { durationMs: 0, targetPerSec: 50 },
        { durationMs: 2_000, targetPerSec: 50 },
      ],
      expected: 100,
    },
    { name: 'fractional rate 0.5→1.5/s over 20s', start: 0.5, stages: [{ durationMs: 20_000, targetPerSec: 1.5 }], expected: 20 },
  ])('$name: count = ∫ rate (±1), times non-decreasing and within the schedule', ({ start, stages, expected }) => {
    expect(rampArea(start, stages)).toBeCloseTo(expected, 9);
    const ts = drain(ratePacer(start, stages, constant));
    expect(Math.abs(ts.length - expected)).toBeLessThanOrEqual(1);
    const endMs = stages.reduce((t, s) => t + s.durationMs, 0);
    for (const [i, t] of ts.entries()) {
      expect(t).toBeGreaterThanOrEqual(i === 0 ? 0 : ts[i - 1]!);
      expect(t).toBeLessThan(endMs);
    }
  });

  it('each stage gets its own share: arrivals by stage match each stage’s integral (±1)', () => {
    const stages: RateStage[] = [
      { durationMs: 4_000, targetPerSec: 50 },
      { durationMs: 2_000, targetPerSec: 50 },
      { durationMs: 4_000, targetPerSec: 10 },
    ];
    const ts = drain(ratePacer(0, stages, constant));
    let at = 0;
    let from = 0;
    for (const s of stages) {
      const inStage = ts.filter((t) => t >= at && t < at + s.durationMs).length;
      expect(Math.abs(inStage - rampArea(from, [s]))).toBeLessThanOrEqual(1);
      at += s.durationMs;
      from = s.targetPerSec;
    }
  });

  it('a ramp from 0 thickens: the first second of 0→100/s over 10s holds ≈5 arrivals, the last ≈95', () => {
    const ts = drain(ratePacer(0, [{ durationMs: 10_000, targetPerSec: 100 }], constant));
    const first = ts.filter((t) => t < 1_000).length;
    const last = ts.filter((t) => t >= 9_000).length;
    expect(Math.abs(first - 5)).toBeLessThanOrEqual(1);
    expect(Math.abs(last - 95)).toBeLessThanOrEqual(1);
  });

  it('a flat 0/s stage in the middle of a schedule yields nothing inside it', () => {
    const ts = drain(
      ratePacer(
        20,
        [
          { durationMs: 1_000, targetPerSec: 20 },
          { durationMs: 0, targetPerSec: 0 },
          { durationMs: 2_000, targetPerSec: 0 },
          { durationMs: 0, targetPerSec: 20 },
          { durationMs: 1_000, targetPerSec: 20 },
        ],
        constant,
      ),
    );
    expect(ts.filter((t) => t >= 1_000 && t < 3_000)).toEqual([]);
    expect(Math.abs(ts.length - 40)).toBeLessThanOrEqual(1);
  });
});

describe('ratePacer: seeded Poisson arrivals', () => {
  const RATE = 100; // per second: mean gap 10 ms
  const DURATION_MS = 250_000; // ≈ 25 000 arrivals
  const ts = drain(ratePacer(RATE, constantRate(RATE, DURATION_MS), poisson(42)));

  it(`holds ≥ 20 000 arrivals, ≈ rate × duration (${(RATE * DURATION_MS) / 1000})`, () => {
    const expected = (RATE * DURATION_MS) / 1000;
    expect(ts.length).toBeGreaterThanOrEqual(20_000);
    // Poisson count: σ = √25 000 ≈ 158; 4σ.
    expect(Math.abs(ts.length - expected)).toBeLessThan(4 * Math.sqrt(expected));
  });

  it('mean inter-arrival ≈ 1/rate and variance ≈ 1/rate² (exponential gaps)', () => {
    const g = gaps(ts);
    const m = mean(g);
    const v = variance(g);
    expect(Math.abs(m - 1000 / RATE) / (1000 / RATE)).toBeLessThan(0.02);
    expect(Math.abs(v - (1000 / RATE) ** 2) / (1000 / RATE) ** 2).toBeLessThan(0.05);
    // Memoryless: P(gap > mean) = e⁻¹ ≈ 0.368.
    const overMean = g.filter((x) => x > 1000 / RATE).length / g.length;
    expect(Math.abs(overMean - Math.exp(-1))).toBeLessThan(0.015);
    for (const x of g) expect(x).toBeGreaterThanOrEqual(0);
  });

  it('the same seed gives the same schedule; another seed a different one', () => {
    const again = drain(ratePacer(RATE, constantRate(RATE, 10_000), poisson(42)));
    expect(again).toEqual(ts.filter((t) => t < 10_000));
    const other = drain(ratePacer(RATE, constantRate(RATE, 10_000), poisson(43)));
    expect(other).not.toEqual(again);
    expect(other.slice(0, 10)).not.toEqual(again.slice(0, 10));
  });

  it('over a ramp 0→100/s for 100s: count ≈ 5000 (Poisson, 4σ) and denser at the end', () => {
    const ramp = drain(ratePacer(0, [{ durationMs: 100_000, targetPerSec: 100 }], poisson(7)));
    expect(Math.abs(ramp.length - 5_000)).toBeLessThan(4 * Math.sqrt(5_000));
    const firstHalf = ramp.filter((t) => t < 50_000).length;
    // ∫ over the first half = 1250, the second = 3750.
    expect(Math.abs(firstHalf - 1_250)).toBeLessThan(4 * Math.sqrt(1_250));
    for (const [i, t] of ramp.entries()) if (i > 0) expect(t).toBeGreaterThanOrEqual(ramp[i - 1]!);
    expect(ramp.at(-1)!).toBeLessThan(100_000);
  });
});

describe('offsetsPacer: trace offsets × timeScale', () => {
  const offsets = [0, 100, 250, 250, 1_000];
  it.each([
    [1, [0, 100, 250, 250, 1_000]],
    [0.5, [0, 50, 125, 125, 500]],
    [2, [0, 200, 500, 500, 2_000]],
  ])('timeScale %s → %j, then null', (scale, expected) => {
    const p = offsetsPacer(offsets, scale);
    expect(drain(p)).toEqual(expected);
    expect(p.next()).toBeNull();
  });

  it('defaults to timeScale 1 and takes any iterable', () => {
    expect(drain(offsetsPacer(new Set([5, 10])))).toEqual([5, 10]);
    expect(drain(offsetsPacer([]))).toEqual([]);
  });
});

describe('usersAt: the closed-loop ramp’s user count', () => {
  const up: ConcurrencyStage[] = [
    { durationMs: 1_500, concurrency: 8 },
    { durationMs: 1_000, concurrency: 8 },
  ];
  const upHoldDown: ConcurrencyStage[] = [
    { durationMs: 1_000, concurrency: 4 },
    { durationMs: 1_000, concurrency: 4 },
    { durationMs: 1_000, concurrency: 0 },
  ];
  it.each<{ name: string; start: number; stages: readonly ConcurrencyStage[]; t: number; expected: number }>([
    { name: '1→8: start', start: 1, stages: up, t: 0, expected: 1 },
    { name: '1→8: a quarter in (2.75)', start: 1, stages: up, t: 375, expected: 3 },
    { name: '1→8: halfway (4.5 rounds up)', start: 1, stages: up, t: 750, expected: 5 },
    { name: '1→8: end of ramp', start: 1, stages: up, t: 1_500, expected: 8 },
    { name: '1→8: holding', start: 1, stages: up, t: 2_000, expected: 8 },
    { name: '1→8: after the last stage', start: 1, stages: up, t: 10_000, expected: 8 },
    { name: '0→4→4→0: start', start: 0, stages: upHoldDown, t: 0, expected: 0 },
    { name: '0→4→4→0: quarter', start: 0, stages: upHoldDown, t: 250, expected: 1 },
    { name: '0→4→4→0: hold', start: 0, stages: upHoldDown, t: 1_500, expected: 4 },
    { name: '0→4→4→0: ramping down', start: 0, stages: upHoldDown, t: 2_500, expected: 2 },
    { name: '0→4→4→0: end', start: 0, stages: upHoldDown, t: 3_000, expected: 0 },
    { name: '10→0 over 1s: midway', start: 10, stages: [{ durationMs: 1_000, concurrency: 0 }], t: 500, expected: 5 },
    { name: 'no stages: the start count', start: 6, stages: [], t: 1_234, expected: 6 },
  ])('$name: at $t ms → $expected users', ({ start, stages, t, expected }) => {
    expect(usersAt(start, stages, t)).toBe(expected);
  });
});
