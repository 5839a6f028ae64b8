import type { Endpoint } from '../client/chat-client.js';
import type { MockServer, MockServerOptions } from '../mock/server.js';
import { deriveSeed } from '../random/prng.js';
import type { Scenario, Target } from '../scenario/schema.js';
import type { Problem } from '../scenario/validate.js';

/** StartMock starts an embedded mock (in-process or in a worker thread; the caller decides). */
export type StartMock = (opts: MockServerOptions) => Promise<MockServer>;

/**
 * missingKeys lists targets whose apiKeyEnv names a variable that is not set. Checked before any
 * traffic, so a typo in a variable name is an input error, not a run of 401s.
 */
export function missingKeys(s: Scenario, env: Readonly<Record<string, string | undefined>>): Problem[] {
  return s.targets.flatMap((t, i) =>
    t.apiKeyEnv && !env[t.apiKeyEnv]
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
): Promise<{ endpoints: Endpoint[]; mocks: MockServer[] }> {
  const mocks: MockServer[] = [];
  const endpoints: Endpoint[] = [];
  try {
    for (const t of s.targets) {
      let baseUrl = t.baseUrl;
      if (t.mock) {
        const server = await startMock({
          profile: t.mock,
          seed: t.mock.seed ?? deriveSeed(s.seed, `mock:${t.name}`),
          models: [t.model],
        });
        mocks.push(server);
        baseUrl = server.baseUrl;
      }
      endpoints.push(endpointFor(t, baseUrl!, env));
    }
  } catch (err) {
    await Promise.all(mocks.map((m) => m.close()));
    throw err;
  }
  return { endpoints, mocks };
}

function endpointFor(t: Target, baseUrl: string, env: Readonly<Record<string, string | undefined>>): Endpoint {
  const key = t.apiKeyEnv ? env[t.apiKeyEnv] : undefined;
  const headers: Record<string, string> = { ...t.headers };
  if (key && !Object.keys(headers).some((h) => h.toLowerCase() === 'authorization')) headers.authorization = `Bearer ${key}`;
  return {
    target: t.name,
    region: t.region,
    provider: t.provider,
    model: t.model,
    baseUrl,
    headers,
    body: t.body,
    secrets: key ? [key] : [],
  };
}
