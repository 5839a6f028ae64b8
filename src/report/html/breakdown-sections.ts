import { GROUP_COLUMNS, groupTableContext } from '../group-columns.js';
import type { Column } from '../columns.js';
import type { RunGroupSummary, RunSummary } from '../../summary/run-summary.js';
import { type BREAKDOWNS, breakdownGroups, type ChartSpec } from './chart-specs.js';
import { charts } from './detail-sections.js';
import { escapeHtml } from './escape.js';
import { columnsTable, para, section } from './html-table.js';

/**
 * The breakdowns of report.html: the summary's workload groups (a mix of workloads) and turn
 * groups (conversations), each as a section of its own with the per-group table and the latency
 * by percentile charts, split — so a mix whose E2E has two humps shows which workload is which.
 */

/** BREAKDOWN_SECTIONS name each breakdown's section: its anchor, heading and contents label. */
export const BREAKDOWN_SECTIONS = {
  workload: { id: 'workloads', title: 'By workload', nav: 'By workload' },
  turn: { id: 'turns', title: 'By conversation turn', nav: 'By turn' },
} as const;

type GroupColumn = Column<RunGroupSummary, ReturnType<typeof groupTableContext>>;

// A turn's rows say which turn they are, right after the target.
const TURN: GroupColumn = { header: 'turn', text: true, value: (g) => String(g.turn ?? 1) };

/**
 * breakdownSection is one breakdown: a table per workload (targets side by side; a turn's rows per turn, in order),
 * bars on one scale per metric across the section, then its charts. Empty when the run has no such groups.
 */
export function breakdownSection(s: RunSummary, kind: keyof typeof BREAKDOWNS, specs: ChartSpec[]): string {
  const groups = breakdownGroups(s, kind);
  if (!groups.length) return '';
  const ctx = groupTableContext(groups);
  const columns = kind === 'turn' ? [GROUP_COLUMNS[0]!, TURN, ...GROUP_COLUMNS.slice(1)] : GROUP_COLUMNS;
  const workloads = [...new Set(groups.map((g) => g.workload ?? ''))];
  const tables = workloads.map(
    (w) =>
      `<h3>${escapeHtml(w || '(no workload)')}</h3>\n${columnsTable(
        columns,
        groups.filter((g) => (g.workload ?? '') === w),
        ctx,
        kind,
      )}`,
  );
  const what =
    kind === 'workload'
      ? 'Each target’s requests of each workload: the same figures as the whole run’s, one row per target and workload.'
      : 'Each target’s requests by conversation turn (turn 1 is the first message; later turns carry the earlier exchanges).';
  const { id, title } = BREAKDOWN_SECTIONS[kind];
  return section(
    id,
    title,
    `${para(`${what} Bars share one scale per metric across this section.`, 'small')}\n${tables.join('\n')}\n` +
      charts(specs, 'No successful request: nothing to plot.'),
  );
}
