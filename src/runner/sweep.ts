import type { Load, Sweep } from '../scenario/schema.js';

/** sweepValues expands a sweep's levels: a list as written, or from → to by a factor or a step. */
export function sweepValues(sweep: Sweep): number[] {
  const v = sweep.values;
  let out: number[];
  if (Array.isArray(v)) out = [...v];
  else {
    out = [];
    const max = 10_000; // a typo such as factor 1.0001 must not hang the planner
    for (let x = v.from; x <= v.to + 1e-9 && out.length < max; x = v.factor ? x * v.factor : x + v.step!) out.push(round(x));
  }
  return sweep.over === 'concurrency' ? [...new Set(out.map((x) => Math.max(1, Math.round(x))))] : out;
}

/** DEFAULT_STEP_MS is a sweep level's measured time when neither the sweep nor the load gives one. */
export const DEFAULT_STEP_MS = 10_000;

/**
 * loadForStep is the load block one sweep level runs: the swept quantity fixed at `value`, for the
 * step duration, keeping the rest (warmup, arrivals, maxInFlight, overflow).
 */
export function loadForStep(load: Load, sweep: Sweep, value: number): Load {
  const duration = sweep.stepDuration ?? load.duration ?? DEFAULT_STEP_MS;
  const { stages: _stages, requests: _requests, trace: _trace, concurrency: _c, rate: _r, ...rest } = load;
  return sweep.over === 'rate' ? { ...rest, rate: value, duration } : { ...rest, concurrency: Math.round(value), duration };
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
