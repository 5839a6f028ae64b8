import { performance } from 'node:perf_hooks';
import type { RequestResult } from '../../src/metrics/request-result.js';
import type { RunSummary } from '../../src/summary/run-summary.js';
import { startMockServer } from '../../src/mock/server.js';
import { runScenario } from '../../src/runner/run-scenario.js';
import type { RunDeps } from '../../src/runner/run-context.js';
import type { Scenario } from '../../src/scenario/schema.js';
import { validateScenario } from '../../src/scenario/validate.js';

/**
 * scenarioOf validates a scenario document over test defaults (small prompts, short timeouts),
 * failing the test with every problem if it is invalid.
 */
export function scenarioOf(doc: Record<string, unknown>): Scenario {
  const v = validateScenario({
    name: 'load-test',
    workload: { promptTokens: 16, maxTokens: 4 },
    timeouts: { connect: '2s', firstToken: '10s', total: '20s' },
    ...doc,
  });
  if (!v.ok) throw new Error(`invalid test scenario: ${JSON.stringify(v.problems)}`);
  return v.scenario;
}

/** ScenarioRun is a finished run: its summary, every result (warmup included) and the wall time it took. */
export interface ScenarioRun {
  summary: RunSummary;
  results: RequestResult[];
  /** Results of the measure phase only. */
  measured: RequestResult[];
  elapsedMs: number;
}

/** runCollecting runs a scenario with in-process mocks and keeps every result its outputs see (given outputs see each too). */
export async function runCollecting(s: Scenario, deps: Partial<RunDeps> = {}): Promise<ScenarioRun> {
  const results: RequestResult[] = [];
  const started = performance.now();
  const summary = await runScenario(s, {
    runId: 'load-test',
    env: {},
    startMock: startMockServer,
    ...deps,
    outputs: [{ add: (r) => void results.push(r) }, ...(deps.outputs ?? [])],
  });
  return { summary, results, measured: results.filter((r) => r.phase === 'measure'), elapsedMs: performance.now() - started };
}
