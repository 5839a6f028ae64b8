/**
 * LATENCY_METRICS are the latency histograms kept per group, in report order. Each is defined
 * once here (the formula lives in request-result.ts and the README).
 */
export const LATENCY_METRICS = ['ttft', 'itl', 'tpot', 'e2e', 'headers'] as const;
export type LatencyMetric = (typeof LATENCY_METRICS)[number];

/** METRIC_LABELS are the human names used in tables. */
export const METRIC_LABELS: Record<LatencyMetric, string> = {
  ttft: 'time to first token',
  itl: 'inter-token latency',
  tpot: 'time per output token',
  e2e: 'end-to-end latency',
  headers: 'time to response headers',
};
