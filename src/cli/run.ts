import { join, relative, resolve } from 'node:path';
import { loadInputs, type Inputs } from './load-inputs.js';
import { runScenario } from '../runner/run-scenario.js';
import { runRecordOutput, type RunRecordOf } from '../runner/run-record.js';
import { missingKeys } from '../runner/endpoints.js';
import { startMockInWorker } from '../mock/worker-host.js';
import { requestsCsvWriter } from '../output/requests-csv.js';
import {
  prepareRunDir,
  RunDirProblem,
  runId as makeRunId,
  writeAtomically,
  writeSummaryFiles,
  RESULT_FILES,
} from '../report/results-dir.js';
import { consoleTable } from '../report/console-table.js';
import { wrap } from '../report/text-table.js';
import { planScenario, plannedSpend, type Plan } from '../runner/plan.js';
import { sharedPathWarnings, withPathWarnings } from '../runner/shared-paths.js';
import { estimateCost, estimateLine } from '../cost/estimate.js';
import { CliError, ExitCode } from './exit-codes.js';
import { noSuccessLine } from '../summary/no-success.js';
import { invalidInput } from './problems.js';
import { DEFAULT_CONFIRM_ABOVE_USD, type Scenario } from '../scenario/schema.js';
import { withSweepFlag } from '../scenario/sweep-flag.js';
import { reportWidth, shortPath, type Io } from './io.js';
import type { RunSummary } from '../summary/run-summary.js';
import { progressOutput, type ProgressRun } from './progress-output.js';
import { fileDescriptorLimit } from '../runner/machine.js';
import { machineLimitProblems } from '../runner/machine-limits.js';
import { hostname } from 'node:os';
import { ONE_SHARE, parseShare, splitProblems, type Share } from '../scenario/share.js';
import { monotonicClock } from '../metrics/clock.js';
import { goodputPlanOf } from '../metrics/goodput.js';
import type { RunOutput } from '../metrics/run-output.js';
import { runInWorkers, workersFor } from '../runner/workers.js';
import type { ShardOf } from '../summary/shard-tag.js';
import { metricsFlags, startLiveMetrics, type LiveMetricsRun, type MetricsFlagValues } from './live-metrics-flags.js';

export interface RunCommandOptions extends MetricsFlagValues {
  out?: string;
  quiet?: boolean;
  /** true: sweep as the scenario's sweep block says; a string: "rate=5,10,20" or "concurrency=1,2,4". */
  sweep?: true | string;
  /** Run every target on the embedded mock instead of its real endpoint. */
  mock?: boolean;
  /** Confirm a run whose estimated cost is above budget.confirmAboveUsd (needed when not on a terminal). */
  yes?: boolean;
  /** Overwrite a non-empty --out directory, and run past the limits of this machine that validate checks. */
  force?: boolean;
  /** Run only shard "i/n" of the load (0-based), for a run split across machines and merged with `bakeoff merge`. */
  shard?: string;
  /** Where this shard's load comes from (a label in the reports: agent region × target region). */
  agentRegion?: string;
  /** Start sending at this wall-clock time (ISO-8601): shards started apart begin together. */
  startAt?: string;
  /** Worker threads to split the load over (a number, or "auto"). */
  workers?: string;
  /** Print every column of the console report, whatever the terminal's width. */
  wide?: boolean;
}

/** Signals are the stop requests a run listens to (wired to SIGINT/SIGTERM by main). */
export interface Signals {
  stop: AbortSignal;
  hardStop: AbortSignal;
}

/**
 * runCommand validates a scenario, runs it, streams requests.csv, writes summary.json and
 * summary.csv, and prints the summary table. An interrupted run still writes everything it
 * measured and exits 130.
 */
