import { describe, expect, it } from 'vitest';
import { anthropicMessages } from '../../src/client/anthropic-messages.js';
import { openaiChat } from '../../src/client/openai-chat.js';
import type { StreamState } from '../../src/client/protocol.js';
import { buildCatalog, catalogSchema } from '../../src/cost/catalog.js';
import { groupCost } from '../../src/cost/run-cost.js';
import { UNKNOWN_MINUTE } from '../../src/metrics/recorder.js';

const state = (): StreamState => ({ finishReason: '', usage: null });
const ev = (data: unknown, event = 'message') => ({ event, data: JSON.stringify(data), id: '' });

describe('prompt-cache hits in usage', () => {
  it.each([
    [
      'OpenAI prompt_tokens_details.cached_tokens (inside prompt_tokens)',
      { prompt_tokens: 1200, completion_tokens: 50, prompt_tokens_details: { cached_tokens: 1024 } },
      { inputTokens: 1200, outputTokens: 50, cachedInputTokens: 1024 },
    ],
    ['OpenAI without details', { prompt_tokens: 10, completion_tokens: 5 }, { inputTokens: 10, outputTokens: 5 }],
    [
      'OpenAI with zero cached',
      { prompt_tokens: 10, completion_tokens: 5, prompt_tokens_details: { cached_tokens: 0 } },
      { inputTokens: 10, outputTokens: 5 },
    ],
    // DeepSeek reports cache hits in fields of its own (hit + miss = prompt_tokens).
    [
      'DeepSeek prompt_cache_hit_tokens',
      { prompt_tokens: 1000, completion_tokens: 20, prompt_cache_hit_tokens: 896, prompt_cache_miss_tokens: 104 },
      { inputTokens: 1000, outputTokens: 20, cachedInputTokens: 896 },
    ],
    [
      'DeepSeek with both fields',
      { prompt_tokens: 1000, completion_tokens: 20, prompt_tokens_details: { cached_tokens: 896 }, prompt_cache_hit_tokens: 896 },
      { inputTokens: 1000, outputTokens: 20, cachedInputTokens: 896 },
    ],
    [
      'DeepSeek, a full miss',
      { prompt_tokens: 1000, completion_tokens: 20, prompt_cache_hit_tokens: 0, prompt_cache_miss_tokens: 1000 },
      { inputTokens: 1000, outputTokens: 20 },
    ],
  ])('%s', (_name, usage, expected) => {
    const s = state();
    openaiChat.onEvent(ev({ choices: [], usage }), s);
    expect(s.usage).toEqual(expected);
  });

  it('Anthropic counts cache reads and writes apart from input_tokens: the prompt is all three', () => {
    const s = state();
    anthropicMessages.onEvent(
      ev({
        type: 'message_start',
        message: { usage: { input_tokens: 100, cache_read_input_tokens: 900, cache_creation_input_tokens: 50, output_tokens: 1 } },
      }),
      s,
    );
    expect(s.usage).toEqual({ inputTokens: 1050, outputTokens: 1, cachedInputTokens: 900, cacheWriteInputTokens: 50 });
    anthropicMessages.onEvent(ev({ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 40 } }), s);
    expect(s.usage).toEqual({ inputTokens: 1050, outputTokens: 40, cachedInputTokens: 900, cacheWriteInputTokens: 50 });
  });

  // A gateway's message_delta may repeat input_tokens without the cache fields: like the official SDK's
  // MessageStream, only the fields present and non-null are merged, so message_start's cache read stays.
  it.each([
    ['input_tokens only', { output_tokens: 40, input_tokens: 100 }, { inputTokens: 1100, outputTokens: 40, cachedInputTokens: 1000 }],
    [
      'cache fields null',
      { output_tokens: 40, input_tokens: 100, cache_read_input_tokens: null, cache_creation_input_tokens: null },
      { inputTokens: 1100, outputTokens: 40, cachedInputTokens: 1000 },
    ],
    [
      'a cumulative cache read',
      { output_tokens: 40, cache_read_input_tokens: 1200 },
      { inputTokens: 1300, outputTokens: 40, cachedInputTokens: 1200 },
    ],
    [
      'a cache write added',
      { output_tokens: 40, input_tokens: 100, cache_creation_input_tokens: 30 },
      { inputTokens: 1130, outputTokens: 40, cachedInputTokens: 1000, cacheWriteInputTokens: 30 },
    ],
  ])('Anthropic message_delta merges only the usage fields it carries: %s', (_name, usage, expected) => {
    const s = state();
    anthropicMessages.onEvent(
      ev({ type: 'message_start', message: { usage: { input_tokens: 100, cache_read_input_tokens: 1000, output_tokens: 1 } } }),
      s,
    );
    anthropicMessages.onEvent(ev({ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage }), s);
    expect(s.usage).toEqual(expected);
  });

  it.each([
    ['no cache at all', { input_tokens: 10 }, { inputTokens: 10, outputTokens: 7 }],
    [
      'writes only',
      { input_tokens: 10, cache_creation_input_tokens: 2000 },
      { inputTokens: 2010, outputTokens: 7, cacheWriteInputTokens: 2000 },
    ],
    [
      'writes split by TTL',
      {
        input_tokens: 10,
        cache_creation_input_tokens: 3000,
        cache_creation: { ephemeral_5m_input_tokens: 1000, ephemeral_1h_input_tokens: 2000 },
      },
      { inputTokens: 3010, outputTokens: 7, cacheWriteInputTokens: 3000, cacheWrite1hInputTokens: 2000 },
    ],
    [
      'all writes 5-minute',
      {
        input_tokens: 10,
        cache_creation_input_tokens: 3000,
        cache_creation: { ephemeral_5m_input_tokens: 3000, ephemeral_1h_input_tokens: 0 },
      },
      { inputTokens: 3010, outputTokens: 7, cacheWriteInputTokens: 3000 },
    ],
  ])('Anthropic usage, %s', (_name, usage, expected) => {
    const s = state();
    anthropicMessages.parseCompletion(
      { type: 'message', content: [{ type: 'text', text: 'ok' }], usage: { ...usage, output_tokens: 7 } },
      s,
    );
    expect(s.usage).toEqual(expected);
  });

  it('cached input is priced at the cached-input price', () => {
    const catalog = buildCatalog(catalogSchema.parse({ models: { m: { input: 2.5, output: 10, cachedInput: 1.25 } } }));
    // 1M prompt tokens of which 400K cached: 600K × $2.50 + 400K × $1.25 = $1.50 + $0.50; 100K out × $10 = $1.00.
    const billed = { input: 1_000_000, output: 100_000, cachedInput: 400_000, cacheWriteInput: 0, cacheWrite1hInput: 0 };
    const none = { input: 0, output: 0, cachedInput: 0, cacheWriteInput: 0, cacheWrite1hInput: 0 };
    const c = groupCost('m', new Map([[UNKNOWN_MINUTE, { billed, failed: none }]]), 1, 1, 100_000, catalog);
    expect(c.totalUsd).toBe(3);
  });
});
