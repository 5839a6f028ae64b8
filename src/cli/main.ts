#!/usr/bin/env node
import { mergeCommand, type MergeCommandOptions } from './merge.js';
import { Command, CommanderError, Option } from 'commander';
import { TOOL } from '../version.js';
import { CliError, ExitCode } from './exit-codes.js';
import { processIo } from './io.js';
import { runCommand, type RunCommandOptions } from './run.js';
import { validateCommand } from './validate.js';
import { mockCommand } from './mock.js';
import { probeCommand } from './probe.js';
import { costCommand } from './cost.js';
import { reportCommand } from './report.js';
import { compareCommand, type CompareCommandOptions } from './compare.js';

// The only module that reads argv, installs signal handlers and calls process.exit.

const io = processIo();
const stop = new AbortController();
const hardStop = new AbortController();
let signalled = 0;
// The first signal stops sending and lets in-flight requests finish; the second aborts them, and
// the run writes what it measured — but never takes more than HARD_EXIT_MS to go: whatever is
// stuck (a file system that does not answer, a server that never closes), the process exits.
const HARD_EXIT_MS = 1_000;
const onSignal = (sig: NodeJS.Signals) => {
  signalled++;
  if (signalled === 1) {
    io.err(`\n${sig}: stopping — no new requests; waiting for in-flight ones (again to abort them)`);
    stop.abort(sig);
  } else if (signalled === 2) {
    io.err(`\n${sig}: aborting in-flight requests; exiting within ${HARD_EXIT_MS / 1000} s`);
    hardStop.abort(sig);
    setTimeout(() => {
      io.err(`exiting now: results may be incomplete (requests.csv holds whole rows)`);
      process.exit(ExitCode.Interrupted);
    }, HARD_EXIT_MS).unref();
  } else process.exit(ExitCode.Interrupted);
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const program = new Command()
  .name('bakeoff')
  .description('Load-test and compare OpenAI-compatible chat-completion endpoints across providers and regions')
  .version(TOOL.version)
  .exitOverride()
  .configureOutput({ writeErr: (s) => io.err(s.trimEnd()), writeOut: (s) => io.out(s.trimEnd()) });

let exitCode: ExitCode = ExitCode.Ok;

program
  .command('run')
  .description('run a scenario; writes results/<run-id>/ (summary.json, summary.csv, requests.csv) and prints a summary')
  .argument('<scenario>', 'scenario file (.yaml, .yml or .json)')
  .option('-o, --out <dir>', 'write results here instead of results/<run-id>/')
  .option('-q, --quiet', 'no live progress line')
  .option('--wide', "print every column of the console report, whatever the terminal's width (see COLUMNS)")
  .option('--mock', 'run every target on the embedded mock (its mock: block, or a default profile) instead of its real endpoint')
  .option('-y, --yes', 'run even if the estimated cost is above budget.confirmAboveUsd, without asking (needed when not on a terminal)')
  .option('--force', 'overwrite a non-empty --out directory; run a load beyond what this machine is checked to handle')
  .option(
    '--sweep [levels]',
    'capacity sweep: step the load and report the knee; levels as "rate=5,10,20" or ' +
      '"concurrency=1,2,4", or search for the highest level meeting the goodput bounds: "search:concurrency=1..64@95%" ' +
      "(default: the scenario's sweep block)",
  )
  .option(
    '--metrics-port <port>',
    'serve live Prometheus metrics at http://HOST:PORT/metrics during the run (0 picks a free port; the URL is printed)',
  )
  .option('--metrics-host <host>', 'address the metrics server binds (default: 127.0.0.1)')
  .option(
    '--metrics-linger <duration>',
    'after the run, keep serving until the next scrape, at most this long, e.g. 15s (default: 0s, stop at once)',
  )
  .option('--workers <n>', "worker threads to split the load over: a number, or auto (the machine's cores; 1 for a small load)", 'auto')
  .option('--shard <i/n>', 'run only shard i of n (0-based) of the load, to merge later with `bakeoff merge`')
  .option('--agent-region <region>', "where this shard's load comes from, shown as agent region × target region (with --shard)")
  .option('--start-at <time>', 'start sending at this ISO-8601 time, e.g. 2026-12-01T02:00:00Z: shards begin together')
  .action(async (file: string, opts: RunCommandOptions) => {
    exitCode = await runCommand(file, opts, io, { stop: stop.signal, hardStop: hardStop.signal });
  });

program
  .command('validate')
  .description('check a scenario, print every problem with its path, or print its plan')
  .argument('<scenario>', 'scenario file (.yaml, .yml or .json)')
  .option('--json', 'print the plan (or the problems) as JSON')
  .option('--mock', 'plan as if every target ran on the embedded mock')
  .option('--force', 'skip the checks of what this machine can run')
  .option('--wide', "print every column of the console report, whatever the terminal's width (see COLUMNS)")
  .action(async (file: string, opts: { json?: boolean; mock?: boolean; force?: boolean; wide?: boolean }) => {
    exitCode = await validateCommand(file, opts, io);
  });

program
  .command('probe')
  .description('send one small request per feature to each target and print what works (streaming, usage, token-limit field, models list)')
  .argument('<scenario>', 'scenario file (.yaml, .yml or .json)')
  .option('--mock', 'probe the embedded mock stand-ins instead of the real endpoints')
  .option('--json', 'print the results as JSON')
  .option('--timeout <seconds>', 'per-request timeout', '30')
  .option('--wide', "print every column of the console report, whatever the terminal's width (see COLUMNS)")
  .action(async (file: string, opts: { mock?: boolean; json?: boolean; timeout?: string; wide?: boolean }) => {
    exitCode = await probeCommand(file, opts, io);
  });

program
  .command('report')
  .description(
    'rebuild every output of a run (report.md, junit.xml, .hgrm, summary.csv, the console report) from ' +
      'its directory, sending nothing; a run without summary.json is rebuilt from requests.csv',
  )
  .argument('<run-dir>', 'a run directory (results/<run-id>/)')
  .option('-q, --quiet', 'print only the files written')
  .option('--exit-code', 'exit with the code the run would have (3 on a threshold breach, 5 if invalid...)')
  .option('--wide', "print every column of the console report, whatever the terminal's width (see COLUMNS)")
  .action(async (dir: string, opts: { quiet?: boolean; exitCode?: boolean; wide?: boolean }) => {
    exitCode = await reportCommand(dir, opts, io);
  });

program
  .command('merge')
  .description(
    "merge the run directories of a split run's shards (run --shard i/n) into one run directory: exact " +
      'histogram sums, judged again; sends nothing',
  )
  .argument('<dirs...>', "the shards' run directories")
  .option('-o, --out <dir>', 'write the merged run here instead of results/<run-id>-merged/')
  .option('-q, --quiet', 'print only the files written')
  .option('--force', 'overwrite a non-empty --out directory')
  .option(
    '--max-clock-skew <duration>',
    "refuse shards whose clocks differ by more than this, from their targets' Date headers (default: 500ms)",
  )
  .option('--exit-code', 'exit with the code the merged run would have (3 on a threshold breach, 5 if invalid...)')
  .option('--wide', "print every column of the console report, whatever the terminal's width (see COLUMNS)")
  .action(async (dirs: string[], opts: MergeCommandOptions) => {
    exitCode = await mergeCommand(dirs, opts, io);
  });

program
  .command('cost')
  .description('monthly spend projection for workload volumes × models from a pricing catalog (table + CSV)')
  .argument('<projection>', 'projection file (.yaml or .json): workloads with volumes and tokens per request')
  .option('--catalog <file>', 'pricing catalog (default: the shipped pricing/catalog.yaml)')
  .option('--from <run-dir>', "take tokens per request from a run's measured shapes")
  .option('--csv <file>', 'write the CSV here (default: results/cost-<projection>.csv)')
  .option('--wide', "print every column of the console report, whatever the terminal's width (see COLUMNS)")
  .action(async (file: string, opts: { catalog?: string; from?: string; csv?: string; wide?: boolean }) => {
    exitCode = await costCommand(file, opts, io);
  });

program
  .command('compare')
  .description(
    'compare two runs (baseline, then current) metric by metric, or two targets of one run; exits 6 ' +
      'when a gated metric regressed beyond noise',
  )
  .argument('<baseline>', 'baseline run directory (results/<run-id>) or its summary.json; with --targets, the run')
  .argument('[current]', 'current run directory or summary.json')
  .option('--targets <a,b>', 'compare two targets (or routes) of one run, baseline first: --targets us-east,eu-west')
  .option('--target <a>', 'the baseline target of one run (with --vs)')
  .option('--vs <b>', 'the target compared with --target')
  .option('--format <format>', 'console (default), markdown, csv or json')
  .option(
    '-o, --out <file>',
    'write the report to this file (format from --format, else from the extension: .md, .csv, .json); ' +
      'the console report still goes to stdout',
  )
  .option(
    '--fail-on <metrics>',
    'metrics whose regression exits 6, comma-separated, e.g. ttft.p99,errorRate; "all" or "none"',
    'ttft.p50,ttft.p99,e2e.p50,e2e.p99,itl.p50,errorRate',
  )
  .option('--metrics <latencies>', 'latencies compared (at p50, p90, p99)', 'ttft,itl,e2e,tpot,headers')
  .option('--min-effect <percent>', 'smallest relative change called a regression or improvement (latencies, req/s)', '2%')
  .option('--min-error-delta <points>', 'smallest error-rate change called one, in percentage points', '0.1%')
  .option('--confidence <level>', 'confidence level of every interval', '99%')
  .option('--resamples <n>', 'bootstrap resamples per metric', '2000')
  .option('--seed <n>', 'seed of the bootstrap draws (same seed, same intervals)', '1')
  .option('--wide', "print every column of the console report, whatever the terminal's width (see COLUMNS)")
  .action(async (baseline: string, current: string | undefined, opts: CompareCommandOptions) => {
    exitCode = await compareCommand(baseline, current, opts, io);
  });

program
  .command('mock')
  .description(
    'run the embedded mock server: OpenAI-compatible POST /v1/chat/completions, Anthropic-style POST /v1/messages, GET /v1/models, ' +
      "and Azure OpenAI's, Vertex AI's and Amazon Bedrock's paths",
  )
  .option('-p, --port <port>', 'port to listen on (0 picks a free one)', '8080')
  .option('--host <host>', 'address to bind', '127.0.0.1')
  .option('--rtt-ms <ms|json>', 'network round trip before headers (ms, or a JSON distribution)')
  .option('--ttft-ms <ms|json>', 'time from headers to the first token (ms, or a JSON distribution)')
  .option('--itl-ms <ms|json>', 'gap between tokens (ms, or a JSON distribution)')
  .option('--output-tokens <n|json>', 'natural completion length (default: run to max_tokens)')
  .option('--seed <n>', 'seed of the latency draws')
  .option('--slots <n>', 'requests served at once; more wait in line (default: unlimited)')
  .option('--capacity <n>', 'requests served at full speed; beyond it TTFT and gaps stretch by in-flight ÷ n (default: unlimited)')
  .option('--shape <name>', "whose live stream shape to serve: plain|openai|gemini|deepseek|anthropic (default: the mock's own, plain)")
  .option('--cached-prompt-tokens <n>', 'prompt tokens the usage reports as prompt-cache hits (default 0)')
  .option(
    '--fault <json...>',
    'inject a fault, e.g. \'{"kind":"http_503","from":"10s","to":"25s"}\' (kinds: ' +
      'http_500|http_502|http_503|http_429|hang|stall|reset|slow|malformed); repeatable',
  )
  .addOption(new Option('--model <id...>', 'model ids listed by GET /v1/models').default(['mock-model']))
  .action(async (opts) => {
    const stopped = new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve(), { once: true }));
    exitCode = await mockCommand(opts, io, stopped);
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // --help and --version arrive here too, with exit code 0.
    exitCode = err.exitCode === 0 ? ExitCode.Ok : ExitCode.InvalidInput;
  } else if (err instanceof CliError) {
    io.err(`error: ${err.message}`);
    exitCode = err.exitCode;
  } else {
    // Not a mistake the user can fix from a message: a bug or a broken machine. One line, and the
    // stack only when asked for (a user mistake never shows one: those are CliErrors).
    const debug = Boolean(io.env.BAKEOFF_DEBUG);
    const message = err instanceof Error ? err.message : String(err);
    io.err(`error: ${debug && err instanceof Error ? (err.stack ?? message) : `${message} (set BAKEOFF_DEBUG=1 for the stack trace)`}`);
    exitCode = ExitCode.RuntimeFailure;
  }
}
process.exit(exitCode);
