import { describe, expect, it } from 'vitest';
import { anthropicMessages } from '../../src/client/anthropic-messages.js';
import { bedrockConverse } from '../../src/client/bedrock-converse.js';
import { openaiChat } from '../../src/client/openai-chat.js';
import type { StreamState } from '../../src/client/protocol.js';
import { readRateLimit } from '../../src/client/rate-limit-headers.js';
import { decide, outputLengthNote } from '../../src/analysis/decision.js';
import { summarizeGroup, type GroupSummary } from '../../src/metrics/group-summary.js';
import { mergeGroups } from '../../src/metrics/merge-groups.js';
import { rateLimitWarning } from '../../src/metrics/rate-limit.js';
import { Recorder } from '../../src/metrics/recorder.js';
import { newResult, type AttemptResult } from '../../src/metrics/request-result.js';

// Items 5–7 of step 15: the prompt-cache hit rate from each provider's usage, the rate-limit headroom its headers
// state, and how long replies were.

function result(over: Partial<AttemptResult> = {}): AttemptResult {
  const r = newResult({
    id: 1,
    phase: 'measure',
    target: 't',
    region: 'r',
    provider: 'p',
    model: 'm',
    workload: 'w',
    turn: 1,
    step: '',
    scheduledAtMs: 0,
    queuedMs: 0,
    inputTokens: 100,
    requestedOutputTokens: 64,
  });
  Object.assign(r, { sentAtMs: 0, headersAtMs: 5, firstTokenAtMs: 10, firstContentAtMs: 10, endAtMs: 50, status: 200 }, over);
  return r;
}

function groupOf(results: readonly AttemptResult[]): GroupSummary {
  const rec = new Recorder();
  rec.declare({ target: 't', region: 'r', provider: 'p', model: 'm' });
  for (const r of results) rec.add(r);
  return summarizeGroup(rec.targetGroup('t')!);
}

// A record as the client settles it from a provider's raw usage: the adapter's reading, then settleTokens.
function settled(feed: (s: StreamState) => void): AttemptResult {
  const s: StreamState = { finishReason: '', usage: null, serverLatencyMs: null };
  feed(s);
  const u = s.usage!;
  return result({
    inputTokens: u.inputTokens,
    outputTokens: u.outputTokens,
    cachedInputTokens: u.cachedInputTokens ?? 0,
    cacheWriteInputTokens: u.cacheWriteInputTokens ?? 0,
    tokenSource: 'usage',
  });
}

const ev = (data: unknown, event = 'message') => ({ event, data: JSON.stringify(data), id: '' });

describe('prompt-cache hit rate: each provider by its own denominator', () => {
  // [provider, its raw usage as the adapter reads it, the provider's own formula on the raw fields]
  it.each([
    [
      'OpenAI / Azure: cached_tokens / prompt_tokens',
      () => settled((s) => openaiChat.onEvent(ev({ choices: [], usage: openai(1200, 1024) }), s)),
      1024 / 1200,
    ],
    [
      'DeepSeek: hit / (hit + miss)',
      () =>
        settled((s) =>
          openaiChat.onEvent(
            ev({
              choices: [],
              usage: { prompt_tokens: 1000, completion_tokens: 9, prompt_cache_hit_tokens: 896, prompt_cache_miss_tokens: 104 },
            }),
            s,
          ),
        ),
      896 / (896 + 104),
    ],
    [
      // Leaving cache_creation out of the denominator would read 0.995 (inference-perf #715); the truth is 0.5.
      'Anthropic: cache_read / (input + cache_read + cache_creation)',
      () =>
        settled((s) =>
          anthropicMessages.onEvent(
            ev({
              type: 'message_start',
              message: { usage: { input_tokens: 5, cache_read_input_tokens: 1000, cache_creation_input_tokens: 995, output_tokens: 1 } },
            }),
            s,
          ),
        ),
      1000 / (5 + 1000 + 995),
    ],
    [
      'Bedrock Converse: cacheReadInputTokens over the whole prompt',
      () =>
        settled((s) =>
          bedrockConverse.onEvent(
            ev({ usage: { inputTokens: 100, outputTokens: 9, cacheReadInputTokens: 700, cacheWriteInputTokens: 200 } }, 'metadata'),
            s,
          ),
        ),
      700 / (100 + 700 + 200),
    ],
    [
      'Gemini (OpenAI-compatible): prompt_tokens_details.cached_tokens / prompt_tokens',
      () => settled((s) => openaiChat.onEvent(ev({ choices: [], usage: openai(2048, 1536) }), s)),
      1536 / 2048,
    ],
  ])('%s', (_name, make, expected) => {
    const g = groupOf([make(), make()]);
    expect(g.cache!.hitRate).toBeCloseTo(expected, 6);
  });

  it('is the rate of the sums over requests, not a mean of per-request rates', () => {
    const g = groupOf([
      result({ inputTokens: 1000, cachedInputTokens: 900, tokenSource: 'usage' }),
      result({ inputTokens: 100, cachedInputTokens: 0, tokenSource: 'usage' }),
    ]);
    expect(g.cache).toEqual({ hitRate: roundTo6(900 / 1100), readTokens: 900, writeTokens: 0, promptTokens: 1100 });
  });

  it('a locally counted request (no usage, no cache figures) stays out of the denominator', () => {
    const withUsage = result({ inputTokens: 1000, cachedInputTokens: 500, cacheWriteInputTokens: 100, tokenSource: 'usage' });
    const counted = result({ inputTokens: 1000, tokenSource: 'counted' });
    expect(groupOf([withUsage, counted, counted]).cache).toEqual({ hitRate: 0.5, readTokens: 500, writeTokens: 100, promptTokens: 1000 });
  });

  it('no request with usage: hitRate null, never 0', () => {
    expect(groupOf([result({ tokenSource: 'counted' })]).cache!.hitRate).toBeNull();
    expect(groupOf([]).cache!.hitRate).toBeNull();
  });

  it("usage that reports no cache hit reads 0: the provider's own answer", () => {
    expect(groupOf([result({ tokenSource: 'usage' })]).cache!.hitRate).toBe(0);
  });
});

