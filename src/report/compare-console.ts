import type { ComparedMetric, Comparison } from '../summary/compare.js';
import {
  ciCell,
  confidenceLabel,
  deltaCell,
  groupTitle,
  methodLines,
  metricLabel,
  relCell,
  sentence,
  valueCell,
  verdictCell,
} from './compare-cells.js';
import { fitText, table } from './text-table.js';

/**
 * compareConsole renders a comparison for the terminal: what was compared and how, the headline
 * sentences (two targets of one run), one table per group, and the verdict that sets the exit code; fitted to
 * `width` (the interval, then the changes drop; the verdict stays), or every column in full without one.
 */
export function compareConsole(c: Comparison, width?: number): string {
  const lines: string[] = [header(c), ...methodLines(c)];
  for (const w of c.warnings) lines.push(`WARNING: ${w}`);
  if (c.mode === 'targets') {
    const top = c.groups.find((g) => g.scope === 'target' || g.scope === 'route');
    if (top) {
      lines.push('', `${c.current.label} vs ${c.baseline.label}, metric by metric (${confidenceLabel(c)} interval in brackets):`);
      for (const m of top.metrics.filter(headline)) lines.push(`  ${sentence(m, c.current.label, c.baseline.label)}`);
    }
  }
  const conf = confidenceLabel(c);
  const head = [
    'metric',
    c.mode === 'targets' ? c.baseline.label : 'baseline',
    c.mode === 'targets' ? c.current.label : 'current',
    'Δ',
    'Δ%',
    `${conf} CI`,
    'verdict',
  ];
  for (const g of c.groups) {
    const rows = g.metrics.map((m) => [
      metricLabel(m.metric),
      valueCell(m, m.baseline),
      valueCell(m, m.current),
      deltaCell(m),
      relCell(m),
      ciCell(m),
      verdictCell(c, m),
    ]);
    // The verdict reads as words: left-aligned, though the table right-aligns numbers.
    const w = Math.max(...rows.map((r) => r[6]!.length));
    lines.push(
      '',
      groupTitle(c, g),
      table(
        [...head.slice(0, 6), head[6]!.padEnd(w)],
        rows.map((r) => [...r.slice(0, 6), r[6]!.padEnd(w)]),
        1,
        { width, drop: [undefined, undefined, undefined, 2, 1, 3], fold: [true] },
      ),
    );
  }
  if (c.groups.some((g) => g.metrics.some((m) => m.gated))) lines.push('* gates the exit code (--fail-on)');
  if (!c.groups.length) lines.push('', 'no group is on both sides: nothing compared');
  if (c.onlyInBaseline.length) lines.push(`only in ${c.baseline.label} (not compared): ${c.onlyInBaseline.join(', ')}`);
  if (c.onlyInCurrent.length) lines.push(`only in ${c.current.label} (not compared): ${c.onlyInCurrent.join(', ')}`);
  lines.push('', ...verdictLines(c));
  return fitText(lines.join('\n'), width);
}

/** verdictLines is the conclusion: every gated regression in words, or that there is none. */
export function verdictLines(c: Comparison): string[] {
  const gated = c.groups.flatMap((g) => g.metrics.filter((m) => m.gated).map((m) => ({ g, m })));
  const bad = gated.filter(({ m }) => m.verdict === 'regression');
  if (!bad.length) {
    const noData = gated.filter(({ m }) => m.verdict === 'no data').length;
    return [
      `${c.mode === 'targets' ? `no gated metric of ${c.current.label} is worse than ${c.baseline.label}'s` : 'no regression'}: ` +
        `${gated.length} gated metric(s) checked${noData ? `, ${noData} without data` : ''}.`,
    ];
  }
  return [
    c.mode === 'targets'
      ? `WORSE: ${c.current.label} is worse than ${c.baseline.label} on ${bad.length} gated metric(s):`
      : `REGRESSION: ${bad.length} gated metric(s) worse than the baseline:`,
    ...bad.map(({ g, m }) => `  ${c.mode === 'runs' ? `${g.baselineKey}: ` : ''}${sentence(m, c.current.label, c.baseline.label)}`),
  ];
}

// The headline of two targets: the gated metrics and the request rate.
function headline(m: ComparedMetric): boolean {
  return m.gated || m.metric === 'requestsPerSec';
}

function header(c: Comparison): string {
  if (c.mode === 'targets')
    return `compare: ${c.current.label} against ${c.baseline.label} in run ${c.baseline.runId} (${c.baseline.file})`;
  return `compare: baseline ${c.baseline.file} (run ${c.baseline.runId}) → current ${c.current.file} (run ${c.current.runId})`;
}
