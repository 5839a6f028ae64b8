import { describe, expect, it } from 'vitest';
import { probeHints } from '../../src/runner/probe-hints.js';
import { targetSchema } from '../../src/scenario/schema.js';

// What `bakeoff probe` tells a person to check, per cloud, when the endpoint refuses the credentials or the path: the
// target's own variable, identity, deployment, model, project and region, never a secret.

const target = (t: Record<string, unknown>) => targetSchema.parse({ name: 't', model: 'gpt-4o', ...t });
const AZURE = { endpoint: 'https://my-aoai-eastus.openai.azure.com', deployment: 'gpt-4o-prod', apiVersion: '2024-10-21' };

describe('probeHints', () => {
  it.each([
    {
      case: 'azure-openai with a key',
      t: { provider: 'azure-openai', apiKeyEnv: 'AZ_KEY', azure: AZURE },
      credentials: 'AZ_KEY',
      path: 'azure.deployment "gpt-4o-prod" exists on https://my-aoai-eastus.openai.azure.com, and serves azure.apiVersion 2024-10-21',
    },
    {
      case: 'azure-openai, v1 API, Entra ID',
      t: { provider: 'azure-openai', auth: 'entra-id', azure: { endpoint: AZURE.endpoint } },
      credentials: /^the Microsoft Entra ID identity DefaultAzureCredential finds .*\(Cognitive Services OpenAI User\)$/,
      path: 'model "gpt-4o" names a deployment on https://my-aoai-eastus.openai.azure.com (the v1 API)',
    },
    {
      case: 'azure-ai-foundry, Entra ID',
      t: { provider: 'azure-ai-foundry', model: 'Llama-3.3-70B', auth: 'entra-id', azure: { endpoint: 'https://f.services.ai.azure.com' } },
      credentials: /\(Cognitive Services User\)$/,
      path: 'model "Llama-3.3-70B" names a deployment on https://f.services.ai.azure.com',
    },
    {
      case: 'vertex Gemini with Application Default Credentials',
      t: { provider: 'vertex', model: 'google/gemini-2.0-flash-001', vertex: { project: 'my-proj', location: 'europe-west4' } },
      credentials: /^Application Default Credentials .* Vertex AI User role in project my-proj$/,
      path: 'model "google/gemini-2.0-flash-001" is offered in location europe-west4 of project my-proj (https://europe-west4-aiplatform.googleapis.com)',
    },
    {
      case: 'vertex Claude with an access token',
      t: {
        provider: 'vertex',
        model: 'claude-3-5-sonnet-v2@20241022',
        apiKeyEnv: 'VT',
        vertex: { project: 'my-proj', location: 'us-east5' },
      },
      credentials: 'VT (an access token lasts about an hour: print a fresh one)',
      path: /^Claude model "claude-3-5-sonnet-v2@20241022" is enabled in Model Garden and offered in location us-east5 of project my-proj/,
    },
    {
      case: 'bedrock signing with a named profile',
      t: {
        provider: 'bedrock',
        model: 'eu.anthropic.claude-3-5-sonnet-20241022-v2:0',
        bedrock: { region: 'eu-west-1', profile: 'bakeoff' },
      },
      credentials:
        /^the AWS credentials of profile bakeoff .*, and model access to eu\.anthropic\.claude-3-5-sonnet-20241022-v2:0 in region eu-west-1$/,
      path: /^model "eu\.anthropic\.claude-3-5-sonnet-20241022-v2:0" has model access in Bedrock's region eu-west-1 \(https:\/\/bedrock-runtime\.eu-west-1\.amazonaws\.com\)$/,
    },
    {
      case: 'openai with no key',
      t: { provider: 'openai' },
      credentials: 'apiKeyEnv: this target sends no credential',
      path: 'model "gpt-4o" is served at https://api.openai.com/v1',
    },
  ])('$case', ({ t, credentials, path }) => {
    const hints = probeHints(target(t), false);
    if (typeof credentials === 'string') expect(hints.credentials).toBe(credentials);
    else expect(hints.credentials).toMatch(credentials);
    if (typeof path === 'string') expect(hints.path).toBe(path);
    else expect(hints.path).toMatch(path);
  });

  it('a Bedrock API key in AWS_BEARER_TOKEN_BEDROCK is named by its variable, never its value', () => {
    const t = target({ provider: 'bedrock', model: 'us.anthropic.claude-3-5-haiku-20241022-v1:0', bedrock: { region: 'us-east-1' } });
    const hints = probeHints(t, false, { AWS_BEARER_TOKEN_BEDROCK: 'bedrock-api-key-secret-value' });
    expect(hints.credentials).toBe(
      'AWS_BEARER_TOKEN_BEDROCK, and model access to us.anthropic.claude-3-5-haiku-20241022-v1:0 in region us-east-1',
    );
    expect(JSON.stringify(hints)).not.toContain('bedrock-api-key-secret-value');
  });

  it('on the embedded mock the path names the mock, not the real endpoint', () => {
    expect(probeHints(target({ provider: 'azure-openai', apiKeyEnv: 'AZ_KEY', azure: AZURE }), true).path).toContain(
      'exists on the embedded mock,',
    );
  });
});
