/**
 * ENTRA_SCOPE is the scope an Entra ID token for Azure OpenAI and Azure AI Foundry is asked for (Azure OpenAI docs,
 * "How to configure Azure OpenAI with Microsoft Entra ID authentication").
 */
export const ENTRA_SCOPE = 'https://cognitiveservices.azure.com/.default';

/** AccessToken is a bearer token and when it expires (epoch ms), as @azure/identity's credentials return it. */
export interface AccessToken {
  token: string;
  expiresOnTimestamp: number;
}

/** TokenCredential is the part of @azure/identity's TokenCredential the run uses; tests pass a stub. */
export interface TokenCredential {
  getToken(scopes: string | string[]): Promise<AccessToken | null>;
}

// A token is renewed this long before it expires (Entra ID tokens live about an hour), so no request carries one that
// expires in flight; a failed renewal is tried again after RETRY_MS, the old token serving meanwhile.
const REFRESH_BEFORE_MS = 5 * 60_000;
const RETRY_MS = 30_000;

/**
 * EntraToken holds one target's Entra ID token: fetched before the run starts (a credential that fails is an error
 * there, not a run of 401s), read synchronously by every request, and renewed in the background by the first request
 * that finds it within REFRESH_BEFORE_MS of expiry — no timer, so nothing outlives the run.
 */
export class EntraToken {
  private current: AccessToken | null = null;
  private renewAtMs = 0;
  private renewing: Promise<void> | null = null;

  constructor(
    private readonly credential: TokenCredential,
    private readonly nowMs: () => number = Date.now,
    // The scope asked for: Entra ID's for Azure; Google's cloud-platform for Vertex AI (google-adc.ts).
    private readonly scope: string = ENTRA_SCOPE,
  ) {}

  /** start fetches the first token; it rejects with the credential's error (never a token) when there is none. */
  async start(): Promise<void> {
    await this.renew(true);
  }

  /** authorization is the header value for the next request, and starts a renewal when one is due. */
  authorization(): string {
    if (this.nowMs() >= this.renewAtMs && !this.renewing) {
      this.renewing = this.renew(false).finally(() => {
        this.renewing = null;
      });
    }
    return `Bearer ${this.current?.token ?? ''}`;
  }

  /** token is the current token (to scrub from error text); '' before the first. */
  get token(): string {
    return this.current?.token ?? '';
  }

  private async renew(first: boolean): Promise<void> {
    try {
      const t = await this.credential.getToken(this.scope);
      if (!t) throw new Error(`the credential returned no token for ${this.scope}`);
      this.current = t;
      this.renewAtMs = Math.max(this.nowMs() + RETRY_MS, t.expiresOnTimestamp - REFRESH_BEFORE_MS);
    } catch (err) {
      if (first) throw err;
      this.renewAtMs = this.nowMs() + RETRY_MS;
    }
  }
}

/**
 * defaultAzureCredential loads @azure/identity's DefaultAzureCredential (environment, workload identity, managed
 * identity, Azure CLI…). The package is an optional dependency (installed with the tool unless --omit=optional),
 * loaded only by a target with auth: entra-id.
 */
export async function defaultAzureCredential(): Promise<TokenCredential> {
  let mod: { DefaultAzureCredential: new () => TokenCredential };
  try {
    mod = await import('@azure/identity');
  } catch {
    throw new Error('auth: entra-id needs the @azure/identity package; install it (npm install @azure/identity)');
  }
  return new mod.DefaultAzureCredential();
}
