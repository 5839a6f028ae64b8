import type { RunGroupSummary, RunSummary } from '../summary/run-summary.js';
import { type Columns, textTable } from './columns.js';
import { checkValue } from './console-thresholds.js';
import { GROUP_COLUMNS, groupTableContext, rateLimitWarnings } from './group-columns.js';
import { AGENT_COLUMNS, PART_COLUMNS, agentRows } from './parts.js';
import { fixed, msCell, pct } from './text-table.js';

/**
 * renderMarkdown is report.md: the run at a glance, fit for a GitHub job summary
 * ($GITHUB_STEP_SUMMARY) or a pull-request comment — the verdict first (validity, thresholds,
 * decision), then per target the numbers that decide, errors, failover and the generator's health.
 * "No data" is "—", never 0.
 */
export function renderMarkdown(s: RunSummary): string {
  const groups = s.groups.filter((g) => ((g.scope ?? 'target') === 'target' || g.scope === 'route') && !g.step);
  return [
    ...headLines(s),
    ...thresholdLines(s),
    '## Targets',
    '',
    ...markdownTable(GROUP_COLUMNS, groups, groupTableContext(groups)),
    '',
    ...mergedLines(s),
    ...decisionLines(s),
    ...errorLines(groups),
    ...failoverLines(s),
    ...generatorLines(s),
  ].join('\n');
}

/** markdownTable lays rows out by a table's column definition as a GitHub table (names left, figures right). */
export function markdownTable<R, C>(columns: Columns<R, C>, rows: readonly R[], ctx: C): string[] {
  const t = textTable(columns, 'markdown', rows, ctx);
  return [row(t.header.map(esc)), row(t.header.map((_, i) => (i < t.left ? '---' : '---:'))), ...t.rows.map((r) => row(r.map(esc)))];
}

// The title with the verdict, the run in one line, and what must be read before any number.
function headLines(s: RunSummary): string[] {
  const scenario = (s.scenario as { name?: string } | null)?.name ?? s.runId;
  const stopped = s.status === 'completed' ? '' : ` (${esc(s.stopReason)})`;
  const out = [
    `# llm-bakeoff: ${esc(scenario)} — ${verdictWord(s)}`,
    '',
    `Run \`${esc(s.runId)}\`, ${s.startedAt} → ${s.endedAt} (${(s.durationMs / 1000).toFixed(1)} s), ` +
      `${s.loadModel} loop, ${s.status}${stopped}, ${esc(s.tool.name)} ${esc(s.tool.version)}.`,
    '',
  ];
  if (!s.validity.valid)
    out.push(
      `> **INVALID RUN**: ${s.validity.reasons.map(esc).join('; ')}. ` +
        "Its numbers include the generator's own trouble; thresholds are not judged.",
      '',
    );
  for (const w of s.generator.warnings) out.push(`> **Warning**: ${esc(w)}`, '');
  for (const w of rateLimitWarnings(s.groups)) out.push(`> **Warning**: ${esc(w)}.`, '');
  return out;
}

function thresholdLines(s: RunSummary): string[] {
  const t = s.thresholds;
  if (!t) return [];
  const failed = t.checks.filter((c) => !c.pass).length;
  const out = ['## Thresholds', ''];
  out.push(
    !t.evaluated
      ? '**Not judged**: the run is invalid.'
      : t.passed
        ? `**All ${t.checks.length} passed.**`
        : `**${failed} of ${t.checks.length} failed.**`,
    '',
  );
  if (t.abortedBy)
    out.push(
      `The run was stopped at ${(t.abortedBy.atMs / 1000).toFixed(1)} s when ${code(t.abortedBy.threshold)} ` +
        `failed on ${esc(t.abortedBy.on)} (abortOnFail).`,
      '',
    );
  out.push(row(['threshold', 'on', 'actual', 'verdict']), row(['---', '---', '---:', '---']));
  for (const c of t.checks) out.push(row([code(c.threshold), esc(c.on), esc(checkValue(c)), c.pass ? 'pass' : '**FAIL**']));
  out.push('');
  return out;
}

// A merged (or multi-worker) run: where the load came from and went, and each part's own health.
function mergedLines(s: RunSummary): string[] {
  const out: string[] = [];
  const agents = agentRows(s);
  if (agents.length) out.push('## By agent region × target region', '', ...markdownTable(AGENT_COLUMNS, agents, undefined), '');
  if (s.parts?.length) out.push('## Parts', '', ...markdownTable(PART_COLUMNS, s.parts, undefined), '');
  return out;
}

