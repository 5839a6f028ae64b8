import { PRESETS, type ProviderName } from './providers.js';
import { isSecretName } from './secrets.js';
import { enUs, isRecord, largestParam, parsedAt, report, type RefineCtx } from './refine.js';
import { MAX_TOKENS_PER_REQUEST } from './limits.js';

/** targetRules: a target needs somewhere to send, and carries no credential written into the file. */
export function targetRules(t: Record<string, unknown>, ctx: RefineCtx): void {
  // Its baseUrl, its preset's URL, or a mock (which, beside a real URL, is the target's offline stand-in under --mock).
  const presetUrl = parsedAt(ctx, ['provider']) ? PRESETS[t.provider as ProviderName].baseUrl : undefined;
  if (t.bedrock !== undefined || t.provider === 'bedrock') bedrockRules(t, ctx);
  else if (t.vertex !== undefined || t.provider === 'vertex') vertexRules(t, ctx);
  else if (t.azure !== undefined || PRESETS[t.provider as ProviderName]?.cloud) azureRules(t, ctx);
  else if (t.baseUrl === undefined && t.mock === undefined && presetUrl === undefined)
    report(
      ctx,
      [],
      'needs baseUrl (e.g. "https://api.openai.com/v1"), a provider preset with a URL (openai, anthropic, gemini, deepseek-global), ' +
        'or mock (e.g. { ttftMs: 200 })',
    );
  if (t.auth === 'entra-id' && AZURE_EXAMPLES[String(t.provider)] === undefined)
    report(ctx, ['auth'], 'entra-id applies to provider azure-openai or azure-ai-foundry; for this provider name its key with apiKeyEnv');
  if (t.auth === 'sigv4' && t.provider !== 'bedrock')
    report(ctx, ['auth'], 'sigv4 applies to provider bedrock; for this provider name its key with apiKeyEnv');
  if (t.protocol === 'bedrock-converse' && t.provider !== 'bedrock')
    report(ctx, ['protocol'], 'bedrock-converse applies to provider bedrock; set provider: bedrock and a bedrock block');
  if (isRecord(t.headers))
    for (const name of Object.keys(t.headers))
      if (isSecretName(name)) {
        const viaApiKeyEnv = /^(authorization|x-api-key)$/i.test(name)
          ? 'apiKeyEnv: OPENAI_API_KEY (the preset sends it the right way), or '
          : '';
        report(
          ctx,
          ['headers', name],
          'holds a credential in the scenario file; name an environment variable instead: ' +
            `${viaApiKeyEnv}headersFromEnv: { ${name}: MY_KEY_VAR }`,
        );
      }
  if (typeof t.baseUrl === 'string') urlSecretRules(t.baseUrl, ctx, ['baseUrl']);
  if (isRecord(t.azure) && typeof t.azure.endpoint === 'string') urlSecretRules(t.azure.endpoint, ctx, ['azure', 'endpoint']);
  if (typeof t.proxy === 'string' && URL.canParse(t.proxy) && new URL(t.proxy).password)
    report(ctx, ['proxy'], 'holds a password in the URL; set the proxy with its credentials in HTTPS_PROXY (or HTTP_PROXY) instead');
}

// What the azure block of each Azure preset looks like, for messages that show it.
const AZURE_EXAMPLES: Record<string, string> = {
  'azure-openai': '{ endpoint: "https://my-resource.openai.azure.com", deployment: "gpt-4o-mini", apiVersion: "2024-10-21" }',
  'azure-ai-foundry': '{ endpoint: "https://my-resource.services.ai.azure.com" }',
};

// An Azure target sends to its resource's endpoint (or baseUrl in its place, or its mock); an Azure OpenAI target
// names a deployment or uses the v1 API (which takes no api-version), a Foundry one names its deployment as the model;
// the block belongs to the Azure presets only.
function azureRules(t: Record<string, unknown>, ctx: RefineCtx): void {
  const azure = isRecord(t.azure) ? t.azure : undefined;
  const example = AZURE_EXAMPLES[String(t.provider)];
  if (example === undefined) {
    report(ctx, ['azure'], 'belongs to provider: azure-openai or azure-ai-foundry; set one of them or remove the azure block');
    return;
  }
  if (t.baseUrl === undefined && t.mock === undefined && azure?.endpoint === undefined)
    report(
      ctx,
      azure ? ['azure', 'endpoint'] : [],
      azure
        ? `is missing; write your resource's endpoint, as in azure: ${example} (or set baseUrl)`
        : `needs an azure block for provider ${String(t.provider)}, e.g. azure: ${example}`,
    );
  if (t.provider === 'azure-ai-foundry' && azure?.deployment !== undefined)
    report(ctx, ['azure', 'deployment'], "is not used by Foundry's model inference endpoint; remove it and name the deployment in model");
  else if (azure && azure.apiVersion !== undefined && azure.deployment === undefined && t.provider === 'azure-openai')
    report(
      ctx,
      ['azure', 'apiVersion'],
      'applies to a deployment; name one (deployment: "gpt-4o-mini"), or remove apiVersion to use the v1 API (model in the body)',
    );
}

