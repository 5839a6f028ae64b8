import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleTable } from '../../src/report/console-table.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { renderHtmlReport } from '../../src/report/html/report-html.js';
import { requestRow, REQUEST_COLUMNS } from '../../src/output/requests-csv.js';
import { runCollecting, scenarioOf } from '../support/scenario-run.js';
import { startStubServer, streamCompletion, type StubServer } from '../support/stub-server.js';

// Items 5–7 of step 15 end to end: the prompt-cache hit rate of each provider's usage as the mock's live shapes send
// it, output lengths and the decision's note, and rate-limit headroom from a server's headers.

const PROMPT = 600;
const CACHED = 400;
const MAX = 12;
const REQUESTS = 4;

const mock = (shape: string, extra: Record<string, unknown> = {}) => ({
  rttMs: 0,
  ttftMs: 5,
  itlMs: 1,
  quirks: { shape, cachedPromptTokens: CACHED },
  ...extra,
});

async function run(targets: Record<string, unknown>[]) {
  const s = scenarioOf({
    targets: targets.map((t) => ({ model: 'm', ...t })),
    workload: { promptTokens: PROMPT, maxTokens: MAX },
    load: { concurrency: 1, requests: REQUESTS, warmup: 0 },
  });
  return runCollecting(s, { useMock: true });
}

describe('prompt-cache hit rate against the mock', () => {
  it('OpenAI-, Anthropic- and DeepSeek-shaped usage each give the provider formula; usage-less replies give null', async () => {
    const { summary, measured } = await run([
      { name: 'openai', provider: 'openai', mock: mock('openai') },
      { name: 'anthropic', provider: 'anthropic', mock: mock('anthropic') },
      { name: 'deepseek', provider: 'deepseek-global', mock: mock('deepseek') },
      { name: 'no-usage', provider: 'mock', mock: mock('plain', { quirks: { usage: 'none', cachedPromptTokens: CACHED } }) },
    ]);
    expect(measured.filter((r) => r.errorKind === null)).toHaveLength(4 * REQUESTS);
    const group = (t: string) => summary.groups.find((g) => g.scope === 'target' && g.target === t)!;
    // The mock's wire: OpenAI cached_tokens 400 of prompt_tokens 600; Anthropic input_tokens 200, cache_read 400,
    // cache_creation 0; DeepSeek prompt_cache_hit_tokens 400, prompt_cache_miss_tokens 200.
    const formulas = { openai: 400 / 600, anthropic: 400 / (200 + 400 + 0), deepseek: 400 / (400 + 200) };
    for (const [t, rate] of Object.entries(formulas)) {
      expect(group(t).cache!.hitRate, t).toBeCloseTo(rate, 6);
      expect(group(t).cache, t).toMatchObject({ readTokens: REQUESTS * CACHED, promptTokens: REQUESTS * PROMPT });
    }
    expect(group('no-usage').tokens.source).toEqual({ usage: 0, counted: REQUESTS });
    expect(group('no-usage').cache!.hitRate).toBeNull();
    const rows = summary.decision!.rows;
    expect(rows.map((r) => [r.target, r.cacheHitRate])).toEqual([
      ['openai', group('openai').cache!.hitRate],
      ['anthropic', group('anthropic').cache!.hitRate],
      ['deepseek', group('deepseek').cache!.hitRate],
      ['no-usage', null],
    ]);
    expect(consoleTable(summary)).toMatch(/cache hit/);
  });
});

