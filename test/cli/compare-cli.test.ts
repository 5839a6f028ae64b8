import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliError, ExitCode } from '../../src/cli/exit-codes.js';
import { compareCommand, type CompareCommandOptions } from '../../src/cli/compare.js';
import type { Io } from '../../src/cli/io.js';
import { COMPARE_COLUMNS } from '../../src/report/compare-csv.js';
import type { Comparison } from '../../src/summary/compare.js';
import type { RunSummary } from '../../src/summary/run-summary.js';
import { ensureBuilt, runCli, writeDoc } from '../support/cli-process.js';

// `bakeoff compare` end to end: two small runs on the embedded mock, then the built binary
// comparing them — its stdout in every format, the files it writes, its exit codes. The injected
// TTFTs are 50× apart (5 ms against 250 ms): on a 2-core machine shared with another test run a
// 5 ms mock has answered in 45 ms at the median, so anything closer could blur the verdict.
// Nothing here asserts a latency, only which side is slower.

const mock = (ttftMs: number) => ({ rttMs: 0, ttftMs, itlMs: 1 });
const scenario = (targets: [string, number][]) => ({
  name: 'compare-e2e',
  seed: 3,
  targets: targets.map(([name, ttft]) => ({ name, region: 'local', provider: 'mock', model: 'mock-model', mock: mock(ttft) })),
  workload: { name: 'chat', promptTokens: 16, maxTokens: 4 },
  load: { concurrency: 5, requests: 30, warmup: 2 },
  timeouts: { connect: '2s', firstToken: '5s', total: '10s' },
});

