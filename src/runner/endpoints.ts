import type { Endpoint } from '../client/chat-client.js';
import type { ConnectionProfile } from '../client/transport.js';
import type { MockServer, MockServerOptions } from '../mock/server.js';
import { deriveSeed } from '../random/prng.js';
import { mockProfileSchema, type MockProfile, type Scenario, type Target } from '../scenario/schema.js';
import { PRESETS, REQUEST_ID_HEADERS, type AuthStyle } from '../scenario/providers.js';
import type { Problem } from '../scenario/validate.js';
import { signWithKey } from './auth-scheme.js';
import { bedrockRegion, CLOUD_URLS, cloudRequest, cloudRootOf, vertexProtocol } from './cloud-urls.js';
import { awsCredentialChain, sigv4Auth, type AwsCredentialProvider } from './aws-sigv4.js';
import { defaultAzureCredential, ENTRA_SCOPE, EntraToken, type TokenCredential } from './entra-id.js';
import { GOOGLE_SCOPE, googleAdcCredential } from './google-adc.js';

/** StartMock starts an embedded mock (in-process or in a worker thread; the caller decides). */
export type StartMock = (opts: MockServerOptions) => Promise<MockServer>;

/**
 * missingKeys lists targets whose apiKeyEnv names a variable that is not set. Checked before any
 * traffic, so a typo in a variable name is an input error, not a run of 401s.
 */
export function missingKeys(s: Scenario, env: Readonly<Record<string, string | undefined>>, useMock = false): Problem[] {
  return s.targets.flatMap((t, i) => {
    if (usesMock(t, useMock)) return [];
    const named: [string, string][] = [
      ...(t.apiKeyEnv ? [[`targets[${i}].apiKeyEnv`, t.apiKeyEnv] as [string, string]] : []),
      ...Object.entries(t.headersFromEnv).map(([h, v]): [string, string] => [`targets[${i}].headersFromEnv.${h}`, v]),
      ...Object.entries(t.queryFromEnv).map(([q, v]): [string, string] => [`targets[${i}].queryFromEnv.${q}`, v]),
    ];
    return named
      .filter(([, v]) => !env[v])
      .map(([path, v]) => ({
        path,
        message: `environment variable ${v} is not set; export it (export ${v}=…) or remove it from the scenario`,
      }));
  });
}

/**
 * CloudCredentials are where the clouds' credentials come from, injected so tests can supply their own: Entra ID (Azure),
 * Application Default Credentials (Vertex AI), the AWS chain (Bedrock, by profile).
 */
export interface CloudCredentials {
  azure?: () => Promise<TokenCredential>;
  google?: () => Promise<TokenCredential>;
  aws?: (profile?: string) => Promise<AwsCredentialProvider>;
}

/**
 * resolveEndpoints turns targets into endpoints: mock targets get a freshly started embedded
 * server on an ephemeral loopback port; API keys are read from the named env vars and travel only
 * in headers (and in `secrets`, so error text can be scrubbed of them).
 */
export async function resolveEndpoints(
  s: Scenario,
  env: Readonly<Record<string, string | undefined>>,
  startMock: StartMock,
  useMock = false,
  credentials: CloudCredentials = {},
): Promise<{ endpoints: Endpoint[]; mocks: MockServer[] }> {
  const mocks: MockServer[] = [];
  const endpoints: Endpoint[] = [];
  try {
    for (const t of s.targets) {
      const preset = PRESETS[t.provider];
      let baseUrl = apiRootOf(t);
      const mocked = usesMock(t, useMock);
      if (mocked) {
        const server = await startMock({
          profile: mockProfileFor(t),
          seed: t.mock?.seed ?? deriveSeed(s.seed, `mock:${t.name}`),
          models: [t.model],
        });
        mocks.push(server);
        // A cloud's paths on the mock start at the server's root.
        baseUrl = preset.cloud ? CLOUD_URLS[preset.cloud](t, new URL(server.baseUrl).origin) : server.baseUrl;
      }
      const endpoint = endpointFor(t, baseUrl!, mocked ? {} : env);
      endpoints.push(mocked ? mockedEndpoint(t, endpoint) : { ...endpoint, ...(await requestAuthOf(t, endpoint, env, credentials)) });
    }
  } catch (err) {
    await Promise.all(mocks.map((m) => m.close()));
    throw err;
  }
  return { endpoints, mocks };
}

/**
 * mockedEndpoint is a target as it goes to its mock. The embedded mock is on loopback, in this process: never through a
 * proxy, and plain HTTP. Like Azure, Vertex and Bedrock, it refuses a request without their credential: a mocked target
 * sends a stand-in, never the real key (nor asks Entra ID, Google or AWS for one); a Bedrock target signs with stand-in
 * keys, so the mock run goes through SigV4 as a real one does.
 */
