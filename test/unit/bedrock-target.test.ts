import { describe, expect, it } from 'vitest';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { apiRootOf, authOf, endpointFor } from '../../src/runner/endpoints.js';
import { apiUrl } from '../../src/client/transport.js';
import { ADAPTERS } from '../../src/client/chat-client.js';
import { bedrockConverse } from '../../src/client/bedrock-converse.js';
import { EventStreamDecoder } from '../../src/client/eventstream.js';
import type { StreamState } from '../../src/client/protocol.js';
import { validateScenario } from '../../src/scenario/validate.js';
import { targetSchema, type Target } from '../../src/scenario/schema.js';

// A bedrock target: the region builds the runtime URL, the model id is one encoded path segment, Converse is the
// protocol (eventstream frames), and the credential is a SigV4 signature unless a Bedrock API key is given.

const scenario = (target: Record<string, unknown>) => ({
  name: 'bedrock',
  targets: [{ name: 'b', provider: 'bedrock', model: 'us.anthropic.claude-3-5-haiku-20241022-v1:0', ...target }],
  workload: { promptTokens: 16, maxTokens: 4 },
  load: { concurrency: 1, requests: 1 },
});
const problems = (target: Record<string, unknown>) => {
  const v = validateScenario(scenario(target));
  return v.ok ? [] : v.problems.map((p) => `${p.path}: ${p.message}`);
};
const target = (t: Record<string, unknown>): Target =>
  targetSchema.parse({
    name: 'b',
    provider: 'bedrock',
    model: 'us.anthropic.claude-3-5-haiku-20241022-v1:0',
    bedrock: { region: 'us-east-1' },
    ...t,
  });
const urls = (t: Target, env: Record<string, string> = {}) => {
  const e = endpointFor(t, apiRootOf(t)!, env);
  const adapter = ADAPTERS[e.protocol!];
  return {
    e,
    stream: apiUrl(e.baseUrl, e.path ?? adapter.path).toString(),
    completion: apiUrl(e.baseUrl, e.completionPath ?? adapter.completionPath ?? adapter.path).toString(),
  };
};

describe('bedrock block validation', () => {
  it.each([
    [{ bedrock: { region: 'us-east-1' } }],
    [{ bedrock: { region: 'ap-southeast-1', profile: 'bakeoff' } }],
    [{ bedrock: { region: 'us-gov-west-1' }, baseUrl: 'http://127.0.0.1:8080' }],
    [{ bedrock: { region: 'eu-west-1' }, protocol: 'anthropic-messages', auth: 'bearer', apiKeyEnv: 'BEDROCK_KEY' }],
    [{ mock: {} }],
  ])('accepts %j', (t) => expect(problems(t)).toEqual([]));

  it.each([
    [{}, /targets\[0\]: needs a bedrock block for provider bedrock, e\.g\. bedrock: \{ region: "us-east-1" \}/],
    [{ bedrock: {} }, /targets\[0\]\.bedrock\.region: is missing/],
    [{ bedrock: {}, baseUrl: 'http://127.0.0.1:8080' }, /targets\[0\]\.bedrock\.region: is missing/],
    [{ bedrock: { region: 'US East' } }, /bedrock\.region: is not an AWS region/],
    [{ bedrock: { region: 'us-east-1', zone: 'a' } }, /bedrock/],
    [{ provider: 'openai', bedrock: { region: 'us-east-1' } }, /targets\[0\]\.bedrock: belongs to provider: bedrock/],
    [{ bedrock: { region: 'us-east-1' }, protocol: 'openai-chat' }, /targets\[0\]\.protocol: bedrock speaks bedrock-converse/],
    [{ bedrock: { region: 'us-east-1' }, auth: 'api-key' }, /targets\[0\]\.auth: bedrock signs with sigv4/],
    [
      { bedrock: { region: 'us-east-1' }, vertex: { project: 'my-proj', location: 'us-east5' } },
      /targets\[0\]\.vertex: belongs to another cloud/,
    ],
    [{ provider: 'openai', auth: 'sigv4' }, /targets\[0\]\.auth: sigv4 applies to provider bedrock/],
    [{ provider: 'openai', protocol: 'bedrock-converse' }, /targets\[0\]\.protocol: bedrock-converse applies to provider bedrock/],
  ])('refuses %j', (t, message) => expect(problems(t).join('\n')).toMatch(message));
});