function decisionLines(s: RunSummary): string[] {
  const d = s.decision;
  if (!d || d.rows.length <= 1) return [];
  return [
    '## Decision',
    '',
    d.cheapestMeetingSlo
      ? `Cheapest target meeting the SLO (${d.slo.map(code).join(', ')}): **${esc(d.cheapestMeetingSlo)}**.`
      : `No priced target meets the SLO (${d.slo.map(code).join(', ')}).`,
    '',
    ...(d.outputLengthNote ? [`**Note**: ${esc(d.outputLengthNote)}.`, ''] : []),
  ];
}

function errorLines(groups: RunGroupSummary[]): string[] {
  const withErrors = groups.filter((g) => g.requests.failed > 0 || g.requests.generatorFailed > 0);
  if (!withErrors.length) return [];
  const out = ['## Errors', '', row(['target', 'kind', 'count', 'owner', 'example']), row(['---', '---', '---:', '---', '---'])];
  for (const g of withErrors) {
    const sample = (kind: string) => esc(clip(g.requests.errorSamples[kind as keyof typeof g.requests.errorSamples] ?? ''));
    for (const [kind, n] of Object.entries(g.requests.errorsByKind))
      out.push(row([esc(g.target), code(kind), String(n), 'target/network', sample(kind)]));
    for (const [kind, n] of Object.entries(g.requests.generatorErrorsByKind))
      out.push(row([esc(g.target), code(kind), String(n), 'generator', sample(kind)]));
  }
  out.push('');
  return out;
}

function failoverLines(s: RunSummary): string[] {
  if (!s.failover) return [];
  const out = ['## Failover', ''];
  for (const r of s.failover.routes) {
    const g = s.groups.find((x) => x.scope === 'route' && x.target === r.name);
    if (!g) continue;
    out.push(
      `- route **${esc(r.name)}** (${r.chain.map(esc).join(' → ')}): ` +
        `available ${pct(g.requests.total ? g.requests.ok / g.requests.total : null)} as users saw it, ` +
        `${g.route?.failedOver ?? 0} served by a fallback; ` +
        `failover time p50 ${msCell(g.metrics.failover.p50)}, p99 ${msCell(g.metrics.failover.p99)}`,
    );
  }
  for (const o of s.failover.outages)
    out.push(
      `- outage of ${esc(o.target)} on ${esc(o.route)}: ${o.failures} failures from ${(o.firstFailureMs / 1000).toFixed(1)} s; ` +
        `detected in ${o.detectMs === null ? '—' : msCell(o.detectMs)}, ` +
        `recovered ${o.recoverMs === null ? 'never' : `after ${msCell(o.recoverMs)}`}`,
    );
  out.push('');
  return out;
}

function generatorLines(s: RunSummary): string[] {
  const h = s.generator;
  return [
    '## Generator',
    '',
    `Event-loop delay p50 ${msCell(h.eventLoopDelayMs.p50)}, p99 ${msCell(h.eventLoopDelayMs.p99)}, ` +
      `max ${msCell(h.eventLoopDelayMs.max)}; loop busy ${h.eventLoopUtilization === null ? '—' : pct(h.eventLoopUtilization)}; ` +
      `CPU ${fixed(h.cpuPercent, 0)}%. ${h.saturated ? '**Saturated**: its latencies include its own delay.' : 'Not saturated.'}`,
    '',
  ];
}

function verdictWord(s: RunSummary): string {
  if (!s.validity.valid) return 'INVALID';
  if (s.thresholds?.passed === false) return 'FAILED';
  if (s.status === 'interrupted') return 'interrupted';
  if (s.status === 'budget') return 'stopped by budget';
  return s.thresholds ? 'passed' : s.status;
}

const row = (cells: string[]) => `| ${cells.join(' | ')} |`;

// Markdown-safe: a table cell must not break on "|" or a newline, and nothing becomes HTML.
function esc(s: string): string {
  return s.replace(/[\\|`*_<>[\]]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');
}

// A code span: nothing inside is markup, but a "|" would still end a table cell, and a backtick the span.
function code(s: string): string {
  return `\`${s.replace(/`/g, "'").replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')}\``;
}

function clip(s: string): string {
  return s.length > 120 ? `${s.slice(0, 117)}…` : s;
}
