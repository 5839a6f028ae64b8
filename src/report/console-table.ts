import type { RunSummary } from '../summary/run-summary.js';
import { noSuccessLine } from '../summary/no-success.js';
import { GENERATOR_DROPS, type DropReason } from '../metrics/request-result.js';
import { costTable, decisionTable } from './console-decision.js';
import { failoverSection } from './console-failover.js';
import { sweepTable } from './console-sweep.js';
import { thresholdsSection } from './console-thresholds.js';
import { fitText, msCell } from './text-table.js';
import { type Columns, consoleText } from './columns.js';
import { GROUP_COLUMNS, groupTableContext, rateLimitWarnings, targetLabel } from './group-columns.js';
import { AGENT_COLUMNS, PART_COLUMNS, agentRows } from './parts.js';

/**
 * consoleTable renders the run summary as the table printed at the end of `run` (and by
 * `report`): one row per target, TTFT / ITL / E2E p50 and p99, throughput and errors. Fitted to `width` (a
 * terminal's columns: narrow tables drop columns, long lines wrap); without one, every column and line in full.
 */
export function consoleTable(s: RunSummary, width?: number): string {
  // In an open loop, response time (from the schedule) and service time (from the send) differ;
  // both are shown, labelled, with the arrivals that were dropped.
  const open = s.loadModel !== undefined && s.loadModel !== 'closed';
  const targetGroups = s.groups.filter((g) => (g.scope ?? 'target') === 'target' || g.scope === 'route');
  const lines: string[] = [];
  const none = noSuccessLine(s);
  if (none) lines.push(none, '');
  if (!s.validity.valid) lines.push(`INVALID RUN: ${s.validity.reasons.join('; ')}.`, '');
  lines.push(consoleText(GROUP_COLUMNS, targetGroups, groupTableContext(targetGroups, open), width));
  if (open)
    lines.push(
      "open loop: TTFT/E2E count from each request's scheduled arrival (response time); svc = from its actual send (service time).",
      ...offeredLines(targetGroups, s.generator.saturated),
    );
  lines.push(...stoppedLines(targetGroups));
  lines.push(...errorLines(targetGroups));
  lines.push(...backoffLines(targetGroups));
  const churn = connectionLine(targetGroups);
  if (churn) lines.push(churn);
  lines.push(...slowestLines(targetGroups));
  if (s.measurement.note) lines.push(`measured: ${s.measurement.note}.`);
  lines.push(...mergedLines(s, width), ...breakdownLines(s, width));
  lines.push('', tokenTable(targetGroups, width));
  lines.push(...verdictLines(s, targetGroups, width));
  return fitText(lines.join('\n'), width);
}

// mergedLines: a merged (or multi-worker) run's agent region × target region table, its parts and the merge's notes.
function mergedLines(s: RunSummary, width: number | undefined): string[] {
  const lines: string[] = [];
  const agents = agentRows(s);
  if (agents.length)
    lines.push(
      '',
      'by agent region × target region (where the load came from, and where it went):',
      consoleText(AGENT_COLUMNS, agents, undefined, width),
    );
  if (s.parts?.length)
    lines.push(
      '',
      `parts (each one's own generator health; the run's is the worst of them):`,
      consoleText(PART_COLUMNS, s.parts, undefined, width),
    );
  for (const n of s.merged?.notes ?? []) lines.push(`merge: ${n}.`);
  return lines;
}

// breakdownLines: the sub-groups' tables, per workload and per conversation turn.
function breakdownLines(s: RunSummary, width: number | undefined): string[] {
  const lines: string[] = [];
  const byWorkload = s.groups
    .filter((g) => g.scope === 'workload')
    .sort((a, b) => a.target.localeCompare(b.target) || (a.workload ?? '').localeCompare(b.workload ?? ''));
  if (byWorkload.length)
    lines.push(
      '',
      'by workload:',
      breakdownTable(byWorkload, (g) => g.workload ?? '', width),
    );
  const byTurn = s.groups
    .filter((g) => g.scope === 'turn')
    .sort(
      (a, b) => a.target.localeCompare(b.target) || (a.workload ?? '').localeCompare(b.workload ?? '') || (a.turn ?? 1) - (b.turn ?? 1),
    );
  if (byTurn.length)
    lines.push(
      '',
      'by conversation turn (turn 1 = first message; later turns carry the earlier exchanges):',
      breakdownTable(byTurn, (g) => `${g.workload} turn ${g.turn ?? 1}`, width),
    );
  return lines;
}