describe('bedrock URLs and auth', () => {
  it('builds the regional runtime URL, the model id one encoded segment, converse-stream and converse', () => {
    const { stream, completion, e } = urls(target({ bedrock: { region: 'eu-west-1' } }));
    expect(stream).toBe(
      'https://bedrock-runtime.eu-west-1.amazonaws.com/model/us.anthropic.claude-3-5-haiku-20241022-v1%3A0/converse-stream',
    );
    expect(completion).toBe('https://bedrock-runtime.eu-west-1.amazonaws.com/model/us.anthropic.claude-3-5-haiku-20241022-v1%3A0/converse');
    expect(e.protocol).toBe('bedrock-converse');
    expect(e.requestIdHeaders?.[0]).toBe('x-amzn-requestid');
  });

  it('encodes an ARN as one segment and keeps a baseUrl path prefix', () => {
    const arn = 'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.meta.llama3-3-70b-instruct-v1:0';
    const { stream } = urls(target({ model: arn, baseUrl: 'http://127.0.0.1:9000/gw' }));
    expect(stream).toBe(`http://127.0.0.1:9000/gw/model/${encodeURIComponent(arn)}/converse-stream`);
  });

  it('sends Claude through InvokeModel with anthropic-messages: its paths, eventstream framing, body fields', () => {
    const { stream, completion, e } = urls(target({ protocol: 'anthropic-messages' }));
    expect(stream).toMatch(/\/model\/us\.anthropic\.claude-3-5-haiku-20241022-v1%3A0\/invoke-with-response-stream$/);
    expect(completion).toMatch(/\/invoke$/);
    expect(e.framing).toBe('eventstream');
    const body = ADAPTERS['anthropic-messages'].buildBody({
      model: e.model,
      messages: [{ role: 'user', content: 'hi' }],
      maxTokens: 8,
      tokenLimitField: 'max_tokens',
      stream: true,
      streamOptions: false,
      extra: e.body,
    });
    expect(body).toEqual({ max_tokens: 8, messages: [{ role: 'user', content: 'hi' }], anthropic_version: 'bedrock-2023-05-31' });
  });

  it.each([
    [{}, {}, 'sigv4', undefined],
    [{}, { AWS_BEARER_TOKEN_BEDROCK: 'ABSKbedrock-api-key' }, 'bearer', 'Bearer ABSKbedrock-api-key'],
    [{ apiKeyEnv: 'MY_BEDROCK_KEY' }, { MY_BEDROCK_KEY: 'ABSKmine-key-value' }, 'bearer', 'Bearer ABSKmine-key-value'],
    [{ auth: 'sigv4' }, { AWS_BEARER_TOKEN_BEDROCK: 'ABSKbedrock-api-key' }, 'sigv4', undefined],
  ])('target %j with env %j: %s', (t, env, auth, header) => {
    const tg = target(t);
    expect(authOf(tg, env)).toBe(auth);
    const { e } = urls(tg, env);
    expect(e.headers.authorization).toBe(header);
    if (header) expect(e.secrets).toContain(header.slice('Bearer '.length));
    if (header) expect(e.keySource).toBe(tg.apiKeyEnv ?? 'AWS_BEARER_TOKEN_BEDROCK');
  });
});

describe('bedrock-converse body', () => {
  it('puts the system prompt in system blocks, turns in content blocks, the limit in inferenceConfig, no model or stream', () => {
    const body = bedrockConverse.buildBody({
      model: 'm',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'hello' },
        { role: 'assistant', content: 'hi' },
        { role: 'user', content: 'again' },
      ],
      maxTokens: 64,
      tokenLimitField: 'max_completion_tokens',
      stream: true,
      streamOptions: true,
      extra: { inferenceConfig: { temperature: 0.2, maxTokens: 5 }, additionalModelRequestFields: { top_k: 5 } },
    });
    expect(body).toEqual({
      system: [{ text: 'be brief' }],
      messages: [
        { role: 'user', content: [{ text: 'hello' }] },
        { role: 'assistant', content: [{ text: 'hi' }] },
        { role: 'user', content: [{ text: 'again' }] },
      ],
      inferenceConfig: { temperature: 0.2, maxTokens: 64 },
      additionalModelRequestFields: { top_k: 5 },
    });
  });
});

const codec = new EventStreamCodec(toUtf8, fromUtf8);
const str = (value: string) => ({ type: 'string' as const, value });
const frame = (eventType: string, payload: unknown) =>
  codec.encode({
    headers: { ':event-type': str(eventType), ':content-type': str('application/json'), ':message-type': str('event') },
    body: fromUtf8(JSON.stringify(payload)),
  });
const exception = (type: string, message: string) =>
  codec.encode({
    headers: { ':exception-type': str(type), ':content-type': str('application/json'), ':message-type': str('exception') },
    body: fromUtf8(JSON.stringify({ message })),
  });
const concat = (parts: Uint8Array[]) => Buffer.concat(parts.map((p) => Buffer.from(p)));

