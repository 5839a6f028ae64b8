import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatClient, type ChatCall, type ClientDeps, type Endpoint } from '../../src/client/chat-client.js';
import { PRESETS, PROVIDERS } from '../../src/scenario/providers.js';
import { serviceTtftMs, ttfcMs, ttftMs, type RequestResult } from '../../src/metrics/request-result.js';
import { Recorder } from '../../src/metrics/recorder.js';
import { summarizeGroup } from '../../src/metrics/group-summary.js';
import { startMockServer, type MockServer } from '../../src/mock/server.js';
import { endpointFor, mockProfileFor, usesMock } from '../../src/runner/endpoints.js';
import { targetSchema, type Target } from '../../src/scenario/schema.js';
import { validateScenario } from '../../src/scenario/validate.js';
import { tokenizer } from '../../src/workload/tokenizer.js';
import { chatCall, clientDeps } from '../support/chat-call.js';
import { bodyOf, startRecordingProxy } from '../support/recording-proxy.js';
import { exclusiveTiming } from '../support/timing-lock.js';
import type { StubServer } from '../support/stub-server.js';

// One offline test per provider preset, each against the mock flavour standing in for that
// provider (mockProfileFor), so the preset's assumptions — protocol, auth, fields, usage style,
// reasoning — are exercised end to end. A recording proxy sits in front of the mock only where
// the test must see what went on the wire.

const KEY = 'sk-preset-test-123';
const ENV = { OPENAI_API_KEY: KEY, ANTHROPIC_API_KEY: KEY, GEMINI_API_KEY: KEY, GLOBAL_API_KEY: KEY, LOCAL_KEY: KEY };
const SYSTEM = 'You are a concise assistant.';
const USER = 'Name three colours.';
const CONVERSATION: ChatCall['messages'] = [
  { role: 'system', content: SYSTEM },
  { role: 'user', content: USER },
];
const tok = tokenizer('o200k_base');
const FAST = { rttMs: 0, ttftMs: 5, itlMs: 1 };

/** target parses a target as a scenario would (defaults filled). */
const target = (doc: Record<string, unknown>): Target => targetSchema.parse({ name: 't', model: 'mock-model', ...doc });

