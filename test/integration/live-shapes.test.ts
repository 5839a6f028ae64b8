import { describe, expect, it } from 'vitest';
import { anthropicMessages } from '../../src/client/anthropic-messages.js';
import { openaiChat } from '../../src/client/openai-chat.js';
import type { StreamState } from '../../src/client/protocol.js';
import { SseDecoder } from '../../src/client/sse.js';
import { buildCatalog, catalogSchema } from '../../src/cost/catalog.js';
import { ttfcMs, ttftMs } from '../../src/metrics/request-result.js';
import { startMockServer } from '../../src/mock/server.js';
import { mockProfileSchema } from '../../src/scenario/schema.js';
import { runCollecting, scenarioOf } from '../support/scenario-run.js';

// The mock's live shapes (mock.quirks.shape) stream each provider's chunks as served today. Every
// figure the tool reports from them — TTFT, tokens from usage, cached tokens, reasoning, cost — must
// equal what the mock was told to send.

const PROMPT = 600;
const MAX = 12;
const CACHED = 400;
const REASONING = 3;
const TTFT = 20;
const ITL = 2;
// $ per 1M tokens: 200 uncached × $2 + 400 cached × $0.5 + 12 out × $8 = $0.000400 + $0.000200 + $0.000096.
const PER_REQUEST_USD = 0.000696;
const REQUESTS = 4;

const pricing = buildCatalog(catalogSchema.parse({ models: { m: { input: 2, output: 8, cachedInput: 0.5 } } }));
const mock = (shape: string, reasoningTokens?: number) => ({
  rttMs: 0,
  ttftMs: TTFT,
  itlMs: ITL,
  ...(reasoningTokens ? { reasoningTokens } : {}),
  quirks: { shape, cachedPromptTokens: CACHED },
});

async function run(targets: Record<string, unknown>[]) {
  const s = scenarioOf({
    targets: targets.map((t) => ({ model: 'm', ...t })),
    workload: { promptTokens: PROMPT, maxTokens: MAX },
    load: { concurrency: 1, requests: REQUESTS, warmup: 0 },
  });
  return runCollecting(s, { pricing, useMock: true });
}

describe('live shapes: every reported figure is what the mock sent', () => {
  it.each([
    // [provider, shape, reasoning tokens the mock draws, reasoning deltas streamed]
    ['openai', 'openai', REASONING, 0], // OpenAI does not stream reasoning: it is in usage only, and delays the first token
    ['anthropic', 'anthropic', REASONING, REASONING], // thinking deltas, then the signature
    ['gemini', 'gemini', 0, 0],
    ['deepseek-global', 'deepseek', REASONING, REASONING], // reasoning_content deltas
  ])('%s (shape %s)', async (provider, shape, reasoning, streamed) => {
    const { summary, measured } = await run([{ name: shape, provider, mock: mock(shape, reasoning) }]);
    expect(summary.status).toBe('completed');
    expect(measured).toHaveLength(REQUESTS);
    for (const r of measured) {
      expect(r.errorKind, r.errorMessage).toBeNull();
      expect([r.inputTokens, r.outputTokens, r.cachedInputTokens, r.tokenSource]).toEqual([PROMPT, MAX, CACHED, 'usage']);
      expect([r.reasoningDeltas, r.contentDeltas]).toEqual([streamed, MAX - reasoning]);
      // The first token is due TTFT after the headers; a hidden reasoning token still takes its ITL.
      const firstDue = TTFT + (reasoning - streamed) * ITL;
      expect(ttftMs(r)!).toBeGreaterThanOrEqual(firstDue);
      expect(ttfcMs(r)!).toBeGreaterThanOrEqual(TTFT + reasoning * ITL);
      expect(ttftMs(r)!).toBeLessThan(firstDue + 5_000);
    }
    const [g] = summary.groups;
    expect(g!.cost!.totalUsd).toBeCloseTo(REQUESTS * PER_REQUEST_USD, 12);
    expect(g!.cost!.perSuccessfulRequestUsd).toBeCloseTo(PER_REQUEST_USD, 12);
  });

  it('the live OpenAI shape reads the same figures as the plain one', async () => {
    const { summary, measured } = await run([
      { name: 'plain', provider: 'mock', mock: mock('plain') },
      { name: 'live', provider: 'mock', mock: mock('openai') },
    ]);
    const figures = (target: string) =>
      measured
        .filter((r) => r.target === target)
        .map((r) => [
          r.status,
          r.errorKind,
          r.inputTokens,
          r.outputTokens,
          r.cachedInputTokens,
          r.tokenSource,
          r.contentDeltas,
          r.finishReason,
        ]);
    expect(figures('live')).toHaveLength(REQUESTS);
    expect(figures('live')).toEqual(figures('plain'));
    const [plain, live] = summary.groups;
    expect(live!.tokens).toEqual(plain!.tokens);
    expect(live!.cost).toEqual(plain!.cost);
    expect(live!.cost!.totalUsd).toBeCloseTo(REQUESTS * PER_REQUEST_USD, 12);
  });
});

