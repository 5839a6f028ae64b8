import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decide } from '../../src/analysis/decision.js';
import { loadCatalog, type Catalog } from '../../src/cost/catalog.js';
import { monotonicClock, type Clock } from '../../src/metrics/clock.js';
import { startMockServer, type MockServer } from '../../src/mock/server.js';
import { mockProfileSchema } from '../../src/scenario/schema.js';
import { runCollecting, scenarioOf } from '../support/scenario-run.js';

// What a run cost, from the tokens the mock reports in `usage`, at the shipped catalog's list
// prices; the decision table built on it; and the budget guard that stops a run before a cap.
// Per-request prices below are worked out by hand from $ per 1M tokens.

const fast = (ttftMs: number) => ({ rttMs: 0, ttftMs, itlMs: 1 });

let pricing: Catalog;
beforeAll(async () => {
  pricing = await loadCatalog();
});

describe('run cost from usage', () => {
  it('prices each target by its model: exact totals, per ok request, per 1k requests, per 1M output tokens', async () => {
    const s = scenarioOf({
      targets: [
        { name: 'openai', model: 'gpt-4o', mock: fast(5) },
        { name: 'mini', model: 'gpt-4o-mini-2024-07-18', mock: fast(5) }, // a dated id, priced as gpt-4o-mini
        { name: 'homegrown', model: 'acme-llm-7b', mock: fast(5) }, // not in the catalog
      ],
      workload: { promptTokens: 600, maxTokens: 50 },
      load: { concurrency: 4, requests: 12, warmup: 2 },
    });
    const { summary, measured } = await runCollecting(s, { pricing });
    expect(summary.status).toBe('completed');
    expect(summary.pricing).toEqual({ asOf: '2026-05-01', currency: 'USD' });
    for (const r of measured) expect([r.status, r.inputTokens, r.outputTokens, r.tokenSource]).toEqual([200, 600, 50, 'usage']);

    const [openai, mini, homegrown] = summary.groups;
    for (const g of [openai!, mini!, homegrown!])
      expect(g.tokens).toMatchObject({ input: 12 * 600, output: 12 * 50, source: { usage: 12, counted: 0 } });

    // gpt-4o: 600 × $2.50/1M + 50 × $10/1M = $0.0015 + $0.0005 = $0.002 a request; warmup not billed.
    expect(openai!.cost).toEqual({
      model: 'gpt-4o',
      priced: true,
      pricePer1M: { input: 2.5, output: 10 },
      totalUsd: 0.024, // 12 × $0.002
      perSuccessfulRequestUsd: 0.002,
      per1kRequestsUsd: 2,
      per1MOutputTokensUsd: 40, // $0.024 / 600 output tokens × 1M
      failedUsd: 0,
    });
    // gpt-4o-mini: 600 × $0.15/1M + 50 × $0.60/1M = $0.00009 + $0.00003 = $0.00012 a request.
    expect(mini!.cost).toEqual({
      model: 'gpt-4o-mini-2024-07-18',
      priced: true,
      pricePer1M: { input: 0.15, output: 0.6 },
      totalUsd: 0.00144, // 12 × $0.00012
      perSuccessfulRequestUsd: 0.00012,
      per1kRequestsUsd: 0.12,
      per1MOutputTokensUsd: 2.4, // $0.00144 / 600 × 1M
      failedUsd: 0,
    });
    expect(homegrown!.cost).toEqual({
      model: 'acme-llm-7b',
      priced: false,
      pricePer1M: null,
      // Unpriced is not free: no amount at all, never $0.
      totalUsd: null,
      perSuccessfulRequestUsd: null,
      per1kRequestsUsd: null,
      per1MOutputTokensUsd: null,
      failedUsd: null,
    });

    // The default SLO (errorRate < 1%): every target meets it; the unpriced one cannot be named cheapest.
    const d = summary.decision!;
    expect(d.slo).toEqual(['errorRate < 1%']);
    expect(d.rows.map((r) => [r.target, r.meetsSlo, r.perSuccessfulRequestUsd, r.per1MOutputTokensUsd])).toEqual([
      ['openai', true, 0.002, 40],
      ['mini', true, 0.00012, 2.4],
      ['homegrown', true, null, null],
    ]);
    expect(d.cheapestMeetingSlo).toBe('mini');
  });

  it('bills what the provider answered 2xx: error responses cost nothing, a stream broken after 200 is billed (as failed)', async () => {
    const s = scenarioOf({
      targets: [
        { name: 'erroring', model: 'gpt-4o', mock: { ...fast(5), faults: [{ kind: 'http_500', probability: 0.3 }] } },
        { name: 'resetting', model: 'gpt-4o', mock: { ...fast(5), faults: [{ kind: 'reset', afterTokens: 10, probability: 0.3 }] } },
      ],
      workload: { promptTokens: 600, maxTokens: 50 },
      load: { concurrency: 4, requests: 20 },
    });
    const { summary, measured } = await runCollecting(s, { pricing });
    const mine = (t: string) => measured.filter((r) => r.target === t);
    // In units of 1e-7 $: 600 in × 25 + out × 100 (gpt-4o's $2.50 and $10 per 1M).
    const units = (rs: typeof measured) => rs.reduce((n, r) => n + r.inputTokens * 25 + r.outputTokens * 100, 0);
    const usd = (u: number) => u / 10 / 1e6;

    const erroring = summary.groups.find((g) => g.target === 'erroring')!;
    const served = mine('erroring').filter((r) => r.status === 200);
    const refused = mine('erroring').filter((r) => r.status === 500);
    expect(refused.length, 'the seeded fault draws hit some requests').toBeGreaterThan(0);
    expect(served.length + refused.length).toBe(20);
    // The 500s still carry their counted prompt tokens, but nobody bills them.
    expect(erroring.tokens.input).toBe(20 * 600);
    expect(erroring.cost!.totalUsd).toBe(usd(served.length * 20_000)); // $0.002 per served request
    expect(erroring.cost!.failedUsd).toBe(0);
    expect(erroring.cost!.perSuccessfulRequestUsd).toBe(0.002);

    const resetting = summary.groups.find((g) => g.target === 'resetting')!;
    const broken = mine('resetting').filter((r) => r.errorKind === 'stream_cut');
    expect(broken.length).toBeGreaterThan(0);
    for (const r of broken) {
      expect(r.status).toBe(200);
      expect(r.outputTokens).toBeLessThanOrEqual(10);
    }
    // A reset meant for after 10 tokens can, on a busy machine, drop the reply before its headers left the mock's buffer:
    // that request was never answered 2xx (status 0, reset) and is not billed. Every answered one is.
    const answered = mine('resetting').filter((r) => r.status === 200);
    for (const r of mine('resetting').filter((x) => x.status !== 200)) expect([r.status, r.errorKind]).toEqual([0, 'reset']);
    expect(resetting.cost!.totalUsd).toBe(usd(units(answered)));
    expect(resetting.cost!.failedUsd).toBe(usd(units(broken)));
    expect(resetting.cost!.failedUsd).toBeGreaterThanOrEqual(broken.length * 0.0015); // each paid at least its prompt
  });

  it('a run without a catalog carries no cost', async () => {
    const s = scenarioOf({ targets: [{ name: 'openai', model: 'gpt-4o', mock: fast(5) }], load: { concurrency: 1, requests: 2 } });
    const { summary } = await runCollecting(s);
    expect(summary.groups[0]!.cost).toBeUndefined();
    expect(summary.pricing).toBeUndefined();
    expect(summary.decision!.cheapestMeetingSlo).toBeNull();
  });
});

