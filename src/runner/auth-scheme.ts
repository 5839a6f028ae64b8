import type { AuthStyle } from '../scenario/providers.js';

/**
 * AUTH_HEADERS names the header each key-based auth scheme puts the key in, and how: OpenAI and compatible servers
 * (Authorization: Bearer), Anthropic (x-api-key), Azure OpenAI (api-key). A scheme that signs each request (SigV4, a
 * token that expires) would be a function of the request instead; none is built yet.
 */
export const AUTH_HEADERS: Record<AuthStyle, { header: string; value: (key: string) => string }> = {
  bearer: { header: 'authorization', value: (key) => `Bearer ${key}` },
  'x-api-key': { header: 'x-api-key', value: (key) => key },
  'api-key': { header: 'api-key', value: (key) => key },
};

/**
 * signWithKey adds the key to `headers` the way the scheme sends it, unless the scenario already set that header
 * (headersFromEnv may carry a credential of its own). The key travels in a header only, never in the URL.
 */
export function signWithKey(auth: AuthStyle, key: string | undefined, headers: Record<string, string>): void {
  if (!key) return;
  const { header, value } = AUTH_HEADERS[auth];
  if (Object.keys(headers).some((h) => h.toLowerCase() === header)) return;
  headers[header] = value(key);
}