function openai(prompt: number, cached: number) {
  return { prompt_tokens: prompt, completion_tokens: 9, prompt_tokens_details: { cached_tokens: cached } };
}

function roundTo6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

describe('rate-limit headers', () => {
  const read = (h: Record<string, string>) => {
    const r = result();
    readRateLimit(r, h);
    return [r.rateLimitRequestsRemaining, r.rateLimitRequestsLimit, r.rateLimitTokensRemaining, r.rateLimitTokensLimit];
  };

  it.each([
    ['none', {}, [null, null, null, null]],
    [
      'OpenAI / Azure',
      {
        'x-ratelimit-remaining-requests': '59',
        'x-ratelimit-limit-requests': '60',
        'x-ratelimit-remaining-tokens': '149984',
        'x-ratelimit-limit-tokens': '150000',
      },
      [59, 60, 149984, 150000],
    ],
    ['Azure without limits', { 'x-ratelimit-remaining-requests': '9', 'x-ratelimit-remaining-tokens': '900' }, [9, null, 900, null]],
    [
      'Anthropic: the tightest of its token quotas by share left',
      {
        'anthropic-ratelimit-requests-remaining': '49',
        'anthropic-ratelimit-requests-limit': '50',
        'anthropic-ratelimit-tokens-remaining': '90000',
        'anthropic-ratelimit-tokens-limit': '100000',
        'anthropic-ratelimit-input-tokens-remaining': '70000',
        'anthropic-ratelimit-input-tokens-limit': '80000',
        'anthropic-ratelimit-output-tokens-remaining': '1000',
        'anthropic-ratelimit-output-tokens-limit': '20000',
      },
      [49, 50, 1000, 20000],
    ],
    ['not a number', { 'x-ratelimit-remaining-requests': 'lots', 'x-ratelimit-remaining-tokens': '' }, [null, null, null, null]],
  ])('%s', (_name, headers, expected) => {
    expect(read(headers)).toEqual(expected);
  });

  const quota = (requests: number, tokens: number) =>
    result({
      rateLimitRequestsRemaining: requests,
      rateLimitRequestsLimit: 100,
      rateLimitTokensRemaining: tokens,
      rateLimitTokensLimit: 10_000,
    });

  it('a group keeps the lowest quota left, each with its limit; within 10 % of a limit is near it', () => {
    const far = groupOf([quota(90, 9000), quota(50, 8000), result()]);
    expect(far.rateLimit).toEqual({
      requestsRemainingMin: 50,
      requestsLimit: 100,
      tokensRemainingMin: 8000,
      tokensLimit: 10_000,
      nearLimit: false,
    });
    expect(rateLimitWarning('t', far.rateLimit)).toBeNull();
    const near = groupOf([quota(90, 9000), quota(80, 1000)]);
    expect(near.rateLimit!.nearLimit).toBe(true);
    expect(rateLimitWarning('t', near.rateLimit)).toMatch(
      /t: came within 10 % .*tokens 1000 of 10000 left.*measuring the limiter, not the model/,
    );
  });

  it('a 429 states its quota too; a response without headers states none (null)', () => {
    expect(groupOf([quota(0, 5000)]).rateLimit!.nearLimit).toBe(true);
    expect(groupOf([result()]).rateLimit).toBeNull();
    const noLimit = groupOf([result({ rateLimitRequestsRemaining: 0 })]);
    expect(noLimit.rateLimit).toMatchObject({ requestsRemainingMin: 0, requestsLimit: null, nearLimit: true });
  });
});

