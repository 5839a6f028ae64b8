import { describe, expect, it } from 'vitest';
import { anthropicMessages } from '../../src/client/anthropic-messages.js';
import { CONTENT_CHUNK, openaiChat, parseChunk } from '../../src/client/openai-chat.js';
import type { StreamState, StreamStep } from '../../src/client/protocol.js';
import { liveWire } from '../../src/mock/openai-live-shapes.js';
import { chunk, usageChunk } from '../../src/mock/openai-shapes.js';

// Most chunks of a stream take a fast path (one anchored pattern, no JSON.parse). Whatever the
// chunk, onEvent must read it exactly as a full parse does: same step, same state.

const read = (f: (data: string, s: StreamState) => StreamStep, data: string) => {
  const state: StreamState = { finishReason: '', usage: null };
  const step = f(data, state);
  return { step, state };
};
const viaOnEvent = (data: string, s: StreamState) => openaiChat.onEvent({ event: 'message', data, id: '' }, s);

const openai = (content: string, extra = '') =>
  `{"id":"chatcmpl-B9","object":"chat.completion.chunk","created":1727000000,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_0ba0d124f1","choices":[{"index":0,"delta":{"content":${JSON.stringify(content)}},"logprobs":null,"finish_reason":null}]${extra}}`;

// OpenAI's live shape as the mock writes it (quirks.shape: openai): `"usage":null` before choices, obfuscation.
const live = liveWire('openai', {
  id: 'chatcmpl-C1',
  created: 1,
  model: 'gpt-5-mini',
  promptTokens: 9,
  cachedTokens: 4,
  reasoningTokens: 2,
  completionTokens: 7,
});
const liveData = (sse: string | null) => sse!.slice('data: '.length, -2);

const FAST = [
  liveData(live.token(0, ' word', false)),
  liveData(live.token(9, ' "quoted"\n', false)),
  openai(' x').replace('"choices"', '"usage":null,"choices"'),
  JSON.stringify(chunk('chatcmpl-mock1', 1, 'mock-model', { content: ' word' }, null)),
  JSON.stringify(chunk('chatcmpl-mock1', 1, 'mock-model', { role: 'assistant', content: '' }, null)),
  JSON.stringify(chunk('chatcmpl-mock1', 1, 'mock-model', { role: 'assistant', content: 'Hi' }, null)),
  openai(' Hello'),
  openai(' "quoted" \\ back\\slash'),
  openai('tab\tnewline\nü ✓ 😀'),
  openai('\u0000\u001f control escaped'),
  openai(' x', ',"usage":null'),
  openai(' x', ',"obfuscation":"a1b2"'),
  '{"id":"cmpl-1","object":"chat.completion.chunk","created":0,"model":"meta-llama/Llama-3.1-8B","choices":[{"index":0,"delta":{"content":" tok"},"logprobs":null,"finish_reason":null}]}',
  '{"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"\\ud83d\\ude00 \\u00e9"},"finish_reason":null}]}',
];
const SLOW = [
  liveData(live.role()),
  liveData(live.finish('stop')),
  liveData(live.usage()),
  openai(' x').replace('"choices"', '"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3},"choices"'),
  JSON.stringify(chunk('chatcmpl-mock1', 1, 'mock-model', {}, 'stop')),
  JSON.stringify(chunk('chatcmpl-mock1', 1, 'mock-model', { content: 'last' }, 'length')),
  JSON.stringify(chunk('chatcmpl-mock1', 1, 'mock-model', { reasoning_content: 'think' }, null)),
  JSON.stringify(usageChunk('chatcmpl-mock1', 1, 'mock-model', { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 })),
  openai(' x', ',"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}'),
  openai(' x').replace('"index":0', '"index":1'),
  openai(' x').replace('"created":1727000000', '"created":01727'),
  openai(' x').replace(' x', ' raw\ttab'),
  openai(' x').replace('}]}', '}]'),
  `${openai(' x')} `,
  openai(' x').replace('"content":" x"', '"content":" x","tool_calls":[]'),
  openai(' a "b"').replace('\\"b\\"', '"b"'),
  '{"error":{"message":"overloaded","type":"server_error"}}',
  '{"choices":[{"delta":{"content":"reordered"},"index":0,"finish_reason":null}],"id":"x","object":"chat.completion.chunk","created":1,"model":"m"}',
  'not json',
  'null',
  '[1,2]',
];

describe('openai chunk fast path', () => {
  it.each(FAST.map((d) => [d.slice(0, 70), d]))('fast and read as a full parse reads it: %s', (_, data) => {
    expect(CONTENT_CHUNK.test(data)).toBe(true);
    expect(read(viaOnEvent, data)).toEqual(read(parseChunk, data));
    expect(read(viaOnEvent, data).state).toEqual({ finishReason: '', usage: null });
  });
  it.each(SLOW.map((d) => [d.slice(0, 70), d]))('anything else is read in full: %s', (_, data) => {
    expect(CONTENT_CHUNK.test(data)).toBe(false);
    expect(read(viaOnEvent, data)).toEqual(read(parseChunk, data));
  });
  it('a raw control character inside the content is not JSON: bad_stream, as a full parse says', () => {
    const data = openai(' x').replace(' x', ' raw\ttab');
    expect(read(viaOnEvent, data).step).toMatchObject({ type: 'error', kind: 'bad_stream' });
  });
  it('escapes are decoded', () => {
    expect(read(viaOnEvent, openai(' "quoted" \\ back\\slash')).step).toEqual({ type: 'content', text: ' "quoted" \\ back\\slash' });
  });
});

describe('an empty data event (a `data:` heartbeat)', () => {
  // The SDKs fail on it too (JSON.parse of ''); the message says what arrived rather than quoting nothing.
  it.each([
    ['openai-chat', openaiChat],
    ['anthropic-messages', anthropicMessages],
  ])('%s: bad_stream, "an empty data event"', (_name, adapter) => {
    const step = adapter.onEvent({ event: 'message', data: '', id: '' }, { finishReason: '', usage: null });
    expect(step).toEqual({ type: 'error', kind: 'bad_stream', message: 'stream event is not JSON: an empty data event' });
  });
});