describe('live shapes on the wire', () => {
  // What each shape puts on the wire, read by the adapters directly: the keys the issue lists are there.
  async function events(shape: string, path: string, body: unknown, headers: Record<string, string> = {}) {
    const m = await startMockServer({ profile: mockProfileSchema.parse(mock(shape, REASONING)) });
    try {
      const res = await fetch(`${m.baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
      const d = new SseDecoder();
      return [...d.push(new Uint8Array(await res.arrayBuffer())), ...d.end()];
    } finally {
      await m.close();
    }
  }
  const chat = {
    model: 'm',
    messages: [{ role: 'user', content: 'hi' }],
    max_tokens: 6,
    stream: true,
    stream_options: { include_usage: true },
  };

  it('openai: usage:null before choices, obfuscation, final usage chunk with choices [] and the details', async () => {
    const evs = await events('openai', '/chat/completions', chat);
    const content = evs[1]!.data;
    expect(content).toMatch(/"system_fingerprint":"fp_[^"]+","usage":null,"choices":\[\{"index":0,"delta":\{"content":/);
    expect(content).toMatch(/"service_tier":"default"/);
    expect(content).toMatch(/"logprobs":null,"finish_reason":null\}\],"obfuscation":"[A-Za-z0-9]+"\}$/);
    const last = JSON.parse(evs.at(-2)!.data);
    expect(last.choices).toEqual([]);
    expect(last.usage.prompt_tokens_details.cached_tokens).toBe(1); // the prompt 'hi' is one token: the cache is capped to it
    expect(last.usage.completion_tokens_details.reasoning_tokens).toBe(REASONING);
    expect(evs.at(-1)!.data).toBe('[DONE]');
    const state: StreamState = { finishReason: '', usage: null };
    for (const ev of evs) openaiChat.onEvent(ev, state);
    expect(state).toEqual({ finishReason: 'length', usage: { inputTokens: 1, outputTokens: 6, cachedInputTokens: 1 } });
  });

  it('anthropic: ping, thinking and signature deltas, cache fields on message_start and message_delta', async () => {
    const evs = await events('anthropic', '/messages', { ...chat, stream_options: undefined }, { 'anthropic-version': '2023-06-01' });
    const types = evs.map((e) => e.event);
    expect(types.slice(0, 3)).toEqual(['message_start', 'content_block_start', 'ping']);
    const deltas = evs.filter((e) => e.event === 'content_block_delta').map((e) => JSON.parse(e.data).delta.type);
    expect(deltas).toEqual([
      'thinking_delta',
      'thinking_delta',
      'thinking_delta',
      'signature_delta',
      'text_delta',
      'text_delta',
      'text_delta',
    ]);
    const start = JSON.parse(evs[0]!.data).message.usage;
    expect(start).toMatchObject({ input_tokens: 0, cache_read_input_tokens: 1, cache_creation_input_tokens: 0, service_tier: 'standard' });
    const delta = JSON.parse(evs.find((e) => e.event === 'message_delta')!.data).usage;
    expect(delta).toEqual({ input_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 1, output_tokens: 6 });
    const state: StreamState = { finishReason: '', usage: null };
    for (const ev of evs) anthropicMessages.onEvent(ev, state);
    expect(state.usage).toEqual({ inputTokens: 1, outputTokens: 6, cachedInputTokens: 1 });
  });

  it('gemini: usage on every chunk; deepseek: reasoning_content and prompt_cache_hit_tokens', async () => {
    const gemini = (await events('gemini', '/chat/completions', chat)).filter((e) => e.data !== '[DONE]');
    for (const e of gemini) expect(JSON.parse(e.data).usage.prompt_tokens).toBe(1);
    const deepseek = await events('deepseek', '/chat/completions', chat);
    expect(JSON.parse(deepseek[1]!.data).choices[0].delta).toEqual({ content: null, reasoning_content: expect.any(String) });
    const usage = JSON.parse(deepseek.at(-2)!.data).usage;
    expect(usage).toMatchObject({
      prompt_cache_hit_tokens: 1,
      prompt_cache_miss_tokens: 0,
      completion_tokens_details: { reasoning_tokens: 3 },
    });
  });
});
