import type { CloudUrl } from '../scenario/providers.js';
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

/** CLOUD_URLS maps each cloud preset's URL builder name to the builder. */
export const CLOUD_URLS: Record<CloudUrl, (azure: AzureBlock, root: string) => string> = {
  'azure-openai': azureOpenAiBase,
  'azure-ai-foundry': azureFoundryBase,
};

/** azureRootOf is where an Azure target's requests go before the preset's path: its baseUrl, else its resource's endpoint. */
export function azureRootOf(t: Target): string | undefined {
  return t.baseUrl ?? t.azure?.endpoint;
}
