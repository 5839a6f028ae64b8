import { stringify } from 'csv-stringify/sync';
import type { Comparison } from '../summary/compare.js';

/** COMPARE_COLUMNS are compare's CSV columns: one row per group × metric, values in the metric's unit (ms, a share, per second). */
export const COMPARE_COLUMNS = [
  'baseline',
  'current',
  'baseline_run',
  'current_run',
  'baseline_group',
  'current_group',
  'scope',
  'metric',
  'unit',
  'baseline_value',
  'current_value',
  'baseline_n',
  'current_n',
  'delta',
  'rel_delta',
  'ci_low',
  'ci_high',
  'rel_ci_low',
  'rel_ci_high',
  'verdict',
  'gated',
  'method',
  'confidence',
  'resamples',
  'seed',
  'min_effect',
  'min_error_delta',
] as const;

/** compareCsv renders a comparison as CSV; no data (null) is an empty cell, never 0. */
export function compareCsv(c: Comparison): string {
  const o = c.options;
  const rows = c.groups.flatMap((g) =>
    g.metrics.map((m) => [
      c.baseline.label,
      c.current.label,
      c.baseline.runId,
      c.current.runId,
      g.baselineKey,
      g.currentKey,
      g.scope ?? 'target',
      m.metric,
      m.unit,
      m.baseline,
      m.current,
      m.baselineN,
      m.currentN,
      m.delta,
      m.relDelta,
      m.ci?.[0] ?? null,
      m.ci?.[1] ?? null,
      m.relCi?.[0] ?? null,
      m.relCi?.[1] ?? null,
      m.verdict,
      m.gated ? 1 : 0,
      m.method,
      o.confidence,
      m.method === 'bootstrap' ? o.resamples : '',
      m.method === 'bootstrap' ? o.seed : '',
      o.minEffect,
      o.minErrorDelta,
    ]),
  );
  return stringify(rows, { header: true, columns: [...COMPARE_COLUMNS] });
}
