import type { AuthStyle } from '../scenario/providers.js';

/** KeyAuth is an auth scheme that sends a static key (entra-id sends a token instead: entra-id.ts; sigv4 a signature: aws-sigv4.ts). */
export type KeyAuth = Exclude<AuthStyle, 'entra-id' | 'sigv4'>;

/**
 * AUTH_HEADERS names the header each key-based auth scheme puts the key in, and how: OpenAI and compatible servers
 * (Authorization: Bearer), Anthropic (x-api-key), Azure OpenAI (api-key). A scheme whose credential changes during a
 * run (an Entra ID token: entra-id.ts; a SigV4 signature: aws-sigv4.ts) gives the client a RequestAuth instead.
 */
export const AUTH_HEADERS: Record<KeyAuth, { header: string; value: (key: string) => string }> = {
  bearer: { header: 'authorization', value: (key) => `Bearer ${key}` },
  'x-api-key': { header: 'x-api-key', value: (key) => key },
  'api-key': { header: 'api-key', value: (key) => key },
};

/**
 * signWithKey adds the key to `headers` the way the scheme sends it, unless the scenario already set that header
 * (headersFromEnv may carry a credential of its own). The key travels in a header only, never in the URL.
 */
export function signWithKey(auth: AuthStyle, key: string | undefined, headers: Record<string, string>): void {
  if (!key || auth === 'entra-id' || auth === 'sigv4') return;
  const { header, value } = AUTH_HEADERS[auth];
  if (Object.keys(headers).some((h) => h.toLowerCase() === header)) return;
  headers[header] = value(key);
}