// Every test only reads the two runs, so they run concurrently: a CLI process costs ~0.7 s of CPU to start.
describe.concurrent('bakeoff compare', () => {
  let dir: string;
  let fast: string; // alpha 5 ms, beta 250 ms
  let slow: string; // alpha 250 ms

  beforeAll(async () => {
    await ensureBuilt();
    dir = await mkdtemp(join(tmpdir(), 'bakeoff-compare-'));
    fast = join(dir, 'fast');
    slow = join(dir, 'slow');
    const [a, b] = await Promise.all([
      runCli([
        'run',
        await writeDoc(
          dir,
          'fast.yaml',
          scenario([
            ['alpha', 5],
            ['beta', 250],
          ]),
        ),
        '--out',
        fast,
        '-q',
      ]),
      runCli(['run', await writeDoc(dir, 'slow.yaml', scenario([['alpha', 250]])), '--out', slow, '-q']),
    ]);
    expect(a.code, a.stderr).toBe(ExitCode.Ok);
    expect(b.code, b.stderr).toBe(ExitCode.Ok);
  }, 60_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('current slower than baseline: exits 6, names the regression, the method and the confidence', async () => {
    const res = await runCli(['compare', fast, slow]);
    expect(res.code, res.stdout + res.stderr).toBe(ExitCode.CompareRegression);
    expect(res.stdout).toContain(`baseline ${join(fast, 'summary.json')}`);
    expect(res.stdout).toMatch(/method: latency percentiles by bootstrap .* \(2000 resamples, seed 1; .*all 99% confidence intervals/);
    expect(res.stdout).toMatch(/^TTFT p50 .* regression \*$/m);
    expect(res.stdout).toMatch(/^REGRESSION: \d+ gated metric\(s\) worse than the baseline:$/m);
    expect(res.stdout).toMatch(/^ {2}alpha: current is \d+\.\d% slower than baseline on TTFT p50 \[\d+\.\d%, \d+\.\d%\]$/m);
    expect(res.stdout).toMatch(/^only in baseline \(not compared\): beta$/m);
  });

  it('a run compared with itself: exits 0, every verdict within noise', async () => {
    const res = await runCli(['compare', fast, join(fast, 'summary.json')]);
    expect(res.code, res.stdout + res.stderr).toBe(ExitCode.Ok);
    expect(res.stdout).not.toMatch(/ (regression|improvement)( \*)?$/m);
    expect(res.stdout).toMatch(/^TTFT p50 .* within noise \*$/m);
    expect(res.stdout).toMatch(/^no regression: 12 gated metric\(s\) checked\.$/m);
  });

  it('current faster: an improvement, and with the gate on TTFT p50 exits 0', async () => {
    const res = await runCli(['compare', slow, fast, '--fail-on', 'ttft.p50']);
    expect(res.code, res.stdout).toBe(ExitCode.Ok);
    expect(res.stdout).toMatch(/^TTFT p50 .* improvement \*$/m);
  });

  it('two targets of one run: the headline sentence, then the table; exits 6 when the second is slower', async () => {
    const res = await runCli(['compare', fast, '--targets', 'alpha,beta']);
    expect(res.code, res.stdout + res.stderr).toBe(ExitCode.CompareRegression);
    expect(res.stdout).toMatch(/^compare: beta against alpha in run \S+-compare-e2e/m);
    expect(res.stdout).toMatch(/^ {2}beta is \d+\.\d% slower than alpha on TTFT p50 \[\d+\.\d%, \d+\.\d%\]$/m);
    expect(res.stdout).toMatch(/^metric\s+alpha\s+beta\s+Δ\s+Δ%\s+99% CI\s+verdict$/m);
    expect(res.stdout).toMatch(/^TTFT p50 .* worse \*$/m);
    const swapped = await runCli(['compare', fast, '--target', 'beta', '--vs', 'alpha', '--fail-on', 'ttft.p50']);
    expect(swapped.code, swapped.stdout).toBe(ExitCode.Ok);
    expect(swapped.stdout).toMatch(/^ {2}alpha is \d+\.\d% faster than beta on TTFT p50 \[\d+\.\d%, \d+\.\d%\]$/m);
  });

  it("--format csv: one row per group × metric, the run's own p50, empty cells for no data", async () => {
    const res = await runCli(['compare', fast, slow, '--format', 'csv']);
    expect(res.code).toBe(ExitCode.CompareRegression);
    const rows = parseCsv(res.stdout, { columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0]!)).toEqual([...COMPARE_COLUMNS]);
    expect(rows).toHaveLength(17); // 5 latencies × 3 percentiles + errorRate + requestsPerSec, one group
    const summary = (d: string) => readFile(join(d, 'summary.json'), 'utf8').then((t) => JSON.parse(t) as RunSummary);
    const [b, c] = [await summary(fast), await summary(slow)];
    const ttft = rows.find((r) => r.metric === 'ttft.p50')!;
    expect(Number(ttft.baseline_value)).toBe(b.groups[0]!.metrics.ttft.p50);
    expect(Number(ttft.current_value)).toBe(c.groups[0]!.metrics.ttft.p50);
    expect(ttft).toMatchObject({ verdict: 'regression', gated: '1', method: 'bootstrap', confidence: '0.99', unit: 'ms' });
    expect(rows.find((r) => r.metric === 'errorRate')).toMatchObject({ rel_delta: '', method: 'newcombe', unit: 'share' });
  });

  it('--format markdown and --out: the file gets the report, stdout the console table', async () => {
    const md = await runCli(['compare', fast, slow, '--format', 'markdown']);
    expect(md.stdout).toMatch(/^## bakeoff compare: current vs baseline$/m);
    expect(md.stdout).toMatch(/^\| metric \| baseline \| current \| Δ \| Δ% \| 99% CI \| verdict \|$/m);
    expect(md.stdout).toMatch(/^\| TTFT p50 \| .* \| \*\*regression\*\* \(gated\) \|$/m);
    const file = join(dir, 'out', 'compare.md');
    const res = await runCli(['compare', fast, slow, '--out', file]);
    expect(res.code).toBe(ExitCode.CompareRegression);
    expect(await readFile(file, 'utf8')).toBe(md.stdout);
    expect(res.stdout).toMatch(/^TTFT p50 /m);
    expect(res.stdout).toContain(`written: ${file}`);
  });

  it('--format json is the comparison, with its method settings and regressions', async () => {
    const res = await runCli(['compare', fast, slow, '--format', 'json', '--confidence', '95%', '--min-effect', '5%', '--seed', '7']);
    const c = JSON.parse(res.stdout) as Comparison;
    expect(c).toMatchObject({
      schema: 'llm-bakeoff/compare',
      schemaVersion: 1,
      mode: 'runs',
      options: { confidence: 0.95, minEffect: 0.05, seed: 7, resamples: 2000 },
    });
    expect(c.regressions).toContainEqual({ group: 'alpha', metric: 'ttft.p50' });
  });

  it('bad input, through the binary: exit 2, "error:" and the fix on stderr, nothing on stdout', async () => {
    const res = await runCli(['compare', join(dir, 'nope'), fast]);
    expect(res.code, res.stdout).toBe(ExitCode.InvalidInput);
    expect(res.stderr).toMatch(
      /^error: \S+nope: no such file or directory; pass a run directory \(results\/<run-id>\) or its summary\.json$/m,
    );
    expect(res.stdout).toBe('');
  });

  // The rest of the bad inputs in-process (the command's CliError is what main prints and exits with).
  it.each<[string, (d: string) => Promise<[string, string | undefined, CompareCommandOptions]>, RegExp]>([
    [
      'a directory without summary.json',
      async (d) => [d, join(d, 'fast'), {}],
      /no summary\.json in this directory; pass a run directory written by bakeoff run/,
    ],
    ['requests.csv', async (d) => [join(d, 'fast', 'requests.csv'), join(d, 'fast'), {}], /requests\.csv: not JSON/],
    [
      'a scenario as JSON',
      async (d) => [await writeDoc(d, 'scenario.json', scenario([['x', 1]])), join(d, 'fast'), {}],
      /scenario\.json: not a bakeoff summary/,
    ],
    [
      'a summary of another schema version',
      async (d) => {
        const s = JSON.parse(await readFile(join(d, 'fast', 'summary.json'), 'utf8'));
        await mkdir(join(d, 'v1'), { recursive: true });
        await writeFile(join(d, 'v1', 'summary.json'), JSON.stringify({ ...s, schemaVersion: 1 }));
        return [join(d, 'v1'), join(d, 'fast'), {}];
      },
      /v1\/summary\.json: summary schema version 1, but this bakeoff .* reads only version 2; run the scenario again/,
    ],
    [
      'a histogram that does not decode',
      async (d) => {
        const s = JSON.parse(await readFile(join(d, 'fast', 'summary.json'), 'utf8')) as RunSummary;
        s.groups[0]!.histograms.ttft = 'not base64 at all';
        await mkdir(join(d, 'broken'), { recursive: true });
        await writeFile(join(d, 'broken', 'summary.json'), JSON.stringify(s));
        return [join(d, 'broken'), join(d, 'fast'), {}];
      },
      /broken\/summary\.json: groups "alpha" histograms\.ttft does not decode .* run the scenario again/,
    ],
    ['one run without --targets', async (d) => [join(d, 'fast'), undefined, {}], /compare needs two runs, baseline first/],
    [
      'a run and --targets with a second run',
      async (d) => [join(d, 'fast'), join(d, 'slow'), { targets: 'alpha,beta' }],
      /two targets of one run take one run/,
    ],
    [
      '--targets with one name',
      async (d) => [join(d, 'fast'), undefined, { targets: 'alpha' }],
      /--targets takes two target names, baseline first/,
    ],
    [
      'a bad --fail-on and --confidence, both reported',
      async (d) => [join(d, 'fast'), join(d, 'slow'), { failOn: 'ttft', confidence: '2' }],
      /2 problems\n.*ttft needs a percentile.*\n.*--confidence "2": a confidence level/,
    ],
    [
      'an unknown --format',
      async (d) => [join(d, 'fast'), join(d, 'slow'), { format: 'html' }],
      /--format "html": use one of console, markdown, csv, json/,
    ],
    [
      'an unknown target',
      async (d) => [join(d, 'fast'), undefined, { targets: 'alpha,gamma' }],
      /no target "gamma" in run \S+; it has alpha, beta/,
    ],
  ])('bad input: %s → InvalidInput naming the fix', async (_, args, message) => {
    const out: string[] = [];
    const io: Io = { out: (t) => void out.push(t), err: (t) => void out.push(t), env: {}, isTty: false };
    const [baseline, current, opts] = await args(dir);
    const err = await compareCommand(baseline, current, opts, io).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(ExitCode.InvalidInput);
    expect((err as CliError).message).toMatch(message);
    expect(out).toEqual([]);
  });
});
