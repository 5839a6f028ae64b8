import { join, resolve } from 'node:path';
import { loadInputs } from './load-inputs.js';
import { runScenario } from '../runner/run-scenario.js';
import { missingKeys } from '../runner/endpoints.js';
import { startMockInWorker } from '../mock/worker-host.js';
import { requestsCsvWriter } from '../report/requests-csv.js';
import { ensureDir, runId as makeRunId, writeSummaryFiles, RESULT_FILES } from '../report/results-dir.js';
import { consoleTable } from '../report/console-table.js';
import { planScenario } from '../scenario/plan.js';
import { ExitCode } from './exit-codes.js';
import type { Io } from './io.js';
import { invalidInput } from './problems.js';
import { Progress } from './progress.js';

export interface RunCommandOptions {
  out?: string;
  quiet?: boolean;
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
  const { scenario, trace } = await loadInputs(file);
  const keys = missingKeys(scenario, io.env);
  if (keys.length) throw invalidInput(file, keys);

  const id = makeRunId(scenario.name, new Date());
  const dir = resolve(opts.out ?? join('results', id));
  await ensureDir(dir);
  const plan = planScenario(scenario, trace?.length);
  io.err(`run ${id}: ${scenario.targets.length} target(s), ${plan.load}, stop ${plan.stop}; writing ${dir}`);

  const rows = requestsCsvWriter(join(dir, RESULT_FILES.requestsCsv));
  const progress = new Progress();
  const tick = opts.quiet
    ? undefined
    : setInterval(
        () => {
          const line = progress.line();
          if (io.isTty) process.stderr.write(`\r\x1b[2K${line}`);
          else io.err(line);
        },
        io.isTty ? 1000 : 5000,
      );
  let summary;
  try {
    summary = await runScenario(scenario, {
      runId: id,
      env: io.env,
      startMock: startMockInWorker,
      ...(trace ? { trace } : {}),
      stop: signals.stop,
      hardStop: signals.hardStop,
      onResult: (r) => {
        rows.write(r);
        progress.onResult(r);
      },
    });
  } finally {
    if (tick) clearInterval(tick);
    if (tick && io.isTty) process.stderr.write('\r\x1b[2K');
    await rows.close();
  }
  const files = await writeSummaryFiles(dir, summary);
  io.out(consoleTable(summary));
  io.out(`\nresults: ${[...files, join(dir, RESULT_FILES.requestsCsv)].join(', ')}`);
  return summary.status === 'interrupted' ? ExitCode.Interrupted : ExitCode.Ok;
}
