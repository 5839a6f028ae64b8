import { AnthropicVertex } from '@anthropic-ai/vertex-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockServer, type MockServer } from '../../src/mock/server.js';
import { tokenizer } from '../../src/workload/tokenizer.js';

// Claude on Vertex AI: the official @anthropic-ai/vertex-sdk reads the mock's Anthropic-publisher path
// (…/publishers/anthropic/models/{model}:streamRawPredict), so the mock speaks the wire Vertex speaks: the SDK puts the
// model in the path, drops it from the body, adds anthropic_version and sends the access token as a bearer.

const FAST = { rttMs: 0, ttftMs: 5, itlMs: 1 };

describe('official AnthropicVertex client against the mock', () => {
  let mock: MockServer;
  let origin: string;
  beforeAll(async () => {
    mock = await startMockServer({ profile: FAST });
    origin = new URL(mock.baseUrl).origin;
  });
  afterAll(() => mock?.close());

  // The SDK asks Google's auth for its headers; a stub AuthClient answers (a real one would look for credentials and the
  // metadata server, neither of them on loopback).
  const authClient = {
    projectId: 'bakeoff-test',
    getRequestHeaders: async () => new Headers({ authorization: 'Bearer ya29.test-token' }),
  };
  const client = () =>
    new AnthropicVertex({
      baseURL: `${origin}/v1`,
      region: 'europe-west4',
      projectId: 'bakeoff-test',
      authClient: authClient as never,
      maxRetries: 0,
      timeout: 10_000,
    });

  it('streams a message: text deltas, then usage in message_start and message_delta', async () => {
    const stream = client().messages.stream({
      model: 'claude-sonnet-4@20250514',
      max_tokens: 20,
      messages: [{ role: 'user', content: 'Say hello in twenty tokens.' }],
    });
    let text = '';
    let events = 0;
    for await (const ev of stream) {
      if (++events > 1_000) throw new Error('runaway stream');
      if (ev.type === 'content_block_delta' && ev.delta.type === 'text_delta') text += ev.delta.text;
    }
    const final = await stream.finalMessage();
    expect(tokenizer().count(text)).toBe(20);
    expect(final.usage.output_tokens).toBe(20);
    expect(final.usage.input_tokens).toBeGreaterThan(0);
    expect(final.stop_reason).toBe('max_tokens');
  });
});
