import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { consoleTable } from '../report/console-table.js';
import { prepareRunDir, RESULT_FILES, RunDirProblem, runId as makeRunId, writeSummaryFiles } from '../report/results-dir.js';
import { parseDurationMs } from '../scenario/duration.js';
import { DEFAULT_MAX_CLOCK_SKEW_MS, mergeRuns, MergeProblem, type MergeInput } from '../summary/merge-runs.js';
import type { RunSummary } from '../summary/run-summary.js';
import { TOOL } from '../version.js';
import { CliError, ExitCode } from './exit-codes.js';
import { reportWidth, type Io } from './io.js';
import { readSummary } from './report.js';
import { exitCodeOf } from './run.js';

export interface MergeCommandOptions {
  out?: string;
  quiet?: boolean;
  force?: boolean;
  exitCode?: boolean;
  maxClockSkew?: string;
  /** Print every column of the console report, whatever the terminal's width. */
  wide?: boolean;
}

/**
 * mergeCommand merges the run directories of a split run's shards (`run --shard i/n`) into one run
 * directory: summary.json with every histogram the exact sum of the shards', report.html,
 * summary.csv and the rest, judged again on the merged numbers. It sends nothing. Exits 0, or
 * with --exit-code the code the merged run would have exited with (3 on a threshold breach…).
 */
export async function mergeCommand(dirs: string[], opts: MergeCommandOptions, io: Io): Promise<ExitCode> {
  const maxClockSkewMs = opts.maxClockSkew === undefined ? DEFAULT_MAX_CLOCK_SKEW_MS : parseDurationMs(opts.maxClockSkew);
  if (maxClockSkewMs === null)
    throw new CliError(
      ExitCode.InvalidInput,
      `--max-clock-skew ${JSON.stringify(opts.maxClockSkew)} is not a duration; write e.g. 500ms or 2s`,
    );
  const inputs: MergeInput[] = [];
  const seen = new Set<string>();
  for (const d of dirs) {
    const dir = resolve(d);
    if (seen.has(dir)) throw new CliError(ExitCode.InvalidInput, `${d} is named twice; name each shard's directory once`);
    seen.add(dir);
    if (
      !(await stat(dir).then(
        (s) => s.isDirectory(),
        () => false,
      ))
    )
      throw new CliError(ExitCode.InvalidInput, `${d}: not a directory; pass the run directories the shards wrote (their --out)`);
    const file = join(dir, RESULT_FILES.summaryJson);
    if (!existsSync(file))
      throw new CliError(
        ExitCode.InvalidInput,
        `${d}: no summary.json (the shard did not finish, or this is not a run directory); rerun the shard, ` +
          `or run \`bakeoff report ${d}\` to rebuild its summary from requests.csv first`,
      );
    inputs.push({ summary: readSummary(file, await readFile(file, 'utf8')), kind: 'shard', dir: d });
  }
  const scenarioName = (inputs[0]?.summary.scenario as { name?: string } | undefined)?.name ?? 'run';
  const id = `${makeRunId(scenarioName, new Date())}-merged`;
  let summary: RunSummary;
  try {
    summary = mergeRuns(inputs, { runId: id, tool: TOOL, maxClockSkewMs });
  } catch (err) {
    if (err instanceof MergeProblem) throw new CliError(ExitCode.InvalidInput, err.message);
    throw err;
  }
  const out = resolve(opts.out ?? join('results', id));
  if (seen.has(out))
    throw new CliError(ExitCode.InvalidInput, `--out ${opts.out} is one of the shards' directories; write the merged run elsewhere`);
  try {
    await prepareRunDir(out, opts.force ?? false);
  } catch (err) {
    if (err instanceof RunDirProblem) throw new CliError(ExitCode.InvalidInput, `--out ${err.message}`);
    throw err;
  }
  const files = await writeSummaryFiles(out, summary);
  if (!opts.quiet) io.out(consoleTable(summary, reportWidth(io, opts)));
  for (const n of summary.merged?.notes ?? []) io.err(`note: ${n}`);
  io.out(
    `${opts.quiet ? '' : '\n'}merged ${inputs.length} shard(s) into ${out}; written: ` +
      `${files.join(', ')} (each request's row stays in its shard's requests.csv)`,
  );
  return opts.exitCode ? exitCodeOf(summary) : ExitCode.Ok;
}
