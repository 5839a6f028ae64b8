import { meanOf } from '../random/distribution.js';
import { weightedMean } from '../workload/mix.js';
import type { Scenario } from '../scenario/schema.js';
import type { Catalog } from './catalog.js';
import { dearestPlain } from './billing.js';
import { tokenCost, usdPrecise } from './money.js';

/** CostEstimate is what a run should cost before it starts: real endpoints only (mocks cost nothing). */
export interface CostEstimate {
  /** Upper-bound estimate in $ (prompt + the whole token limit per request), for priced real targets with a known request count. */
  usd: number;
  /** Targets whose spend cannot be estimated (unpriced model, or a duration-bound run against a real endpoint). */
  unknown: string[];
}

/**
 * PlannedTarget is what the estimate needs of a run's plan for one target: its model and how many requests it should
 * send (null: depends on latency).
 */
export interface PlannedTarget {
  target: string;
  model: string;
  expectedRequests: number | null;
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
  for (const t of planned) {
    const models = t.models ?? [t.model];
    const unpriced = models.find((m) => !catalog.lookup(m));
    if (unpriced !== undefined || t.expectedRequests === null) {
      unknown.push(`${t.target} (${unpriced !== undefined ? `no price for ${unpriced}` : 'request count depends on latency'})`);
      continue;
    }
    // A request any of several models may serve (a failover chain) is estimated at the dearest.
    let perRequest = 0n;
    for (const m of models) {
      const dear = dearestPlain(catalog.lookup(m)!);
      const cost = tokenCost(Math.round(inTok), dear.inputMicros) + tokenCost(Math.round(outTok), dear.outputMicros);
      if (cost > perRequest) perRequest = cost;
    }
    pico += perRequest * BigInt(t.expectedRequests);
  }
  return { usd: usdPrecise(pico), unknown };
}

/** estimateLine words a cost estimate for the terminal. */
export function estimateLine(e: CostEstimate): string {
  const base =
    e.usd > 0
      ? `up to $${e.usd.toFixed(2)} at list prices (prompt + full token limit per request)`
      : e.unknown.length
        ? '$0.00 for what could be estimated'
        : '$0.00 (embedded mock targets cost nothing)';
  if (!e.unknown.length) return base;
  const list = e.unknown.length > 3 ? `${e.unknown.slice(0, 3).join(', ')} and ${e.unknown.length - 3} more` : e.unknown.join(', ');
  return `${base}; not estimated: ${list}`;
}