// verdictLines: what the run cost and decided, the failover and sweep, thresholds, and every warning and note.
function verdictLines(s: RunSummary, targetGroups: RunSummary['groups'], width: number | undefined): string[] {
  const lines: string[] = [];
  const priced = targetGroups.filter((g) => g.cost?.priced);
  if (priced.length) lines.push('', costTable(priced, s, width));
  if (s.traffic) lines.push(s.traffic.note);
  if (s.decision && s.decision.rows.length > 1) lines.push('', decisionTable(s, width));
  if (s.budget?.stopped)
    lines.push(
      `BUDGET: ${s.budget.reason}; spent $${s.budget.spentUsd.toFixed(4)} on ${s.budget.requests} requests, ${s.budget.tokens} tokens; ` +
        'results hold what was measured.',
    );
  if (s.failover) lines.push('', failoverSection(s, width));
  if (s.sweep) lines.push('', sweepTable(s, width));
  lines.push(...thresholdsSection(s, width));
  for (const w of s.generator.warnings) lines.push(`WARNING: ${w}`);
  for (const g of targetGroups) if (g.coEstimate?.warning) lines.push(`WARNING: ${targetLabel(g)}: ${g.coEstimate.warning}.`);
  for (const w of rateLimitWarnings(targetGroups)) lines.push(`WARNING: ${w}.`);
  if (s.rebuilt) lines.push(`NOTE: summary ${s.stopReason}; not known from the rows: ${s.rebuilt.missing.join('; ')}.`);
  else if (s.status === 'interrupted')
    lines.push(`NOTE: run interrupted (${s.stopReason}); numbers cover what was measured before the stop.`);
  return lines;
}

// offeredLines: what the load asked for beside what went out, per stream that dropped arrivals
// (or every stream, when the generator was saturated: its rate is the first thing to doubt);
// a drop at the generator's own connection cap is the generator's saturation, and says so.
function offeredLines(groups: RunSummary['groups'], saturated: boolean): string[] {
  return groups
    .filter((g) => g.offered && (g.requests.dropped > 0 || saturated))
    .map((g) => {
      const o = g.offered!;
      const why = Object.entries(g.requests.droppedBy)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ');
      const mine =
        saturated || Object.keys(g.requests.droppedBy).some((k) => GENERATOR_DROPS.has(k as DropReason)) ? ': generator saturated' : '';
      const dropped = g.requests.dropped > 0 ? `, dropped ${rate(o.droppedPerSec)}/s (${why})` : ', none dropped';
      return `offered load ${targetLabel(g)}: target ${rate(o.scheduledPerSec)}/s, sent ${rate(o.sentPerSec)}/s${dropped}${mine}`;
    });
}

// errorLines: per group, each error kind with a count and one message of that kind; the
// generator's own failures apart, as not counted against the target.
function errorLines(groups: RunSummary['groups']): string[] {
  const out: string[] = [];
  const kinds = (g: RunSummary['groups'][number], byKind: Partial<Record<string, number>>) =>
    Object.entries(byKind).map(([k, n]) => `  ${k} ×${n}: ${g.requests.errorSamples[k as keyof typeof g.requests.errorSamples] ?? ''}`);
  for (const g of groups) {
    if (g.requests.failed > 0) out.push(`errors ${targetLabel(g)}:`, ...kinds(g, g.requests.errorsByKind));
    if (g.requests.generatorFailed > 0)
      out.push(`generator-side failures on ${targetLabel(g)} (not counted against it):`, ...kinds(g, g.requests.generatorErrorsByKind));
  }
  return out;
}

// stoppedLines: each target stopped for refusing every request, once, in the provider's words and with what to fix (the
// client's own message may already carry the hint).
function stoppedLines(groups: RunSummary['groups']): string[] {
  return groups
    .filter((g) => g.stopped)
    .map((g) => {
      const st = g.stopped!;
      const hint = st.message.includes(st.hint) ? '' : ` — ${st.hint}`;
      return (
        `STOPPED ${targetLabel(g)} at ${(st.atMs / 1000).toFixed(1)} s after ${st.afterRefusals} refusals with no success ` +
        `(no request sent to it since; load.stopAfterRefusals): ${st.message}${hint}`
      );
    });
}

// backoffLines: the time users spent not sending to a target that pushed back — so a low request
// rate reads as the target's doing, not a slow generator.
function backoffLines(groups: RunSummary['groups']): string[] {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  return groups
    .filter((g) => g.backoff)
    .map((g) => {
      const b = g.backoff!;
      const why = [
        b.rateLimitedMs ? `for Retry-After ${s(b.rateLimitedMs)}` : '',
        b.afterErrorsMs ? `after failures ${s(b.afterErrorsMs)}` : '',
      ]
        .filter(Boolean)
        .join(', ');
      return `backed off ${targetLabel(g)}: ${b.waits} wait${b.waits === 1 ? '' : 's'}, ${s(b.totalMs)} in all (${why})`;
    });
}

// connectionLine: connections each target opened (and failed to), per request sent: churn — a
// pool that reconnects for every request pays handshakes inside its latencies.
function connectionLine(groups: RunSummary['groups']): string {
  const measured = groups.filter((g) => g.scope !== 'route' && g.connections.perRequest !== null);
  // All connections opened in warmup and reused since: nothing to say.
  if (measured.every((g) => g.connections.opened === 0 && g.connections.failed === 0)) return '';
  const parts = measured.map(
    (g) =>
      `${targetLabel(g)} ${g.connections.opened}${g.connections.failed ? ` (+${g.connections.failed} failed)` : ''}, ` +
      `${g.connections.perRequest!.toFixed(2)}/request`,
  );
  return parts.length ? `connections opened: ${parts.join('; ')}` : '';
}

