import type { Framing } from '../client/protocol.js';
import type { CloudUrl, Protocol } from '../scenario/providers.js';
import type { Target } from '../scenario/schema.js';

/**
 * AZURE_API_VERSION is the API version an Azure OpenAI deployment is called with when its block names none: the GA
 * version current when this preset was written (Azure OpenAI REST reference, 2024-10-21).
 */
export const AZURE_API_VERSION = '2024-10-21';

/** FOUNDRY_API_VERSION is the Azure AI Model Inference API's version (its REST reference, 2024-05-01-preview). */
export const FOUNDRY_API_VERSION = '2024-05-01-preview';

type AzureBlock = NonNullable<Target['azure']>;

// The root's own path is kept as a prefix: a gateway may serve the cloud's API under a path of its own.
function under(root: string, path: string, apiVersion?: string): string {
  const u = new URL(root);
  u.pathname = `${u.pathname.replace(/\/+$/, '')}${path}`;
  if (apiVersion !== undefined) u.searchParams.set('api-version', apiVersion);
  return u.toString();
}

/**
 * azureOpenAiBase is the URL builder of the azure-openai preset: the API root the protocol's path (/chat/completions)
 * is appended to. With a deployment it is {root}/openai/deployments/{deployment}?api-version={apiVersion} (Azure routes
 * by the deployment and ignores the body's model); without one, the v1 API's {root}/openai/v1 (the model in the body
 * picks the deployment). `root` is the resource's endpoint, or what stands in for it (the target's baseUrl: a private
 * endpoint, a gateway, a loopback server; or the embedded mock's origin).
 */
export function azureOpenAiBase(azure: AzureBlock, root: string): string {
  if (azure.deployment === undefined) return under(root, '/openai/v1');
  return under(root, `/openai/deployments/${encodeURIComponent(azure.deployment)}`, azure.apiVersion ?? AZURE_API_VERSION);
}

/**
 * azureFoundryBase is the URL builder of the azure-ai-foundry preset: Azure AI Foundry's model inference endpoint,
 * {root}/models?api-version=… (POST …/models/chat/completions, the deployment named by the body's model), which serves
 * the non-OpenAI models a Foundry resource deploys.
 */
export function azureFoundryBase(azure: AzureBlock, root: string): string {
  return under(root, '/models', azure.apiVersion ?? FOUNDRY_API_VERSION);
}

/**
 * VERTEX_ANTHROPIC_VERSION is the version Claude on Vertex AI takes in the request body (its anthropic_version field)
 * in place of Anthropic's anthropic-version header.
 */
export const VERTEX_ANTHROPIC_VERSION = 'vertex-2023-10-16';

type VertexBlock = NonNullable<Target['vertex']>;

/** vertexProtocol is what a Vertex target speaks: its protocol if set, else Claude models Anthropic's Messages, others OpenAI's. */
export function vertexProtocol(t: Pick<Target, 'protocol' | 'model'>): Protocol {
  return t.protocol ?? (t.model.startsWith('claude-') ? 'anthropic-messages' : 'openai-chat');
}

/**
 * vertexBase is the URL builder of the vertex preset, under {root}/v1/projects/{project}/locations/{location}: for Gemini
 * (and other models behind the OpenAI-compatible endpoint) …/endpoints/openapi, the protocol's /chat/completions after
 * it; for Claude …/publishers/anthropic/models, the model's :streamRawPredict (or :rawPredict) after it (cloudRequest).
 */
export function vertexBase(t: Target, root: string): string {
  const v: VertexBlock = t.vertex ?? {};
  const at = `/v1/projects/${encodeURIComponent(v.project ?? '')}/locations/${encodeURIComponent(v.location ?? '')}`;
  return under(root, vertexProtocol(t) === 'anthropic-messages' ? `${at}/publishers/anthropic/models` : `${at}/endpoints/openapi`);
}