describe('time-of-day prices through a run', () => {
  // DeepSeek's 2025 price list: deepseek-chat at $0.27 in / $1.10 out, $0.135 / $0.55 from 16:30 to
  // 00:30 UTC. The run's clock is started at a chosen wall-clock time; each request is priced at its
  // send time (origin + sentAtMs), by the group cost and by the budget guard alike.
  let example: Catalog;
  beforeAll(async () => {
    example = await loadCatalog(new URL('../../pricing/examples/deepseek-offpeak-2025.yaml', import.meta.url));
  });
  const clockAt = (iso: string): Clock => ({ now: monotonicClock().now, originEpochMs: Date.parse(iso) });

  it.each([
    // run starts at, how a request (1,000 in, 100 out) is priced, $ per request, $ for 6
    ['12:00:00', 'list: 1000 × $0.27/1M + 100 × $1.10/1M', 0.00038, 0.00228],
    ['16:30:00', 'off-peak: 1000 × $0.135/1M + 100 × $0.55/1M', 0.00019, 0.00114],
    ['23:59:30', 'off-peak, on into the next day', 0.00019, 0.00114],
  ])('a run started at %s UTC is priced %s', async (start, _how, perRequest, total) => {
    const s = scenarioOf({
      targets: [{ name: 'deepseek', model: 'deepseek-chat', mock: fast(1) }],
      workload: { promptTokens: 1_000, maxTokens: 100 },
      load: { concurrency: 2, requests: 6 },
      budget: { maxUsd: 1 },
    });
    const { summary, measured } = await runCollecting(s, { pricing: example, clock: clockAt(`2025-06-02T${start}.000Z`) });
    for (const r of measured) expect([r.status, r.inputTokens, r.outputTokens]).toEqual([200, 1_000, 100]);
    const cost = summary.groups[0]!.cost!;
    expect(cost.perSuccessfulRequestUsd).toBe(perRequest);
    expect(cost.totalUsd).toBe(total);
    expect(summary.budget!.spentUsd).toBe(cost.totalUsd);
  });
});

