import { performance } from 'node:perf_hooks';
import { AnthropicBedrock } from '@anthropic-ai/bedrock-sdk';
import {
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  InternalServerException,
  ModelStreamErrorException,
  ServiceUnavailableException,
  ThrottlingException,
  ValidationException,
  type ConverseStreamOutput,
} from '@aws-sdk/client-bedrock-runtime';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mockProfileSchema } from '../../src/scenario/schema.js';
import { startMockServer, type MockServer } from '../../src/mock/server.js';
import { tokenizer } from '../../src/workload/tokenizer.js';
import { startRecordingProxy } from '../support/recording-proxy.js';
import { verifySigV4 } from '../support/sigv4-verify.js';
import type { StubServer } from '../support/stub-server.js';

// Amazon Bedrock: the official AWS SDK (BedrockRuntimeClient: Converse, ConverseStream) and Anthropic's
// @anthropic-ai/bedrock-sdk (InvokeModel for Claude) read the mock's /model/{modelId}/… paths, so the mock speaks the
// wire Bedrock speaks: event-stream frames, AWS errors, Claude's events in chunks. Each SDK's request, as the mock
// received it through a recording proxy, carries a SigV4 signature that verifies with the test's secret.
//
// Neither SDK may look for credentials or a region on this machine: both are always given, the instance metadata
// service is off, and a Bedrock API key in the environment (which the SDKs would prefer) is removed.
process.env.AWS_EC2_METADATA_DISABLED = 'true';
delete process.env.AWS_BEARER_TOKEN_BEDROCK;

const FAST = { rttMs: 0, ttftMs: 5, itlMs: 1 };
const REGION = 'us-east-1';
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const MODEL = 'us.anthropic.claude-3-5-sonnet-20241022-v2:0';
const PROMPT = 'Count to twenty, one number a line.';
const SYSTEM = 'You are terse.';
const tok = tokenizer('o200k_base');

const origin = (s: { baseUrl: string }) => new URL(s.baseUrl).origin;
// HTTP/1.1: the AWS SDK's default handler speaks HTTP/2, which the plain-text mock does not.
const runtimeClient = (endpoint: string) =>
  new BedrockRuntimeClient({ region: REGION, endpoint, credentials, maxAttempts: 1, requestHandler: new NodeHttpHandler() });
const converseInput = (maxTokens: number) => ({
  modelId: MODEL,
  system: [{ text: SYSTEM }],
  messages: [{ role: 'user' as const, content: [{ text: PROMPT }] }],
  inferenceConfig: { maxTokens, temperature: 0.2 },
});

async function mockWith(profile: Record<string, unknown>): Promise<MockServer> {
  return startMockServer({ profile: mockProfileSchema.parse({ ...FAST, ...profile }) });
}

// A stream's events, gathered: text and reasoning by block, the stop reason, usage and metrics.
async function collect(stream: AsyncIterable<ConverseStreamOutput>) {
  const texts: Record<number, string> = {};
  let reasoning = '';
  let signature = '';
  let events = 0;
  let stopReason: string | undefined;
  let metadata: Extract<ConverseStreamOutput, { metadata: object }>['metadata'];
  for await (const ev of stream) {
    if (++events > 1_000) throw new Error('runaway stream');
    const delta = ev.contentBlockDelta;
    if (delta?.delta?.text !== undefined) texts[delta.contentBlockIndex!] = (texts[delta.contentBlockIndex!] ?? '') + delta.delta.text;
    if (delta?.delta?.reasoningContent?.text !== undefined) reasoning += delta.delta.reasoningContent.text;
    if (delta?.delta?.reasoningContent?.signature !== undefined) signature += delta.delta.reasoningContent.signature;
    if (ev.messageStop) stopReason = ev.messageStop.stopReason;
    if (ev.metadata) metadata = ev.metadata;
  }
  return { texts, reasoning, signature, stopReason, metadata: metadata! };
}