/** vertexRoot is Vertex AI's endpoint root for a location: {location}-aiplatform.googleapis.com, or the global one. */
export function vertexRoot(location: string): string {
  return location === 'global' ? 'https://aiplatform.googleapis.com' : `https://${location}-aiplatform.googleapis.com`;
}

type BedrockBlock = NonNullable<Target['bedrock']>;

/** bedrockRoot is Amazon Bedrock's runtime endpoint for a region. */
export function bedrockRoot(region: string): string {
  return `https://bedrock-runtime.${region}.amazonaws.com`;
}

/** BEDROCK_ANTHROPIC_VERSION is the version Claude through Bedrock's InvokeModel takes in the body (anthropic_version). */
export const BEDROCK_ANTHROPIC_VERSION = 'bedrock-2023-05-31';

/**
 * bedrockBase is the URL builder of the bedrock preset: {root}/model/{modelId}, the protocol's path after it
 * (/converse-stream and /converse; for Claude through InvokeModel /invoke-with-response-stream and /invoke). The model id
 * is one path segment, encoded as the AWS SDK encodes it: an inference profile's ":" and an ARN's "/" escaped.
 */
export function bedrockBase(t: Target, root: string): string {
  return under(root, `/model/${encodeURIComponent(t.model)}`);
}

/** bedrockRegion is the region a Bedrock target's signatures are scoped to (its block's; a mocked target's default us-east-1). */
export function bedrockRegion(t: Target): string {
  return (t.bedrock as BedrockBlock | undefined)?.region ?? 'us-east-1';
}

/**
 * CloudRequest is what a cloud changes in a protocol's request, as data: the paths (the model in them, not in the body),
 * the body's fields (null removes one the protocol sets) and the reply's framing. Empty for a target the protocol's own
 * request fits.
 */
export interface CloudRequest {
  path?: string;
  completionPath?: string;
  body?: Record<string, unknown>;
  framing?: Framing;
}

/**
 * cloudRequest is a target's request shape: Claude on Vertex (the publisher's :streamRawPredict and :rawPredict, no model
 * in the body, anthropic_version: vertex-2023-10-16) and Claude through Bedrock's InvokeModel (/invoke-with-response-stream
 * and /invoke, no model or stream in the body, anthropic_version: bedrock-2023-05-31, eventstream frames).
 */
export function cloudRequest(t: Target): CloudRequest {
  if (t.provider === 'vertex' && vertexProtocol(t) === 'anthropic-messages') {
    const model = `/${encodeURIComponent(t.model)}`;
    return {
      path: `${model}:streamRawPredict`,
      completionPath: `${model}:rawPredict`,
      body: { model: null, anthropic_version: VERTEX_ANTHROPIC_VERSION },
    };
  }
  if (t.provider === 'bedrock' && t.protocol === 'anthropic-messages')
    return {
      path: '/invoke-with-response-stream',
      completionPath: '/invoke',
      body: { model: null, stream: null, anthropic_version: BEDROCK_ANTHROPIC_VERSION },
      framing: 'eventstream',
    };
  return {};
}

/** CLOUD_URLS maps each cloud preset's URL builder name to the builder (the target's block, and the root standing for its endpoint). */
export const CLOUD_URLS: Record<CloudUrl, (t: Target, root: string) => string> = {
  'azure-openai': (t, root) => azureOpenAiBase(t.azure ?? {}, root),
  'azure-ai-foundry': (t, root) => azureFoundryBase(t.azure ?? {}, root),
  vertex: vertexBase,
  bedrock: bedrockBase,
};

/** cloudRootOf is where a cloud target's requests go before the preset's path: its baseUrl, else its block's endpoint. */
export function cloudRootOf(t: Target): string | undefined {
  if (t.baseUrl !== undefined) return t.baseUrl;
  if (t.provider === 'vertex') return t.vertex?.location === undefined ? undefined : vertexRoot(t.vertex.location);
  if (t.provider === 'bedrock') return t.bedrock?.region === undefined ? undefined : bedrockRoot(t.bedrock.region);
  return t.azure?.endpoint;
}
