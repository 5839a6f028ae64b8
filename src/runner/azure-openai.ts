import type { Target } from '../scenario/schema.js';

/**
 * AZURE_API_VERSION is the API version a deployment is called with when its block names none: the GA version current
 * when this preset was written (Azure OpenAI REST reference, 2024-10-21).
 */
export const AZURE_API_VERSION = '2024-10-21';

/**
 * azureOpenAiBase is the URL builder of the azure-openai preset: the API root the protocol's path (/chat/completions)
 * is appended to. With a deployment it is {root}/openai/deployments/{deployment}?api-version={apiVersion} (Azure routes
 * by the deployment and ignores the body's model); without one, the v1 API's {root}/openai/v1 (the model in the body
 * picks the deployment). `root` is the resource's endpoint, or what stands in for it (the target's baseUrl: a private
 * endpoint, a gateway, a loopback server; or the embedded mock's origin): its own path is kept as a prefix.
 */
export function azureOpenAiBase(azure: NonNullable<Target['azure']>, root: string): string {
  const u = new URL(root);
  const prefix = u.pathname.replace(/\/+$/, '');
  if (azure.deployment === undefined) {
    u.pathname = `${prefix}/openai/v1`;
    return u.toString();
  }
  u.pathname = `${prefix}/openai/deployments/${encodeURIComponent(azure.deployment)}`;
  u.searchParams.set('api-version', azure.apiVersion ?? AZURE_API_VERSION);
  return u.toString();
}

/** azureRootOf is where an Azure target's requests go before the preset's path: its baseUrl, else its resource's endpoint. */
export function azureRootOf(t: Target): string | undefined {
  return t.baseUrl ?? t.azure?.endpoint;
}
