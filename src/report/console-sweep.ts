import type { RunSummary } from '../summary/run-summary.js';
import { roundTo } from '../scenario/decimals.js';
import { fixed, msCell, pct, table } from './text-table.js';
import { thresholdUnit } from '../analysis/thresholds.js';
import { thresholdValue } from './console-thresholds.js';

/** sweepTable renders a capacity sweep: each level's SLO verdict per target, then each target's knee. */
export function sweepTable(s: RunSummary, width?: number): string {
  const sw = s.sweep!;
  const header = ['level', 'target', 'SLO', 'req/s', 'TTFT p99', 'err%', 'SLO met %', 'dropped', 'failed checks'];
  const rows = sw.steps.flatMap((st) =>
    st.targets.map((t) => [
      st.label,
      t.target,
      t.pass ? 'pass' : 'FAIL',
      fixed(t.requestsPerSec, 1),
      msCell(t.ttftP99Ms),
      pct(t.errorRate),
      pct(t.goodput),
      String(t.dropped),
      t.checks
        .filter((c) => !c.pass)
        .map((c) => `${c.threshold} (was ${wasValue(c.threshold, c.actual)})`)
        .join('; '),
    ]),
  );
  // A search that met the SLO at its "to" found no edge below it: the knee is at least that.
  const capped = (value: number | null) => (sw.search && value === sw.search.to ? '; the search stopped at its "to"' : '');
  const knees = sw.knee.map(
    (k) =>
      `knee ${k.target}: ${
        k.label === null
          ? 'none — the SLO failed at the first level'
          : `${k.label} (highest ${sw.over} meeting ${sw.slo.join(' and ')}${capped(k.value)})`
      }`,
  );
  const title = sw.search
    ? `capacity search over ${sw.over}, ${sw.search.from}…${sw.search.to}, for the highest level with ${sw.slo.join(', ')} ` +
      '(doubling, then bisecting; levels in the order probed)'
    : `capacity sweep over ${sw.over}, SLO: ${sw.slo.join(', ')}`;
  // At a narrow console the figures drop (the verdict and its failed checks stay, cut short with "…" if need be).
  const fit = {
    width,
    drop: [undefined, undefined, undefined, 4, 2, 3, 1, 5],
    fold: [false, true, false, false, false, false, false, false, true],
  };
  return [title, table(header, rows, 3, fit), ...knees].join('\n');
}

// A failed check's figure in its threshold's unit, as the thresholds table words it ("1205ms", "21.9%").
function wasValue(threshold: string, actual: number | null): string {
  if (actual === null) return 'no data';
  const unit = thresholdUnit(threshold);
  return unit === null ? String(roundTo(actual, 3)) : thresholdValue(actual, unit);
}