describe('official BedrockRuntimeClient against the mock', () => {
  let mock: MockServer;
  let proxy: StubServer;
  beforeAll(async () => {
    mock = await mockWith({});
    proxy = await startRecordingProxy(mock.baseUrl);
  });
  afterAll(async () => {
    await proxy?.close();
    await mock?.close();
  });

  it('streams ConverseStream: text deltas, max_tokens, usage of the prompt, and a latency within the client E2E', async () => {
    const client = runtimeClient(origin(proxy));
    const t0 = performance.now();
    const out = await client.send(new ConverseStreamCommand(converseInput(20)));
    const got = await collect(out.stream!);
    const e2eMs = performance.now() - t0;
    client.destroy();
    expect(Object.keys(got.texts)).toEqual(['0']);
    expect(tok.count(got.texts[0]!)).toBe(20);
    expect(got.stopReason).toBe('max_tokens');
    const inputTokens = tok.count(SYSTEM) + tok.count(PROMPT);
    expect(got.metadata.usage).toEqual({ inputTokens, outputTokens: 20, totalTokens: inputTokens + 20 });
    const latencyMs = got.metadata.metrics!.latencyMs!;
    expect(Number.isInteger(latencyMs)).toBe(true);
    expect(latencyMs).toBeGreaterThan(0);
    expect(latencyMs).toBeLessThanOrEqual(e2eMs + 1);
    expect(out.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('signs its request with SigV4 for bedrock in its region, as the mock received it', async () => {
    const client = runtimeClient(origin(proxy));
    await client.send(new ConverseCommand(converseInput(3)));
    client.destroy();
    const r = proxy.requests.at(-1)!;
    expect(r.url).toBe(`/model/${encodeURIComponent(MODEL)}/converse`);
    const sent = { method: r.method, path: r.url, headers: r.headers, body: r.body };
    expect(await verifySigV4(sent, credentials, { service: 'bedrock', region: REGION })).toEqual({ ok: true });
    const other = { ...credentials, secretAccessKey: 'another-secret' };
    expect(await verifySigV4(sent, other, { service: 'bedrock', region: REGION })).toMatchObject({ ok: false });
  });

  it('answers Converse with one message, its usage and a latency within the client E2E', async () => {
    const client = runtimeClient(origin(mock));
    const t0 = performance.now();
    const out = await client.send(new ConverseCommand(converseInput(12)));
    const e2eMs = performance.now() - t0;
    client.destroy();
    const content = out.output!.message!.content!;
    expect(content).toHaveLength(1);
    expect(tok.count(content[0]!.text!)).toBe(12);
    expect(out.output!.message!.role).toBe('assistant');
    expect(out.stopReason).toBe('max_tokens');
    expect(out.usage).toEqual({
      inputTokens: tok.count(SYSTEM) + tok.count(PROMPT),
      outputTokens: 12,
      totalTokens: out.usage!.inputTokens! + 12,
    });
    expect(out.metrics!.latencyMs).toBeGreaterThan(0);
    expect(out.metrics!.latencyMs).toBeLessThanOrEqual(e2eMs + 1);
  });

  it('refuses a conversation that starts with the assistant with a ValidationException', async () => {
    const client = runtimeClient(origin(mock));
    const input = { ...converseInput(5), messages: [{ role: 'assistant' as const, content: [{ text: 'Hi.' }] }] };
    const err = await client.send(new ConverseCommand(input)).catch((e: unknown) => e);
    client.destroy();
    expect(err).toBeInstanceOf(ValidationException);
    expect((err as ValidationException).$metadata.httpStatusCode).toBe(400);
    expect((err as ValidationException).message).toMatch(/must start with a user message/);
  });

  it('refuses an InvokeModel body without anthropic_version with a ValidationException', async () => {
    const res = await fetch(`${origin(mock)}/model/${encodeURIComponent(MODEL)}/invoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer bedrock-api-key-test' },
      body: JSON.stringify({ max_tokens: 5, messages: [{ role: 'user', content: PROMPT }] }),
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-errortype')).toMatch(/^ValidationException:/);
    expect(await res.json()).toEqual({ message: 'anthropic_version: Field required' });
  });

  it('answers a request without credentials 403, as Bedrock does', async () => {
    const res = await fetch(`${origin(mock)}/model/${encodeURIComponent(MODEL)}/converse`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(converseInput(5)),
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('x-amzn-errortype')).toMatch(/^AccessDeniedException:/);
    expect(await res.json()).toEqual({ Message: 'Authorization header is missing' });
  });
});

describe("the mock's Bedrock event stream on the wire", () => {
  let mock: MockServer;
  beforeAll(async () => {
    mock = await mockWith({});
  });
  afterAll(() => mock?.close());

  // A Bedrock API key goes as a bearer token; an inference profile's ARN arrives with its '/' as %2F.
  it('frames each event with its type, JSON content type and event message type, and pads every payload', async () => {
    const arn = 'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20241022-v2:0';
    const res = await fetch(`${origin(mock)}/model/${encodeURIComponent(arn)}/converse-stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer bedrock-api-key-test' },
      body: JSON.stringify(converseInput(4)),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.amazon.eventstream');
    expect(res.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    // The codec decodes one whole frame at a time: split the body by each frame's length prefix.
    const codec = new EventStreamCodec(toUtf8, fromUtf8);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const frames = [];
    for (let at = 0; at < bytes.length; at += view.getUint32(at)) frames.push(codec.decode(bytes.subarray(at, at + view.getUint32(at))));
    const types = frames.map((f) => f.headers[':event-type']!.value);
    expect(types).toEqual(['messageStart', ...Array(4).fill('contentBlockDelta'), 'contentBlockStop', 'messageStop', 'metadata']);
    for (const f of frames) {
      expect(f.headers[':content-type']).toEqual({ type: 'string', value: 'application/json' });
      expect(f.headers[':message-type']).toEqual({ type: 'string', value: 'event' });
      expect(JSON.parse(toUtf8(f.body)).p).toMatch(/^[a-zA-Z0-9]+$/);
    }
    expect(JSON.parse(toUtf8(frames[1]!.body))).toMatchObject({ contentBlockIndex: 0, delta: { text: expect.any(String) } });
  });
});

describe('Bedrock quirks on the mock through the AWS SDK', () => {
  const servers: MockServer[] = [];
  const start = async (profile: Record<string, unknown>) => {
    const m = await mockWith(profile);
    servers.push(m);
    return m;
  };
  afterAll(async () => {
    for (const m of servers) await m.close();
  });

  it('streams reasoning in block 0, closed by a signature, then the text in block 1', async () => {
    const client = runtimeClient(origin(await start({ reasoningTokens: 6 })));
    const got = await collect((await client.send(new ConverseStreamCommand(converseInput(20)))).stream!);
    client.destroy();
    expect(Object.keys(got.texts)).toEqual(['1']);
    expect(tok.count(got.reasoning)).toBe(6);
    expect(got.signature).not.toBe('');
    expect(tok.count(got.texts[1]!)).toBe(14);
    expect(got.metadata.usage!.outputTokens).toBe(20);
  });

  it('reports cached prompt tokens apart from inputTokens, in the stream and in Converse', async () => {
    const client = runtimeClient(origin(await start({ quirks: { cachedPromptTokens: 4 } })));
    const got = await collect((await client.send(new ConverseStreamCommand(converseInput(5)))).stream!);
    const whole = await client.send(new ConverseCommand(converseInput(5)));
    client.destroy();
    const prompt = tok.count(SYSTEM) + tok.count(PROMPT);
    const usage = { inputTokens: prompt - 4, outputTokens: 5, totalTokens: prompt + 5, cacheReadInputTokens: 4, cacheWriteInputTokens: 0 };
    expect(got.metadata.usage).toEqual(usage);
    expect(whole.usage).toEqual(usage);
  });

  it('raises ThrottlingException for a 429 fault, with its Retry-After', async () => {
    const client = runtimeClient(origin(await start({ faults: [{ kind: 'http_429', retryAfter: '2s' }] })));
    const err = await client.send(new ConverseStreamCommand(converseInput(5))).catch((e: unknown) => e);
    client.destroy();
    expect(err).toBeInstanceOf(ThrottlingException);
    expect((err as ThrottlingException).message).toBe('Too many requests, please wait before trying again.');
    expect((err as ThrottlingException).$metadata.httpStatusCode).toBe(429);
    expect((err as { $response?: { headers: Record<string, string> } }).$response?.headers['retry-after']).toBe('2');
  });

  it.each([
    ['http_500', 500, InternalServerException],
    ['http_503', 503, ServiceUnavailableException],
  ] as const)('raises the exception Bedrock names for a %s fault', async (kind, status, exception) => {
    const client = runtimeClient(origin(await start({ faults: [{ kind }] })));
    const err = await client.send(new ConverseCommand(converseInput(5))).catch((e: unknown) => e);
    client.destroy();
    expect(err).toBeInstanceOf(exception);
    expect((err as InternalServerException).$metadata.httpStatusCode).toBe(status);
  });

  it('raises ModelStreamErrorException when a malformed fault breaks the stream mid-way', async () => {
    const client = runtimeClient(origin(await start({ faults: [{ kind: 'malformed', afterTokens: 3 }] })));
    const out = await client.send(new ConverseStreamCommand(converseInput(10)));
    let text = '';
    const err = await (async () => {
      for await (const ev of out.stream!) text += ev.contentBlockDelta?.delta?.text ?? '';
    })().catch((e: unknown) => e);
    client.destroy();
    expect(err).toBeInstanceOf(ModelStreamErrorException);
    expect(tok.count(text)).toBe(3);
  });
});

describe('official AnthropicBedrock client against the mock', () => {
  let mock: MockServer;
  let proxy: StubServer;
  beforeAll(async () => {
    mock = await mockWith({});
    proxy = await startRecordingProxy(mock.baseUrl);
  });
  afterAll(async () => {
    await proxy?.close();
    await mock?.close();
  });
  // apiKey null: sign with the keys given, never a Bedrock API key from the environment.
  const client = () =>
    new AnthropicBedrock({
      awsRegion: REGION,
      awsAccessKey: credentials.accessKeyId,
      awsSecretKey: credentials.secretAccessKey,
      apiKey: null,
      baseURL: origin(proxy),
      maxRetries: 0,
      timeout: 10_000,
    });

  it('streams a message from invoke-with-response-stream: text, usage and Bedrock invocation metrics', async () => {
    const stream = client().messages.stream({ model: MODEL, max_tokens: 20, messages: [{ role: 'user', content: PROMPT }] });
    let text = '';
    let metrics: Record<string, number> | undefined;
    let events = 0;
    for await (const ev of stream) {
      if (++events > 1_000) throw new Error('runaway stream');
      if (ev.type === 'content_block_delta' && ev.delta.type === 'text_delta') text += ev.delta.text;
      if (ev.type === 'message_stop')
        metrics = (ev as unknown as Record<string, Record<string, number>>)['amazon-bedrock-invocationMetrics'];
    }
    const final = await stream.finalMessage();
    expect(tok.count(text)).toBe(20);
    expect(final.usage).toMatchObject({ input_tokens: tok.count(PROMPT), output_tokens: 20 });
    expect(final.stop_reason).toBe('max_tokens');
    expect(metrics).toMatchObject({ inputTokenCount: tok.count(PROMPT), outputTokenCount: 20 });
    expect(metrics!.firstByteLatency).toBeLessThanOrEqual(metrics!.invocationLatency!);
    const r = proxy.requests.at(-1)!;
    // This SDK leaves the id's ':' as it is (a path may hold one); the AWS SDK sends %3A. The mock takes either.
    expect(r.url).toBe(`/model/${MODEL}/invoke-with-response-stream`);
    const sent = { method: r.method, path: r.url, headers: r.headers, body: r.body };
    expect(await verifySigV4(sent, credentials, { service: 'bedrock', region: REGION })).toEqual({ ok: true });
  });

  it('creates a message from invoke: text and usage', async () => {
    const msg = await client().messages.create({ model: MODEL, max_tokens: 9, messages: [{ role: 'user', content: PROMPT }] });
    const block = msg.content[0]!;
    expect(block.type).toBe('text');
    expect(tok.count(block.type === 'text' ? block.text : '')).toBe(9);
    expect(msg.usage).toMatchObject({ input_tokens: tok.count(PROMPT), output_tokens: 9 });
    expect(proxy.requests.at(-1)!.url).toBe(`/model/${MODEL}/invoke`);
  });
});
