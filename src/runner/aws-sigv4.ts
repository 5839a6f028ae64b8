import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { RequestAuth, SignableRequest } from '../client/chat-client.js';

/** AwsCredentials are what a SigV4 signature is made with, as the AWS SDK's credential providers return them. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** AwsCredentialProvider returns the current credentials: memoized and renewed before expiry by the AWS chain itself. */
export type AwsCredentialProvider = () => Promise<AwsCredentials>;

/** BEDROCK_SERVICE is the service name Bedrock's runtime signatures are scoped to (bedrock-runtime answers to "bedrock"). */
export const BEDROCK_SERVICE = 'bedrock';

/**
 * sigv4Auth signs every request of a target with AWS Signature Version 4 (@smithy/signature-v4, as the AWS SDK signs):
 * the method, path, query, every header sent (host included: the one undici sends, the URL's host) and the body's
 * SHA-256, scoped to the region and service. The credentials are asked for at every signature; the AWS chain's
 * provider keeps them and renews them before they expire. The session token, the one secret the signature puts on the
 * wire (x-amz-security-token), is scrubbed from error text.
 */
export function sigv4Auth(credentials: AwsCredentialProvider, region: string, service = BEDROCK_SERVICE): RequestAuth {
  const signer = new SignatureV4({ credentials, region, service, sha256: Hash.bind(null, 'sha256') });
  let token = '';
  return {
    headers: () => ({}),
    secrets: () => (token ? [token] : []),
    async sign(req: SignableRequest): Promise<Record<string, string>> {
      const { url } = req;
      const query: Record<string, string> = {};
      for (const [k, v] of url.searchParams) query[k] = v;
      const out = await signer.sign({
        method: req.method,
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port ? { port: Number(url.port) } : {}),
        path: url.pathname,
        query,
        headers: { ...req.headers, host: url.host },
        body: req.body,
      });
      const headers = { ...out.headers };
      token = headers['x-amz-security-token'] ?? '';
      // undici sends the host itself, from the origin: the same value, signed above.
      delete headers.host;
      return headers;
    },
  };
}

/**
 * awsCredentialChain loads the AWS SDK's default credential chain (@aws-sdk/credential-providers' fromNodeProviderChain:
 * environment, shared config and credentials files with their profile, SSO, web identity, ECS and EC2 instance
 * metadata), for a profile when one is named. The package is an optional dependency, loaded only by a Bedrock target
 * that signs with SigV4 on a real endpoint. The first credentials are fetched before any traffic: a chain that finds
 * none stops the run there, not in a run of 403s.
 */
export async function awsCredentialChain(profile?: string): Promise<AwsCredentialProvider> {
  let mod: { fromNodeProviderChain(init?: { profile?: string }): AwsCredentialProvider };
  try {
    mod = (await import('@aws-sdk/credential-providers')) as unknown as typeof mod;
  } catch {
    throw new Error(
      'provider bedrock signs with SigV4 through the AWS credential chain and needs the @aws-sdk/credential-providers package; ' +
        'install it (npm install @aws-sdk/credential-providers), or use a Bedrock API key (AWS_BEARER_TOKEN_BEDROCK)',
    );
  }
  const provider = mod.fromNodeProviderChain(profile ? { profile } : {});
  try {
    await provider();
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(
      `no AWS credentials for Bedrock${profile ? ` (profile ${profile})` : ''}: ${why}; ` +
        'set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or run aws sso login — ' +
        'or use a Bedrock API key (AWS_BEARER_TOKEN_BEDROCK)',
    );
  }
  return provider;
}
