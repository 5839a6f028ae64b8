import { loadInputs } from './load-inputs.js';
import { planScenario, plannedSpend, type Plan } from '../runner/plan.js';
import { table } from '../report/text-table.js';
import { missingKeys } from '../runner/endpoints.js';
import { estimateCost, estimateLine } from '../cost/estimate.js';
import { ExitCode } from './exit-codes.js';
import type { Io } from './io.js';

/** validateCommand checks a scenario and prints its plan (targets, load, expected request count). */
export async function validateCommand(file: string, opts: { json?: boolean; mock?: boolean }, io: Io): Promise<ExitCode> {
  const { scenario, trace, pricing } = await loadInputs(file);
  const plan = planScenario(scenario, trace?.length, opts.mock ?? false);
  const estimate = estimateCost(scenario, plannedSpend(scenario, plan, opts.mock ?? false), pricing);
  if (opts.json) {
    io.out(JSON.stringify(plan, null, 2));
  } else {
    io.out(renderPlan(plan));
    io.out(`estimated cost: ${estimateLine(estimate)}`);
    for (const p of missingKeys(scenario, io.env, opts.mock ?? false)) io.out(`warning: ${p.path}: ${p.message}`);
  }
  return ExitCode.Ok;
}

/** renderPlan prints a plan for people. */
export function renderPlan(p: Plan): string {
  const rows = p.targets.map((t) => [
    t.target,
    t.region,
    t.provider,
    t.model,
    t.concurrency === null ? '—' : String(t.concurrency),
    t.expectedRequests === null ? (t.unknownBecause ?? 'depends on latency') : `${t.exact ? '' : '≈'}${t.expectedRequests}`,
    t.endpoint,
  ]);
  // With failover routes the routes carry the load: their user requests are what is expected.
  const carriers: { expectedRequests: number | null; exact: boolean }[] = p.routes ?? p.targets;
  const total = carriers.reduce((n, t) => n + (t.expectedRequests ?? 0), 0);
  const allKnown = carriers.every((t) => t.expectedRequests !== null);
  const allExact = carriers.every((t) => t.exact);
  const routeRows = (p.routes ?? []).map((r) => [r.route, r.chain.join(' → '), r.expectedRequests === null ? 'depends on latency' : `${r.exact ? '' : '≈'}${r.expectedRequests}`]);
  return [
    `scenario ${p.scenario}: valid`,
    `  load:     ${p.load}, stop ${p.stop}`,
    `  warmup:   ${p.warmup}`,
    `  workload: ${p.workload}`,
    `  timeouts: ${p.timeouts}`,
    `  connection: ${p.connection}`,
    `  traffic:  ${p.traffic}`,
    ...(p.sweep ? [`  sweep:    ${p.sweep} (request estimates below are for the base load)`] : []),
    '',
    table(['target', 'region', 'provider', 'model', 'users', 'requests', 'endpoint'], rows, 4),
    ...p.targets.filter((t) => t.mockLatency).map((t) => `  ${t.target}: mock latency ${t.mockLatency}`),
    ...(routeRows.length ? ['', table(['route', 'chain', 'user requests'], routeRows, 2)] : []),
    '',
    allKnown ? `expected measured ${p.routes ? 'user requests' : 'requests'}: ${allExact ? '' : '≈'}${total}` : 'expected measured requests: depends on server latency (duration-bound)',
  ].join('\n');
}