describe('output length against the mock', () => {
  it('p50 and the share stopped at max_tokens per target; medians 20 % apart put a note under the decision', async () => {
    const { summary } = await run([
      { name: 'brief', provider: 'mock', mock: mock('plain', { outputTokens: 4 }) },
      { name: 'verbose', provider: 'anthropic', mock: mock('anthropic') },
    ]);
    const group = (t: string) => summary.groups.find((g) => g.scope === 'target' && g.target === t)!;
    expect(group('brief').outputTokens).toMatchObject({ p50: 4, p99: 4, truncated: 0, truncatedShare: 0 });
    // The mock runs to the limit without an outputTokens profile: Anthropic's stop_reason max_tokens.
    expect(group('verbose').outputTokens).toMatchObject({ p50: MAX, p99: MAX, truncated: REQUESTS, truncatedShare: 1 });
    expect(summary.decision!.outputLengthNote).toMatch(/E2E is not comparable.*brief 4 tok, verbose 12 tok/);
    expect(consoleTable(summary)).toMatch(/NOTE: E2E is not comparable/);
    expect(renderMarkdown(summary)).toMatch(/\*\*Note\*\*: E2E is not comparable/);
    expect(renderHtmlReport(summary)).toMatch(/<p class="warn">Note: E2E is not comparable/);
  });
});

describe('rate-limit headroom from response headers', () => {
  let stub: StubServer;
  let served = 0;
  beforeAll(async () => {
    // Each answer states one request fewer left of 100 (OpenAI's headers), tokens far from their limit.
    stub = await startStubServer((_req, res) => {
      served++;
      res.setHeader('x-ratelimit-limit-requests', '100');
      res.setHeader('x-ratelimit-remaining-requests', String(100 - served * 30));
      res.setHeader('x-ratelimit-limit-tokens', '1000000');
      res.setHeader('x-ratelimit-remaining-tokens', String(1000000 - served * 100));
      streamCompletion(res, ['a', ' b'], { promptTokens: 5 });
    });
  });
  afterAll(async () => {
    await stub?.close();
  });

  it('requests.csv has each response quota, the summary the lowest, and the reports warn within 10 % of a limit', async () => {
    served = 0;
    const { summary, measured } = await runCollecting(
      scenarioOf({
        targets: [{ name: 'limited', baseUrl: stub.baseUrl, model: 'm' }],
        load: { concurrency: 1, requests: 3, warmup: 0 },
      }),
    );
    expect(measured.map((r) => r.errorKind)).toEqual([null, null, null]);
    const cell = (i: number, c: string) => requestRow(measured[i]!)[REQUEST_COLUMNS.indexOf(c)];
    expect([0, 1, 2].map((i) => cell(i, 'ratelimit_remaining_requests'))).toEqual([70, 40, 10]);
    expect(cell(2, 'ratelimit_limit_requests')).toBe(100);
    expect(cell(2, 'ratelimit_remaining_tokens')).toBe(999700);
    expect(cell(2, 'ratelimit_limit_tokens')).toBe(1000000);
    const g = summary.groups.find((x) => x.target === 'limited')!;
    expect(g.rateLimit).toEqual({
      requestsRemainingMin: 10,
      requestsLimit: 100,
      tokensRemainingMin: 999700,
      tokensLimit: 1000000,
      nearLimit: true,
    });
    expect(consoleTable(summary)).toMatch(
      /WARNING: limited: came within 10 % of its provider's rate limit \(at the lowest: requests 10 of 100 left, tokens 999700 of 1000000 left\): the bake-off was measuring the limiter, not the model\./,
    );
    expect(renderMarkdown(summary)).toMatch(/> \*\*Warning\*\*: limited: came within 10 %/);
    expect(renderHtmlReport(summary)).toMatch(/<h2>Near a rate limit<\/h2><p>WARNING: limited: came within 10 %/);
  });

  it('no warning while the quota stays above 10 % of its limit', async () => {
    served = 0;
    const { summary } = await runCollecting(
      scenarioOf({
        targets: [{ name: 'limited', baseUrl: stub.baseUrl, model: 'm' }],
        load: { concurrency: 1, requests: 2, warmup: 0 },
      }),
    );
    expect(summary.groups[0]!.rateLimit).toMatchObject({ requestsRemainingMin: 40, nearLimit: false });
    expect(consoleTable(summary)).not.toMatch(/rate limit/);
    expect(renderHtmlReport(summary)).not.toMatch(/Near a rate limit/);
  });
});
