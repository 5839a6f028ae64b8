import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import {
  compareRuns,
  compareTargets,
  DEFAULT_COMPARE_OPTIONS,
  HistogramProblem,
  type CompareOptions,
  type Comparison,
} from '../summary/compare.js';
import { COMPARE_PERCENTILES, metricId, parseMetricList } from '../summary/compare-metrics.js';
import { readSummaryText } from '../summary/summary-file.js';
import type { RunSummary } from '../summary/run-summary.js';
import { LATENCY_METRICS, type LatencyMetric } from '../scenario/metric-names.js';
import { compareConsole } from '../report/compare-console.js';
import { compareMarkdown } from '../report/compare-markdown.js';
import { compareCsv } from '../report/compare-csv.js';
import { CliError, ExitCode } from './exit-codes.js';
import { reportWidth, type Io } from './io.js';

export interface CompareCommandOptions {
  /** Two targets of one run, baseline first: "us-east,eu-west". */
  targets?: string;
  target?: string;
  vs?: string;
  format?: string;
  out?: string;
  failOn?: string;
  metrics?: string;
  minEffect?: string;
  minErrorDelta?: string;
  confidence?: string;
  resamples?: string;
  seed?: string;
  /** Print every column of the console report, whatever the terminal's width. */
  wide?: boolean;
}

/** COMPARE_FORMATS are what --format takes. */
export const COMPARE_FORMATS = ['console', 'markdown', 'csv', 'json'] as const;
type Format = (typeof COMPARE_FORMATS)[number];

/**
 * compareCommand compares two runs (or two targets of one run) metric by metric and exits
 * CompareRegression when a gated metric got worse beyond noise. Every problem with the command
 * line is reported at once; a file that is not a summary this build reads names itself and the fix.
 */
export async function compareCommand(
  baseline: string,
  current: string | undefined,
  opts: CompareCommandOptions,
  io: Io,
): Promise<ExitCode> {
  const { options, format, pair } = parseOptions(current, opts);
  let c: Comparison;
  try {
    if (pair) {
      const run = await loadSummary(baseline);
      const r = compareTargets(run.summary, run.file, pair[0], pair[1], options);
      if ('error' in r) throw new CliError(ExitCode.InvalidInput, r.error);
      c = r;
    } else {
      const [b, cur] = [await loadSummary(baseline), await loadSummary(current!)];
      c = compareRuns(
        b.summary,
        cur.summary,
        {
          baseline: { label: 'baseline', runId: b.summary.runId, file: b.file },
          current: { label: 'current', runId: cur.summary.runId, file: cur.file },
        },
        options,
      );
    }
  } catch (err) {
    if (err instanceof HistogramProblem) throw new CliError(ExitCode.InvalidInput, err.message);
    throw err;
  }
  if (opts.out) {
    const path = resolve(opts.out);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, render(c, format ?? formatOfFile(path)));
    io.out(compareConsole(c, reportWidth(io, opts)));
    io.out(`\nwritten: ${path}`);
  } else io.out(render(c, format ?? 'console', reportWidth(io, opts)));
  return c.regressions.length ? ExitCode.CompareRegression : ExitCode.Ok;
}

function render(c: Comparison, format: Format, width?: number): string {
  switch (format) {
    case 'console':
      return compareConsole(c, width);
    case 'markdown':
      return compareMarkdown(c);
    case 'csv':
      return compareCsv(c);
    case 'json':
      return JSON.stringify(c, null, 2);
  }
}

// --out report.md writes markdown, .csv CSV, .json JSON, anything else the console text.
function formatOfFile(path: string): Format {
  const ext = extname(path).toLowerCase();
  return ext === '.md' ? 'markdown' : ext === '.csv' ? 'csv' : ext === '.json' ? 'json' : 'console';
}

// Every option read, or one invalid-input error listing every problem.
function parseOptions(
  current: string | undefined,
  o: CompareCommandOptions,
): { options: CompareOptions; format: Format | undefined; pair: [string, string] | null } {
  const problems: string[] = [];
  const options: CompareOptions = { ...DEFAULT_COMPARE_OPTIONS };
  const pair = targetPair(current, o, problems);
  const format = formatOption(o.format, problems);
  readLatencies(o.metrics, options, problems);
  readGate(o.failOn, options, problems);
  readStatistics(o, options, problems);
  if (problems.length)
    throw new CliError(
      ExitCode.InvalidInput,
      `compare: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n${problems.map((p) => `  ${p}`).join('\n')}`,
    );
  return { options, format, pair };
}

// The two targets of one run (--targets A,B or --target A --vs B), or null when two runs are compared.
function targetPair(current: string | undefined, o: CompareCommandOptions, problems: string[]): [string, string] | null {
  let pair: [string, string] | null = null;
  if (o.targets !== undefined && (o.target !== undefined || o.vs !== undefined))
    problems.push('give --targets A,B or --target A --vs B, not both');
  else if (o.targets !== undefined) {
    const names = o.targets
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (names.length === 2) pair = [names[0]!, names[1]!];
    else problems.push(`--targets takes two target names, baseline first: --targets us-east,eu-west (got ${JSON.stringify(o.targets)})`);
  } else if (o.target !== undefined || o.vs !== undefined) {
    if (o.target !== undefined && o.vs !== undefined) pair = [o.target, o.vs];
    else problems.push('--target A needs --vs B (and --vs B needs --target A): the baseline target and the one compared with it');
  }
  if (pair && current !== undefined)
    problems.push(`two targets of one run take one run: bakeoff compare <run-dir> --targets A,B (got a second path, ${current})`);
  if (!pair && current === undefined)
    problems.push(
      'compare needs two runs, baseline first (bakeoff compare results/<baseline-run> ' +
        'results/<current-run>), or one run and two of its targets (--targets A,B)',
    );
  return pair;
}

