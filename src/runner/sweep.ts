import type { LoopStopReason } from '../load/arrival.js';
import type { Recorder } from '../metrics/recorder.js';
import { evaluateSweepStep, kneeOf, type SweepSummary } from '../analysis/sweep-verdict.js';
import type { Load, Scenario, Sweep } from '../scenario/schema.js';
import { parseThresholds } from '../scenario/threshold.js';
import { roundTo } from '../scenario/decimals.js';
import { nextSharedLevel, observe, type SearchState } from './sweep-search.js';

/** sweepValues expands a sweep's levels: a list as written, or from → to by a factor or a step; a search's first level. */
export function sweepValues(sweep: Sweep): number[] {
  if ('search' in sweep) return [sweep.search.from];
  const v = sweep.values;
  let out: number[];
  if (Array.isArray(v)) out = [...v];
  else {
    out = [];
    const max = 10_000; // a typo such as factor 1.0001 must not hang the planner
    for (let x = v.from; x <= v.to + 1e-9 && out.length < max; x = v.factor ? x * v.factor : x + v.step!) out.push(roundTo(x, 6));
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

/** Pass runs the traffic once at one load level, labelled `step`, and says why its loops stopped. */
export type Pass = (load: Load, step: string, sweepValue: number | null) => Promise<LoopStopReason[]>;

/**
 * runSweep steps the load through the sweep's levels, one pass per level, judging each level's
 * target groups against the sweep's SLO as it ends; with `stopAfterKnee` it stops once every
 * target has failed (higher levels would only fail harder). It returns every level's verdict and
 * each target's knee.
 */
export async function runSweep(
  s: Scenario,
  sweep: Sweep,
  pass: Pass,
  recorder: Recorder,
  stop: AbortSignal,
  onStep?: (step: string) => void,
): Promise<{ reasons: LoopStopReason[]; summary: SweepSummary }> {
  if ('search' in sweep) return runSearch(s, sweep, pass, recorder, stop, onStep);
  const slo = parseThresholds(sweep.slo);
  const targets = s.targets.map((t) => t.name);
  const summary: SweepSummary = { over: sweep.over, slo: sweep.slo, steps: [], knee: [] };
  const reasons: LoopStopReason[] = [];
  for (const value of sweepValues(sweep)) {
    if (stop.aborted) break;
    const step = `${sweep.over}=${value}`;
    onStep?.(step);
    reasons.push(...(await pass(loadForStep(s.load, sweep, value), step, value)));
    const verdict = evaluateSweepStep(recorder, targets, step, value, slo);
    summary.steps.push(verdict);
    if (sweep.stopAfterKnee && verdict.targets.every((t) => !t.pass)) break;
  }
  summary.knee = kneeOf(summary.steps, targets);
  return { reasons, summary };
}

type SearchSweep = Extract<Sweep, { search: unknown }>;

/**
 * runSearch finds, per target, the highest level whose SLO attainment (goodput ratio) is at least the sweep's: every
 * pass runs all targets at the level the unfinished searches want lowest (sweep-search.ts), each probed level is judged
 * and reported like a grid sweep's, and each target's knee is the highest level it met.
 */
async function runSearch(
  s: Scenario,
  sweep: SearchSweep,
  pass: Pass,
  recorder: Recorder,
  stop: AbortSignal,
  onStep?: (step: string) => void,
): Promise<{ reasons: LoopStopReason[]; summary: SweepSummary }> {
  const slo = parseThresholds(sweep.slo);
  const targets = s.targets.map((t) => t.name);
  const states: SearchState[] = targets.map(() => ({ pass: null, fail: null }));
  const summary: SweepSummary = { over: sweep.over, slo: sweep.slo, search: sweep.search, steps: [], knee: [] };
  const reasons: LoopStopReason[] = [];
  for (let level = nextSharedLevel(states, sweep.search); level !== null && !stop.aborted; level = nextSharedLevel(states, sweep.search)) {
    const step = `${sweep.over}=${level}`;
    onStep?.(step);
    reasons.push(...(await pass(loadForStep(s.load, sweep, level), step, level)));
    if (stop.aborted) break;
    const verdict = evaluateSweepStep(recorder, targets, step, level, slo);
    summary.steps.push(verdict);
    for (const [i, t] of verdict.targets.entries()) observe(states[i]!, level, t.pass);
  }
  summary.knee = targets.map((target, i) => {
    const value = states[i]!.pass;
    return { target, value, label: value === null ? null : `${sweep.over}=${value}` };
  });
  return { reasons, summary };
}
