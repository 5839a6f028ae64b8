import { agentMatrix, partsTable } from './parts.js';
import type { RunGroupSummary, RunSummary } from '../summary/run-summary.js';
import { thresholdValue } from './console-thresholds.js';
import { fixed, msCell, pct, usd } from './text-table.js';

/**
 * renderMarkdown is report.md: the run at a glance, fit for a GitHub job summary
 * ($GITHUB_STEP_SUMMARY) or a pull-request comment — the verdict first (validity, thresholds,
 * decision), then per target the numbers that decide, errors, failover and the generator's health.
 * "No data" is "—", never 0.
 */
export function renderMarkdown(s: RunSummary): string {
  const out: string[] = [];
  const scenario = (s.scenario as { name?: string } | null)?.name ?? s.runId;
  out.push(`# llm-bakeoff: ${esc(scenario)} — ${verdictWord(s)}`, '');
  out.push(
    `Run \`${esc(s.runId)}\`, ${s.startedAt} → ${s.endedAt} (${(s.durationMs / 1000).toFixed(1)} s), ${s.loadModel} loop, ${s.status}${s.status === 'completed' ? '' : ` (${esc(s.stopReason)})`}, ${esc(s.tool.name)} ${esc(s.tool.version)}.`,
    '',
  );

  if (!s.validity.valid)
    out.push(
      `> **INVALID RUN**: ${s.validity.reasons.map(esc).join('; ')}. Its numbers include the generator's own trouble; thresholds are not judged.`,
      '',
    );
  for (const w of s.generator.warnings) out.push(`> **Warning**: ${esc(w)}`, '');

  const t = s.thresholds;
  if (t) {
    const failed = t.checks.filter((c) => !c.pass).length;
    out.push('## Thresholds', '');
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
        `The run was stopped at ${(t.abortedBy.atMs / 1000).toFixed(1)} s when ${code(t.abortedBy.threshold)} failed on ${esc(t.abortedBy.on)} (abortOnFail).`,
        '',
      );
    out.push(row(['threshold', 'on', 'actual', 'verdict']), row(['---', '---', '---:', '---']));
    for (const c of t.checks) out.push(row([code(c.threshold), esc(c.on), thresholdValue(c.actual, c.unit), c.pass ? 'pass' : '**FAIL**']));
    out.push('');
  }

  const groups = s.groups.filter((g) => ((g.scope ?? 'target') === 'target' || g.scope === 'route') && !g.step);
  out.push('## Targets', '');
  out.push(
    row([
      'target',
      'region',
      'model',
      'ok/total',
      'err%',
      'TTFT p50',
      'TTFT p99',
      'ITL p50',
      'E2E p50',
      'E2E p99',
      'out tok/s',
      '$ / ok request',
    ]),
  );
  out.push(row(['---', '---', '---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']));
  for (const g of groups) out.push(row(targetCells(g)));
  out.push('');

  for (const [title, t] of [
    ['By agent region × target region', agentMatrix(s)],
    ['Parts', partsTable(s)],
  ] as const) {
    if (!t) continue;
    out.push(`## ${title}`, '', row(t.header.map(esc)), row(t.header.map((_, i) => (i < t.left ? '---' : '---:'))));
    for (const r of t.rows) out.push(row(r.map(esc)));
    out.push('');
  }

  const d = s.decision;
  if (d && d.rows.length > 1) {
    out.push('## Decision', '');
    out.push(
      d.cheapestMeetingSlo
        ? `Cheapest target meeting the SLO (${d.slo.map(code).join(', ')}): **${esc(d.cheapestMeetingSlo)}**.`
        : `No priced target meets the SLO (${d.slo.map(code).join(', ')}).`,
      '',
    );
  }

  const withErrors = groups.filter((g) => g.requests.failed > 0 || g.requests.generatorFailed > 0);
  if (withErrors.length) {
    out.push('## Errors', '');
    out.push(row(['target', 'kind', 'count', 'owner', 'example']), row(['---', '---', '---:', '---', '---']));
    for (const g of withErrors) {
      for (const [kind, n] of Object.entries(g.requests.errorsByKind))
        out.push(
          row([
            esc(g.target),
            code(kind),
            String(n),
            'target/network',
            esc(clip(g.requests.errorSamples[kind as keyof typeof g.requests.errorSamples] ?? '')),
          ]),
        );
      for (const [kind, n] of Object.entries(g.requests.generatorErrorsByKind))
        out.push(
          row([
            esc(g.target),
            code(kind),
            String(n),
            'generator',
            esc(clip(g.requests.errorSamples[kind as keyof typeof g.requests.errorSamples] ?? '')),
          ]),
        );
    }
    out.push('');
  }

  if (s.failover) {
    out.push('## Failover', '');
    for (const r of s.failover.routes) {
      const g = s.groups.find((x) => x.scope === 'route' && x.target === r.name);
      if (!g) continue;
      out.push(
        `- route **${esc(r.name)}** (${r.chain.map(esc).join(' → ')}): available ${pct(g.requests.total ? g.requests.ok / g.requests.total : null)} as users saw it, ${g.route?.failedOver ?? 0} served by a fallback; failover time p50 ${msCell(g.metrics.failover.p50)}, p99 ${msCell(g.metrics.failover.p99)}`,
      );
    }
    for (const o of s.failover.outages)
      out.push(
        `- outage of ${esc(o.target)} on ${esc(o.route)}: ${o.failures} failures from ${(o.firstFailureMs / 1000).toFixed(1)} s; detected in ${o.detectMs === null ? '—' : msCell(o.detectMs)}, recovered ${o.recoverMs === null ? 'never' : `after ${msCell(o.recoverMs)}`}`,
      );
    out.push('');
  }

  const h = s.generator;
  out.push('## Generator', '');
  out.push(
    `Event-loop delay p50 ${msCell(h.eventLoopDelayMs.p50)}, p99 ${msCell(h.eventLoopDelayMs.p99)}, max ${msCell(h.eventLoopDelayMs.max)}; loop busy ${h.eventLoopUtilization === null ? '—' : pct(h.eventLoopUtilization)}; CPU ${fixed(h.cpuPercent, 0)}%. ${h.saturated ? '**Saturated**: its latencies include its own delay.' : 'Not saturated.'}`,
    '',
  );
  return out.join('\n');
}

function verdictWord(s: RunSummary): string {
  if (!s.validity.valid) return 'INVALID';
  if (s.thresholds?.passed === false) return 'FAILED';
  if (s.status === 'interrupted') return 'interrupted';
  if (s.status === 'budget') return 'stopped by budget';
  return s.thresholds ? 'passed' : s.status;
}

function targetCells(g: RunGroupSummary): string[] {
  return [
    esc(g.scope === 'route' ? `${g.target} (route)` : g.target),
    esc(g.region || '—'),
    esc(g.model || '—'),
    `${g.requests.ok}/${g.requests.total}`,
    pct(g.requests.errorRate),
    msCell(g.metrics.ttft.p50),
    msCell(g.metrics.ttft.p99),
    msCell(g.metrics.itl.p50),
    msCell(g.metrics.e2e.p50),
    msCell(g.metrics.e2e.p99),
    fixed(g.throughput.outputTokensPerSec, 0),
    g.cost?.priced ? usd(g.cost.perSuccessfulRequestUsd, 6) : '—',
  ];
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
