import type { Endpoint } from '../client/chat-client.js';
import type { MockServer, MockServerOptions } from '../mock/server.js';
import { deriveSeed } from '../random/prng.js';
import { mockProfileSchema, type MockProfile, type Scenario, type Target } from '../scenario/schema.js';
import { PRESETS, REQUEST_ID_HEADERS } from '../scenario/providers.js';
import type { Problem } from '../scenario/validate.js';

/** StartMock starts an embedded mock (in-process or in a worker thread; the caller decides). */
export type StartMock = (opts: MockServerOptions) => Promise<MockServer>;

/**
 * missingKeys lists targets whose apiKeyEnv names a variable that is not set. Checked before any
 * traffic, so a typo in a variable name is an input error, not a run of 401s.
 */
export function missingKeys(s: Scenario, env: Readonly<Record<string, string | undefined>>, useMock = false): Problem[] {
  return s.targets.flatMap((t, i) =>
    t.apiKeyEnv && !env[t.apiKeyEnv] && !usesMock(t, useMock)
      ? [{ path: `targets[${i}].apiKeyEnv`, message: `environment variable ${t.apiKeyEnv} is not set; export it (export ${t.apiKeyEnv}=…) or remove apiKeyEnv` }]
      : [],
  );
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
): Promise<{ endpoints: Endpoint[]; mocks: MockServer[] }> {
  const mocks: MockServer[] = [];
  const endpoints: Endpoint[] = [];
  try {
    for (const t of s.targets) {
      const preset = PRESETS[t.provider];
      let baseUrl = t.baseUrl ?? preset.baseUrl;
      if (usesMock(t, useMock)) {
        const server = await startMock({
          profile: mockProfileFor(t),
          seed: t.mock?.seed ?? deriveSeed(s.seed, `mock:${t.name}`),
          models: [t.model],
        });
        mocks.push(server);
        baseUrl = server.baseUrl;
      }
      endpoints.push(endpointFor(t, baseUrl!, usesMock(t, useMock) ? {} : env));
    }
  } catch (err) {
    await Promise.all(mocks.map((m) => m.close()));
    throw err;
  }
  return { endpoints, mocks };
}

/**
 * usesMock says whether a target runs on the embedded mock: when it has no real endpoint (neither
 * baseUrl nor a preset URL — validation then requires a `mock:` block), and every target under
 * --mock (its `mock:` block, or a default profile, standing in for the provider). A target with a
 * real endpoint and a `mock:` block uses the real one unless --mock is given.
 */
export function usesMock(t: Target, useMock: boolean): boolean {
  return useMock || (t.baseUrl === undefined && PRESETS[t.provider].baseUrl === undefined);
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
  const key = t.apiKeyEnv ? env[t.apiKeyEnv] : undefined;
  const headers: Record<string, string> = { ...preset.headers, ...t.headers };
  const auth = t.auth ?? preset.auth;
  const has = (name: string) => Object.keys(headers).some((h) => h.toLowerCase() === name);
  if (key && auth === 'bearer' && !has('authorization')) headers.authorization = `Bearer ${key}`;
  if (key && auth === 'x-api-key' && !has('x-api-key')) headers['x-api-key'] = key;
  return {
    target: t.name,
    region: t.region,
    provider: t.provider,
    model: t.model,
    baseUrl,
    headers,
    body: t.body,
    secrets: key ? [key] : [],
    protocol: t.protocol ?? preset.protocol,
    streamOptions: t.streamOptions ?? preset.streamOptions,
    ...(t.tokenLimitField ? { tokenLimitField: t.tokenLimitField } : {}),
    defaultTokenLimitField: preset.tokenLimitField,
    ...((t.requestIdHeader ?? preset.requestIdHeader) ? { requestIdHeaders: [(t.requestIdHeader ?? preset.requestIdHeader)!.toLowerCase(), ...REQUEST_ID_HEADERS] } : {}),
    ...((t.clientRequestIdHeader ?? preset.clientRequestIdHeader) ? { clientRequestIdHeader: (t.clientRequestIdHeader ?? preset.clientRequestIdHeader)! } : {}),
  };
}
