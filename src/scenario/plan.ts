import { describe, meanOf } from '../random/distribution.js';
import { formatDurationMs } from './duration.js';
import type { Scenario, Target } from './schema.js';

/** TargetPlan is what `validate` says one target will do. */
export interface TargetPlan {
  target: string;
  region: string;
  provider: string;
  model: string;
  endpoint: string;
  /** The mock's latency model, for mock targets. */
  mockLatency?: string;
  concurrency: number;
  /** Measured requests expected: exact in request mode, estimated for mocks in duration mode, null when unknown. */
  expectedRequests: number | null;
  exact: boolean;
}

/** Plan summarises a scenario's run before it starts. */
export interface Plan {
  scenario: string;
  load: string;
  stop: string;
  warmup: string;
  workload: string;
  timeouts: string;
  targets: TargetPlan[];
}

/** planScenario describes what a scenario will do: targets, load, and how many requests to expect. */
export function planScenario(s: Scenario): Plan {
  const w = s.workload;
  const stop = [s.load.duration !== undefined ? `after ${formatDurationMs(s.load.duration)}` : '', s.load.requests !== undefined ? `after ${s.load.requests} requests per target` : '']
    .filter(Boolean)
    .join(' or ');
  return {
    scenario: s.name,
    load: `closed loop, ${s.load.concurrency} concurrent per target`,
    stop,
    warmup: s.load.warmup === undefined ? 'none' : 'requests' in s.load.warmup ? `${s.load.warmup.requests} requests per target` : formatDurationMs(s.load.warmup.durationMs),
    workload: `${w.name}: prompt ${describe(w.promptTokens, ' tok')}, ${w.tokenLimitField} ${w.maxTokens}, ${w.stream ? 'streaming' : 'non-streaming'}, ${w.encoding}`,
    timeouts: `connect ${formatDurationMs(s.timeouts.connect)}, first token ${formatDurationMs(s.timeouts.firstToken)}, total ${formatDurationMs(s.timeouts.total)}`,
    targets: s.targets.map((t) => targetPlan(s, t)),
  };
}

function targetPlan(s: Scenario, t: Target): TargetPlan {
  const concurrency = t.concurrency ?? s.load.concurrency;
  let expected: number | null = s.load.requests ?? null;
  let exact = expected !== null;
  if (s.load.duration !== undefined && t.mock) {
    // Closed loop: each of `concurrency` users completes one request per mean E2E.
    const out = Math.min(s.workload.maxTokens, t.mock.outputTokens === undefined ? Infinity : meanOf(t.mock.outputTokens));
    const e2eMs = meanOf(t.mock.rttMs) + meanOf(t.mock.ttftMs) + Math.max(0, out - 1) * meanOf(t.mock.itlMs);
    const byTime = Math.floor((concurrency * s.load.duration) / Math.max(1, e2eMs));
    if (expected === null || byTime < expected) {
      expected = byTime;
      exact = false;
    }
  }
  return {
    target: t.name,
    region: t.region,
    provider: t.provider,
    model: t.model,
    endpoint: t.mock ? 'embedded mock' : t.baseUrl!,
    ...(t.mock ? { mockLatency: `rtt ${describe(t.mock.rttMs, 'ms')}, ttft ${describe(t.mock.ttftMs, 'ms')}, itl ${describe(t.mock.itlMs, 'ms')}` } : {}),
    concurrency,
    expectedRequests: expected,
    exact,
  };
}
