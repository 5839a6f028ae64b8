import type { Recorder } from '../metrics/recorder.js';
import { summarizeGroup } from '../metrics/group-summary.js';
import type { Threshold } from '../scenario/threshold.js';
import { evaluateThresholds, type ThresholdResult } from './thresholds.js';

/** SweepStep is one level of a capacity sweep, judged per target against the SLO. */
export interface SweepStep {
  label: string;
  value: number;
  targets: {
    target: string;
    pass: boolean;
    checks: ThresholdResult[];
    /** Null when the target had no measured request at the level ("no data", never 0). */
    requestsPerSec: number | null;
    ttftP99Ms: number | null;
    errorRate: number | null;
    /** The share of the level's requests that met the goodput bounds; null without bounds or requests. */
    goodput: number | null;
    /** Arrivals never sent during the level, for any reason (requests.droppedBy has them by reason). */
    dropped: number;
  }[];
}

/** SweepSummary is a sweep's result: every level's verdicts and each target's knee. */
export interface SweepSummary {
  over: 'rate' | 'concurrency';
  slo: string[];
  /** A search's bounds and the goodput it looks for (absent for a sweep through given levels). */
  search?: { from: number; to: number; goodput: number };
  steps: SweepStep[];
  /** Per target, the highest level at which it met the SLO, with every lower level also passing (null: not even the first). */
  knee: { target: string; value: number | null; label: string | null }[];
}

/** evaluateSweepStep judges one level's groups against the SLO. */
export function evaluateSweepStep(
  recorder: Recorder,
  targets: readonly string[],
  step: string,
  value: number,
  slo: readonly Threshold[],
): SweepStep {
  return {
    label: step,
    value,
    targets: targets.map((target) => {
      const acc = recorder.targetGroup(target, step);
      const g = acc ? summarizeGroup(acc, { timeseries: false }) : null;
      const checks = g ? evaluateThresholds(slo, g) : [];
      return {
        target,
        pass: g !== null && g.requests.total > 0 && checks.every((c) => c.pass),
        checks,
        requestsPerSec: g?.throughput.requestsPerSec ?? null,
        ttftP99Ms: g?.metrics.ttft.p99 ?? null,
        errorRate: g?.requests.errorRate ?? null,
        goodput: g?.goodput?.ratio ?? null,
        dropped: g?.requests.dropped ?? 0,
      };
    }),
  };
}

/** kneeOf finds, per target, the last level of the unbroken run of passing levels from the start. */
export function kneeOf(steps: readonly SweepStep[], targets: readonly string[]): SweepSummary['knee'] {
  return targets.map((target) => {
    let knee: SweepStep | null = null;
    for (const st of steps) {
      if (!st.targets.find((t) => t.target === target)?.pass) break;
      knee = st;
    }
    return { target, value: knee?.value ?? null, label: knee?.label ?? null };
  });
}