describe('decision: the cheapest target meeting the SLO', () => {
  it('names the pricier target when the cheaper one misses the SLO, and the cheaper one under a looser SLO', async () => {
    const s = scenarioOf({
      targets: [
        // Gemini 1.5 Flash: 100 × $0.075/1M + 20 × $0.30/1M = $0.0000135 a request, but a 300 ms first token.
        { name: 'cheap-slow', model: 'gemini-1.5-flash', mock: fast(300) },
        // Claude 3.5 Sonnet: 100 × $3/1M + 20 × $15/1M = $0.0006 a request, first token in 20 ms.
        { name: 'pricey-fast', model: 'claude-3-5-sonnet', mock: fast(20) },
      ],
      workload: { promptTokens: 100, maxTokens: 20 },
      load: { concurrency: 3, requests: 6 },
      slo: ['ttft.p99 < 200ms'],
    });
    const { summary } = await runCollecting(s, { pricing });
    const d = summary.decision!;
    expect(d.slo).toEqual(['ttft.p99 < 200ms']);
    const row = (t: string) => d.rows.find((r) => r.target === t)!;
    expect(row('cheap-slow')).toMatchObject({
      model: 'gemini-1.5-flash',
      meetsSlo: false,
      failed: [{ threshold: 'ttft.p99 < 200ms', pass: false }],
    });
    expect(row('cheap-slow').ttftP99).toBeGreaterThanOrEqual(300);
    expect(row('pricey-fast')).toMatchObject({ model: 'claude-3-5-sonnet', meetsSlo: true, failed: [], perSuccessfulRequestUsd: 0.0006 });
    expect(row('cheap-slow').perSuccessfulRequestUsd!).toBeLessThan(row('pricey-fast').perSuccessfulRequestUsd!);
    expect(d.cheapestMeetingSlo).toBe('pricey-fast');

    // Same measurements, looser SLO: both qualify and the cheaper one wins.
    const loose = decide(summary.groups, ['ttft.p99 < 2s', 'errorRate < 1%']);
    expect(loose.rows.every((r) => r.meetsSlo)).toBe(true);
    expect(loose.cheapestMeetingSlo).toBe('cheap-slow');
    // An SLO nobody meets names no one.
    expect(decide(summary.groups, ['ttft.p99 < 1ms']).cheapestMeetingSlo).toBeNull();
  });

  // Ranking uses full-precision per-request cost: 3.00 µ$ beats 3.36 µ$ even though both round to $0.000003.
  it('ranks targets by their exact cost, not by per-request dollars truncated to 6 decimals', async () => {
    const s = scenarioOf({
      targets: [
        { name: 'deepseek', model: 'deepseek-v4-flash', mock: fast(5) },
        { name: 'flash', model: 'gemini-1.5-flash', mock: fast(5) },
      ],
      workload: { promptTokens: 8, maxTokens: 8 },
      load: { concurrency: 2, requests: 4 },
    });
    const { summary } = await runCollecting(s, { pricing });
    const [deepseek, flash] = summary.groups;
    expect(flash!.cost!.per1kRequestsUsd).toBeLessThan(deepseek!.cost!.per1kRequestsUsd); // $0.003 vs $0.00336
    expect(summary.decision!.cheapestMeetingSlo).toBe('flash');
  });
});