function formatOption(text: string | undefined, problems: string[]): Format | undefined {
  if (text === undefined) return undefined;
  if ((COMPARE_FORMATS as readonly string[]).includes(text)) return text as Format;
  problems.push(`--format ${JSON.stringify(text)}: use one of ${COMPARE_FORMATS.join(', ')}`);
  return undefined;
}

// --metrics: which latencies the report shows.
function readLatencies(text: string | undefined, options: CompareOptions, problems: string[]): void {
  if (text === undefined) return;
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = names.filter((n) => !(LATENCY_METRICS as readonly string[]).includes(n));
  if (bad.length || !names.length)
    problems.push(
      `--metrics ${JSON.stringify(text)}: latency names, comma-separated, from ` +
        `${LATENCY_METRICS.join(', ')} (percentiles ${COMPARE_PERCENTILES.slice(0, 2).join(', ')} and p99 are shown for each)`,
    );
  else options.latencies = names as LatencyMetric[];
}

// --fail-on: which metrics, when regressed, set the exit code.
function readGate(failOn: string | undefined, options: CompareOptions, problems: string[]): void {
  if (failOn === undefined) return;
  const text = failOn.trim();
  if (text === 'none') options.gate = [];
  else if (text === 'all') options.gate = 'all';
  else {
    const parsed = parseMetricList(text);
    if ('errors' in parsed) problems.push(...parsed.errors.map((e) => `--fail-on: ${e}; or "all", or "none"`));
    else if (!parsed.metrics.length) problems.push('--fail-on is empty: name metrics (ttft.p99,errorRate), "all" or "none"');
    else options.gate = parsed.metrics.map(metricId);
  }
}

// The numeric flags that tune the statistics: noise floors, confidence, resampling.
function readStatistics(o: CompareCommandOptions, options: CompareOptions, problems: string[]): void {
  const num = (
    flag: string,
    text: string | undefined,
    read: (x: number, percent: boolean) => number | string,
    set: (v: number) => void,
  ) => {
    if (text === undefined) return;
    const m = /^\s*([0-9]*\.?[0-9]+)\s*(%?)\s*$/.exec(text);
    const v = m ? read(Number(m[1]), m[2] === '%') : `is not a number`;
    if (typeof v === 'string') problems.push(`${flag} ${JSON.stringify(text)}: ${v}`);
    else set(v);
  };
  num(
    '--min-effect',
    o.minEffect,
    (x) => (x < 100 ? x / 100 : 'a relative change in percent below 100, e.g. 2%'),
    (v) => (options.minEffect = v),
  );
  num(
    '--min-error-delta',
    o.minErrorDelta,
    (x) => (x <= 100 ? x / 100 : 'percentage points of error rate, e.g. 0.1%'),
    (v) => (options.minErrorDelta = v),
  );
  num(
    '--confidence',
    o.confidence,
    (x, percent) => {
      const c = percent || x >= 1 ? x / 100 : x;
      return c >= 0.5 && c <= 0.999 ? c : 'a confidence level from 50% to 99.9%, e.g. 99% or 0.95';
    },
    (v) => (options.confidence = v),
  );
  num(
    '--resamples',
    o.resamples,
    (x, percent) =>
      !percent && Number.isInteger(x) && x >= 200 && x <= 100_000 ? x : 'a whole number of bootstrap resamples from 200 to 100000',
    (v) => (options.resamples = v),
  );
  num(
    '--seed',
    o.seed,
    (x, percent) => (!percent && Number.isInteger(x) && x < 2 ** 32 ? x : 'a whole number from 0 to 4294967295'),
    (v) => (options.seed = v),
  );
}

// A run directory or a summary.json, read and checked; every problem names the path and the fix.
async function loadSummary(path: string): Promise<{ summary: RunSummary; file: string }> {
  let file = resolve(path);
  const info = await stat(file).catch(() => null);
  if (!info)
    throw new CliError(
      ExitCode.InvalidInput,
      `${path}: no such file or directory; pass a run directory (results/<run-id>) or its summary.json`,
    );
  if (info.isDirectory()) {
    file = join(file, 'summary.json');
    if (!(await stat(file).catch(() => null)))
      throw new CliError(
        ExitCode.InvalidInput,
        `${path}: no summary.json in this directory; pass a run directory written by bakeoff run (results/<run-id>)`,
      );
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CliError(ExitCode.InvalidInput, `${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const r = readSummaryText(text);
  if ('problem' in r) throw new CliError(ExitCode.InvalidInput, `${file}: ${r.problem}`);
  return { summary: r.summary, file };
}