describe('provider presets against their mock flavours', () => {
  let deps: ClientDeps;
  const servers: { close(): Promise<void> }[] = [];

  beforeAll(() => {
    // adapter: undefined lets the client pick the endpoint's protocol (the shared deps pin openai-chat).
    deps = clientDeps({ adapter: undefined });
  });

  afterAll(async () => {
    await deps?.transport.close();
    await Promise.all(servers.map((s) => s.close()));
  });

  /** mockFor starts the mock that stands in for `t` (its mock block, with the preset's usage style). */
  async function mockFor(t: Target): Promise<MockServer> {
    const m = await startMockServer({ profile: mockProfileFor(t), models: [t.model] });
    servers.push(m);
    return m;
  }

  /** proxied starts the target's mock behind a recording proxy. */
  async function proxied(t: Target): Promise<StubServer> {
    const p = await startRecordingProxy((await mockFor(t)).baseUrl);
    servers.push(p);
    return p;
  }

  /**
   * send makes one call through `endpoint`. The workload names no token-limit field, so the
   * target's (or its preset's) field decides, as in a scenario without workload.tokenLimitField.
   */
  async function send(endpoint: Endpoint, extra: Partial<ChatCall> = {}): Promise<RequestResult & { text: string }> {
    let text = '';
    const r = await chatClient(
      endpoint,
      deps,
    )(chatCall(deps, { messages: CONVERSATION, maxTokens: 12, tokenLimitField: undefined, onReply: (t) => (text = t), ...extra }));
    return { ...r, text };
  }

  it('openai: max_completion_tokens, stream_options.include_usage, Bearer auth, usage from the stream', async () => {
    const t = target({ provider: 'openai', apiKeyEnv: 'OPENAI_API_KEY', mock: FAST });
    const proxy = await proxied(t);
    const r = await send(endpointFor(t, proxy.baseUrl, ENV));

    expect(r.errorKind, r.errorMessage).toBeNull();
    expect(proxy.requests).toHaveLength(1);
    const [req] = proxy.requests;
    expect(req!.url).toBe('/v1/chat/completions');
    expect(req!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(req!.headers['x-api-key']).toBeUndefined();
    const body = bodyOf(req!);
    expect(body.max_completion_tokens).toBe(12);
    expect(body).not.toHaveProperty('max_tokens');
    expect(body.stream_options).toEqual({ include_usage: true });
    expect(r.tokenSource).toBe('usage');
    expect(r.outputTokens).toBe(12);
    expect(r.inputTokens).toBe(tok.count(SYSTEM) + tok.count(USER));
  });

  it('anthropic: /v1/messages, x-api-key + anthropic-version, top-level system, usage from message_start/message_delta', async () => {
    const t = target({ provider: 'anthropic', apiKeyEnv: 'ANTHROPIC_API_KEY', mock: FAST });
    const proxy = await proxied(t);
    const r = await send(endpointFor(t, proxy.baseUrl, ENV));

    expect(r.errorKind, r.errorMessage).toBeNull();
    const [req] = proxy.requests;
    expect(req!.url).toBe('/v1/messages');
    expect(req!.headers['x-api-key']).toBe(KEY);
    expect(req!.headers['anthropic-version']).toBe('2023-06-01');
    expect(req!.headers.authorization).toBeUndefined();
    const body = bodyOf(req!);
    expect(body.system).toBe(SYSTEM);
    expect(body.messages).toEqual([{ role: 'user', content: USER }]);
    expect(body.max_tokens).toBe(12);
    expect(body).not.toHaveProperty('stream_options');
    expect(body).not.toHaveProperty('max_completion_tokens');
    // Input tokens come from message_start (system + user); output from message_delta (message_start says 1).
    expect(r.tokenSource).toBe('usage');
    expect(r.inputTokens).toBe(tok.count(SYSTEM) + tok.count(USER));
    expect(r.outputTokens).toBe(12);
    expect(r.contentDeltas).toBe(12);
    expect(r.finishReason).toBe('max_tokens');
  });

  it('gemini: cumulative usage on every chunk is replaced, not summed', async () => {
    const t = target({ provider: 'gemini', apiKeyEnv: 'GEMINI_API_KEY', mock: FAST });
    expect(mockProfileFor(t).quirks.usage).toBe('every-chunk');
    const mock = await mockFor(t);
    const r = await send(endpointFor(t, mock.baseUrl, ENV), { maxTokens: 16 });

    expect(r.errorKind, r.errorMessage).toBeNull();
    expect(r.tokenSource).toBe('usage');
    // Summing the cumulative counts of 18 chunks would give well over 100.
    expect(r.outputTokens).toBe(16);
    expect(r.outputTokensCounted).toBe(16);
    expect(r.inputTokens).toBe(tok.count(SYSTEM) + tok.count(USER));
  });

  describe('reasoning before content: TTFT (first token) < TTFC (first content)', () => {
    const ITL = 25;
    const REASONING = 5;
    const LIMIT = 8;
    const thinker = { rttMs: 0, ttftMs: 10, itlMs: ITL, reasoningTokens: REASONING };

    /**
     * threeThinking sends three calls one after another and checks each one's shape: REASONING
     * reasoning deltas, then content; TTFC lands exactly REASONING gaps after TTFT. Returns the
     * results and the median TTFC − TTFT gap.
     */
    async function threeThinking(endpoint: Endpoint): Promise<{ results: RequestResult[]; medianGapMs: number }> {
      const results: RequestResult[] = [];
      // The gap is a timing: measured while no other worker runs a timing test or a CPU-heavy CLI burst.
      const sent = await exclusiveTiming(async () => {
        const out: RequestResult[] = [];
        for (let i = 0; i < 3; i++) out.push(await send(endpoint, { maxTokens: LIMIT }));
        return out;
      });
      for (const r of sent) {
        expect(r.errorKind, r.errorMessage).toBeNull();
        expect(r.reasoningDeltas).toBe(REASONING);
        expect(r.contentDeltas).toBe(LIMIT - REASONING);
        // Reasoning tokens are output tokens: the server's count includes them, and so does ours.
        expect(r.tokenSource).toBe('usage');
        expect(r.outputTokens).toBe(LIMIT);
        expect(r.outputTokensCounted).toBe(LIMIT);
        // One ITL per token after the first, reasoning and content alike; the first REASONING of
        // them span exactly TTFT → TTFC.
        // (A token read together with the one before it has no gap of its own: counted apart.)
        expect(r.itlMs.length + r.coalescedGaps).toBe(LIMIT - 1);
        const gap = ttfcMs(r)! - ttftMs(r)!;
        // ≥, not >: a stalled event loop can deliver a whole burst in one read; the median below is strict.
        expect(gap).toBeGreaterThanOrEqual(0);
        if (r.coalescedGaps === 0) expect(r.itlMs.slice(0, REASONING).reduce((a, b) => a + b, 0)).toBeCloseTo(gap, 6);
        results.push(r);
      }
      const gaps = results.map((r) => ttfcMs(r)! - ttftMs(r)!).sort((a, b) => a - b);
      return { results, medianGapMs: gaps[1]! };
    }

    /** expectAboutReasoningTime: the median gap is about REASONING × ITL (loose: a stalled event loop bunches tokens). */
    function expectAboutReasoningTime(medianGapMs: number) {
      expect(medianGapMs).toBeGreaterThan(REASONING * ITL * 0.5);
      expect(medianGapMs).toBeLessThan(REASONING * ITL + 250);
    }

    it('deepseek-global (reasoning_content deltas): per request, and as separate ttft / ttfc in the summary', async () => {
      const t = target({ name: 'deepseek', provider: 'deepseek-global', apiKeyEnv: 'GLOBAL_API_KEY', mock: thinker });
      const { results, medianGapMs } = await threeThinking(endpointFor(t, (await mockFor(t)).baseUrl, ENV));
      expectAboutReasoningTime(medianGapMs);

      const recorder = new Recorder();
      for (const r of results) recorder.add(r);
      const g = summarizeGroup(recorder.targetGroup('deepseek')!);
      expect(g.metrics.ttft.count).toBe(3);
      expect(g.metrics.ttfc.count).toBe(3);
      expect(g.metrics.ttfc.p50).toBeGreaterThan(g.metrics.ttft.p50);
      expect(g.tokens.output).toBe(3 * LIMIT);
    });

    it('anthropic (thinking_delta in a thinking block): the same shape', async () => {
      const t = target({ provider: 'anthropic', apiKeyEnv: 'ANTHROPIC_API_KEY', mock: thinker });
      const { medianGapMs } = await threeThinking(endpointFor(t, (await mockFor(t)).baseUrl, ENV));
      expectAboutReasoningTime(medianGapMs);
    });
  });

  describe('openai-compatible', () => {
    it('a server that sends no usage: tokens counted with our tokenizer', async () => {
      const t = target({ provider: 'openai-compatible', mock: { ...FAST, quirks: { usage: 'none' } } });
      const r = await send(endpointFor(t, (await mockFor(t)).baseUrl, ENV));
      expect(r.errorKind, r.errorMessage).toBeNull();
      expect(r.tokenSource).toBe('counted');
      expect(r.outputTokensCounted).toBeNull();
      expect(r.outputTokens).toBe(tok.count(r.text));
      expect(r.outputTokens).toBe(12);
      expect(r.inputTokens).toBe(3); // the call's local count, kept when the server says nothing
    });

    it.each([
      { roleChunk: true, emptyChunks: true },
      { roleChunk: false, emptyChunks: true },
    ])('empty-content chunks are not tokens (%o): TTFT waits for the first non-empty delta', async (quirks) => {
      const TTFT = 40;
      const t = target({ provider: 'openai-compatible', mock: { rttMs: 0, ttftMs: TTFT, itlMs: 2, quirks } });
      const r = await send(endpointFor(t, (await mockFor(t)).baseUrl, ENV), { maxTokens: 8 });
      expect(r.errorKind, r.errorMessage).toBeNull();
      // An empty role chunk (or keep-alive) before the first token would put TTFT near 0.
      expect(serviceTtftMs(r)!).toBeGreaterThanOrEqual(TTFT - 1);
      expect(r.contentDeltas).toBe(8);
      expect(r.contentDeltas).toBe(tok.count(r.text));
      expect(r.itlMs.length + r.coalescedGaps).toBe(7);
      expect(r.outputTokens).toBe(8);
    });
  });

  describe('target overrides win over the preset', () => {
    it('streamOptions: false → no stream_options in the body (and so no usage to read)', async () => {
      const t = target({ provider: 'openai', apiKeyEnv: 'OPENAI_API_KEY', streamOptions: false, mock: FAST });
      const proxy = await proxied(t);
      const r = await send(endpointFor(t, proxy.baseUrl, ENV));
      expect(r.errorKind, r.errorMessage).toBeNull();
      expect(bodyOf(proxy.requests[0]!)).not.toHaveProperty('stream_options');
      expect(r.tokenSource).toBe('counted');
      expect(r.outputTokens).toBe(12);
    });

    it("tokenLimitField: 'max_tokens' on an openai target → max_tokens in the body", async () => {
      const t = target({ provider: 'openai', apiKeyEnv: 'OPENAI_API_KEY', tokenLimitField: 'max_tokens', mock: FAST });
      const proxy = await proxied(t);
      const r = await send(endpointFor(t, proxy.baseUrl, ENV), { tokenLimitField: 'max_completion_tokens' });
      expect(r.errorKind, r.errorMessage).toBeNull();
      const body = bodyOf(proxy.requests[0]!);
      expect(body.max_tokens).toBe(12);
      expect(body).not.toHaveProperty('max_completion_tokens');
    });

    it("auth: 'x-api-key' on an openai-compatible target → the key in x-api-key, no Authorization", async () => {
      const t = target({ provider: 'openai-compatible', apiKeyEnv: 'LOCAL_KEY', auth: 'x-api-key', mock: FAST });
      const proxy = await proxied(t);
      const r = await send(endpointFor(t, proxy.baseUrl, ENV));
      expect(r.errorKind, r.errorMessage).toBeNull();
      const [req] = proxy.requests;
      expect(req!.url).toBe('/v1/chat/completions');
      expect(req!.headers['x-api-key']).toBe(KEY);
      expect(req!.headers.authorization).toBeUndefined();
    });
  });
});

describe('provider validation', () => {
  const scenario = (t: Record<string, unknown>) =>
    validateScenario({ name: 'presets', targets: [{ name: 't', model: 'm', ...t }], load: { concurrency: 1, requests: 1 } });

  it('rejects an unknown provider, naming every allowed value', () => {
    const v = scenario({ provider: 'antropic' });
    expect(v.ok).toBe(false);
    const p = !v.ok ? v.problems.find((x) => x.path === 'targets[0].provider') : undefined;
    expect(p?.message).toContain('"antropic"');
    for (const name of PROVIDERS) expect(p?.message).toContain(`"${name}"`);
  });

  it('accepts a preset with a URL and nothing else: the preset URL is the endpoint', () => {
    const v = scenario({ provider: 'openai' });
    expect(v.ok).toBe(true);
    const t = v.ok ? v.scenario.targets[0]! : undefined;
    expect(usesMock(t!, false)).toBe(false);
    expect(endpointFor(t!, PRESETS.openai.baseUrl!, {}).baseUrl).toBe('https://api.openai.com/v1');
  });

  it('rejects openai-compatible with neither baseUrl nor mock', () => {
    const v = scenario({ provider: 'openai-compatible' });
    expect(v.ok).toBe(false);
    expect(!v.ok && v.problems).toEqual([{ path: 'targets[0]', message: expect.stringContaining('needs baseUrl') }]);
  });
});

describe('usesMock', () => {
  it.each([
    { doc: { provider: 'openai', mock: FAST }, useMock: false, mock: false, why: 'preset URL + mock block → the real endpoint' },
    { doc: { provider: 'openai', mock: FAST }, useMock: true, mock: true, why: '--mock → the mock block' },
    { doc: { provider: 'openai' }, useMock: true, mock: true, why: '--mock without a mock block → a default profile' },
    { doc: { provider: 'openai-compatible', mock: FAST }, useMock: false, mock: true, why: 'no URL + mock block → the mock' },
    {
      doc: { provider: 'openai-compatible', baseUrl: 'http://127.0.0.1:1/v1', mock: FAST },
      useMock: false,
      mock: false,
      why: 'own baseUrl + mock block → the real endpoint',
    },
  ])('$why', ({ doc, useMock, mock }) => {
    expect(usesMock(target(doc), useMock)).toBe(mock);
  });

  it.each([
    ['gemini', 'every-chunk'],
    ['openai', 'final-chunk'],
    ['anthropic', 'final-chunk'],
    ['deepseek-global', 'final-chunk'],
  ] as const)("mockProfileFor gives a %s target's mock usage %s", (provider, usage) => {
    expect(mockProfileFor(target({ provider })).quirks.usage).toBe(usage);
    // A usage quirk in the target's own mock block wins over the preset's.
    expect(mockProfileFor(target({ provider, mock: { quirks: { usage: 'none' } } })).quirks.usage).toBe('none');
  });
});