describe('budget guard', () => {
  // gpt-4o, 1,000 prompt tokens, up to 100 out: worst case 1000 × $2.50/1M + 100 × $10/1M = $0.0035 a request.
  const expensive = { promptTokens: 1_000, maxTokens: 100 };

  it('maxUsd: stops before the request that could cross the cap, within one request of it', async () => {
    const s = scenarioOf({
      targets: [{ name: 'openai', model: 'gpt-4o', mock: fast(5) }],
      workload: expensive,
      load: { concurrency: 4, duration: '10s' },
      budget: { maxUsd: 0.05 },
    });
    const { summary, results, measured, elapsedMs } = await runCollecting(s, { pricing });
    expect(summary.status).toBe('budget');
    expect(summary.stopReason).toMatch(/maxUsd \$0\.05/);
    expect(elapsedMs, 'stopped by the budget, not by the 10 s duration').toBeLessThan(5_000);
    const b = summary.budget!;
    expect(b).toMatchObject({ stopped: true, reason: summary.stopReason });
    expect(b.spentUsd).toBeLessThanOrEqual(0.05);
    expect(b.spentUsd).toBeGreaterThan(0.05 - 0.0035);
    // $0.05 / $0.0035 = 14.3: 14 requests fit, the 15th could cross. Nothing is left in flight unpaid.
    expect(measured.length).toBeLessThanOrEqual(14);
    expect(results).toHaveLength(14);
    expect(b).toMatchObject({ requests: 14, tokens: 14 * 1_100, spentUsd: 0.049 });
    expect(summary.groups[0]!.cost!.totalUsd).toBe(b.spentUsd);
  });

  describe('against a mock started by the test (so the requests that reach it can be counted)', () => {
    let mock: MockServer;
    beforeAll(async () => {
      mock = await startMockServer({ profile: mockProfileSchema.parse(fast(5)), models: ['gpt-4o'] });
    });
    afterAll(async () => {
      await mock?.close();
    });

    it('maxRequests: exactly that many requests are sent', async () => {
      const before = mock.completions;
      const s = scenarioOf({
        targets: [{ name: 'openai', model: 'gpt-4o', baseUrl: mock.baseUrl }],
        workload: expensive,
        load: { concurrency: 4, duration: '10s' },
        budget: { maxRequests: 7 },
      });
      const { summary, results } = await runCollecting(s, { pricing });
      expect(summary.status).toBe('budget');
      expect(summary.stopReason).toBe('budget: maxRequests 7 reached');
      expect(mock.completions - before).toBe(7);
      expect(results).toHaveLength(7);
      expect(summary.budget).toMatchObject({ stopped: true, requests: 7, tokens: 7 * 1_100, spentUsd: 0.0245 }); // 7 × $0.0035
    });

    it('maxTokens: stops before a request whose prompt + token limit could cross it', async () => {
      const before = mock.completions;
      const s = scenarioOf({
        targets: [{ name: 'openai', model: 'gpt-4o', baseUrl: mock.baseUrl }],
        workload: expensive,
        load: { concurrency: 4, duration: '10s' },
        // 1,100 tokens a request at most: 5 fit exactly (5,500), the 6th could take 6,600.
        budget: { maxTokens: 5_500 },
      });
      const { summary, results } = await runCollecting(s, { pricing });
      expect(summary.status).toBe('budget');
      expect(summary.stopReason).toMatch(/maxTokens 5500/);
      expect(mock.completions - before).toBe(5);
      expect(results).toHaveLength(5);
      expect(summary.budget).toMatchObject({ stopped: true, requests: 5, tokens: 5_500 });
    });

    it('a budget that is never reached lets the run complete', async () => {
      const s = scenarioOf({
        targets: [{ name: 'openai', model: 'gpt-4o', baseUrl: mock.baseUrl }],
        workload: expensive,
        load: { concurrency: 2, requests: 4 },
        budget: { maxUsd: 1, maxRequests: 100, maxTokens: 1_000_000 },
      });
      const { summary } = await runCollecting(s, { pricing });
      expect(summary.status).toBe('completed');
      expect(summary.budget).toEqual({ stopped: false, reason: '', spentUsd: 0.014, requests: 4, tokens: 4 * 1_100 });
    });
  });
});