describe('output length', () => {
  const reply = (outputTokens: number, finishReason = 'stop') => result({ outputTokens, finishReason });

  it('p50 and p99 of output tokens over successful requests, and the share that stopped at max_tokens', () => {
    const rs = [
      ...Array.from({ length: 97 }, (_, i) => reply(100 + i)),
      reply(64, 'length'),
      reply(64, 'max_tokens'),
      reply(5000),
      result({ outputTokens: 9999, errorKind: 'http_5xx', status: 500 }),
    ];
    const o = groupOf(rs).outputTokens!;
    expect(o.p50).toBe(147);
    expect(o.p99).toBe(196);
    expect([o.truncated, o.truncatedShare]).toEqual([2, 0.02]);
  });

  it('no successful request: null, never 0', () => {
    expect(groupOf([result({ errorKind: 'http_5xx', status: 500 })]).outputTokens).toMatchObject({
      p50: null,
      p99: null,
      truncatedShare: null,
    });
  });

  const target = (name: string, tokens: number) => ({ ...groupOf([reply(tokens), reply(tokens)]), target: name, key: name });

  it('paired targets whose medians differ by more than 20 %: E2E is not comparable, and the decision says so', () => {
    expect(outputLengthNote([target('a', 100), target('b', 120)])).toBeUndefined();
    const note = outputLengthNote([target('a', 100), target('b', 121)]);
    expect(note).toMatch(/^E2E is not comparable: median output lengths differ by more than 20 % \(a 100 tok, b 121 tok\)/);
    expect(decide([target('a', 100), target('b', 121)]).outputLengthNote).toBe(note);
    expect(decide([target('a', 100), target('b', 110)]).outputLengthNote).toBeUndefined();
  });

  it('the decision row carries the cache hit rate beside TTFT and cost', () => {
    const g = { ...groupOf([result({ inputTokens: 100, cachedInputTokens: 25, tokenSource: 'usage' })]), key: 'a', target: 'a' };
    expect(decide([g]).rows[0]!.cacheHitRate).toBe(0.25);
  });
});

describe('merged parts', () => {
  it('cache, output length and rate-limit headroom of merged parts equal those of the whole', () => {
    const rs = [
      result({ inputTokens: 1000, cachedInputTokens: 900, cacheWriteInputTokens: 50, tokenSource: 'usage', outputTokens: 10 }),
      result({ inputTokens: 400, tokenSource: 'counted', outputTokens: 30, finishReason: 'length' }),
      result({ inputTokens: 200, cachedInputTokens: 20, tokenSource: 'usage', outputTokens: 20, rateLimitRequestsRemaining: 3 }),
      result({ inputTokens: 300, tokenSource: 'usage', outputTokens: 40, rateLimitRequestsRemaining: 7, rateLimitRequestsLimit: 60 }),
    ];
    const whole = groupOf(rs);
    const merged = mergeGroups([
      { group: groupOf(rs.slice(0, 2)), shiftMs: 0 },
      { group: groupOf(rs.slice(2)), shiftMs: 0 },
    ]);
    expect(merged.cache).toEqual(whole.cache);
    expect(merged.rateLimit).toEqual(whole.rateLimit);
    expect({ ...merged.outputTokens, histogram: '' }).toEqual({ ...whole.outputTokens, histogram: '' });
    expect(whole.outputTokens).toMatchObject({ p50: 20, p99: 40, truncated: 1, truncatedShare: 0.25 });
  });

  it('a part from a summary older than the fields leaves them out of the merge rather than making them up', () => {
    const part = groupOf([result({ tokenSource: 'usage' })]);
    const old: GroupSummary = { ...part };
    delete old.cache;
    delete old.outputTokens;
    delete old.rateLimit;
    const merged = mergeGroups([
      { group: part, shiftMs: 0 },
      { group: old, shiftMs: 0 },
    ]);
    expect([merged.cache, merged.outputTokens, merged.rateLimit]).toEqual([undefined, undefined, undefined]);
  });
});
