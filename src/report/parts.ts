import type { RunGroupSummary, RunPart, RunSummary } from '../summary/run-summary.js';
import type { Columns } from './columns.js';

/** AGENT_COLUMNS is the agent region × target region table, one row per agent region and target (or route). */
export const AGENT_COLUMNS: Columns<RunGroupSummary, void> = [
  { header: 'agent region', text: true, value: (g) => g.agentRegion ?? '', fold: true },
  { header: 'target', text: true, value: (g) => (g.key.includes('/route:') ? `route ${g.target}` : g.target), fold: true },
  { header: 'target region', text: true, value: (g) => g.region, fold: true },
  { header: 'ok/total', value: (g) => `${g.requests.ok}/${g.requests.total}`, written: 'text', drop: 3 },
  { header: 'err%', value: (g) => g.requests.errorRate, written: 'pct' },
  { header: 'req/s', value: (g) => g.throughput.requestsPerSec, written: { fixed: 1 }, drop: 4 },
  { header: 'TTFT p50', value: (g) => g.metrics.ttft.p50, written: 'ms', drop: 5 },
  { header: 'TTFT p99', value: (g) => g.metrics.ttft.p99, written: 'ms', drop: 1 },
  { header: 'ITL p50', value: (g) => g.metrics.itl.p50, written: 'ms', drop: 6 },
  { header: 'E2E p50', value: (g) => g.metrics.e2e.p50, written: 'ms', drop: 5 },
  { header: 'E2E p99', value: (g) => g.metrics.e2e.p99, written: 'ms', drop: 1 },
];

/** PART_COLUMNS lists a part of a merged or multi-worker run: its requests, status, clock and its own generator health. */
export const PART_COLUMNS: Columns<RunPart, void> = [
  { header: 'part', text: true, value: (p) => `${p.kind} ${p.kind === 'worker' ? p.index + 1 : p.index}/${p.count}` },
  { header: 'agent region', text: true, value: (p) => p.agentRegion ?? '', fold: true, drop: 3 },
  { header: 'host', text: true, value: (p) => p.host, fold: true, drop: 4 },
  { header: 'status', text: true, value: (p) => p.status },
  { header: 'requests', value: (p) => p.requests, written: 'count', drop: 2 },
  { header: 'valid', value: (p) => (p.valid ? 'yes' : 'NO'), written: 'text' },
  {
    header: 'clock vs targets',
    drop: 5,
    value: (p) => {
      const o = p.clockOffset;
      return o ? `${o.offsetMs >= 0 ? '+' : ''}${o.offsetMs} ± ${o.uncertaintyMs} ms` : null;
    },
    written: 'text',
  },
  { header: 'loop delay p99', value: (p) => p.generator.eventLoopDelayMs.p99, written: 'ms', drop: 6 },
  { header: 'dispatch lag p99', value: (p) => p.generator.dispatchLagMs.p99, written: 'ms', drop: 6 },
  {
    header: 'CPU',
    drop: 7,
    value: (p) => (p.generator.cpuPercent === null ? null : `${p.generator.cpuPercent.toFixed(0)}%`),
    written: 'text',
  },
  { header: 'generator', value: (p) => (p.generator.saturated ? 'SATURATED' : 'ok'), written: 'text' },
];

/**
 * agentRows are the merged run's agent groups (one per agent region and target or route, as
 * `merge` writes them), by agent region; none for a run without them.
 */
export function agentRows(s: RunSummary): RunGroupSummary[] {
  return s.groups.filter((g) => g.scope === 'agent').sort((a, b) => (a.agentRegion ?? '').localeCompare(b.agentRegion ?? ''));
}
