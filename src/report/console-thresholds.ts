import type { RunSummary, ThresholdCheck } from '../summary/run-summary.js';
import { fixed, msCell, pct, table } from './text-table.js';

/** thresholdValue words a threshold's figure in its unit ("—" for no data, never 0). */
export function thresholdValue(v: number | null, unit: ThresholdCheck['unit']): string {
  if (v === null) return '—';
  switch (unit) {
    case 'ms':
      return msCell(v);
    case 'share':
      return pct(v);
    case 'usd':
      return `$${Number(v.toPrecision(4))}`;
    case 'per_s':
      return `${fixed(v, 1)}/s`;
  }
}

/** checkValue words a check's figure: its value, or "> max" for an all-requests percentile among the failures. */
export function checkValue(c: ThresholdCheck): string {
  return c.beyondSuccesses ? '> max' : thresholdValue(c.actual, c.unit);
}

/**
 * thresholdsSection is the pass/fail table of the scenario's thresholds, with the verdict: a
 * breach exits 3; an invalid run's thresholds are shown but not judged (it exits 5).
 */
export function thresholdsSection(s: RunSummary, width?: number): string[] {
  const t = s.thresholds;
  if (!t) return [];
  const rows = t.checks.map((c) => [
    c.threshold,
    c.on,
    checkValue(c),
    c.actual === null && !c.beyondSuccesses ? 'FAIL (no data)' : c.pass ? 'pass' : 'FAIL',
  ]);
  const failed = t.checks.filter((c) => !c.pass).length;
  const verdict = !t.evaluated
    ? "NOT JUDGED: the run is invalid (its numbers include the generator's own trouble); see INVALID RUN above"
    : t.passed
      ? `all ${t.checks.length} passed`
      : `${failed} of ${t.checks.length} FAILED`;
  const lines = ['', `thresholds: ${verdict}`, table(['threshold', 'on', 'actual', 'verdict'], rows, 2, { width, fold: [true, true] })];
  if (t.abortedBy)
    lines.push(
      `the run was stopped at ${(t.abortedBy.atMs / 1000).toFixed(1)} s when ${t.abortedBy.threshold} failed on ${t.abortedBy.on} ` +
        '(abortOnFail); numbers cover what was measured until then.',
    );
  return lines;
}
