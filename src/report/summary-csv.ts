import { stringify } from 'csv-stringify/sync';
import { LATENCY_METRICS } from '../scenario/metric-names.js';
import type { RunSummary } from '../summary/run-summary.js';

/** SUMMARY_COLUMNS are summary.csv's columns: one row per group × metric, values in ms. */
export const SUMMARY_COLUMNS = [
  'run_id',
  'group',
  'target',
  'region',
  'provider',
  'model',
  'step',
  'scope',
  'workload',
  'turn',
  'metric',
  'unit',
  'count',
  'mean',
  'stddev',
  'min',
  'p50',
  'p90',
  'p95',
  'p99',
  'p99_9',
  'max',
  'requests',
  'ok',
  'failed',
  'error_rate',
  'requests_per_sec',
  'output_tokens_per_sec',
  'dropped',
  'generator_saturated',
  'cost_usd',
  'cost_per_ok_request_usd',
  'cost_per_1m_output_tokens_usd',
  'agent_region',
] as const;

/** summaryCsv renders summary.csv from a run summary (a pure function of summary.json). */
export function summaryCsv(s: RunSummary): string {
  // null (no data) is written as an empty cell, never as 0.
  const rows: (string | number | null)[][] = [];
  for (const g of s.groups) {
    for (const m of LATENCY_METRICS) {
      const st = g.metrics[m];
      rows.push([
        s.runId,
        g.key,
        g.target,
        g.region,
        g.provider,
        g.model,
        g.step ?? '',
        g.scope ?? 'target',
        g.workload ?? '',
        g.turn === undefined ? '' : g.turn,
        m,
        'ms',
        st.count,
        st.mean,
        st.stddev,
        st.min,
        st.p50,
        st.p90,
        st.p95,
        st.p99,
        st.p999,
        st.max,
        g.requests.total,
        g.requests.ok,
        g.requests.failed,
        g.requests.errorRate,
        g.throughput.requestsPerSec,
        g.throughput.outputTokensPerSec,
        g.requests.dropped,
        s.generator.saturated ? 1 : 0,
        g.cost?.priced ? g.cost.totalUsd : '',
        g.cost?.priced ? g.cost.perSuccessfulRequestUsd : '',
        g.cost?.priced ? g.cost.per1MOutputTokensUsd : '',
        g.agentRegion ?? '',
      ]);
    }
  }
  return stringify(rows, { header: true, columns: [...SUMMARY_COLUMNS] });
}
