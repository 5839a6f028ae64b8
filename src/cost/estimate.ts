import { meanOf } from '../random/distribution.js';
import { weightedMean } from '../workload/mix.js';
import type { Scenario } from '../scenario/schema.js';
import type { Catalog } from './catalog.js';
import { dearestPlain } from './billing.js';
import { tokenCost, usdPrecise } from './money.js';

/**
 * ASSUMED_LATENCY is what a cost estimate assumes of a real endpoint driven by a duration-bound closed loop, whose
 * request count depends on its latency: a fast hosted model, 250 ms to the first token and then 100 output tokens a
 * second. The estimate leans high: a slower target completes fewer requests in the time, and costs less.
 */
export const ASSUMED_LATENCY = { ttftMs: 250, itlMs: 10 } as const;

/** CostEstimate is what a run should cost before it starts: real endpoints only (mocks cost nothing). */
export interface CostEstimate {
  /** Upper-bound estimate in $ (prompt + the whole token limit per request), for priced real targets with a known request count. */
  usd: number;
  /** Targets whose spend cannot be estimated (an unpriced model, or a request count unknown however the latency). */
  unknown: string[];
  /** Targets estimated at ASSUMED_LATENCY (closed loops against real endpoints), with the request count assumed. */
  assumed: string[];
}

/**
 * PlannedTarget is what the estimate needs of a run's plan for one target: its model and how many requests it should
 * send (null: depends on latency).
 */
export interface PlannedTarget {
  target: string;
  model: string;
  expectedRequests: number | null;
  /** When expectedRequests depends on latency (a closed loop against a real endpoint): the count at ASSUMED_LATENCY. */
  assumedRequests?: number;
  /** Models any of which may serve (a failover route's chain): each request is estimated at the dearest. */
  models?: readonly string[];
}

/**
 * estimateCost multiplies each planned (real, not mocked) target's expected requests by a request's worst case (mean
 * prompt tokens plus the full output limit, at list price — or at a time-of-day window's price
 * where one costs more). Mock targets are free.
 */
export function estimateCost(s: Scenario, planned: readonly PlannedTarget[], catalog: Catalog): CostEstimate {
  const inTok = weightedMean(s.workloads, (w) => meanOf(w.promptTokens) * w.turns);
  const outTok = weightedMean(s.workloads, (w) => meanOf(w.maxTokens) * w.turns);
  let pico = 0n;
  const unknown: string[] = [];
  const assumed: string[] = [];
  for (const t of planned) {
    const models = t.models ?? [t.model];
    const unpriced = models.find((m) => !catalog.lookup(m));
    const requests = t.expectedRequests ?? t.assumedRequests ?? null;
    if (unpriced !== undefined || requests === null) {
      unknown.push(`${t.target} (${unpriced !== undefined ? `no price for ${unpriced}` : 'request count depends on latency'})`);
      continue;
    }
    if (t.expectedRequests === null) assumed.push(`${t.target} ≈${requests} requests`);
    // A request any of several models may serve (a failover chain) is estimated at the dearest.
    let perRequest = 0n;
    for (const m of models) {
      const dear = dearestPlain(catalog.lookup(m)!);
      const cost = tokenCost(Math.round(inTok), dear.inputMicros) + tokenCost(Math.round(outTok), dear.outputMicros);
      if (cost > perRequest) perRequest = cost;
    }
    pico += perRequest * BigInt(requests);
  }
  return { usd: usdPrecise(pico), unknown, assumed };
}

/** estimateLine words a cost estimate for the terminal. */
export function estimateLine(e: CostEstimate): string {
  const base =
    e.usd > 0
      ? `up to $${e.usd.toFixed(2)} at list prices (prompt + full token limit per request)`
      : e.unknown.length
        ? '$0.00 for what could be estimated'
        : '$0.00 (embedded mock targets cost nothing)';
  const listed = (xs: readonly string[]) => (xs.length > 3 ? `${xs.slice(0, 3).join(', ')} and ${xs.length - 3} more` : xs.join(', '));
  // A closed loop's count is the users × the duration ÷ a request's time: the time is assumed, and said.
  const assumed = e.assumed.length
    ? `; assumed for ${listed(e.assumed)}: a request takes ${ASSUMED_LATENCY.ttftMs} ms to the first token + ` +
      `${ASSUMED_LATENCY.itlMs} ms per output token (a fast model; a slower one sends fewer)`
    : '';
  return e.unknown.length ? `${base}${assumed}; not estimated: ${listed(e.unknown)}` : `${base}${assumed}`;
}
