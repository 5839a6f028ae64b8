import { describe, expect, it } from 'vitest';
import { endpointFor, apiRootOf, usesMock } from '../../src/runner/endpoints.js';
import { vertexBase, vertexProtocol } from '../../src/runner/cloud-urls.js';
import { apiUrl } from '../../src/client/transport.js';
import { ADAPTERS } from '../../src/client/chat-client.js';
import { validateScenario } from '../../src/scenario/validate.js';
import { targetSchema, type Target } from '../../src/scenario/schema.js';

// A vertex target: project and location build the URL (regional or global), baseUrl replaces only the root, and the
// model picks the path: Claude goes to the Anthropic publisher with the Messages body minus model plus anthropic_version.

const scenario = (target: Record<string, unknown>) => ({
  name: 'vertex',
  targets: [{ name: 'v', provider: 'vertex', model: 'google/gemini-2.0-flash-001', ...target }],
  workload: { promptTokens: 16, maxTokens: 4 },
  load: { concurrency: 1, requests: 1 },
});
const problems = (target: Record<string, unknown>) => {
  const v = validateScenario(scenario(target));
  return v.ok ? [] : v.problems.map((p) => `${p.path}: ${p.message}`);
};
const target = (t: Record<string, unknown>): Target =>
  targetSchema.parse({
    name: 'v',
    provider: 'vertex',
    model: 'google/gemini-2.0-flash-001',
    vertex: { project: 'my-proj', location: 'us-east5' },
    ...t,
  });
// The URL a request goes to: the endpoint's base with its own path or the protocol's.
const urlOf = (t: Target) => {
  const e = endpointFor(t, apiRootOf(t)!, { TOKEN: 'ya29.secret-token' });
  return { e, url: apiUrl(e.baseUrl, e.path ?? ADAPTERS[e.protocol!].path).toString() };
};

describe('vertex block validation', () => {
  it.each([
    [{ vertex: { project: 'my-proj', location: 'us-central1' } }],
    [{ vertex: { project: 'my-proj', location: 'global' }, baseUrl: 'http://127.0.0.1:8080' }],
    [{ mock: {} }],
  ])('accepts %j', (t) => expect(problems(t)).toEqual([]));

  it.each([
    [{}, /targets\[0\]: needs a vertex block for provider vertex, e\.g\. vertex: \{ project: "my-project", location: "us-central1" \}/],
    [{ vertex: { location: 'us-central1' } }, /targets\[0\]\.vertex\.project: is missing/],
    [{ vertex: { project: 'my-proj' } }, /targets\[0\]\.vertex\.location: is missing/],
    [{ vertex: { project: 'my-proj' }, baseUrl: 'http://127.0.0.1:8080' }, /targets\[0\]\.vertex\.location: is missing/],
    [{ vertex: { project: 'My Project', location: 'us-central1' } }, /vertex\.project: is not a Google Cloud project id/],
    [{ vertex: { project: 'my-proj', location: 'us central' } }, /vertex\.location: is not a Vertex AI location/],
    [{ vertex: { project: 'my-proj', location: 'x', region: 'y' } }, /vertex/],
    [{ provider: 'openai', vertex: { project: 'my-proj', location: 'us-central1' } }, /targets\[0\]\.vertex: belongs to provider: vertex/],
    [
      { auth: 'entra-id', vertex: { project: 'my-proj', location: 'us-central1' } },
      /targets\[0\]\.auth: entra-id applies to provider azure/,
    ],
  ])('refuses %j', (t, message) => expect(problems(t).join('\n')).toMatch(message));
});

describe('vertex URLs', () => {
  it('builds the regional OpenAI-compatible endpoint for Gemini', () => {
    expect(urlOf(target({})).url).toBe(
      'https://us-east5-aiplatform.googleapis.com/v1/projects/my-proj/locations/us-east5/endpoints/openapi/chat/completions',
    );
  });

  it('uses aiplatform.googleapis.com for location global', () => {
    const t = target({ vertex: { project: 'my-proj', location: 'global' } });
    expect(urlOf(t).url).toBe('https://aiplatform.googleapis.com/v1/projects/my-proj/locations/global/endpoints/openapi/chat/completions');
  });

  it('sends a claude- model to the Anthropic publisher, streamRawPredict, with the Messages protocol', () => {
    const { e, url } = urlOf(target({ model: 'claude-sonnet-4@20250514' }));
    expect(url).toBe(
      'https://us-east5-aiplatform.googleapis.com/v1/projects/my-proj/locations/us-east5/publishers/anthropic/models/' +
        'claude-sonnet-4%4020250514:streamRawPredict',
    );
    expect(e.protocol).toBe('anthropic-messages');
    expect(e.headers['anthropic-version']).toBeUndefined();
    const body = ADAPTERS['anthropic-messages'].buildBody({
      model: e.model,
      messages: [{ role: 'user', content: 'hi' }],
      maxTokens: 4,
      tokenLimitField: 'max_tokens',
      stream: true,
      streamOptions: false,
      extra: e.body,
    });
    expect(body).not.toHaveProperty('model');
    expect(body).toMatchObject({ anthropic_version: 'vertex-2023-10-16', max_tokens: 4, stream: true });
  });

  it('keeps the path the cloud defines under a baseUrl (a private endpoint, a gateway, a loopback server)', () => {
    expect(urlOf(target({ baseUrl: 'http://127.0.0.1:9/gw' })).url).toBe(
      'http://127.0.0.1:9/gw/v1/projects/my-proj/locations/us-east5/endpoints/openapi/chat/completions',
    );
    expect(urlOf(target({ baseUrl: 'http://127.0.0.1:9', model: 'claude-3-5-haiku@20241022' })).url).toBe(
      'http://127.0.0.1:9/v1/projects/my-proj/locations/us-east5/publishers/anthropic/models/claude-3-5-haiku%4020241022:streamRawPredict',
    );
  });

  it('lets protocol override what the model decides', () => {
    expect(vertexProtocol({ model: 'claude-x' })).toBe('anthropic-messages');
    expect(vertexProtocol({ model: 'google/gemini-2.5-pro' })).toBe('openai-chat');
    expect(vertexProtocol({ model: 'claude-x', protocol: 'openai-chat' })).toBe('openai-chat');
    const t = target({ model: 'claude-x', protocol: 'openai-chat' });
    expect(vertexBase(t, 'https://r')).toBe('https://r/v1/projects/my-proj/locations/us-east5/endpoints/openapi');
    expect(urlOf(t).e.path).toBeUndefined();
  });

  it('sends the access token from apiKeyEnv as a bearer token, scrubbed from messages', () => {
    const { e } = urlOf(target({ apiKeyEnv: 'TOKEN' }));
    expect(e.headers.authorization).toBe('Bearer ya29.secret-token');
    expect(e.secrets).toContain('ya29.secret-token');
  });

  it('runs on the mock only without a location (or under --mock)', () => {
    expect(usesMock(target({}), false)).toBe(false);
    expect(usesMock(targetSchema.parse({ name: 'v', provider: 'vertex', model: 'm', mock: {} }), false)).toBe(true);
  });
});
