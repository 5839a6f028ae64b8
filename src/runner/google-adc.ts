import type { TokenCredential } from './entra-id.js';

/** GOOGLE_SCOPE is the OAuth scope a Vertex AI access token is asked for (Vertex AI docs, "Authenticate to Vertex AI"). */
export const GOOGLE_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

// How long a Google access token is taken to live when the library does not say (they last an hour).
const ASSUMED_LIFETIME_MS = 55 * 60_000;

// The part of google-auth-library's GoogleAuth the run uses.
interface GoogleAuthLike {
  getClient(): Promise<{
    getAccessToken(): Promise<{ token?: string | null }>;
    credentials?: { expiry_date?: number | null };
  }>;
}

/**
 * googleAdcCredential gets Vertex AI tokens from Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud
 * auth application-default login, the metadata server…) through google-auth-library, an optional dependency loaded only
 * by a vertex target that names no token (apiKeyEnv). It answers as a TokenCredential, so the token
 * is fetched before traffic and renewed in the background like an Entra ID one (entra-id.ts).
 */
export async function googleAdcCredential(): Promise<TokenCredential> {
  let mod: { GoogleAuth: new (opts: { scopes: string[] }) => GoogleAuthLike };
  try {
    mod = (await import('google-auth-library')) as unknown as typeof mod;
  } catch {
    throw new Error(
      'provider vertex without apiKeyEnv uses Application Default Credentials and needs the google-auth-library package; ' +
        'install it (npm install google-auth-library), or name an access token with apiKeyEnv',
    );
  }
  const auth = new mod.GoogleAuth({ scopes: [GOOGLE_SCOPE] });
  return {
    async getToken() {
      const client = await auth.getClient();
      const { token } = await client.getAccessToken();
      if (!token) return null;
      return { token, expiresOnTimestamp: client.credentials?.expiry_date ?? Date.now() + ASSUMED_LIFETIME_MS };
    },
  };
}
