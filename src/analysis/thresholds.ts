import type { Threshold } from '../scenario/threshold.js';
import type { GroupSummary } from '../metrics/group-summary.js';
import type { LatencyStats } from '../metrics/histogram.js';

/** JudgedGroup is a group with what its traffic cost, when the run was priced (the amounts a threshold may bound). */
export type JudgedGroup = GroupSummary & {
  cost?: {
    perSuccessfulRequestUsd?: number | null;
    per1kRequestsUsd?: number | null;
    per1MOutputTokensUsd?: number | null;
    totalUsd?: number | null;
  };
};

const COST_OF = {
  perRequest: 'perSuccessfulRequestUsd',
  per1kRequests: 'per1kRequestsUsd',
  per1MOutputTokens: 'per1MOutputTokensUsd',
  total: 'totalUsd',
} as const;

/** ThresholdResult is one threshold judged on one group. */
export interface ThresholdResult {
  threshold: string;
  /** The measured value; null when there was nothing to measure (which fails the threshold). */
  actual: number | null;
  pass: boolean;
}

/**
 * evaluateThresholds judges a group against conditions written in the scenario's threshold
 * grammar (scenario/threshold.ts). A latency threshold on a metric with no samples fails: no
 * evidence is not a pass.
 */
export function evaluateThresholds(ts: readonly Threshold[], g: JudgedGroup): ThresholdResult[] {
  return ts.map((t) => {
    let actual: number | null;
    switch (t.subject.kind) {
      case 'latency': {
        const st: LatencyStats = g.metrics[t.subject.metric];
        actual = st[t.subject.stat];
        break;
      }
      case 'errorRate':
        actual = g.requests.errorRate;
        break;
      case 'cost':
        // Unpriced (no catalog price for the model) or nothing to price: no evidence, which fails.
        actual = g.cost?.[COST_OF[t.subject.field]] ?? null;
        break;
      default:
        actual = g.throughput[t.subject.kind];
    }
    return { threshold: t.source, actual, pass: actual !== null && compare(actual, t.op, t.value) };
  });
}

function compare(a: number, op: Threshold['op'], b: number): boolean {
  switch (op) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
  }
}