function mockedEndpoint(t: Target, endpoint: Endpoint): Endpoint {
  const auth = t.auth ?? PRESETS[t.provider].auth;
  const connection = { proxy: false } as const;
  if (auth === 'sigv4') return { ...endpoint, connection, requestAuth: sigv4Auth(async () => MOCK_AWS_KEYS, bedrockRegion(t)) };
  const standIn = auth === 'api-key' || auth === 'entra-id';
  const headers = standIn
    ? { 'api-key': MOCK_API_KEY, ...endpoint.headers }
    : t.provider === 'vertex' || t.provider === 'bedrock'
      ? { authorization: `Bearer ${MOCK_API_KEY}`, ...endpoint.headers }
      : endpoint.headers;
  return { ...endpoint, headers, connection };
}

// What signs a real target's requests, when a header set once does not: an Entra ID or Google token renewed during the
// run, or a SigV4 signature with the AWS chain's credentials (fetched before any traffic: a credential that fails stops
// the run there).
async function requestAuthOf(
  t: Target,
  endpoint: Endpoint,
  env: Readonly<Record<string, string | undefined>>,
  credentials: CloudCredentials,
): Promise<Pick<Endpoint, 'requestAuth'>> {
  const auth = authOf(t, env);
  if (auth === 'entra-id') return { requestAuth: await tokenAuth(credentials.azure ?? defaultAzureCredential, ENTRA_SCOPE) };
  if (auth === 'sigv4') {
    const chain = await (credentials.aws ?? awsCredentialChain)(t.bedrock?.profile);
    return { requestAuth: sigv4Auth(chain, bedrockRegion(t)) };
  }
  if (usesAdc(t, endpoint)) return { requestAuth: await tokenAuth(credentials.google ?? googleAdcCredential, GOOGLE_SCOPE) };
  return {};
}

// The stand-in credentials a mocked Bedrock target signs with.
const MOCK_AWS_KEYS = { accessKeyId: 'AKIDBAKEOFFMOCK', secretAccessKey: 'bakeoff-mock-secret' };

/**
 * authOf is how a target proves who it is: its auth, else its preset's; a Bedrock target with a Bedrock API key (its
 * apiKeyEnv, or AWS_BEARER_TOKEN_BEDROCK as the AWS SDK reads it) sends it as a bearer token instead of signing, unless
 * it says auth: sigv4.
 */
export function authOf(t: Target, env: Readonly<Record<string, string | undefined>>): AuthStyle {
  if (t.provider === 'bedrock' && t.auth === undefined && bedrockKeyEnv(t, env)) return 'bearer';
  return t.auth ?? PRESETS[t.provider].auth;
}

/** BEDROCK_KEY_ENV is the environment variable the AWS SDK reads a Bedrock API key from. */
export const BEDROCK_KEY_ENV = 'AWS_BEARER_TOKEN_BEDROCK';

// The variable a Bedrock target's API key comes from: its apiKeyEnv, else AWS_BEARER_TOKEN_BEDROCK when it is set.
function bedrockKeyEnv(t: Target, env: Readonly<Record<string, string | undefined>>): string | undefined {
  if (t.auth === 'sigv4') return undefined;
  return t.apiKeyEnv ?? (env[BEDROCK_KEY_ENV] ? BEDROCK_KEY_ENV : undefined);
}

// The api-key a mocked Azure target sends (the mock checks that one is present, not what it is).
const MOCK_API_KEY = 'bakeoff-mock-key';

// tokenAuth fetches a target's first token (Entra ID, or Google's Application Default Credentials) before any traffic
// (a credential that fails stops the run there); it is renewed in the background during the run.
async function tokenAuth(credential: () => Promise<TokenCredential>, scope: string): Promise<NonNullable<Endpoint['requestAuth']>> {
  const token = new EntraToken(await credential(), Date.now, scope);
  await token.start();
  return { headers: () => ({ authorization: token.authorization() }), secrets: () => [token.token] };
}

// A vertex target that names no token (apiKeyEnv, or an authorization header of its own) uses Application Default
// Credentials.
function usesAdc(t: Target, endpoint: Endpoint): boolean {
  return t.provider === 'vertex' && !t.apiKeyEnv && !Object.keys(endpoint.headers).some((h) => h.toLowerCase() === 'authorization');
}

/**
 * usesMock says whether a target runs on the embedded mock: when it has no real endpoint (neither
 * baseUrl nor a preset URL — validation then requires a `mock:` block), and every target under
 * --mock (its `mock:` block, or a default profile, standing in for the provider). A target with a
 * real endpoint and a `mock:` block uses the real one unless --mock is given.
 */
export function usesMock(t: Target, useMock: boolean): boolean {
  return useMock || (t.baseUrl === undefined && PRESETS[t.provider].baseUrl === undefined && cloudRootOf(t) === undefined);
}

/**
 * apiRootOf is a real target's API root, the one the protocol's path is appended to: its baseUrl or its preset's, or
 * what its cloud preset builds from its block (baseUrl standing in for the cloud's endpoint).
 */
export function apiRootOf(t: Target): string | undefined {
  const { cloud, baseUrl } = PRESETS[t.provider];
  if (!cloud) return t.baseUrl ?? baseUrl;
  const root = cloudRootOf(t);
  return root === undefined ? undefined : CLOUD_URLS[cloud](t, root);
}

