import { performance } from 'node:perf_hooks';
import { AzureOpenAI } from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/cost/catalog.js';
import { startMockServer, type MockServer } from '../../src/mock/server.js';
import { tokenizer } from '../../src/workload/tokenizer.js';
import { runCollecting, scenarioOf } from '../support/scenario-run.js';
import { jsonError, sseData, sseHeaders, startStubServer, streamCompletion, type StubServer } from '../support/stub-server.js';

// Azure OpenAI: the official SDK's AzureOpenAI client reads the mock's Azure path (so the mock speaks Azure's wire
// format), and the project's own requests to an azure-openai target are checked on the wire: path, api-version, the
// api-key header, the body; its stream quirks (a filter-results chunk before any token) and its retry-after-ms.

const FAST = { rttMs: 0, ttftMs: 5, itlMs: 1 };
const KEY = 'azure-secret-key-0123456789';
const messages = [{ role: 'user' as const, content: 'Count to twenty.' }];

describe('official AzureOpenAI client against the mock', () => {
  let mock: MockServer;
  let origin: string;
  beforeAll(async () => {
    mock = await startMockServer({ profile: FAST });
    origin = new URL(mock.baseUrl).origin;
  });
  afterAll(() => mock?.close());

  it('streams from a deployment: the prompt-filter chunk first, content with filter results, then usage', async () => {
    const client = new AzureOpenAI({
      endpoint: origin,
      apiKey: 'test',
      apiVersion: '2024-10-21',
      deployment: 'gpt-4o-prod',
      maxRetries: 0,
      timeout: 10_000,
    });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o',
      messages,
      stream: true,
      stream_options: { include_usage: true },
      max_completion_tokens: 20,
    });
    const chunks: Record<string, unknown>[] = [];
    let text = '';
    let usage: { completion_tokens: number; prompt_tokens: number } | undefined;
    for await (const c of stream) {
      if (chunks.push(c as unknown as Record<string, unknown>) > 1_000) throw new Error('runaway stream');
      text += c.choices[0]?.delta.content ?? '';
      if (c.usage) usage = c.usage;
    }
    expect(chunks[0]).toMatchObject({ choices: [], prompt_filter_results: [{ prompt_index: 0 }] });
    expect(chunks.filter((c) => JSON.stringify(c).includes('"severity":"safe"')).length).toBeGreaterThan(20);
    expect(tokenizer().count(text)).toBe(20);
    expect(usage).toEqual({
      completion_tokens: 20,
      prompt_tokens: tokenizer().count(messages[0]!.content),
      total_tokens: usage!.prompt_tokens + 20,
    });
  });

  it('answers the v1 API and a completion that is not streamed', async () => {
    const res = await fetch(`${origin}/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { 'api-key': 'test', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', messages, max_completion_tokens: 5 }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { choices: { finish_reason: string }[]; usage: { completion_tokens: number } };
    expect(body).toMatchObject({ object: 'chat.completion', model: 'gpt-4o', prompt_filter_results: [{ prompt_index: 0 }] });
    expect(body.usage.completion_tokens).toBe(5);
  });

  it('refuses like Azure: 401 without an api-key, 404 for a deployment path without api-version', async () => {
    const post = (path: string, headers: Record<string, string>) =>
      fetch(`${origin}${path}`, { method: 'POST', headers, body: JSON.stringify({ messages }) });
    const noKey = await post('/openai/deployments/d/chat/completions?api-version=2024-10-21', {});
    expect(noKey.status).toBe(401);
    expect(((await noKey.json()) as { error: { code: string } }).error.code).toBe('401');
    expect((await post('/openai/deployments/d/chat/completions', { 'api-key': 'k' })).status).toBe(404);
  });
});

describe('an azure-openai target on the wire', () => {
  const servers: StubServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  const stub = async () => {
    const s = await startStubServer((_req, res) => streamCompletion(res, ['Hello', ' there'], { promptTokens: 16 }));
    servers.push(s);
    return s;
  };
  const runOn = (target: Record<string, unknown>) =>
    runCollecting(scenarioOf({ targets: [target], load: { concurrency: 1, requests: 2 } }), { env: { AZURE_OPENAI_API_KEY: KEY } });
  const azureTarget = (baseUrl: string, azure: Record<string, unknown>) => ({
    name: 'azure',
    provider: 'azure-openai',
    model: 'gpt-4o-mini',
    apiKeyEnv: 'AZURE_OPENAI_API_KEY',
    baseUrl,
    azure: { endpoint: 'https://my-resource.openai.azure.com', ...azure },
  });

  it('deployment form: the deployment path and api-version under baseUrl, the key in api-key only, the body without surprises', async () => {
    const s = await stub();
    const { summary, results } = await runOn(
      azureTarget(`http://127.0.0.1:${s.port}/gateway`, { deployment: 'prod-4o', apiVersion: '2024-10-21' }),
    );
    expect(results.every((r) => r.errorKind === null)).toBe(true);
    expect(s.requests.length).toBe(2);
    const req = s.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/gateway/openai/deployments/prod-4o/chat/completions?api-version=2024-10-21');
    expect(req.headers['api-key']).toBe(KEY);
    expect(req.headers.authorization).toBeUndefined();
    const body = JSON.parse(req.body) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['max_completion_tokens', 'messages', 'model', 'stream', 'stream_options']);
    expect(body).toMatchObject({ stream: true, stream_options: { include_usage: true }, max_completion_tokens: 4 });
    // The key appears nowhere the run writes.
    expect(JSON.stringify({ summary, results })).not.toContain(KEY);
  });

  it('v1 form (no deployment): /openai/v1/chat/completions, no api-version, the model in the body', async () => {
    const s = await stub();
    await runOn(azureTarget(`http://127.0.0.1:${s.port}`, {}));
    const req = s.requests[0]!;
    expect(req.url).toBe('/openai/v1/chat/completions');
    expect(req.headers['api-key']).toBe(KEY);
    expect((JSON.parse(req.body) as { model: string }).model).toBe('gpt-4o-mini');
  });

  it("Foundry's model inference endpoint: /models/chat/completions?api-version, api-key, the model and max_tokens in the body", async () => {
    const s = await stub();
    const target = { ...azureTarget(`http://127.0.0.1:${s.port}`, {}), provider: 'azure-ai-foundry', model: 'Llama-3.3-70B-Instruct' };
    const { results } = await runOn(target);
    expect(results.every((r) => r.errorKind === null)).toBe(true);
    const req = s.requests[0]!;
    expect(req.url).toBe('/models/chat/completions?api-version=2024-05-01-preview');
    expect(req.headers['api-key']).toBe(KEY);
    expect(req.headers.authorization).toBeUndefined();
    const body = JSON.parse(req.body) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['max_tokens', 'messages', 'model', 'stream']);
    expect(body.model).toBe('Llama-3.3-70B-Instruct');
  });

  it("auth: entra-id sends the credential's token as Authorization: Bearer, no api-key, and never records it", async () => {
    const TOKEN = 'entra-token-abcdef0123456789';
    const s = await startStubServer((_req, res) => jsonError(res, 401, `Token ${TOKEN} is expired`, 'invalid_request_error', '401'));
    servers.push(s);
    const target = { ...azureTarget(`http://127.0.0.1:${s.port}`, { deployment: 'd' }), auth: 'entra-id', apiKeyEnv: undefined };
    const scopes: unknown[] = [];
    const azureCredential = async () => ({
      getToken: async (scope: string | string[]) => {
        scopes.push(scope);
        return { token: TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 };
      },
    });
    const { results } = await runCollecting(scenarioOf({ targets: [target], load: { concurrency: 1, requests: 2 } }), { azureCredential });
    expect(scopes).toEqual(['https://cognitiveservices.azure.com/.default']);
    expect(s.requests[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(s.requests[0]!.headers['api-key']).toBeUndefined();
    expect(results[0]!.errorMessage).toContain('***');
    // A token was sent: the hint names the identity it came from, not a missing apiKeyEnv.
    expect(results[0]!.errorMessage).toMatch(/ — the target's credential was refused: check the identity it came from and its role/);
    expect(JSON.stringify(results)).not.toContain(TOKEN);
  });

  it('a key that is refused is not echoed: the 401 message is scrubbed', async () => {
    const s = await startStubServer((_req, res) =>
      jsonError(res, 401, `Incorrect API key provided: ${KEY}`, 'invalid_request_error', '401'),
    );
    servers.push(s);
    const { results } = await runOn(azureTarget(`http://127.0.0.1:${s.port}`, { deployment: 'd' }));
    expect(results[0]!.status).toBe(401);
    expect(results[0]!.errorMessage).toContain('***');
    expect(JSON.stringify(results)).not.toContain(KEY);
  });

  it('a reply the output filter stops: finish_reason content_filter is recorded, the filter chunks are no tokens', async () => {
    const filtered = { hate: { filtered: true, severity: 'high' } };
    const s = await startStubServer((_req, res) => {
      sseHeaders(res);
      sseData(res, { choices: [], created: 0, id: '', model: '', object: '', prompt_filter_results: [{ prompt_index: 0 }] });
      const chunk = (delta: object, cfr: object, finish: string | null) => ({
        choices: [{ content_filter_results: cfr, delta, finish_reason: finish, index: 0, logprobs: null }],
        created: 1,
        id: 'chatcmpl-x',
        model: 'gpt-4o',
        object: 'chat.completion.chunk',
      });
      sseData(res, chunk({ content: 'Well', role: 'assistant' }, {}, null));
      sseData(res, chunk({}, filtered, 'content_filter'));
      res.end('data: [DONE]\n\n');
    });
    servers.push(s);
    const { results } = await runOn(azureTarget(`http://127.0.0.1:${s.port}`, { deployment: 'd' }));
    for (const r of results) expect([r.errorKind, r.finishReason, r.contentDeltas]).toEqual([null, 'content_filter', 1]);
  });

  it('a 429 with retry-after-ms (and no Retry-After) holds the target that long', async () => {
    const times: number[] = [];
    const s = await startStubServer((_req, res) => {
      times.push(performance.now());
      res.setHeader('retry-after-ms', '1500');
      jsonError(res, 429, 'Requests to the ChatCompletions_Create Operation have exceeded token rate limit.', 'requests', '429');
    });
    servers.push(s);
    const { summary, results } = await runCollecting(
      scenarioOf({
        targets: [azureTarget(`http://127.0.0.1:${s.port}`, { deployment: 'd' })],
        load: { concurrency: 2, duration: '3500ms', errorBackoff: 0 },
      }),
      { env: { AZURE_OPENAI_API_KEY: KEY } },
    );
    expect(results.every((r) => r.retryAfterMs === 1500)).toBe(true);
    // Bursts at ~0, ~1.5 s and ~3 s: without the header honoured, two users with no backoff would send hundreds.
    expect(times.length).toBeLessThanOrEqual(8);
    for (let i = 1; i < times.length; i++) {
      const gap = times[i]! - times[i - 1]!;
      if (gap > 300) expect(gap).toBeGreaterThanOrEqual(1490);
    }
    expect(summary.groups[0]!.backoff!.rateLimitedMs).toBeGreaterThan(2 * 1500);
  });
});

describe('an azure-openai target on the mock', () => {
  it("an azure-ai-foundry target runs on the mock's Foundry path (with a stand-in key, which the mock requires)", async () => {
    const s = scenarioOf({
      targets: [{ name: 'foundry', provider: 'azure-ai-foundry', model: 'Llama-3.3-70B-Instruct', mock: FAST }],
      load: { concurrency: 1, requests: 2 },
    });
    const { measured } = await runCollecting(s);
    for (const r of measured) expect([r.status, r.errorKind, r.outputTokens]).toEqual([200, null, 4]);
  });

  it('tokens and cost come from usage, and the prompt-filter chunk is not a token: TTFT is the first content', async () => {
    const pricing = await loadCatalog();
    const s = scenarioOf({
      targets: [
        {
          name: 'azure',
          provider: 'azure-openai',
          model: 'gpt-4o',
          azure: { deployment: 'gpt4o-prod', apiVersion: '2024-10-21' },
          mock: { rttMs: 0, ttftMs: 200, itlMs: 1 },
        },
      ],
      workload: { promptTokens: 600, maxTokens: 50 },
      load: { concurrency: 2, requests: 4 },
    });
    const { summary, measured } = await runCollecting(s, { pricing });
    expect(summary.status).toBe('completed');
    for (const r of measured) {
      expect([r.status, r.errorKind, r.inputTokens, r.outputTokens, r.tokenSource, r.contentDeltas]).toEqual([
        200,
        null,
        600,
        50,
        'usage',
        50,
      ]);
      // The mock sends the filter chunk with the headers and the first token 200 ms later.
      expect(r.firstTokenAtMs! - r.sentAtMs!).toBeGreaterThanOrEqual(195);
    }
    // gpt-4o: 600 × $2.50/1M + 50 × $10/1M = $0.002 a request.
    expect(summary.groups[0]!.cost!.totalUsd).toBeCloseTo(4 * 0.002, 10);
  });
});
