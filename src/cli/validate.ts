import { loadInputs } from './load-inputs.js';
import { planScenario, plannedSpend, type Plan } from '../runner/plan.js';
import { fitText, table } from '../report/text-table.js';
import { missingKeys } from '../runner/endpoints.js';
import { sharedPathWarnings } from '../runner/shared-paths.js';
import { estimateCost, estimateLine } from '../cost/estimate.js';
import { ExitCode } from './exit-codes.js';
import { InvalidInput, invalidInput } from './problems.js';
import { machineLimitProblems } from '../runner/machine-limits.js';
import { fileDescriptorLimit } from '../runner/machine.js';
import { reportWidth, type Io } from './io.js';

/**
 * validateCommand checks a scenario — its schema, the files it names, and what this machine can
 * run — and prints its plan (targets, load, expected request count), or every problem. With
 * --json the answer is JSON on stdout either way: the plan, or { valid: false, problems }.
 */
export async function validateCommand(
  file: string,
  opts: { json?: boolean; mock?: boolean; force?: boolean; wide?: boolean },
  io: Io,
): Promise<ExitCode> {
  let inputs: Awaited<ReturnType<typeof loadInputs>>;
  try {
    inputs = await loadInputs(file);
    const limits = opts.force
      ? []
      : machineLimitProblems(inputs.scenario, { fileDescriptorLimit: fileDescriptorLimit() }, opts.mock ?? false);
    if (limits.length) throw invalidInput(file, limits);
  } catch (err) {
    if (!(err instanceof InvalidInput) || !opts.json) throw err;
    io.out(JSON.stringify({ valid: false, file, problems: err.problems }, null, 2));
    return ExitCode.InvalidInput;
  }
  const { scenario, trace, pricing } = inputs;
  const plan = planScenario(scenario, trace?.length, opts.mock ?? false);
  const estimate = estimateCost(scenario, plannedSpend(scenario, plan, opts.mock ?? false), pricing);
  if (opts.json) {
    io.out(JSON.stringify(plan, null, 2));
  } else {
    io.out(renderPlan(plan, reportWidth(io, opts)));
    io.out(fitText(`estimated cost: ${estimateLine(estimate)}`, reportWidth(io, opts)));
    for (const p of missingKeys(scenario, io.env, opts.mock ?? false)) io.out(`warning: ${p.path}: ${p.message}`);
    for (const w of sharedPathWarnings(scenario, opts.mock ?? false)) io.out(`warning: ${w}`);
  }
  return ExitCode.Ok;
}

/** renderPlan prints a plan for people, fitted to `width` (none: every column and line in full). */
export function renderPlan(p: Plan, width?: number): string {
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
  const routeRows = (p.routes ?? []).map((r) => [
    r.route,
    r.chain.join(' → '),
    r.expectedRequests === null ? 'depends on latency' : `${r.exact ? '' : '≈'}${r.expectedRequests}`,
  ]);
  return fitText(
    [
      `scenario ${p.scenario}: valid`,
      `  load:     ${p.load}, stop ${p.stop}`,
      `  warmup:   ${p.warmup}`,
      `  workload: ${p.workload}`,
      `  timeouts: ${p.timeouts}`,
      `  connection: ${p.connection}`,
      `  traffic:  ${p.traffic}`,
      ...(p.sweep
        ? [`  sweep:    ${p.sweep} (request estimates below add up every level; a search's, its longest path at its highest level)`]
        : []),
      ...(p.thresholds ? [`  thresholds (a breach exits 3):`, ...p.thresholds.map((t) => `    ${t}`)] : []),
      '',
      // At a narrow console the endpoint is cut short, then the provider and the users drop; the names and requests stay.
      table(['target', 'region', 'provider', 'model', 'users', 'requests', 'endpoint'], rows, 4, {
        width,
        drop: [undefined, undefined, 2, undefined, 1, undefined, undefined],
        fold: [true, true, false, true, false, false, true],
      }),
      ...p.targets.filter((t) => t.mockLatency).map((t) => `  ${t.target}: mock latency ${t.mockLatency}`),
      ...(routeRows.length ? ['', table(['route', 'chain', 'user requests'], routeRows, 2, { width, fold: [true, true] })] : []),
      '',
      allKnown
        ? `expected measured ${p.routes ? 'user requests' : 'requests'}: ${allExact ? '' : '≈'}${total}`
        : 'expected measured requests: depends on server latency (duration-bound)',
    ].join('\n'),
    width,
  );
}
