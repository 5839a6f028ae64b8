import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockServer, type MockServer } from '../../src/mock/server.js';
import { tokenizer } from '../../src/workload/tokenizer.js';

// The official SDK is the reference client: if it parses the mock's streams, completions, model
// list and errors without complaint, the mock speaks the OpenAI wire format.

const FAST = { rttMs: 0, ttftMs: 5, itlMs: 1 };
const messages = [{ role: 'user' as const, content: 'Count to twenty.' }];

describe('official openai SDK against the mock', () => {
  let mock: MockServer;
  let short: MockServer;
  let client: OpenAI;

  beforeAll(async () => {
    mock = await startMockServer({ profile: FAST, models: ['mock-model', 'mock-large'] });
    short = await startMockServer({ profile: { ...FAST, outputTokens: 5 } });
    client = new OpenAI({ baseURL: mock.baseUrl, apiKey: 'test', maxRetries: 0, timeout: 10_000 });
  });

  afterAll(async () => {
    await Promise.all([mock?.close(), short?.close()]);
  });

  it('streams with include_usage: content chunks, then a usage chunk matching the content', async () => {
    const stream = await client.chat.completions.create({
      model: 'mock-model',
      messages,
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 20,
    });
    let text = '';
    let contentChunks = 0;
    let finishReason: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    let chunks = 0;
    for await (const c of stream) {
      expect(c.object).toBe('chat.completion.chunk');
      if (++chunks > 1_000) throw new Error('runaway stream');
      const choice = c.choices[0];
      if (choice?.delta.content) {
        text += choice.delta.content;
        contentChunks++;
      }
      if (choice?.finish_reason) finishReason = choice.finish_reason;
      if (c.usage) {
        expect(c.choices).toEqual([]);
        usage = c.usage;
      }
    }
    expect(text.length).toBeGreaterThan(0);
    expect(finishReason).toBe('length');
    expect(usage).toBeTruthy();
    expect(usage!.completion_tokens).toBe(20);
    expect(usage!.prompt_tokens).toBe(tokenizer().count(messages[0]!.content));
    expect(usage!.total_tokens).toBe(usage!.prompt_tokens + 20);
    expect(contentChunks).toBe(20);
    expect(tokenizer('o200k_base').count(text)).toBe(usage!.completion_tokens);
  });

  it('returns a chat.completion with usage and finish_reason "length" when not streaming', async () => {
    const res = await client.chat.completions.create({ model: 'mock-model', messages, max_tokens: 12 });
    expect(res.object).toBe('chat.completion');
    expect(res.id).toMatch(/^chatcmpl-/);
    expect(res.choices).toHaveLength(1);
    expect(res.choices[0]!.message.role).toBe('assistant');
    expect(res.choices[0]!.finish_reason).toBe('length');
    const content = res.choices[0]!.message.content ?? '';
    expect(content.length).toBeGreaterThan(0);
    expect(res.usage?.completion_tokens).toBe(12);
    expect(tokenizer().count(content)).toBe(12);
  });

  it('honours max_completion_tokens, streamed and not', async () => {
    const res = await client.chat.completions.create({ model: 'mock-model', messages, max_completion_tokens: 7 });
    expect(res.usage?.completion_tokens).toBe(7);
    expect(tokenizer().count(res.choices[0]!.message.content ?? '')).toBe(7);

    const stream = await client.chat.completions.create({
      model: 'mock-model',
      messages,
      max_completion_tokens: 9,
      stream: true,
      stream_options: { include_usage: true },
    });
    let deltas = 0;
    let completionTokens = -1;
    for await (const c of stream) {
      if (c.choices[0]?.delta.content) deltas++;
      if (c.usage) completionTokens = c.usage.completion_tokens;
    }
    expect(deltas).toBe(9);
    expect(completionTokens).toBe(9);
  });

  it('stops naturally (finish_reason "stop") when the profile output is shorter than the limit', async () => {
    const shortClient = new OpenAI({ baseURL: short.baseUrl, apiKey: 'test', maxRetries: 0, timeout: 10_000 });
    const res = await shortClient.chat.completions.create({ model: 'mock-model', messages, max_tokens: 50 });
    expect(res.choices[0]!.finish_reason).toBe('stop');
    expect(res.usage?.completion_tokens).toBe(5);

    const stream = await shortClient.chat.completions.create({
      model: 'mock-model',
      messages,
      max_tokens: 50,
      stream: true,
      stream_options: { include_usage: true },
    });
    let finish: string | null = null;
    let completionTokens = -1;
    for await (const c of stream) {
      if (c.choices[0]?.finish_reason) finish = c.choices[0].finish_reason;
      if (c.usage) completionTokens = c.usage.completion_tokens;
    }
    expect(finish).toBe('stop');
    expect(completionTokens).toBe(5);
  });

  it('lists the configured models', async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) {
      expect(m.object).toBe('model');
      ids.push(m.id);
      if (ids.length > 100) break;
    }
    expect(ids).toEqual(['mock-model', 'mock-large']);
  });

  it('answers an invalid request with an OpenAI-shaped 400 the SDK turns into BadRequestError', async () => {
    const err = await client.chat.completions
      .create({ model: 'mock-model' } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming)
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    const e = err as InstanceType<typeof OpenAI.BadRequestError>;
    expect(e.status).toBe(400);
    expect(e.message).toContain("'messages'");
    expect(e.type).toBe('invalid_request_error');
    expect(e.param).toBe('messages');

    // And on the wire: the standard { error: { message, type, param, code } } envelope.
    const res = await fetch(`${mock.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock-model', messages, max_tokens: 0 }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: Record<string, unknown> };
    expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.param).toBe('max_tokens');
  });

  it('answers an unknown path with a 404 the SDK turns into NotFoundError', async () => {
    const err = await client.get('/nowhere').then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
  });
});
