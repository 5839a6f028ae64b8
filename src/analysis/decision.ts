import type { GroupSummary } from '../metrics/group-summary.js';
import { DEFAULT_SLO, parseThresholds } from '../scenario/threshold.js';
import { percentText } from '../scenario/goodput-bounds.js';
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
    /** SLO met: the share of its requests that met the goodput bounds (null: none judged); absent without a goodput block. */
    sloMet?: number | null;
    /** Prompt-cache hit rate from the provider's usage (a cached prefix moves both TTFT and cost); null without usage. */
    cacheHitRate: number | null;
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
  /**
   * Set when the targets' median output lengths differ by more than OUTPUT_LENGTH_SPREAD: their E2E is not comparable
   * (a longer reply takes longer to stream), and this says so, with each median.
   */
  outputLengthNote?: string;
}

/** OUTPUT_LENGTH_SPREAD is how far the longest median output may exceed the shortest before E2E is not comparable: 20 %. */
export const OUTPUT_LENGTH_SPREAD = 0.2;

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

/**
 * decide builds the decision table from the target groups (priced when the run had a catalog). With a goodput block,
 * meeting the SLO also takes `goodput >= attainment` (the share of requests that met the bounds), beside `sloGiven`.
 */
export function decide(groups: readonly PricedGroup[], sloGiven: readonly string[] = DEFAULT_SLO): Decision {
  const slo = withAttainment(sloGiven, groups);
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
        ...(g.goodput ? { sloMet: g.goodput.ratio } : {}),
        cacheHitRate: g.cache?.hitRate ?? null,
        priced,
        per1MOutputTokensUsd: priced ? g.cost!.per1MOutputTokensUsd : null,
        perSuccessfulRequestUsd: priced ? g.cost!.perSuccessfulRequestUsd : null,
        meetsSlo: g.requests.ok > 0 && checks.every((c) => c.pass),
        failed: checks.filter((c) => !c.pass),
        ...(g.requests.ok === 0 ? { note: g.requests.total === 0 ? 'no measured requests' : 'no successful requests' } : {}),
      };
    });
  const lengthNote = outputLengthNote(groups.filter((g) => (g.scope ?? 'target') === 'target' && !g.step));
  const notes = lengthNote ? { outputLengthNote: lengthNote } : {};
  const candidates = rows
    .filter((r) => r.meetsSlo && r.perSuccessfulRequestUsd !== null)
    .sort((a, b) => a.perSuccessfulRequestUsd! - b.perSuccessfulRequestUsd!);
  const cheapest = candidates[0];
  if (!cheapest) return { slo: [...slo], rows, cheapestMeetingSlo: null, tiedWith: [], ...notes };
  const tied = candidates.filter((r) => r.perSuccessfulRequestUsd! <= cheapest.perSuccessfulRequestUsd! * (1 + TIE));
  const pick = tied.length > 1 ? [...tied].sort((a, b) => (a.all?.ttftP99 ?? Infinity) - (b.all?.ttftP99 ?? Infinity))[0]! : cheapest;
  return { slo: [...slo], rows, cheapestMeetingSlo: pick.target, tiedWith: tied.filter((r) => r !== pick).map((r) => r.target), ...notes };
}

/**
 * outputLengthNote compares the targets' median output tokens (of successful requests): when the longest is more than
 * OUTPUT_LENGTH_SPREAD above the shortest, the same prompts got replies of different lengths, and E2E (which streams
 * them) compares the lengths as much as the targets. Undefined when they agree, or fewer than two have a median.
 */
export function outputLengthNote(groups: readonly GroupSummary[]): string | undefined {
  const medians = groups
    .map((g) => ({ target: g.target, p50: g.outputTokens?.p50 ?? null }))
    .filter((m): m is { target: string; p50: number } => m.p50 !== null);
  if (medians.length < 2) return undefined;
  const lo = Math.min(...medians.map((m) => m.p50));
  const hi = Math.max(...medians.map((m) => m.p50));
  if (hi <= lo * (1 + OUTPUT_LENGTH_SPREAD)) return undefined;
  return (
    `E2E is not comparable: median output lengths differ by more than ${OUTPUT_LENGTH_SPREAD * 100} % ` +
    `(${medians.map((m) => `${m.target} ${m.p50} tok`).join(', ')}); compare TTFT and TPOT, or cap the output (max_tokens)`
  );
}

// The goodput block's attainment as one more SLO condition (every target group is held to the same one), unless written.
function withAttainment(slo: readonly string[], groups: readonly PricedGroup[]): string[] {
  const attainment = groups.find((g) => (g.scope ?? 'target') === 'target' && !g.step && g.goodput)?.goodput?.attainment;
  if (attainment === undefined) return [...slo];
  const condition = `goodput >= ${percentText(attainment)}`;
  return slo.includes(condition) ? [...slo] : [...slo, condition];
}

// A row's all-requests p99s; a summary written before them has only the success-only ones, which stand in.
function allP99s(ttft: MetricStats, e2e: MetricStats): NonNullable<Decision['rows'][number]['all']> {
  const beyondSuccesses: AllP99[] = [];
  if (ttft.all?.beyondSuccesses.includes('p99')) beyondSuccesses.push('ttftP99');
  if (e2e.all?.beyondSuccesses.includes('p99')) beyondSuccesses.push('e2eP99');
  return { ttftP99: ttft.all ? ttft.all.p99 : ttft.p99, e2eP99: e2e.all ? e2e.all.p99 : e2e.p99, beyondSuccesses };
}
