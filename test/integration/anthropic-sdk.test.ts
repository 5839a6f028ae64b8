import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatClient } from '../../src/client/chat-client.js';
import { startMockServer, type MockServer } from '../../src/mock/server.js';
import { endpointFor } from '../../src/runner/endpoints.js';
import { targetSchema } from '../../src/scenario/schema.js';
import { tokenizer } from '../../src/workload/tokenizer.js';
import { chatCall, clientDeps } from '../support/chat-call.js';

// The official Anthropic SDK is the reference client for the mock's /v1/messages flavour: if it
// streams, accumulates and raises errors from the mock without complaint, the mock speaks the
// Messages wire format — and llm-bakeoff's own anthropic-messages adapter can be held to it.

const FAST = { rttMs: 0, ttftMs: 5, itlMs: 1 };
const SYSTEM = 'You are a terse assistant.';
const USER = 'Count to twenty.';
const messages = [{ role: 'user' as const, content: USER }];
const tok = tokenizer('o200k_base');

/** sdkFor is an SDK client for a mock; the SDK appends /v1/messages itself, so the root drops /v1. */
function sdkFor(mock: MockServer): Anthropic {
  return new Anthropic({ baseURL: mock.baseUrl.replace(/\/v1$/, ''), apiKey: 'test', maxRetries: 0, timeout: 10_000 });
}

describe('official anthropic SDK against the mock', () => {
  let mock: MockServer;
  let short: MockServer;
  let thinker: MockServer;
  let client: Anthropic;

  beforeAll(async () => {
    [mock, short, thinker] = await Promise.all([
      startMockServer({ profile: FAST, models: ['mock-model', 'mock-large'] }),
      startMockServer({ profile: { ...FAST, outputTokens: 5 } }),
      startMockServer({ profile: { ...FAST, reasoningTokens: 4 } }),
    ]);
    client = sdkFor(mock);
  });

  afterAll(async () => {
    await Promise.all([mock?.close(), short?.close(), thinker?.close()]);
  });

  it('streams with a top-level system prompt: text deltas, usage counting system + user, stop_reason max_tokens', async () => {
    const stream = client.messages.stream({ model: 'mock-model', system: SYSTEM, messages, max_tokens: 20 });
    let text = '';
    let textEvents = 0;
    stream.on('text', (delta) => {
      text += delta;
      textEvents++;
    });
    const final = await stream.finalMessage();
    expect(text.length).toBeGreaterThan(0);
    expect(textEvents).toBe(20);
    expect(tok.count(text)).toBe(20);
    expect(final.role).toBe('assistant');
    expect(final.stop_reason).toBe('max_tokens');
    expect(final.usage.output_tokens).toBe(20);
    expect(final.usage.input_tokens).toBe(tok.count(SYSTEM) + tok.count(USER));
    expect(final.content).toEqual([expect.objectContaining({ type: 'text', text })]);
  });

  it('ends with stop_reason end_turn when the completion stops before max_tokens', async () => {
    const final = await sdkFor(short).messages.stream({ model: 'mock-model', messages, max_tokens: 50 }).finalMessage();
    expect(final.stop_reason).toBe('end_turn');
    expect(final.usage.output_tokens).toBe(5);
  });

  it('streams a thinking block before the text when the profile sets reasoning tokens', async () => {
    const stream = sdkFor(thinker).messages.stream({ model: 'mock-model', messages, max_tokens: 20 });
    const order: ('thinking' | 'text')[] = [];
    let thinking = '';
    stream.on('thinking', (delta) => {
      thinking += delta;
      order.push('thinking');
    });
    stream.on('text', () => order.push('text'));
    const final = await stream.finalMessage();
    expect(thinking.length).toBeGreaterThan(0);
    expect(order.filter((e) => e === 'thinking')).toHaveLength(4);
    expect(order.filter((e) => e === 'text')).toHaveLength(16);
    expect(order.indexOf('text')).toBeGreaterThan(order.lastIndexOf('thinking'));
    expect(final.content.map((b) => b.type)).toEqual(['thinking', 'text']);
    // Thinking tokens are output tokens: the limit covers both.
    expect(final.usage.output_tokens).toBe(20);
    expect(final.stop_reason).toBe('max_tokens');
  });

  it('returns a whole message with content blocks and usage when not streaming', async () => {
    const res = await client.messages.create({ model: 'mock-model', system: SYSTEM, messages, max_tokens: 12 });
    expect(res.type).toBe('message');
    expect(res.id).toMatch(/^msg_/);
    expect(res.role).toBe('assistant');
    expect(res.content).toHaveLength(1);
    const block = res.content[0]!;
    expect(block.type).toBe('text');
    const text = block.type === 'text' ? block.text : '';
    expect(tok.count(text)).toBe(12);
    expect(res.usage.output_tokens).toBe(12);
    expect(res.usage.input_tokens).toBe(tok.count(SYSTEM) + tok.count(USER));
    expect(res.stop_reason).toBe('max_tokens');
  });

  it('answers a request without max_tokens with a 400 the SDK turns into BadRequestError', async () => {
    const err = await client.messages
      .create({ model: 'mock-model', messages } as unknown as Anthropic.MessageCreateParamsNonStreaming)
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    const e = err as InstanceType<typeof Anthropic.BadRequestError>;
    expect(e.status).toBe(400);
    expect(e.message).toContain('max_tokens');
    expect(e.error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  });

  it('lists the configured models through models.list()', async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) {
      ids.push(m.id);
      if (ids.length > 100) break;
    }
    expect(ids).toEqual(['mock-model', 'mock-large']);
  });

  it("llm-bakeoff's anthropic preset counts the same tokens as the SDK for the same request", async () => {
    const final = await client.messages.stream({ model: 'mock-model', system: SYSTEM, messages, max_tokens: 20 }).finalMessage();
    const sdkText = final.content.map((b) => (b.type === 'text' ? b.text : '')).join('');

    const target = targetSchema.parse({
      name: 'claude',
      provider: 'anthropic',
      model: 'mock-model',
      baseUrl: mock.baseUrl,
      apiKeyEnv: 'ANTHROPIC_API_KEY',
    });
    const endpoint = endpointFor(target, mock.baseUrl, { ANTHROPIC_API_KEY: 'test' });
    expect(endpoint.protocol).toBe('anthropic-messages');
    // adapter: undefined lets the client pick the endpoint's protocol (the shared deps pin openai-chat).
    const deps = clientDeps({ adapter: undefined });
    try {
      let ourText = '';
      const r = await chatClient(
        endpoint,
        deps,
      )(
        chatCall(deps, {
          messages: [
            { role: 'system', content: SYSTEM },
            { role: 'user', content: USER },
          ],
          maxTokens: 20,
          onReply: (t) => (ourText = t),
        }),
      );
      expect(r.errorKind, r.errorMessage).toBeNull();
      expect(r.tokenSource).toBe('usage');
      expect(r.outputTokens).toBe(final.usage.output_tokens);
      expect(r.inputTokens).toBe(final.usage.input_tokens);
      expect(r.finishReason).toBe(final.stop_reason);
      expect(r.contentDeltas).toBe(20);
      // The mock's words depend on the request's sequence number: compare counts, not strings.
      expect(ourText.length).toBeGreaterThan(0);
      expect(sdkText.length).toBeGreaterThan(0);
      expect(tok.count(ourText)).toBe(tok.count(sdkText));
      expect(r.outputTokensCounted).toBe(final.usage.output_tokens);
    } finally {
      await deps.transport.close();
    }
  });
});
