/**
 * Provider presets: what llm-bakeoff assumes about each provider's API, as data. A target names
 * its preset with `provider:` and may override any field. Each assumption cites the public API
 * reference it came from (`source`), so it can be rechecked when a provider changes.
 */

/** Protocol is the wire protocol a target speaks. */
export type Protocol = 'openai-chat' | 'anthropic-messages' | 'bedrock-converse';
/**
 * AuthStyle is how a target proves who it is: its API key in `Authorization: Bearer`, `x-api-key` or Azure's `api-key`
 * header, a Microsoft Entra ID token (Azure presets; `Authorization: Bearer`, renewed before it expires), or an AWS
 * Signature Version 4 over each request (Bedrock; credentials from the AWS chain).
 */
export type AuthStyle = 'bearer' | 'x-api-key' | 'api-key' | 'entra-id' | 'sigv4';
/** CloudUrl names a cloud preset's URL builder (runner/cloud-urls.ts). */
export type CloudUrl = 'azure-openai' | 'azure-ai-foundry' | 'vertex' | 'bedrock';
/** UsageReporting is how a provider reports token usage in a stream (informative: the client never sums usage, it keeps the latest). */
export type UsageReporting = 'final-chunk' | 'every-chunk' | 'message-events' | 'none';

export interface ProviderPreset {
  protocol: Protocol;
  /** Default API root; none for openai-compatible (bring your own baseUrl) and for cloud presets (built from their block). */
  baseUrl?: string;
  /** The URL builder that makes the API root from the target's cloud block (`azure:`); absent for presets with a fixed root. */
  cloud?: CloudUrl;
  auth: AuthStyle;
  /** Static headers every request carries (e.g. anthropic-version). */
  headers: Record<string, string>;
  /** Whether the endpoint accepts stream_options.include_usage (OpenAI protocol). */
  streamOptions: boolean;
  /** Which field carries the output token limit by default. */
  tokenLimitField: 'max_tokens' | 'max_completion_tokens';
  usage: UsageReporting;
  /** Where reasoning deltas arrive before content, when the provider streams them. */
  reasoning: 'reasoning_content' | 'thinking_delta' | 'none';
  /**
   * The response header carrying the provider's id for a request (quoted to its support); absent: the common ones are
   * tried (REQUEST_ID_HEADERS).
   */
  requestIdHeader?: string;
  /** The request header the provider accepts a caller's own id in, to join both sides' logs; absent when it documents none. */
  clientRequestIdHeader?: string;
  /** The public reference each assumption came from. */
  source: string;
}

export const PROVIDERS = [
  'openai',
  'anthropic',
  'gemini',
  'deepseek-global',
  'azure-openai',
  'azure-ai-foundry',
  'vertex',
  'bedrock',
  'openai-compatible',
  'mock',
] as const;
export type ProviderName = (typeof PROVIDERS)[number];

/**
 * REQUEST_ID_HEADERS are the response headers a provider's request id is looked for in, in order,
 * when neither the target nor its preset names one: OpenAI and most gateways (x-request-id),
 * Anthropic (request-id), Azure (apim-request-id), AWS (x-amzn-requestid), Cloudflare (cf-ray).
 */
export const REQUEST_ID_HEADERS = ['x-request-id', 'request-id', 'apim-request-id', 'x-amzn-requestid', 'cf-ray'] as const;