const VERTEX_EXAMPLE = '{ project: "my-project", location: "us-central1" }';

// A Vertex target names its project and location (they are in every path, baseUrl or not), or runs on its mock; the
// block belongs to provider vertex only.
function vertexRules(t: Record<string, unknown>, ctx: RefineCtx): void {
  if (t.provider !== 'vertex') {
    report(ctx, ['vertex'], 'belongs to provider: vertex; set it or remove the vertex block');
    return;
  }
  if (t.azure !== undefined) report(ctx, ['azure'], 'belongs to the Azure providers; a vertex target takes a vertex block');
  const vertex = isRecord(t.vertex) ? t.vertex : undefined;
  if (!vertex) {
    if (t.mock === undefined) report(ctx, [], `needs a vertex block for provider vertex, e.g. vertex: ${VERTEX_EXAMPLE}`);
    return;
  }
  for (const k of ['project', 'location'])
    if (vertex[k] === undefined && t.mock === undefined)
      report(ctx, ['vertex', k], `is missing; write it, as in vertex: ${VERTEX_EXAMPLE}`);
}

const BEDROCK_EXAMPLE = '{ region: "us-east-1" }';

// A Bedrock target names its region (it is in the URL and in every signature's scope, baseUrl or not), or runs on its
// mock; it speaks Converse, or Anthropic's Messages through InvokeModel; the block belongs to provider bedrock only.
function bedrockRules(t: Record<string, unknown>, ctx: RefineCtx): void {
  if (t.provider !== 'bedrock') {
    report(ctx, ['bedrock'], 'belongs to provider: bedrock; set it or remove the bedrock block');
    return;
  }
  for (const other of ['azure', 'vertex'])
    if (t[other] !== undefined) report(ctx, [other], `belongs to another cloud's provider; a bedrock target takes a bedrock block`);
  if (t.protocol === 'openai-chat')
    report(
      ctx,
      ['protocol'],
      'bedrock speaks bedrock-converse (every model) or anthropic-messages (Claude, through InvokeModel); remove it',
    );
  if (t.auth !== undefined && t.auth !== 'sigv4' && t.auth !== 'bearer')
    report(ctx, ['auth'], 'bedrock signs with sigv4, or sends a Bedrock API key as bearer; remove it or write one of those');
  const bedrock = isRecord(t.bedrock) ? t.bedrock : undefined;
  if (bedrock?.region === undefined && t.mock === undefined)
    report(
      ctx,
      bedrock ? ['bedrock', 'region'] : [],
      bedrock
        ? `is missing; write it, as in bedrock: ${BEDROCK_EXAMPLE}`
        : `needs a bedrock block for provider bedrock, e.g. bedrock: ${BEDROCK_EXAMPLE}`,
    );
}

function urlSecretRules(baseUrl: string, ctx: RefineCtx, path: readonly PropertyKey[]): void {
  let u: URL;
  try {
    u = new URL(baseUrl);
  } catch {
    return;
  }
  if (u.password)
    report(ctx, path, 'holds a password in the URL; name an environment variable instead (headersFromEnv: { authorization: MY_KEY_VAR })');
  for (const k of new Set(u.searchParams.keys()))
    if (isSecretName(k))
      report(
        ctx,
        path,
        `holds a credential in its query (${k}=…); name an environment variable instead: queryFromEnv: { ${k}: MY_KEY_VAR }`,
      );
}

// A mock's latency past an hour would only stall the run (and a timer that long misfires).
const MAX_MOCK_MS = 3_600_000;

/** mockRules: a mock's latencies stay under an hour and its token counts under any model's. */
export function mockRules(mock: Record<string, unknown>, ctx: RefineCtx): void {
  const check = (d: unknown, path: PropertyKey[]) => {
    const big = largestParam(d);
    if (big !== undefined && big > MAX_MOCK_MS)
      report(ctx, path, `${enUs(big)} ms is more than an hour; a mock that slow only stalls the run (write e.g. 250)`);
  };
  for (const k of ['rttMs', 'ttftMs', 'itlMs']) check(mock[k], [k]);
  if (Array.isArray(mock.faults))
    mock.faults.forEach((f, j) => {
      if (isRecord(f)) check(f.extraTtftMs, ['faults', j, 'extraTtftMs']);
    });
  for (const k of ['outputTokens', 'reasoningTokens']) {
    const big = largestParam(mock[k]);
    if (big !== undefined && big > MAX_TOKENS_PER_REQUEST)
      report(ctx, [k], `${enUs(big)} tokens is more than any model gives (at most ${enUs(MAX_TOKENS_PER_REQUEST)})`);
  }
}