/** mockProfileFor is the mock standing in for a target: its `mock:` block, with the preset's usage style unless the block sets one. */
export function mockProfileFor(t: Target): MockProfile {
  const profile = t.mock ?? mockProfileSchema.parse({});
  const preset = PRESETS[t.provider];
  const usage = profile.quirks.usage ?? (preset.usage === 'every-chunk' ? 'every-chunk' : preset.usage === 'none' ? 'none' : 'final-chunk');
  return { ...profile, quirks: { ...profile.quirks, usage } };
}

/** endpointFor applies the target's preset and overrides: protocol, auth style, headers, accepted fields. */
export function endpointFor(t: Target, baseUrl: string, env: Readonly<Record<string, string | undefined>>): Endpoint {
  const preset = PRESETS[t.provider];
  const keyEnv = t.provider === 'bedrock' ? bedrockKeyEnv(t, env) : t.apiKeyEnv;
  const key = keyEnv ? env[keyEnv] : undefined;
  const headers: Record<string, string> = { ...preset.headers, ...t.headers };
  const fromEnv = (names: Record<string, string>) =>
    Object.entries(names).flatMap(([k, v]) => (env[v] ? [[k, env[v]!] as [string, string]] : []));
  for (const [h, v] of fromEnv(t.headersFromEnv)) headers[h] = v;
  const url = new URL(baseUrl);
  for (const [q, v] of fromEnv(t.queryFromEnv)) url.searchParams.set(q, v);
  signWithKey(authOf(t, env), key, headers);
  const cloud = cloudRequest(t);
  return {
    target: t.name,
    region: t.region,
    provider: t.provider,
    model: t.model,
    baseUrl: url.toString(),
    headers,
    body: cloud.body ? { ...t.body, ...cloud.body } : t.body,
    ...(cloud.path ? { path: cloud.path, completionPath: cloud.completionPath ?? cloud.path } : {}),
    ...(cloud.framing ? { framing: cloud.framing } : {}),
    // Everything that could carry a credential is scrubbed from any error text before it is recorded:
    // the key, every header value the scenario or its environment set, the URL's user info and query values.
    ...(keySourceOf(t, keyEnv) ? { keySource: keySourceOf(t, keyEnv)! } : {}),
    secrets: secretsOf(key, [...Object.values(t.headers), ...fromEnv(t.headersFromEnv).map(([, v]) => v)], url),
    protocol: t.provider === 'vertex' ? vertexProtocol(t) : (t.protocol ?? preset.protocol),
    streamOptions: t.streamOptions ?? preset.streamOptions,
    ...(t.tokenLimitField ? { tokenLimitField: t.tokenLimitField } : {}),
    defaultTokenLimitField: preset.tokenLimitField,
    ...((t.requestIdHeader ?? preset.requestIdHeader)
      ? { requestIdHeaders: [(t.requestIdHeader ?? preset.requestIdHeader)!.toLowerCase(), ...REQUEST_ID_HEADERS] }
      : {}),
    ...((t.clientRequestIdHeader ?? preset.clientRequestIdHeader)
      ? { clientRequestIdHeader: (t.clientRequestIdHeader ?? preset.clientRequestIdHeader)! }
      : {}),
    ...connectionOf(t),
  };
}

// How a target's connections are made, when it says anything about it.
function connectionOf(t: Target): { connection?: ConnectionProfile } {
  if (t.proxy === undefined && !t.tls && t.http2 === undefined) return {};
  return {
    connection: { ...(t.proxy !== undefined ? { proxy: t.proxy } : {}), ...(t.tls ? { tls: t.tls } : {}), http2: t.http2 ?? false },
  };
}

// Values at least this long are scrubbed from messages; shorter ones ("1", "true") would mangle
// ordinary text and secure nothing.
const MIN_SECRET_CHARS = 6;

function secretsOf(key: string | undefined, headerValues: readonly string[], url: URL): string[] {
  // Azure's api-version is the one query value a preset itself adds: a date, no secret (scrubbed, it would hide which
  // version an error is about).
  const query = [...url.searchParams].filter(([k]) => k !== 'api-version').map(([, v]) => v);
  const values = [key, ...headerValues, decodeURIComponent(url.username), decodeURIComponent(url.password), ...query];
  const out = new Set<string>();
  for (const v of values) {
    if (!v || v.length < MIN_SECRET_CHARS) continue;
    out.add(v);
    // A value also appears encoded in a URL, and a bearer header's value without its scheme.
    out.add(encodeURIComponent(v));
    const bare = v.replace(/^(Bearer|Basic)\s+/i, '');
    if (bare.length >= MIN_SECRET_CHARS) out.add(bare);
  }
  // Longest first, so a value is scrubbed whole before a part of it is.
  return [...out].sort((a, b) => b.length - a.length);
}

// The environment variables a target's credentials come from, for a 401's hint.
function keySourceOf(t: Target, keyEnv: string | undefined): string | undefined {
  const names = [keyEnv, ...Object.values(t.headersFromEnv), ...Object.values(t.queryFromEnv)].filter((n): n is string => Boolean(n));
  return names.length ? names.join(', ') : undefined;
}