export async function runCommand(file: string, opts: RunCommandOptions, io: Io, signals: Signals): Promise<ExitCode> {
  const metricsAt = metricsFlags(opts);
  const inputs = await loadInputs(file);
  const trace = inputs.trace;
  const scenario = opts.sweep === undefined ? inputs.scenario : sweptScenario(file, inputs.scenario, opts.sweep);
  const keys = missingKeys(scenario, io.env, opts.mock ?? false);
  if (keys.length) throw invalidInput(file, keys);
  const split = splitFlags(opts, scenario, file);
  const fdLimit = fileDescriptorLimit();
  const limits = opts.force ? [] : machineLimitProblems(scenario, { fileDescriptorLimit: fdLimit }, opts.mock ?? false);
  if (limits.length) throw invalidInput(file, limits);

  const id = makeRunId(scenario.name, new Date());
  const dir = resolve(opts.out ?? join('results', id));
  const plan = planScenario(scenario, trace?.length, opts.mock ?? false);
  const estimate = estimateCost(scenario, plannedSpend(scenario, plan, opts.mock ?? false), inputs.pricing);
  io.err(`estimated cost: ${estimateLine(estimate)}`);
  const confirmAbove = scenario.budget?.confirmAboveUsd ?? DEFAULT_CONFIRM_ABOVE_USD;
  if (estimate.usd > confirmAbove && !opts.yes) await confirmCost(estimate.usd, confirmAbove, io);
  if (scenario.budget?.maxUsd !== undefined && estimate.usd > scenario.budget.maxUsd)
    io.err(`note: the estimate is above budget.maxUsd $${scenario.budget.maxUsd}; the run will stop before crossing it`);
  const pathWarnings = sharedPathWarnings(scenario, opts.mock ?? false);
  for (const w of pathWarnings) io.err(`warning: ${w}`);
  // The metrics port is bound before anything is written or sent: a port in use stops here.
  const live = metricsAt ? await startLiveMetrics(metricsAt, { scenario, runId: id }, io) : null;
  try {
    return await runAndReport(
      { file, scenario, inputs, id, dir, plan, estimateUsd: estimate.usd, fdLimit, split, pathWarnings },
      opts,
      io,
      signals,
      live,
    );
  } finally {
    await live?.close();
  }
}

// A run checked and planned, ready to go.
interface Checked {
  file: string;
  scenario: Scenario;
  inputs: Inputs;
  id: string;
  dir: string;
  plan: Plan;
  estimateUsd: number;
  fdLimit: number | undefined;
  split: Split;
  /** Targets with different region labels that reach one host (sharedPaths): added to the summary's warnings. */
  pathWarnings: string[];
}

