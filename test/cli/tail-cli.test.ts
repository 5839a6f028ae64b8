import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import type { RunSummary } from '../../src/summary/run-summary.js';
import { cliEnv, ensureBuilt, runCli, writeDoc } from '../support/cli-process.js';
import { jsonError, startStubServer, streamCompletion, type StubServer } from '../support/stub-server.js';

// Failures in the tail, through the binary: a target that fails every 10th request at once and
// answers the rest fast, beside a slower one that never fails, at the same price. The success-only
// TTFT p95 of the first is the fast value; its all-requests p95 falls among the failures (null,
// "> max" on the console); both are shown, the decision prefers the slower target, and a threshold
// on the all-requests p99 fails it.

const KEY = 'BAKEOFF_TAIL_TEST_KEY';
// The steady target answers no sooner than this: whatever the machine's load, it is the slower one.
const STEADY_DELAY_MS = 300;

describe('bakeoff run: failures in the tail', () => {
  let dir: string;
  let failsFast: StubServer;
  let steady: StubServer;
  let res: Awaited<ReturnType<typeof runCli>>;
  let summary: RunSummary;
  let out: string;

  beforeAll(async () => {
    await ensureBuilt();
    dir = await mkdtemp(join(tmpdir(), 'bakeoff-cli-tail-'));
    let n = 0;
    failsFast = await startStubServer((req, res) => {
      if (!req.url?.includes('/chat/completions')) return jsonError(res, 404, 'not found');
      if (++n % 10 === 0) return jsonError(res, 500, 'The server had an error while processing your request.', 'server_error');
      streamCompletion(res, ['a', 'b', 'c'], { promptTokens: 16 });
    });
    steady = await startStubServer((req, res) => {
      if (!req.url?.includes('/chat/completions')) return jsonError(res, 404, 'not found');
      setTimeout(() => streamCompletion(res, ['a', 'b', 'c'], { promptTokens: 16 }), STEADY_DELAY_MS);
    });
    const target = (name: string, baseUrl: string) => ({ name, provider: 'openai', model: 'gpt-4o', baseUrl, apiKeyEnv: KEY });
    const scenario = await writeDoc(dir, 'tail.yaml', {
      name: 'tail',
      targets: [target('fails-fast', failsFast.baseUrl), target('steady', steady.baseUrl)],
      workload: { promptTokens: 16, maxTokens: 3 },
      load: { concurrency: 4, requests: 100 },
      // Loose enough that both meet it: the two tie on cost, and the tie is broken on latency.
      slo: ['errorRate < 20%'],
      // Over all requests: fails-fast's p99 is a failure, which no bound can pass.
      thresholds: ['ttft.all.p99 < 10s'],
    });
    out = join(dir, 'run');
    res = await runCli(['run', scenario, '--yes', '--out', out], { env: cliEnv({ [KEY]: 'fake-key-for-tail-test' }), timeoutMs: 90_000 });
    summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as RunSummary;
  }, 130_000);

  afterAll(async () => {
    await failsFast?.close();
    await steady?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const group = (target: string) => summary.groups.find((g) => g.scope === 'target' && g.target === target)!;

  it('summary.json: every 10th failed; its success-only TTFT p95 is fast, its all-requests p95 beyond its successes', () => {
    expect(res.code, res.stderr).toBe(ExitCode.ThresholdsBreached);
    const fast = group('fails-fast');
    const slow = group('steady');
    expect(fast.requests).toMatchObject({ total: 100, ok: 90, failed: 10, errorRate: 0.1 });
    expect(slow.requests).toMatchObject({ total: 100, ok: 100, failed: 0 });
    expect(fast.metrics.ttft.p95).toBeLessThan(slow.metrics.ttft.p95!);
    expect(fast.metrics.ttft.all).toMatchObject({ requests: 100, failed: 10, p95: null, p99: null, p999: null });
    expect(fast.metrics.ttft.all!.beyondSuccesses).toEqual(['p95', 'p99', 'p999']);
    // p90 is rank 90 of 100: exactly the slowest success.
    expect(fast.metrics.ttft.all!.p90).toBe(fast.metrics.ttft.max);
    expect(fast.metrics.e2e.all!.beyondSuccesses).toEqual(['p95', 'p99', 'p999']);
    // Without a failure the all-requests percentiles are the success-only ones.
    const { p50, p90, p95, p99, p999 } = slow.metrics.ttft;
    expect(slow.metrics.ttft.all).toEqual({ requests: 100, failed: 0, p50, p90, p95, p99, p999, beyondSuccesses: [] });
  });

  it('the console shows both: the fast success-only p99 and "> max (10.0% failed)" beside it', () => {
    const table = res.stdout.slice(0, res.stdout.indexOf('decision:'));
    const header = table.split('\n').find((l) => l.startsWith('target'))!;
    expect(header).toMatch(/TTFT p99\s+TTFT p99 all\s.*E2E p99\s+E2E p99 all\s/);
    const cells = (target: string) => table.split('\n').find((l) => l.startsWith(`${target} `))!;
    expect(cells('fails-fast')).toMatch(/90\/100\s+10\.0%\s+\S+\s+\S+ms\s+\S+ms\s+> max \(10\.0% failed\)\s/);
    const slowTtftP99 = group('steady').metrics.ttft.p99!;
    expect(cells('steady')).toMatch(new RegExp(`\\s${slowTtftP99.toFixed(0)}ms\\s+${slowTtftP99.toFixed(0)}ms\\s`));
  });

  it('a threshold on the all-requests p99 fails the target whose p99 is a failure: "> max", not "no data"; exit 3', () => {
    expect(res.code, res.stderr).toBe(ExitCode.ThresholdsBreached);
    expect(res.stdout).toMatch(/^ttft\.all\.p99 < 10s\s+target fails-fast\s+> max\s+FAIL$/m);
    expect(res.stdout).toMatch(/^ttft\.all\.p99 < 10s\s+target steady\s+\d+ms\s+pass$/m);
    expect(summary.thresholds!.checks.map((c) => [c.on, c.actual === null, c.pass, c.beyondSuccesses ?? false])).toEqual([
      ['target fails-fast', true, false, true],
      ['target steady', false, true, false],
    ]);
  });

  it('report.md and report.html show them too', async () => {
    const md = await readFile(join(out, 'report.md'), 'utf8');
    expect(md.split('\n').find((l) => l.startsWith('| target'))).toMatch(/\| TTFT p99 \| TTFT p99 all \|.*\| E2E p99 \| E2E p99 all \|/);
    // Markdown escapes the ">" (it would open a quote at a line's start); it renders as written.
    expect(md).toMatch(/^\| fails-fast \|.*\| \\> max \(10\.0% failed\) \|/m);
    const html = await readFile(join(out, 'report.html'), 'utf8');
    expect(html).toContain('TTFT p99 (all requests)');
    expect(html).toContain('&gt; max (10.0% failed)');
    // The threshold beyond the successes, in each report that lists thresholds.
    expect(md).toContain('| `ttft.all.p99 < 10s` | target fails-fast | \\> max | **FAIL** |');
    const junit = await readFile(join(out, 'junit.xml'), 'utf8');
    expect(junit).toContain('actual &gt; max, condition ttft.all.p99 &lt; 10s');
  });

  it('the decision prefers the slower target with no failures: the tie on cost goes to the all-requests TTFT p99', () => {
    const d = summary.decision!;
    const row = (t: string) => d.rows.find((r) => r.target === t)!;
    expect(row('fails-fast').perSuccessfulRequestUsd).toBe(row('steady').perSuccessfulRequestUsd);
    expect(row('fails-fast').ttftP99).toBeLessThan(row('steady').ttftP99!);
    expect(row('fails-fast').all).toEqual({ ttftP99: null, e2eP99: null, beyondSuccesses: ['ttftP99', 'e2eP99'] });
    expect(d.cheapestMeetingSlo).toBe('steady');
    expect(d.tiedWith).toEqual(['fails-fast']);
    const decision = res.stdout.slice(res.stdout.indexOf('decision:'));
    expect(decision).toMatch(/^fails-fast .*> max \(10\.0% failed\)/m);
    expect(decision).toContain(
      'cheapest target meeting the SLO: steady (within 1% on cost of fails-fast; the fastest by TTFT p99 over all requests)',
    );
  });
});