// A ConverseStream as Bedrock frames it: padding ("p") on every event, reasoning in one block, text in the next.
const STREAM = concat([
  frame('messageStart', { role: 'assistant', p: 'abcdefgh' }),
  frame('contentBlockDelta', { contentBlockIndex: 0, delta: { reasoningContent: { text: 'Thinking' } }, p: 'abc' }),
  frame('contentBlockDelta', { contentBlockIndex: 0, delta: { reasoningContent: { signature: 'sig' } }, p: 'abc' }),
  frame('contentBlockStop', { contentBlockIndex: 0, p: 'ab' }),
  frame('contentBlockDelta', { contentBlockIndex: 1, delta: { text: 'Hello' }, p: 'abcdefghijk' }),
  frame('contentBlockDelta', { contentBlockIndex: 1, delta: { text: ' wörld ✓' }, p: 'a' }),
  frame('contentBlockStop', { contentBlockIndex: 1, p: 'ab' }),
  frame('messageStop', { stopReason: 'end_turn', p: 'abcd' }),
  frame('metadata', {
    usage: { inputTokens: 20, outputTokens: 5, totalTokens: 1225, cacheReadInputTokens: 1000, cacheWriteInputTokens: 200 },
    metrics: { latencyMs: 412 },
    p: 'abcdef',
  }),
]);

// Reads a stream's events through the adapter, as read-response.ts does.
function read(chunks: Uint8Array[]) {
  const d = new EventStreamDecoder();
  const state: StreamState = { finishReason: '', usage: null, serverLatencyMs: null };
  const steps = [...chunks.flatMap((c) => d.push(c)), ...d.end()].map((ev) => bedrockConverse.onEvent(ev, state));
  return { steps: steps.filter((s) => s.type !== 'none'), state, broken: d.broken };
}

describe('eventstream frames through the Converse adapter', () => {
  const expected = [
    { type: 'reasoning', text: 'Thinking' },
    { type: 'content', text: 'Hello' },
    { type: 'content', text: ' wörld ✓' },
    { type: 'done' },
  ];

  it('reads content, reasoning, stop reason, usage with cache reads and writes, and the server latency', () => {
    const { steps, state, broken } = read([STREAM]);
    expect(broken).toBe('');
    expect(steps).toEqual(expected);
    expect(state.finishReason).toBe('end_turn');
    expect(state.usage).toEqual({ inputTokens: 1220, outputTokens: 5, cachedInputTokens: 1000, cacheWriteInputTokens: 200 });
    expect(state.serverLatencyMs).toBe(412);
  });

  it('gives the same events however the bytes are split (every split point, and byte by byte)', () => {
    for (let cut = 1; cut < STREAM.length; cut += 7) {
      expect(read([STREAM.subarray(0, cut), STREAM.subarray(cut)]).steps).toEqual(expected);
    }
    expect(read([...STREAM].map((b) => Uint8Array.of(b))).steps).toEqual(expected);
  });

  it('turns an exception frame into a stream error naming it', () => {
    const { steps } = read([
      concat([frame('messageStart', { role: 'assistant' }), exception('throttlingException', 'Too many tokens, please wait')]),
    ]);
    expect(steps).toEqual([{ type: 'error', kind: 'stream_error', message: 'throttlingException: Too many tokens, please wait' }]);
  });

  it('stops at a frame whose checksum does not match, or a length no frame has', () => {
    const bad = Buffer.from(STREAM);
    bad[20] = bad[20]! ^ 0xff;
    expect(read([bad]).broken).toMatch(/^an eventstream frame that does not decode/);
    const huge = Buffer.alloc(16);
    huge.writeUInt32BE(64 * 1024 * 1024, 0);
    expect(read([huge]).broken).toBe('an eventstream frame of 67108864 bytes, over 1048576');
  });

  it("unwraps InvokeModel's chunk frames: the model's own event is the data", () => {
    const inner = { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } };
    const d = new EventStreamDecoder();
    const [ev] = d.push(frame('chunk', { bytes: Buffer.from(JSON.stringify(inner)).toString('base64'), p: 'abc' }));
    expect(ev?.event).toBe('chunk');
    expect(JSON.parse(ev!.data)).toEqual(inner);
    const state: StreamState = { finishReason: '', usage: null, serverLatencyMs: null };
    expect(ADAPTERS['anthropic-messages'].onEvent(ev!, state)).toEqual({ type: 'content', text: 'Hi' });
  });

  it('reads a non-streamed Converse reply and its error body', () => {
    const state: StreamState = { finishReason: '', usage: null, serverLatencyMs: null };
    const out = bedrockConverse.parseCompletion(
      {
        output: { message: { role: 'assistant', content: [{ text: 'Hello' }, { text: ' there' }] } },
        stopReason: 'max_tokens',
        usage: { inputTokens: 12, outputTokens: 2, totalTokens: 14 },
        metrics: { latencyMs: 95 },
      },
      state,
    );
    expect(out).toEqual({ text: 'Hello there' });
    expect(state).toEqual({ finishReason: 'max_tokens', usage: { inputTokens: 12, outputTokens: 2 }, serverLatencyMs: 95 });
    expect(bedrockConverse.errorMessage('{"message":"Too many requests, please wait before trying again."}')).toBe(
      'Too many requests, please wait before trying again.',
    );
  });
});
