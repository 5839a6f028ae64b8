import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/cost/catalog.js';
import { runCollecting, scenarioOf } from '../support/scenario-run.js';
import { startStubServer, streamCompletion, type StubServer } from '../support/stub-server.js';

// Vertex AI: the project's own requests to a vertex target, checked on the wire for both paths (Gemini on the
// OpenAI-compatible endpoint, Claude on the Anthropic publisher): path under baseUrl, the bearer token, the body's shape;
// and a run on the mock's Vertex paths with tokens and cost. The official SDK reads the mock in vertex-sdk.test.ts.

const TOKEN = 'ya29.vertex-access-token-0123456789';
const FAST = { rttMs: 0, ttftMs: 5, itlMs: 1 };

// Anthropic's Messages stream, as Claude on Vertex sends it.
function streamMessages(res: ServerResponse, words: string[], inputTokens: number): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const ev = (type: string, data: Record<string, unknown>) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  ev('message_start', { message: { id: 'msg_1', usage: { input_tokens: inputTokens, output_tokens: 1 } } });
  ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
  for (const w of words) ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: w } });
  ev('content_block_stop', { index: 0 });
  ev('message_delta', { delta: { stop_reason: 'end_turn' }, usage: { output_tokens: words.length } });
  ev('message_stop', {});
  res.end();
}

describe('a vertex target on the wire', () => {
  const servers: StubServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  const runOn = async (model: string, reply: (res: ServerResponse) => void) => {
    const s = await startStubServer((_req, res) => reply(res));
    servers.push(s);
    const target = {
      name: 'vertex',
      provider: 'vertex',
      model,
      apiKeyEnv: 'VERTEX_TOKEN',
      baseUrl: `http://127.0.0.1:${s.port}/private`,
      vertex: { project: 'my-proj', location: 'us-east5' },
    };
    const run = await runCollecting(scenarioOf({ targets: [target], load: { concurrency: 1, requests: 2 } }), {
      env: { VERTEX_TOKEN: TOKEN },
    });
    return { ...run, s };
  };

  it('Gemini: the OpenAI-compatible path under baseUrl, the token as a bearer, model in the body', async () => {
    const { summary, results, s } = await runOn('google/gemini-1.5-flash', (res) =>
      streamCompletion(res, ['Hello', ' there'], { promptTokens: 16 }),
    );
    expect(results.every((r) => r.errorKind === null)).toBe(true);
    expect(s.requests.length).toBe(2);
    const req = s.requests[0]!;
    expect(req.url).toBe('/private/v1/projects/my-proj/locations/us-east5/endpoints/openapi/chat/completions');
    expect(req.headers.authorization).toBe(`Bearer ${TOKEN}`);
    const body = JSON.parse(req.body) as Record<string, unknown>;
    expect(body).toMatchObject({ model: 'google/gemini-1.5-flash', stream: true, max_tokens: 4 });
    expect(body).not.toHaveProperty('anthropic_version');
    expect(JSON.stringify({ summary, results })).not.toContain(TOKEN);
  });

  it("Claude: the publisher's streamRawPredict path, no model in the body, anthropic_version in it, no anthropic-version header", async () => {
    const { summary, results, s } = await runOn('claude-3-5-sonnet@20240620', (res) => streamMessages(res, ['Hi', ' you'], 16));
    for (const r of results) expect([r.errorKind, r.outputTokens, r.inputTokens]).toEqual([null, 2, 16]);
    const req = s.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.url).toBe(
      '/private/v1/projects/my-proj/locations/us-east5/publishers/anthropic/models/claude-3-5-sonnet%4020240620:streamRawPredict',
    );
    expect(req.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(req.headers['anthropic-version']).toBeUndefined();
    expect(req.headers['x-api-key']).toBeUndefined();
    const body = JSON.parse(req.body) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['anthropic_version', 'max_tokens', 'messages', 'stream']);
    expect(body).toMatchObject({ anthropic_version: 'vertex-2023-10-16', max_tokens: 4, stream: true });
    expect(JSON.stringify({ summary, results })).not.toContain(TOKEN);
  });
});

