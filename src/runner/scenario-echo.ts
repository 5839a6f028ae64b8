import type { Scenario } from '../scenario/schema.js';

const SENSITIVE_HEADER = /authorization|api[-_]?key|token|secret|cookie|password/i;

/**
 * scenarioEcho is the scenario as written into summary.json: defaults filled, durations in ms,
 * and any header whose name looks like a credential replaced by "[redacted]". API keys themselves
 * never reach the scenario (only the names of their env vars do).
 */
export function scenarioEcho(s: Scenario): Scenario {
  return {
    ...s,
    targets: s.targets.map((t) => ({
      ...t,
      headers: Object.fromEntries(Object.entries(t.headers).map(([k, v]) => [k, SENSITIVE_HEADER.test(k) ? '[redacted]' : v])),
    })),
  };
}
