import { meanOf } from '../random/distribution.js';
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

/** PlannedTarget is what the estimate needs of a run's plan for one target: its model and how many requests it should send (null: depends on latency). */
export interface PlannedTarget {
  target: string;
  model: string;
  expectedRequests: number | null;
}

/**
 * estimateCost multiplies each real target's expected requests by a request's worst case (mean
 * prompt tokens plus the full output limit, at list price — or at a time-of-day window's price
 * where one costs more). Mock targets are free.
 */
export function estimateCost(s: Scenario, planned: readonly PlannedTarget[], catalog: Catalog, mocked: (target: string) => boolean): CostEstimate {
  const totalW = s.workloads.reduce((n, w) => n + w.weight, 0);
  const inTok = s.workloads.reduce((n, w) => n + meanOf(w.promptTokens) * w.turns * w.weight, 0) / totalW;
  const outTok = s.workloads.reduce((n, w) => n + meanOf(w.maxTokens) * w.turns * w.weight, 0) / totalW;
  let pico = 0n;
  const unknown: string[] = [];
  for (const t of planned) {
    if (mocked(t.target)) continue;
    const price = catalog.lookup(t.model);
    if (!price || t.expectedRequests === null) {
      unknown.push(`${t.target} (${!price ? `no price for ${t.model}` : 'request count depends on latency'})`);
      continue;
    }
    const dear = dearestPlain(price);
    const perRequest = tokenCost(Math.round(inTok), dear.inputMicros) + tokenCost(Math.round(outTok), dear.outputMicros);
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