export const PRESETS: Record<ProviderName, ProviderPreset> = {
  openai: {
    protocol: 'openai-chat',
    baseUrl: 'https://api.openai.com/v1',
    auth: 'bearer',
    headers: {},
    streamOptions: true,
    // max_tokens is deprecated for chat completions and rejected by reasoning (o-series) models.
    tokenLimitField: 'max_completion_tokens',
    usage: 'final-chunk',
    reasoning: 'none',
    requestIdHeader: 'x-request-id',
    clientRequestIdHeader: 'X-Client-Request-Id',
    source:
      'OpenAI API reference, Chat Completions: create (max_completion_tokens, stream_options.include_usage: "an ' +
      'additional chunk … before data: [DONE] … usage"; other chunks carry usage: null)',
  },
  anthropic: {
    protocol: 'anthropic-messages',
    baseUrl: 'https://api.anthropic.com/v1',
    auth: 'x-api-key',
    headers: { 'anthropic-version': '2023-06-01' },
    streamOptions: false,
    tokenLimitField: 'max_tokens', // required by the Messages API
    usage: 'message-events',
    reasoning: 'thinking_delta',
    requestIdHeader: 'request-id',
    source:
      'Anthropic API reference, Messages and Streaming Messages (x-api-key, anthropic-version, required ' +
      'max_tokens, message_start / content_block_delta / message_delta usage / message_stop, ping, error events)',
  },
  gemini: {
    protocol: 'openai-chat',
    baseUrl: 'https://generativelanguage.googleapis.com/v1beta/openai',
    auth: 'bearer',
    headers: {},
    streamOptions: true,
    tokenLimitField: 'max_tokens',
    // Observed on the OpenAI-compatible endpoint: cumulative usage on every chunk, so counts must not be summed.
    usage: 'every-chunk',
    reasoning: 'none',
    source:
      'Google Gemini API docs, "OpenAI compatibility" (base URL …/v1beta/openai/, Bearer key, max_tokens); ' +
      'usage on every streamed chunk as reported by users of that endpoint',
  },
  'deepseek-global': {
    protocol: 'openai-chat',
    // DeepSeek's own OpenAI-compatible root; point baseUrl at your Global API gateway to go through it.
    baseUrl: 'https://api.deepseek.com/v1',
    auth: 'bearer',
    headers: {},
    streamOptions: true,
    tokenLimitField: 'max_tokens',
    usage: 'final-chunk',
    reasoning: 'reasoning_content',
    source:
      'DeepSeek API docs, "Your First API Call" (base_url https://api.deepseek.com, OpenAI format) and ' +
      '"Reasoning Model" (delta.reasoning_content streamed before delta.content)',
  },
  'azure-openai': {
    protocol: 'openai-chat',
    // The URL is the resource's endpoint plus the deployment path (runner/cloud-urls.ts).
    cloud: 'azure-openai',
    auth: 'api-key',
    headers: {},
    streamOptions: true,
    // Accepted since API version 2024-09-01-preview (and in 2024-10-21 GA); o-series deployments reject max_tokens.
    // An older apiVersion needs tokenLimitField: max_tokens.
    tokenLimitField: 'max_completion_tokens',
    usage: 'final-chunk',
    reasoning: 'none',
    requestIdHeader: 'apim-request-id',
    source:
      'Azure OpenAI REST reference 2024-10-21, Chat completions - Create (POST {endpoint}/openai/deployments/{deployment-id}' +
      '/chat/completions?api-version=, api-key header, stream_options, prompt_filter_results / content_filter_results); ' +
      '"Azure OpenAI v1 API" (POST {endpoint}/openai/v1/chat/completions, model in the body); ' +
      '"Azure OpenAI quotas and limits" (429 with retry-after-ms and retry-after)',
  },
  'azure-ai-foundry': {
    protocol: 'openai-chat',
    // The URL is the resource's endpoint plus /models (runner/cloud-urls.ts).
    cloud: 'azure-ai-foundry',
    auth: 'api-key',
    headers: {},
    // The inference API refuses parameters it does not define (422) unless sent extra-parameters: pass-through.
    streamOptions: false,
    tokenLimitField: 'max_tokens',
    usage: 'final-chunk',
    reasoning: 'reasoning_content',
    requestIdHeader: 'apim-request-id',
    source:
      'Azure AI Model Inference API reference 2024-05-01-preview, Get Chat Completions (POST {endpoint}/models/chat/completions' +
      '?api-version=, api-key or Authorization: Bearer, model in the body, max_tokens, extra-parameters); ' +
      'Azure AI Foundry docs, "How to use the Azure AI model inference endpoint" (https://<resource>.services.ai.azure.com/models)',
  },
  vertex: {
    // Gemini through the OpenAI-compatible endpoint; a claude-… model goes to the Anthropic publisher with the
    // Messages protocol (runner/cloud-urls.ts: the model decides, protocol overrides).
    protocol: 'openai-chat',
    cloud: 'vertex',
    // An OAuth access token (gcloud auth print-access-token) from apiKeyEnv.
    auth: 'bearer',
    headers: {},
    streamOptions: true,
    tokenLimitField: 'max_tokens',
    usage: 'final-chunk',
    reasoning: 'none',
    source:
      'Google Cloud Vertex AI docs, "Using OpenAI libraries with Vertex AI" (POST https://{location}-aiplatform.googleapis.com' +
      '/v1/projects/{project}/locations/{location}/endpoints/openapi/chat/completions, model google/gemini-…, Bearer access ' +
      'token); "Use Anthropic\'s Claude models" (…/publishers/anthropic/models/{model}:streamRawPredict, Messages body ' +
      'without model, anthropic_version: vertex-2023-10-16)',
  },
  bedrock: {
    // ConverseStream: one protocol for every model Bedrock serves (runner/cloud-urls.ts builds the regional URL).
    protocol: 'bedrock-converse',
    cloud: 'bedrock',
    // SigV4 with the AWS credential chain; a Bedrock API key (AWS_BEARER_TOKEN_BEDROCK, or apiKeyEnv) as a bearer token.
    auth: 'sigv4',
    headers: {},
    streamOptions: false,
    // Sent as inferenceConfig.maxTokens, whichever field is named.
    tokenLimitField: 'max_tokens',
    usage: 'message-events',
    reasoning: 'none',
    requestIdHeader: 'x-amzn-requestid',
    source:
      'Amazon Bedrock API reference, ConverseStream (POST /model/{modelId}/converse-stream on bedrock-runtime.{region}.amazonaws.com, ' +
      'application/vnd.amazon.eventstream: messageStart, contentBlockDelta, contentBlockStop, messageStop, metadata with usage ' +
      '(cacheReadInputTokens, cacheWriteInputTokens) and metrics.latencyMs; throttlingException and other exception frames) and ' +
      'Converse; "Supported Regions and models for inference profiles" (us./eu./apac. ids); SigV4 (service bedrock); ' +
      '"Use an Amazon Bedrock API key" (AWS_BEARER_TOKEN_BEDROCK, Authorization: Bearer)',
  },
  'openai-compatible': {
    protocol: 'openai-chat',
    auth: 'bearer',
    headers: {},
    streamOptions: true,
    tokenLimitField: 'max_tokens',
    usage: 'final-chunk',
    reasoning: 'reasoning_content',
    source: 'OpenAI Chat Completions wire format, as served by vLLM, TGI, Ollama and gateways; bring your own baseUrl',
  },
  mock: {
    protocol: 'openai-chat',
    auth: 'bearer',
    headers: {},
    streamOptions: true,
    tokenLimitField: 'max_tokens',
    usage: 'final-chunk',
    reasoning: 'reasoning_content',
    source: 'the embedded mock (src/mock/server.ts)',
  },
};
