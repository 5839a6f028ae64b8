import { describe, expect, it } from 'vitest';
import { anthropicMessages } from '../../src/client/anthropic-messages.js';
import { openaiChat } from '../../src/client/openai-chat.js';
import type { StreamState } from '../../src/client/protocol.js';
import { buildCatalog, catalogSchema } from '../../src/cost/catalog.js';
import { groupCost } from '../../src/cost/run-cost.js';

const state = (): StreamState => ({ finishReason: '', usage: null });
const ev = (data: unknown, event = 'message') => ({ event, data: JSON.stringify(data), id: '' });

describe('prompt-cache hits in usage', () => {
  it.each([
    ['OpenAI prompt_tokens_details.cached_tokens (inside prompt_tokens)', { prompt_tokens: 1200, completion_tokens: 50, prompt_tokens_details: { cached_tokens: 1024 } }, { inputTokens: 1200, outputTokens: 50, cachedInputTokens: 1024 }],
    ['OpenAI without details', { prompt_tokens: 10, completion_tokens: 5 }, { inputTokens: 10, outputTokens: 5 }],
    ['OpenAI with zero cached', { prompt_tokens: 10, completion_tokens: 5, prompt_tokens_details: { cached_tokens: 0 } }, { inputTokens: 10, outputTokens: 5 }],
  ])('%s', (_name, usage, expected) => {
    const s = state();
    openaiChat.onEvent(ev({ choices: [], usage }), s);
    expect(s.usage).toEqual(expected);
  });

  it('Anthropic counts cache reads and writes apart from input_tokens: the prompt is all three', () => {
    const s = state();
    anthropicMessages.onEvent(ev({ type: 'message_start', message: { usage: { input_tokens: 100, cache_read_input_tokens: 900, cache_creation_input_tokens: 50, output_tokens: 1 } } }), s);
    expect(s.usage).toEqual({ inputTokens: 1050, outputTokens: 1, cachedInputTokens: 900 });
    anthropicMessages.onEvent(ev({ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 40 } }), s);
    expect(s.usage).toEqual({ inputTokens: 1050, outputTokens: 40, cachedInputTokens: 900 });
  });

  it('cached input is priced at the cached-input price', () => {
    const catalog = buildCatalog(catalogSchema.parse({ models: { m: { input: 2.5, output: 10, cachedInput: 1.25 } } }));
    // 1M prompt tokens of which 400K cached: 600K × $2.50 + 400K × $1.25 = $1.50 + $0.50; 100K out × $10 = $1.00.
    const c = groupCost('m', { input: 1_000_000, output: 100_000, cachedInput: 400_000, failedInput: 0, failedOutput: 0 }, 1, 1, 100_000, catalog);
    expect(c.totalUsd).toBe(3);
  });
});