// runAndReport prepares the run directory, runs the scenario streaming requests.csv (and the live
// metrics, when served), writes the summary files, prints the report and returns the exit code.
async function runAndReport(
  run: Checked,
  opts: RunCommandOptions,
  io: Io,
  signals: Signals,
  live: LiveMetricsRun | null,
): Promise<ExitCode> {
  const { scenario, inputs, id, dir, plan, fdLimit, split } = run;
  const trace = inputs.trace;
  try {
    await prepareRunDir(dir, opts.force ?? false);
  } catch (err) {
    if (err instanceof RunDirProblem) throw new CliError(ExitCode.InvalidInput, `--out ${err.message}`);
    throw err;
  }
  io.err(`run ${id}: ${scenario.targets.length} target(s), ${plan.load}, stop ${plan.stop}; writing ${shortPath(dir)}`);
  if (split.workers > 1)
    io.err(
      `${split.workers} worker threads: each sends one arrival in ${split.workers} of ` +
        `${split.share ? "this shard's part of " : ''}the load`,
    );
  if (split.share)
    io.err(
      `shard ${split.share.index}/${split.share.count}${split.agentRegion ? ` from ${split.agentRegion}` : ''}: ` +
        `one arrival in ${split.share.count} of the load, from arrival ${split.share.index}`,
    );
  if (split.startAtEpochMs !== undefined)
    io.err(`starting at ${new Date(split.startAtEpochMs).toISOString()} (${waitWords(split.startAtEpochMs - Date.now())})`);

  const shard: ShardOf | undefined = split.share
    ? {
        share: split.share,
        agentRegion: split.agentRegion ?? null,
        host: hostname(),
        ...(split.startAtEpochMs !== undefined ? { startAtEpochMs: split.startAtEpochMs } : {}),
      }
    : undefined;
  const record = { scenario, runId: id, pricing: inputs.pricing, ...(shard ? { shard } : {}) };
  const progress = { scenario, plan, pricing: inputs.pricing, estimateUsd: run.estimateUsd, sharded: Boolean(split.share) };
  const outputs = runOutputs(record, dir, opts, io, live, progress);
  const measured =
    split.workers > 1
      ? await runInWorkers({
          file: resolve(run.file),
          runId: id,
          env: { ...io.env },
          useMock: opts.mock ?? false,
          share: split.share ?? ONE_SHARE,
          workers: split.workers,
          clock: monotonicClock(),
          ...(split.startAtEpochMs !== undefined ? { startAtEpochMs: split.startAtEpochMs } : {}),
          ...(fdLimit !== undefined ? { fileDescriptorLimit: fdLimit } : {}),
          stop: signals.stop,
          hardStop: signals.hardStop,
          outputs,
          ...(shard ? { shard } : {}),
        })
      : await runScenario(scenario, {
          runId: id,
          env: io.env,
          startMock: startMockInWorker,
          useMock: opts.mock ?? false,
          pricing: inputs.pricing,
          ...(fdLimit !== undefined ? { fileDescriptorLimit: fdLimit } : {}),
          ...(trace ? { trace } : {}),
          ...(inputs.datasets ? { datasets: inputs.datasets } : {}),
          stop: signals.stop,
          hardStop: signals.hardStop,
          ...(split.share ? { share: split.share } : {}),
          ...(shard ? { shard } : {}),
          ...(split.startAtEpochMs !== undefined ? { startAtEpochMs: split.startAtEpochMs } : {}),
          onStep: (step) => io.err(`sweep level ${step}`),
          outputs,
        });
  const summary = withPathWarnings(measured, run.pathWarnings);
  // Every result is in: the next scrape reads the final numbers while the files are written.
  const finalScrape = live?.finalScrape(signals.stop);
  const files = await writeSummaryFiles(dir, summary);
  const width = reportWidth(io, opts);
  io.out(consoleTable(summary, width));
  io.out(`\n${resultsLine(dir, [...files, join(dir, RESULT_FILES.requestsCsv)], width)}`);
  await finalScrape;
  return exitCodeOf(summary);
}

// resultsLine names the run's directory (relative to the working directory, when under it) and the files in it.
function resultsLine(dir: string, files: readonly string[], width: number | undefined): string {
  const names = files.map((f) => (f.startsWith(dir) ? relative(dir, f) + (f.endsWith('/') ? '/' : '') : f));
  return wrap(`results: ${shortPath(dir)}/ (${names.join(', ')})`, width).join('\n');
}

// runOutputs is where a run's results go as they happen: requests.csv, run.json (on start), the
// progress (unless --quiet), and the live metrics when served. The runner starts and stops them.
function runOutputs(
  record: RunRecordOf,
  dir: string,
  opts: RunCommandOptions,
  io: Io,
  live: LiveMetricsRun | null,
  progress: ProgressRun,
): RunOutput[] {
  return [
    requestsCsvWriter(join(dir, RESULT_FILES.requestsCsv), goodputPlanOf(record.scenario)),
    runRecordOutput(record, (text) => writeAtomically(join(dir, RESULT_FILES.runJson), text)),
    ...(opts.quiet ? [] : [progressOutput(progress, io)]),
    ...(live ? [live.metrics] : []),
  ];
}

/**
 * exitCodeOf: the user's stop and the budget explain an early end first; then whether the numbers
 * are the targets' (an invalid run never passes or fails its thresholds: it exits 5); then the
 * thresholds; then a run that breached nothing but in which no request succeeded (7: never green).
 */
export function exitCodeOf(summary: RunSummary): ExitCode {
  if (summary.status === 'interrupted') return ExitCode.Interrupted;
  if (summary.status === 'budget') return ExitCode.BudgetReached;
  if (!summary.validity.valid) return ExitCode.RunInvalid;
  if (summary.thresholds?.passed === false) return ExitCode.ThresholdsBreached;
  if (noSuccessLine(summary)) return ExitCode.NoSuccess;
  return ExitCode.Ok;
}

