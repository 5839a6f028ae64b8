import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { decodeHistogram } from '../../src/metrics/histogram.js';
import { LATENCY_METRICS } from '../../src/scenario/metric-names.js';
import type { RunSummary } from '../../src/summary/run-summary.js';
import { REQUEST_COLUMNS } from '../../src/output/requests-csv.js';
import { SUMMARY_COLUMNS } from '../../src/report/summary-csv.js';
import { runCli, startCli, waitFor, ensureBuilt, writeDoc } from '../support/cli-process.js';

// `bakeoff` end to end: the built binary, real processes, real files, real signals. Assertions are
// on exit codes, stdout/stderr and the files a run leaves behind.

const tiny = (ttftMs: number) => ({ rttMs: 0, ttftMs, itlMs: 1 });

const TWO_TARGETS = {
  name: 'cli-e2e',
  seed: 7,
  targets: [
    { name: 'alpha', region: 'us-east-1', provider: 'mock', model: 'mock-model', mock: tiny(5) },
    { name: 'beta', region: 'eu-west-1', provider: 'mock', model: 'mock-model', mock: tiny(60) }, // far apart, so CPU load from neighbouring tests cannot swap their order
  ],
  workload: { name: 'chat', promptTokens: 16, maxTokens: 8 },
  load: { concurrency: 4, requests: 20, warmup: 2 },
  timeouts: { connect: '2s', firstToken: '5s', total: '10s' },
};