describe('a vertex target without apiKeyEnv: Application Default Credentials', () => {
  it('asks the credential for the cloud-platform scope before traffic and sends its token as a bearer', async () => {
    const s = await startStubServer((_req, res) => streamCompletion(res, ['Hello'], { promptTokens: 16 }));
    try {
      const scopes: unknown[] = [];
      const adcToken = 'ya29.adc-token-abcdefghijkl';
      const googleCredential = async () => ({
        getToken: async (scope: string | string[]) => {
          scopes.push(scope);
          return { token: adcToken, expiresOnTimestamp: Date.now() + 3_600_000 };
        },
      });
      const target = {
        name: 'vertex',
        provider: 'vertex',
        model: 'google/gemini-1.5-flash',
        baseUrl: `http://127.0.0.1:${s.port}`,
        vertex: { project: 'my-proj', location: 'global' },
      };
      const { summary, results } = await runCollecting(scenarioOf({ targets: [target], load: { concurrency: 1, requests: 2 } }), {
        googleCredential,
      });
      expect(results.every((r) => r.errorKind === null)).toBe(true);
      expect(scopes).toEqual(['https://www.googleapis.com/auth/cloud-platform']);
      expect(s.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${adcToken}`, `Bearer ${adcToken}`]);
      expect(s.requests[0]!.url).toBe('/v1/projects/my-proj/locations/global/endpoints/openapi/chat/completions');
      expect(JSON.stringify({ summary, results })).not.toContain(adcToken);
    } finally {
      await s.close();
    }
  });

  it('a credential that fails stops the run before any traffic', async () => {
    const s = await startStubServer((_req, res) => streamCompletion(res, ['Hello'], { promptTokens: 16 }));
    try {
      const googleCredential = async () => ({
        getToken: async () => {
          throw new Error('Could not load the default credentials');
        },
      });
      const target = {
        name: 'vertex',
        provider: 'vertex',
        model: 'google/gemini-1.5-flash',
        baseUrl: `http://127.0.0.1:${s.port}`,
        vertex: { project: 'my-proj', location: 'global' },
      };
      await expect(
        runCollecting(scenarioOf({ targets: [target], load: { concurrency: 1, requests: 1 } }), { googleCredential }),
      ).rejects.toThrow(/default credentials/);
      expect(s.requests.length).toBe(0);
    } finally {
      await s.close();
    }
  });
});

describe('a vertex target on the mock', () => {
  it.each([
    // gemini-1.5-flash: 600 × $0.075/1M + 50 × $0.30/1M = $0.00006 a request.
    ['google/gemini-1.5-flash-002', 600 * 0.075e-6 + 50 * 0.3e-6],
    // claude-3-5-sonnet: 600 × $3/1M + 50 × $15/1M = $0.00255 a request.
    ['claude-3-5-sonnet@20240620', 600 * 3e-6 + 50 * 15e-6],
  ])('%s: tokens from usage and cost from the catalog', async (model, perRequest) => {
    const pricing = await loadCatalog();
    const s = scenarioOf({
      targets: [{ name: 'vertex', provider: 'vertex', model, vertex: { project: 'my-proj', location: 'global' }, mock: FAST }],
      workload: { promptTokens: 600, maxTokens: 50 },
      load: { concurrency: 2, requests: 4 },
    });
    const { summary, measured } = await runCollecting(s, { pricing, useMock: true });
    expect(summary.status).toBe('completed');
    expect(measured.length).toBe(4);
    for (const r of measured)
      expect([r.status, r.errorKind, r.inputTokens, r.outputTokens, r.tokenSource]).toEqual([200, null, 600, 50, 'usage']);
    expect(summary.groups[0]!.cost!.totalUsd).toBeCloseTo(4 * perRequest, 10);
  });

  it('the mock refuses a Claude body with a model or without anthropic_version, and a request without a bearer token', async () => {
    const { startMockServer } = await import('../../src/mock/server.js');
    const mock = await startMockServer({ profile: FAST });
    try {
      const origin = new URL(mock.baseUrl).origin;
      const path = '/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-x:streamRawPredict';
      const post = (body: Record<string, unknown>, headers: Record<string, string> = { authorization: 'Bearer t' }) =>
        fetch(`${origin}${path}`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ max_tokens: 3, messages: [{ role: 'user', content: 'hi' }], ...body }),
        });
      expect((await post({ anthropic_version: 'vertex-2023-10-16' })).status).toBe(200);
      expect((await post({ anthropic_version: 'vertex-2023-10-16', model: 'claude-x' })).status).toBe(400);
      expect((await post({})).status).toBe(400);
      expect((await post({ anthropic_version: 'vertex-2023-10-16' }, {})).status).toBe(401);
    } finally {
      await mock.close();
    }
  });
});