// The scenario with --sweep applied, or the invalid-input error naming what is wrong with the flag.
function sweptScenario(file: string, s: Scenario, flag: true | string): Scenario {
  const v = withSweepFlag(s, flag);
  if (!v.ok) throw invalidInput(file, v.problems);
  return v.scenario;
}

// confirmCost asks before a run estimated above confirmAboveUsd: on a terminal, "continue? [y/N]", waiting for a yes;
// off one (nobody to ask), it refuses at once. Either refusal sends nothing (exit 2).
async function confirmCost(usd: number, above: number, io: Io): Promise<void> {
  const over = `estimated cost $${money(usd, above)} is above $${money(above, usd)} (budget.confirmAboveUsd)`;
  if (!io.ask) throw new CliError(ExitCode.InvalidInput, `${over}; pass --yes to run it, or lower the load`);
  const answer = await io.ask(`${over}; continue? [y/N] `);
  if (!/^\s*y(es)?\s*$/i.test(answer ?? ''))
    throw new CliError(ExitCode.InvalidInput, `${over}: not confirmed, nothing sent (--yes skips the question)`);
}

// Dollars to the cent, or to 4 decimals when the cent would make two different amounts look equal.
function money(x: number, other: number): string {
  return x.toFixed(2) === other.toFixed(2) ? x.toFixed(4) : x.toFixed(2);
}

/** Split is how this process's run is part of a larger one. */
interface Split {
  /** Worker threads this process splits its load over (1: the load runs in the main thread). */
  workers: number;
  share?: Share;
  agentRegion?: string;
  startAtEpochMs?: number;
}

// The flags that make a run one part of a split load, checked against the scenario.
function splitFlags(opts: RunCommandOptions, scenario: Scenario, file: string): Split {
  const out: Split = { workers: 1 };
  if (opts.shard !== undefined) {
    const p = parseShare(opts.shard);
    if (!p.ok) throw new CliError(ExitCode.InvalidInput, `--shard ${p.problem}`);
    const problems = splitProblems(scenario, p.share.count, '--shard');
    if (problems.length) throw invalidInput(file, problems);
    out.share = p.share;
  }
  if (opts.agentRegion !== undefined) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(opts.agentRegion))
      throw new CliError(
        ExitCode.InvalidInput,
        `--agent-region "${opts.agentRegion}": use letters, digits, ".", "_" or "-" (e.g. eu-west-1)`,
      );
    if (!out.share)
      throw new CliError(ExitCode.InvalidInput, '--agent-region labels a shard: pass --shard i/n with it (--shard 0/1 for a single agent)');
    out.agentRegion = opts.agentRegion;
  }
  if (opts.startAt !== undefined) {
    const at = Date.parse(opts.startAt);
    if (!/^\d{4}-\d{2}-\d{2}T/.test(opts.startAt) || !Number.isFinite(at))
      throw new CliError(
        ExitCode.InvalidInput,
        `--start-at "${opts.startAt}" is not an ISO-8601 time; write e.g. 2026-12-01T02:00:00Z (UTC), the same for every shard`,
      );
    if (at - Date.now() > MAX_START_WAIT_MS)
      throw new CliError(
        ExitCode.InvalidInput,
        `--start-at ${opts.startAt} is more than 24 hours away; schedule the shards closer to it (or check the date)`,
      );
    out.startAtEpochMs = at;
  }
  const shardCount = out.share?.count ?? 1;
  const w = workersFor(opts.workers, scenario, shardCount);
  if ('problem' in w) throw new CliError(ExitCode.InvalidInput, w.problem);
  if (w.workers > 1) {
    const problems = splitProblems(
      scenario,
      shardCount * w.workers,
      shardCount > 1 ? `--shard × --workers ${w.workers}` : `--workers ${w.workers}`,
    );
    if (problems.length) throw invalidInput(file, problems);
  }
  out.workers = w.workers;
  return out;
}

// A shard waits at most this long for its --start-at.
const MAX_START_WAIT_MS = 24 * 3_600_000;

function waitWords(ms: number): string {
  return ms <= 0 ? `${Math.round(-ms)} ms ago: starting now` : `in ${(ms / 1000).toFixed(1)} s`;
}
