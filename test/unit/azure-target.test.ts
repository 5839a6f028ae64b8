import { describe, expect, it } from 'vitest';
import { endpointFor } from '../../src/runner/endpoints.js';
import { azureFoundryBase, azureOpenAiBase } from '../../src/runner/cloud-urls.js';
import { apiUrl } from '../../src/client/transport.js';
import { validateScenario } from '../../src/scenario/validate.js';
import { planScenario } from '../../src/runner/plan.js';
import { scenarioEcho } from '../../src/runner/scenario-echo.js';

// An azure-openai target: the block that builds its URL, validated with messages that name the field and the fix,
// and the key in the api-key header (never the URL), scrubbed from messages like every other key.

const scenario = (target: Record<string, unknown>) => ({
  name: 'azure',
  targets: [{ name: 'a', provider: 'azure-openai', model: 'gpt-4o', ...target }],
  workload: { promptTokens: 16, maxTokens: 4 },
  load: { concurrency: 1, requests: 1 },
});
const problems = (target: Record<string, unknown>) => {
  const v = validateScenario(scenario(target));
  return v.ok ? [] : v.problems.map((p) => `${p.path}: ${p.message}`);
};

describe('azure block validation', () => {
  it.each([
    [{ azure: { endpoint: 'https://r.openai.azure.com', deployment: 'd', apiVersion: '2024-10-21' } }],
    [{ azure: { endpoint: 'https://r.openai.azure.com' } }],
    [{ azure: { deployment: 'd' }, baseUrl: 'http://127.0.0.1:8080' }],
    [{ azure: { deployment: 'd' }, mock: {} }],
    [{ provider: 'azure-ai-foundry', model: 'Llama-3.3-70B-Instruct', azure: { endpoint: 'https://r.services.ai.azure.com' } }],
  ])('accepts %j', (t) => expect(problems(t)).toEqual([]));

  it.each([
    [{}, /targets\[0\]: needs an azure block.*endpoint/],
    [{ azure: { deployment: 'd' } }, /targets\[0\]\.azure\.endpoint: is missing; write your resource's endpoint/],
    [{ azure: { endpoint: 'r.openai.azure.com' } }, /targets\[0\]\.azure\.endpoint: .*not an http\(s\) URL/],
    [{ azure: { endpoint: 'https://r.openai.azure.com', apiVersion: '2024-10-21' } }, /azure\.apiVersion: applies to a deployment/],
    [
      { azure: { endpoint: 'https://r.openai.azure.com', deployment: 'd', apiVersion: 'latest' } },
      /azure\.apiVersion: .*e\.g\. "2024-10-21"/,
    ],
    [{ azure: { endpoint: 'https://r.openai.azure.com', deployment: 'a/b' } }, /azure\.deployment: is not a deployment name/],
    [
      { azure: { endpoint: 'https://r.openai.azure.com/?api-key=abc', deployment: 'd' } },
      /azure\.endpoint: holds a credential in its query/,
    ],
    [
      { provider: 'azure-ai-foundry', azure: { endpoint: 'https://r.services.ai.azure.com', deployment: 'd' } },
      /azure\.deployment: is not used by Foundry/,
    ],
    [
      { provider: 'azure-ai-foundry' },
      /needs an azure block for provider azure-ai-foundry, e\.g\. azure: \{ endpoint: "https:\/\/my-resource\.services\.ai\.azure\.com" \}/,
    ],
    [{ provider: 'openai', auth: 'entra-id' }, /targets\[0\]\.auth: entra-id applies to provider azure-openai or azure-ai-foundry/],
    [{ provider: 'openai', azure: { endpoint: 'https://r.openai.azure.com' } }, /targets\[0\]\.azure: belongs to provider: azure-openai/],
  ])('refuses %j', (t, message) => expect(problems(t).join('\n')).toMatch(message));
});

describe('azureOpenAiBase', () => {
  it.each([
    [
      { deployment: 'd', apiVersion: '2024-10-21' },
      'https://r.openai.azure.com',
      'https://r.openai.azure.com/openai/deployments/d/chat/completions?api-version=2024-10-21',
    ],
    [
      { deployment: 'd' },
      'https://r.openai.azure.com/',
      'https://r.openai.azure.com/openai/deployments/d/chat/completions?api-version=2024-10-21',
    ],
    [{}, 'https://r.openai.azure.com', 'https://r.openai.azure.com/openai/v1/chat/completions'],
    [
      { deployment: 'd', apiVersion: '2025-01-01-preview' },
      'http://gw.internal/azure/',
      'http://gw.internal/azure/openai/deployments/d/chat/completions?api-version=2025-01-01-preview',
    ],
  ])('%j at %s', (azure, root, url) => expect(apiUrl(azureOpenAiBase(azure, root), '/chat/completions').toString()).toBe(url));

  it("Foundry's model inference endpoint: /models/chat/completions with its own api-version", () => {
    const base = azureFoundryBase({}, 'https://r.services.ai.azure.com');
    expect(apiUrl(base, '/chat/completions').toString()).toBe(
      'https://r.services.ai.azure.com/models/chat/completions?api-version=2024-05-01-preview',
    );
  });
});

describe('the api-key scheme', () => {
  const v = validateScenario(scenario({ apiKeyEnv: 'AZ_KEY', azure: { endpoint: 'https://r.openai.azure.com', deployment: 'd' } }));
  if (!v.ok) throw new Error(JSON.stringify(v.problems));
  const t = v.scenario.targets[0]!;
  const ep = endpointFor(t, azureOpenAiBase(t.azure!, t.azure!.endpoint!), { AZ_KEY: 'key-value-123456' });

  it('sends the key in api-key, not Authorization nor the URL, and lists it as a secret', () => {
    expect(ep.headers['api-key']).toBe('key-value-123456');
    expect(ep.headers.authorization).toBeUndefined();
    expect(ep.baseUrl).not.toContain('key-value');
    expect(ep.secrets).toContain('key-value-123456');
    // The api-version the preset adds is no secret: an error about it keeps saying which version.
    expect(ep.secrets).not.toContain('2024-10-21');
    expect(ep.keySource).toBe('AZ_KEY');
    expect(ep.defaultTokenLimitField).toBe('max_completion_tokens');
    expect(ep.requestIdHeaders?.[0]).toBe('apim-request-id');
  });
});

describe('where an azure target is shown', () => {
  it('the plan names the URL the preset builds', () => {
    const s = validateScenario(scenario({ azure: { endpoint: 'https://r.openai.azure.com', deployment: 'd' } }));
    if (!s.ok) throw new Error(JSON.stringify(s.problems));
    expect(planScenario(s.scenario).targets[0]!.endpoint).toBe('https://r.openai.azure.com/openai/deployments/d?api-version=2024-10-21');
  });

  it("the echo redacts the endpoint's user info", () => {
    const s = validateScenario(scenario({ azure: { endpoint: 'https://user@r.openai.azure.com', deployment: 'd' } }));
    if (!s.ok) throw new Error(JSON.stringify(s.problems));
    expect(JSON.stringify(scenarioEcho(s.scenario))).not.toContain('user@');
  });
});