// slowestLines: each target's three slowest requests, with the id to find them in requests.csv
// and the provider's own id to quote to its support about an outlier.
function slowestLines(groups: RunSummary['groups']): string[] {
  const withSlow = groups.filter((g) => g.slowest?.length);
  if (!withSlow.length) return [];
  const out = ['slowest requests (id in requests.csv; provider request id for its support):'];
  for (const g of withSlow) {
    const items = g
      .slowest!.slice(0, 3)
      .map(
        (r) =>
          `#${r.id} E2E ${msCell(r.e2eMs)} TTFT ${msCell(r.ttftMs)}${g.scope === 'route' ? ` via ${r.servedBy}` : ''} ` +
          (r.providerRequestId || '(no provider id)'),
      );
    out.push(`  ${targetLabel(g)}: ${items.join('; ')}`);
  }
  return out;
}

function rate(perSec: number): string {
  return perSec >= 100 ? perSec.toFixed(0) : perSec.toFixed(1);
}

type Group = RunSummary['groups'][number];

// BREAKDOWN_COLUMNS: the main latency columns for sub-groups (per workload, per turn), with input size;
// the table's context names the sub-group.
const BREAKDOWN_COLUMNS: Columns<Group, (g: Group) => string> = [
  { header: 'target', text: true, value: targetLabel, fold: true },
  { header: 'group', text: true, value: (g, name) => name(g), fold: true },
  { header: 'ok/total', value: (g) => `${g.requests.ok}/${g.requests.total}`, written: 'text' },
  { header: 'in tok/req', value: (g) => (g.requests.total ? g.tokens.input / g.requests.total : null), written: { fixed: 0 }, drop: 5 },
  { header: 'out tok/req', value: (g) => (g.requests.ok ? g.tokens.output / g.requests.ok : null), written: { fixed: 0 }, drop: 5 },
  { header: 'TTFT p50', value: (g) => g.metrics.ttft.p50, written: 'ms', drop: 3 },
  { header: 'TTFT p99', value: (g) => g.metrics.ttft.p99, written: 'ms', drop: 1 },
  { header: 'ITL p50', value: (g) => g.metrics.itl.p50, written: 'ms', drop: 4 },
  { header: 'E2E p50', value: (g) => g.metrics.e2e.p50, written: 'ms', drop: 3 },
  { header: 'E2E p99', value: (g) => g.metrics.e2e.p99, written: 'ms', drop: 1 },
];

function breakdownTable(groups: RunSummary['groups'], name: (g: Group) => string, width: number | undefined): string {
  return consoleText(BREAKDOWN_COLUMNS, groups, name, width);
}

// TOKEN_COLUMNS: where token counts came from, requested vs received output, and how far the
// server's usage and our tokenizer disagree on the same text.
const TOKEN_COLUMNS: Columns<Group, void> = [
  { header: 'target', text: true, value: targetLabel, fold: true },
  { header: 'input tok', value: (g) => g.tokens.input, written: 'count', drop: 2 },
  { header: 'output tok', value: (g) => g.tokens.output, written: 'count', drop: 1 },
  { header: 'requested out', value: (g) => g.tokens.requestedOutput ?? null, written: 'count', drop: 3 },
  {
    header: 'out/requested',
    value: (g) => (g.tokens.requestedOutput ? g.tokens.output / g.tokens.requestedOutput : null),
    written: 'pct',
    drop: 4,
  },
  // Output length per successful reply, and the share cut at the token limit: E2E compares like with like only when they agree.
  {
    header: 'out p50/p99',
    value: (g) => {
      const o = g.outputTokens;
      return o && o.p50 !== null ? `${o.p50}/${o.p99}` : null;
    },
    written: 'text',
    drop: 5,
  },
  { header: 'at max_tokens', value: (g) => g.outputTokens?.truncatedShare ?? null, written: 'pct', drop: 6 },
  { header: 'cache hit', value: (g) => g.cache?.hitRate ?? null, written: 'pct', drop: 7 },
  { header: 'source usage/counted', value: (g) => `${g.tokens.source.usage}/${g.tokens.source.counted}`, written: 'text', drop: 9 },
  {
    header: 'usage vs local count',
    value: (g) => {
      const u = g.tokens.usageVsCounted;
      return u?.requests ? `${u.usageOutput} vs ${u.countedOutput} (mean |Δ| ${u.meanAbsDiff}/req, max ${u.maxAbsDiff})` : null;
    },
    written: 'text',
    drop: 8,
    fold: true,
  },
];

function tokenTable(groups: RunSummary['groups'], width: number | undefined): string {
  return `tokens:\n${consoleText(TOKEN_COLUMNS, groups, undefined, width)}`;
}
