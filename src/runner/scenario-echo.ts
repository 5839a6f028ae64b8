import type { Scenario } from '../scenario/schema.js';
import { REDACTED, redactUrl } from '../scenario/secrets.js';

/**
 * scenarioEcho is the scenario as written into summary.json: defaults filled, durations in ms,
 * every header value redacted (a credential may hide under any name), and a baseUrl's user info
 * and query values redacted. API keys themselves never reach the scenario: only the names of the
 * environment variables that hold them do.
 */
export function scenarioEcho(s: Scenario): Scenario {
  return {
    ...s,
    targets: s.targets.map((t) => ({
      ...t,
      ...(t.baseUrl ? { baseUrl: redactUrl(t.baseUrl) } : {}),
      ...(t.azure?.endpoint ? { azure: { ...t.azure, endpoint: redactUrl(t.azure.endpoint) } } : {}),
      headers: Object.fromEntries(Object.keys(t.headers).map((k) => [k, REDACTED])),
    })),
  };
}