describe('bakeoff CLI', () => {
  let dir: string;

  beforeAll(async () => {
    await ensureBuilt();
    dir = await mkdtemp(join(tmpdir(), 'bakeoff-cli-'));
  }, 130_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const file = (name: string, doc: unknown) => writeDoc(dir, name, doc);

  it('run: exits 0, prints a table with every target, writes summary.json, summary.csv and requests.csv', async () => {
    const scenario = await file('two-targets.yaml', TWO_TARGETS);
    const out = join(dir, 'run-ok');
    const res = await runCli(['run', scenario, '--out', out, '-q']);
    expect(res.code, res.stderr).toBe(ExitCode.Ok);
    expect(res.stdout).toContain('TTFT p50');
    expect(res.stdout).toMatch(/^alpha\s+us-east-1\s+mock-model\s+20\/20/m);
    expect(res.stdout).toMatch(/^beta\s+eu-west-1\s+mock-model\s+20\/20/m);
    // The results line names the run directory (absolute here: it is not under the working directory) and its files.
    expect(res.stdout).toMatch(new RegExp(`^results: ${out}/ \\(summary\\.json, summary\\.csv, .*requests\\.csv\\)$`, 'm'));

    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as RunSummary;
    expect(summary.schema).toBe('llm-bakeoff/summary');
    expect(summary.schemaVersion).toBe(2);
    expect(summary.status).toBe('completed');
    expect(summary.warmupRequests).toBe(4);
    expect(summary.groups.map((g) => g.target)).toEqual(['alpha', 'beta']);
    for (const g of summary.groups) {
      expect(g.requests).toMatchObject({ total: 20, ok: 20, failed: 0 });
      expect(g.metrics.ttft.p50).toBeGreaterThan(0);
      expect(g.tokens.output).toBe(20 * 8);
      for (const m of LATENCY_METRICS) {
        expect(typeof g.histograms[m]).toBe('string');
        // The encoded histogram holds exactly what the stats were computed from.
        expect(decodeHistogram(g.histograms[m]).totalCount).toBe(g.metrics[m].count);
      }
    }
    // Each target measured on its own mock: never below its injected TTFT (5 and 60 ms), and
    // alpha's fastest request faster than anything beta could do. (Not p50 against p50: with
    // another suite beside this one, alpha's p50 once came out at 121 ms, beta's at 93.)
    const [alpha, beta] = summary.groups;
    expect(alpha!.metrics.ttft.min).toBeGreaterThanOrEqual(5);
    expect(beta!.metrics.ttft.min).toBeGreaterThanOrEqual(60);
    expect(alpha!.metrics.ttft.min!).toBeLessThan(beta!.metrics.ttft.min!);

    const summaryRows = parseCsv(await readFile(join(out, 'summary.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    expect(Object.keys(summaryRows[0]!)).toEqual([...SUMMARY_COLUMNS]);
    expect(summaryRows).toHaveLength(2 * LATENCY_METRICS.length);
    for (const g of summary.groups) {
      const ttft = summaryRows.find((r) => r.target === g.target && r.metric === 'ttft')!;
      expect(Number(ttft.p50)).toBe(g.metrics.ttft.p50);
      expect(Number(ttft.requests)).toBe(20);
      expect(ttft.run_id).toBe(summary.runId);
    }

    const requestsText = await readFile(join(out, 'requests.csv'), 'utf8');
    const header = (parseCsv(requestsText, { to_line: 1 }) as string[][])[0];
    expect(header).toEqual([...REQUEST_COLUMNS]);
    const rows = parseCsv(requestsText, { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(44);
    const measure = rows.filter((r) => r.phase === 'measure');
    expect(measure).toHaveLength(40);
    expect(rows.filter((r) => r.phase === 'warmup')).toHaveLength(4);
    expect(measure.filter((r) => r.target === 'alpha')).toHaveLength(20);
    expect(new Set(rows.map((r) => r.id)).size).toBe(44);
    for (const r of measure) {
      const ttft = Number(r.ttft_ms);
      expect(Number.isFinite(ttft) && ttft > 0, `ttft_ms ${r.ttft_ms}`).toBe(true);
      expect(Number(r.e2e_ms)).toBeGreaterThanOrEqual(ttft);
      expect(r.ok).toBe('1');
      expect(r.status).toBe('200');
      expect(r.output_tokens).toBe('8');
      expect(r.token_source).toBe('usage');
      expect(r.error_kind).toBe('');
    }
  });

  it('validate: a good file exits 0 and prints the plan with the expected request count', async () => {
    const scenario = await file('two-targets-validate.yaml', TWO_TARGETS);
    const res = await runCli(['validate', scenario]);
    expect(res.code, res.stderr).toBe(ExitCode.Ok);
    expect(res.stdout).toContain('scenario cli-e2e: valid');
    expect(res.stdout).toMatch(/^alpha\s.*\s20\s+embedded mock$/m);
    expect(res.stdout).toMatch(/^beta\s.*\s20\s+embedded mock$/m);
    expect(res.stdout).toContain('expected measured requests: 40');

    const json = await runCli(['validate', scenario, '--json']);
    expect(json.code).toBe(ExitCode.Ok);
    const plan = JSON.parse(json.stdout) as { targets: { target: string; expectedRequests: number; exact: boolean }[] };
    expect(plan.targets.map((t) => [t.target, t.expectedRequests, t.exact])).toEqual([
      ['alpha', 20, true],
      ['beta', 20, true],
    ]);
  });

  it('validate: a bad file exits 2 and lists every problem with its path', async () => {
    const scenario = await file('bad.yaml', {
      name: 'bad name!',
      targets: [
        { name: 'alpha', model: 'mock-model', baseUrl: 'not a url', concurency: 3 },
        { name: 'alpha', model: 'mock-model', mock: { ttftMs: -5 } },
      ],
      workload: { maxTokens: 0, strem: true },
      load: { concurency: 4, requests: 20 },
    });
    const res = await runCli(['validate', scenario]);
    expect(res.code).toBe(ExitCode.InvalidInput);
    expect(res.stdout).toBe('');
    const expected: [string, RegExp][] = [
      ['name', /not a valid name/],
      ['targets[0].baseUrl', /"not a url" is not an http\(s\) URL/],
      ['targets[0].concurency', /unknown key \(did you mean "concurrency"\?\)/],
      ['targets[1].mock.ttftMs', /-5/],
      ['targets[1].name', /already used by targets\[0\]/],
      ['workload.maxTokens', /got 0/],
      ['workload.strem', /did you mean "stream"/],
      ['load.concurency', /did you mean "concurrency"/],
    ];
    for (const [path, message] of expected) {
      const line = res.stderr.split('\n').find((l) => l.trimStart().startsWith(`${path}: `));
      expect(line, `no problem reported at ${path}:\n${res.stderr}`).toBeDefined();
      expect(line).toMatch(message);
    }
    // With the key misspelt, the load has no concurrency: reported at `load` or `load.concurrency`.
    expect(res.stderr).toMatch(/^\s+load(\.concurrency)?: .*(needs concurrency|required)/m);
    const count = Number(res.stderr.match(/(\d+) problems/)?.[1]);
    expect(count).toBeGreaterThanOrEqual(expected.length + 1);

    // `run` refuses the same file the same way, before sending anything.
    const run = await runCli(['run', scenario, '--out', join(dir, 'run-bad'), '-q']);
    expect(run.code).toBe(ExitCode.InvalidInput);
    expect(run.stderr).toContain('targets[0].baseUrl');
    expect(existsSync(join(dir, 'run-bad'))).toBe(false);
  });

  it('validate: a missing file exits 2', async () => {
    const res = await runCli(['validate', join(dir, 'no-such-file.yaml')]);
    expect(res.code).toBe(ExitCode.InvalidInput);
    expect(res.stderr).toContain('file not found');
  });

  it('run: an unset apiKeyEnv variable exits 2 naming it, before any traffic', async () => {
    const scenario = await file('needs-key.json', {
      name: 'needs-key',
      // Never contacted: the missing key is caught before the run starts.
      targets: [{ name: 'openai', model: 'gpt-4o-mini', baseUrl: 'http://127.0.0.1:9/v1', apiKeyEnv: 'BAKEOFF_CLI_TEST_MISSING_KEY' }],
      load: { concurrency: 1, requests: 1 },
    });
    const out = join(dir, 'run-no-key');
    const res = await runCli(['run', scenario, '--out', out, '-q']);
    expect(res.code).toBe(ExitCode.InvalidInput);
    expect(res.stderr).toContain('targets[0].apiKeyEnv');
    expect(res.stderr).toContain('BAKEOFF_CLI_TEST_MISSING_KEY');
    expect(existsSync(out)).toBe(false);

    // validate only warns about it.
    const v = await runCli(['validate', scenario]);
    expect(v.code).toBe(ExitCode.Ok);
    expect(v.stdout).toMatch(/warning: targets\[0\]\.apiKeyEnv: .*BAKEOFF_CLI_TEST_MISSING_KEY/);
  });

  it('run: SIGINT stops a duration-bound run, exits 130 and still writes its results', async () => {
    const scenario = await file('long.yaml', {
      ...TWO_TARGETS,
      name: 'cli-long',
      load: { concurrency: 2, duration: '30s' },
    });
    const out = join(dir, 'run-interrupted');
    const cli = startCli(['run', scenario, '--out', out, '-q'], { timeoutMs: 40_000 });
    await waitFor(cli.stderr, /^run \S+: 2 target\(s\)/m, 20_000);
    // Interrupt once the run is observably measuring: requests.csv (streamed row by row as
    // requests end) holds measured rows from both targets. No fixed sleep: on a busy machine the
    // CLI can take longer than any chosen delay to start sending.
    const measuredRows = () => {
      try {
        return (
          parseCsv(readFileSync(join(out, 'requests.csv'), 'utf8'), { columns: true, relax_column_count: true }) as Record<string, string>[]
        ).filter((r) => r.phase === 'measure');
      } catch {
        return []; // not created yet, or a row half written
      }
    };
    await waitFor(
      () => {
        const rows = measuredRows();
        return new Set(rows.map((r) => r.target)).size === 2 ? 'measuring' : `${rows.length} measured rows`;
      },
      /^measuring$/,
      20_000,
    );
    cli.child.kill('SIGINT');
    const res = await cli.exited;
    expect(res.code, res.stderr).toBe(ExitCode.Interrupted);
    expect(res.stderr).toMatch(/SIGINT: stopping/);
    expect(res.stdout).toContain('run interrupted');

    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as RunSummary;
    expect(summary.status).toBe('interrupted');
    const rows = parseCsv(await readFile(join(out, 'requests.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    const measured = rows.filter((r) => r.phase === 'measure');
    expect(measured.length).toBeGreaterThan(0);
    // Every row written is counted in the summary, and in-flight requests finished normally.
    expect(summary.groups.reduce((n, g) => n + g.requests.total, 0)).toBe(measured.length);
    expect(measured.every((r) => r.ok === '1')).toBe(true);
  }, 60_000);

  it('mock --port 0: prints the URL it listens on, serves /v1/models, exits 0 on SIGINT', async () => {
    const cli = startCli(['mock', '--port', '0', '--model', 'm-one', 'm-two', '--ttft-ms', '5'], { timeoutMs: 15_000 });
    const [, baseUrl] = await waitFor(cli.stdout, /listening on (http:\/\/127\.0\.0\.1:\d+\/v1)\s/, 10_000);
    expect(baseUrl).not.toMatch(/:0\//);
    const res = await fetch(`${baseUrl}/models`, { signal: AbortSignal.timeout(5_000) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { object: string; data: { id: string }[] };
    expect(body.object).toBe('list');
    expect(body.data.map((m) => m.id)).toEqual(['m-one', 'm-two']);
    cli.child.kill('SIGINT');
    const done = await cli.exited;
    expect(done.code).toBe(ExitCode.Ok);
    expect(done.stderr).toContain('mock stopped');
  });

  it('mock --shape openai --cached-prompt-tokens: streams the live shape, cache hits in its usage', async () => {
    const cli = startCli(['mock', '--port', '0', '--ttft-ms', '1', '--itl-ms', '0', '--shape', 'openai', '--cached-prompt-tokens', '3'], {
      timeoutMs: 15_000,
    });
    const [, baseUrl] = await waitFor(cli.stdout, /listening on (http:\/\/127\.0\.0\.1:\d+\/v1)\s/, 10_000);
    const res = await fetch(`${baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'mock-model',
        messages: [{ role: 'user', content: 'one two three four five' }],
        max_tokens: 2,
        stream: true,
        stream_options: { include_usage: true },
      }),
      signal: AbortSignal.timeout(5_000),
    });
    const text = await res.text();
    expect(text).toMatch(/"usage":null,"choices":\[\{"index":0,"delta":\{"content":/);
    expect(text).toMatch(/"obfuscation":/);
    expect(text).toMatch(/"choices":\[\],"usage":\{[^\n]*"prompt_tokens_details":\{"cached_tokens":3,/);
    cli.child.kill('SIGINT');
    expect((await cli.exited).code).toBe(ExitCode.Ok);
  });

  it('mock: an unknown --shape exits 2', async () => {
    const res = await runCli(['mock', '--port', '0', '--shape', 'azure-ish']);
    expect(res.code).toBe(ExitCode.InvalidInput);
    expect(res.stderr).toContain('quirks.shape');
  });

  it('mock: a bad latency flag exits 2', async () => {
    const res = await runCli(['mock', '--port', '0', '--ttft-ms', 'fast']);
    expect(res.code).toBe(ExitCode.InvalidInput);
    expect(res.stderr).toContain('--ttft-ms');
  });

  it('--help exits 0 and lists the commands; an unknown command exits 2', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(ExitCode.Ok);
    expect(help.stdout).toMatch(/Usage: bakeoff/);
    for (const cmd of ['run', 'validate', 'mock']) expect(help.stdout).toMatch(new RegExp(`^\\s+${cmd}\\b`, 'm'));

    const unknown = await runCli(['frobnicate']);
    expect(unknown.code).toBe(ExitCode.InvalidInput);
    expect(unknown.stderr).toMatch(/unknown command/);
  });
});
