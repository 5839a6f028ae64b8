import { loadInputs } from './load-inputs.js';
import { planScenario, type Plan } from '../runner/plan.js';
import { table } from '../report/text-table.js';
import { missingKeys, usesMock } from '../runner/endpoints.js';
import { estimateCost, estimateLine } from '../cost/estimate.js';
import { ExitCode } from './exit-codes.js';
import type { Io } from './io.js';

/** validateCommand checks a scenario and prints its plan (targets, load, expected request count). */
export async function validateCommand(file: string, opts: { json?: boolean; mock?: boolean }, io: Io): Promise<ExitCode> {
  const { scenario, trace, pricing } = await loadInputs(file);
  const plan = planScenario(scenario, trace?.length, opts.mock ?? false);
  const estimate = estimateCost(scenario, plan.targets, pricing, (name) => usesMock(scenario.targets.find((t) => t.name === name)!, opts.mock ?? false));
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
    t.expectedRequests === null ? 'depends on latency' : `${t.exact ? '' : '≈'}${t.expectedRequests}`,
    t.endpoint,
  ]);
  const total = p.targets.reduce((n, t) => n + (t.expectedRequests ?? 0), 0);
  const allKnown = p.targets.every((t) => t.expectedRequests !== null);
  const allExact = p.targets.every((t) => t.exact);
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
    '',
    allKnown ? `expected measured requests: ${allExact ? '' : '≈'}${total}` : 'expected measured requests: depends on server latency (duration-bound)',
  ].join('\n');
}
