import type { GroupSummary } from '../metrics/group-summary.js';
import { DEFAULT_SLO, parseThresholds } from '../scenario/threshold.js';
import { evaluateThresholds, type ThresholdResult } from './thresholds.js';
import type { MetricStats } from '../metrics/all-requests.js';

/** Decision is the bake-off's bottom line: per target, latency, errors and money, and the cheapest meeting the SLO. */
export interface Decision {
  slo: string[];
  rows: {
    target: string;
    model: string;
    /** Latencies of successful requests; null when there were none. */
    ttftP50: number | null;
    ttftP99: number | null;
    e2eP50: number | null;
    e2eP99: number | null;
    /**
     * The p99s over all requests, a failure counted slower than any success (metrics/all-requests.ts): what the
     * decision ranks on. Null and listed in beyondSuccesses when the p99 falls among the failures; null alone: no data.
     * Absent from summaries written before it.
     */
    all?: { ttftP99: number | null; e2eP99: number | null; beyondSuccesses: AllP99[] };
    errorRate: number | null;
    /** Whether the target's model has a price in the catalog. */
    priced: boolean;
    /** Null when unpriced, or when nothing was bought (no output token, no successful request). */
    per1MOutputTokensUsd: number | null;
    perSuccessfulRequestUsd: number | null;
    meetsSlo: boolean;
    failed: ThresholdResult[];
    /** Why a row cannot be judged on its numbers, e.g. "no successful requests". */
    note?: string;
  }[];
  /** The cheapest (per successful request) target that meets every SLO condition; null if none does. */
  cheapestMeetingSlo: string | null;
  /**
   * Targets within 1% of the cheapest's cost that also meet the SLO (a tie, broken by the all-requests TTFT p99: one
   * beyond its successes after any with a value).
   */
  tiedWith: string[];
}

/** AllP99 names a decision row's all-requests p99. */
export type AllP99 = 'ttftP99' | 'e2eP99';

// Costs within this share of each other are a tie: sampling noise in prompt sizes, not a price
// difference. A tie goes to the faster target by TTFT p99 over all requests: a target that fails
// fast must not look fast, so one whose p99 falls among its failures ranks after any with a value.
const TIE = 0.01;

/**
 * PricedGroup is a group summary with the cost figures the decision ranks by. The run summary
 * attaches them (summary/); the decision needs only these, so it does not depend on how cost is computed.
 */
export type PricedGroup = GroupSummary & {
  cost?: { priced: boolean; per1MOutputTokensUsd: number | null; perSuccessfulRequestUsd: number | null };
};

/** decide builds the decision table from the target groups (priced when the run had a catalog). */
export function decide(groups: readonly PricedGroup[], slo: readonly string[] = DEFAULT_SLO): Decision {
  const ts = parseThresholds(slo);
  const rows = groups
    .filter((g) => (g.scope ?? 'target') === 'target' && !g.step)
    .map((g) => {
      const checks = evaluateThresholds(ts, g);
      const priced = g.cost?.priced ?? false;
      return {
        target: g.target,
        model: g.model,
        ttftP50: g.metrics.ttft.p50,
        ttftP99: g.metrics.ttft.p99,
        e2eP50: g.metrics.e2e.p50,
        e2eP99: g.metrics.e2e.p99,
        all: allP99s(g.metrics.ttft, g.metrics.e2e),
        errorRate: g.requests.errorRate,
        priced,
        per1MOutputTokensUsd: priced ? g.cost!.per1MOutputTokensUsd : null,
        perSuccessfulRequestUsd: priced ? g.cost!.perSuccessfulRequestUsd : null,
        meetsSlo: g.requests.ok > 0 && checks.every((c) => c.pass),
        failed: checks.filter((c) => !c.pass),
        ...(g.requests.ok === 0 ? { note: g.requests.total === 0 ? 'no measured requests' : 'no successful requests' } : {}),
      };
    });
  const candidates = rows
    .filter((r) => r.meetsSlo && r.perSuccessfulRequestUsd !== null)
    .sort((a, b) => a.perSuccessfulRequestUsd! - b.perSuccessfulRequestUsd!);
  const cheapest = candidates[0];
  if (!cheapest) return { slo: [...slo], rows, cheapestMeetingSlo: null, tiedWith: [] };
  const tied = candidates.filter((r) => r.perSuccessfulRequestUsd! <= cheapest.perSuccessfulRequestUsd! * (1 + TIE));
  const pick = tied.length > 1 ? [...tied].sort((a, b) => (a.all?.ttftP99 ?? Infinity) - (b.all?.ttftP99 ?? Infinity))[0]! : cheapest;
  return { slo: [...slo], rows, cheapestMeetingSlo: pick.target, tiedWith: tied.filter((r) => r !== pick).map((r) => r.target) };
}

// A row's all-requests p99s; a summary written before them has only the success-only ones, which stand in.
function allP99s(ttft: MetricStats, e2e: MetricStats): NonNullable<Decision['rows'][number]['all']> {
  const beyondSuccesses: AllP99[] = [];
  if (ttft.all?.beyondSuccesses.includes('p99')) beyondSuccesses.push('ttftP99');
  if (e2e.all?.beyondSuccesses.includes('p99')) beyondSuccesses.push('e2eP99');
  return { ttftP99: ttft.all ? ttft.all.p99 : ttft.p99, e2eP99: e2e.all ? e2e.all.p99 : e2e.p99, beyondSuccesses };
}
