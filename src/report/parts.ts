import type { RunSummary } from '../summary/run-summary.js';
import { fixed, msCell, pct } from './text-table.js';

/** TextTable is a table as header and rows of text, for every format to lay out its own way. */
export interface TextTable {
  header: string[];
  rows: string[][];
  /** Leading text columns (the rest are numbers). */
  left: number;
}

/**
 * agentMatrix is the merged run's agent region × target region table: one row per agent region
 * and target (or route), from the agent groups `merge` writes. Null for a run without them.
 */
export function agentMatrix(s: RunSummary): TextTable | null {
  const groups = s.groups.filter((g) => g.scope === 'agent');
  if (!groups.length) return null;
  const rows = [...groups]
    .sort((a, b) => (a.agentRegion ?? '').localeCompare(b.agentRegion ?? ''))
    .map((g) => [
      g.agentRegion ?? '',
      g.key.includes('/route:') ? `route ${g.target}` : g.target,
      g.region,
      `${g.requests.ok}/${g.requests.total}`,
      pct(g.requests.errorRate),
      fixed(g.throughput.requestsPerSec, 1),
      msCell(g.metrics.ttft.p50),
      msCell(g.metrics.ttft.p99),
      msCell(g.metrics.itl.p50),
      msCell(g.metrics.e2e.p50),
      msCell(g.metrics.e2e.p99),
    ]);
  return {
    header: [
      'agent region',
      'target',
      'target region',
      'ok/total',
      'err%',
      'req/s',
      'TTFT p50',
      'TTFT p99',
      'ITL p50',
      'E2E p50',
      'E2E p99',
    ],
    rows,
    left: 3,
  };
}

/**
 * partsTable lists the parts of a merged or multi-worker run: each shard's or worker's requests,
 * status, clock and its own generator health (the merged health shows the worst of them).
 */
export function partsTable(s: RunSummary): TextTable | null {
  if (!s.parts?.length) return null;
  const rows = s.parts.map((p) => [
    `${p.kind} ${p.kind === 'worker' ? p.index + 1 : p.index}/${p.count}`,
    p.agentRegion ?? '',
    p.host,
    p.status,
    String(p.requests),
    p.valid ? 'yes' : 'NO',
    p.clockOffset ? `${p.clockOffset.offsetMs >= 0 ? '+' : ''}${p.clockOffset.offsetMs} ± ${p.clockOffset.uncertaintyMs} ms` : '—',
    msCell(p.generator.eventLoopDelayMs.p99),
    msCell(p.generator.dispatchLagMs.p99),
    p.generator.cpuPercent === null ? '—' : `${p.generator.cpuPercent.toFixed(0)}%`,
    p.generator.saturated ? 'SATURATED' : 'ok',
  ]);
  return {
    header: [
      'part',
      'agent region',
      'host',
      'status',
      'requests',
      'valid',
      'clock vs targets',
      'loop delay p99',
      'dispatch lag p99',
      'CPU',
      'generator',
    ],
    rows,
    left: 4,
  };
}
