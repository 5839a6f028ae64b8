import { ERROR_OWNERS } from '../scenario/error-kinds.js';
import type { AttemptResult, RecordKind, RequestResult, RouteOutcome } from './request-result.js';

// What counts where: the one place that decides, for each kind of record, which numbers it
// enters. The recorder, the time series, live metrics, the progress line, the budget guard, the
// target gates, the failover routes and requests.csv ask here; none re-derives a rule.
//
// A run makes two kinds of record (metrics/request-result.ts). An attempt is a request sent to a
// target: direct traffic, or one try of a failover route. A route outcome is what the user of a
// route saw, once per request; it repeats its serving attempt's timings and tokens, which is why
// it is never billed and never feeds a target's numbers (they would count twice).
//
// | rule (function)                       | attempt                               | route outcome                  |
// | ------------------------------------- | ------------------------------------- | ------------------------------ |
// | group (groupScopeOf)                  | its target's (+ workload, turn)       | its route's                    |
// | measured (isMeasured)                 | phase measure                         | phase measure                  |
// | warmup tally (inWarmupTally)          | warmup                                | never: its attempts are tallied |
// | user request (isUserRequest)          | direct traffic only                   | always                         |
// | counted (isCounted): requests, errors | measured, failure not the generator's | same                           |
// |   by kind, per-second series          |                                       |                                |
// | generator failure (isGeneratorFailure)| measured, failure the generator's own | same                           |
// | latency and ITL (inLatency)           | counted and ok                        | same                           |
// | tail failure (isTailFailure): slower  | counted and failed (requests.failed)  | same                           |
// |   than any success, all-requests p99  |                                       |                                |
// | billed (isBilled): tokens, budget     | answered 2xx (failed later or not)    | never: its attempt was billed  |
// | served by (servedByOf)                | '' (an attempt serves nobody)         | the hop that served it, or ''  |
// | retry (isRetry)                       | attempt 2, 3, … of a route            | never                          |
// | target gate (feedsTargetGate)         | always, warmup too                    | never: a route is no target    |
// | live metrics (liveSeriesOf)           | 'warmup' or its target's series       | its route's counter, if counted |
//
// Why: warmup never enters the metrics (it primes connections and caches); a failure the
// generator owns (scenario/error-kinds.ts) says nothing of the target; a fast 500 is not a fast
// answer, so latencies are of successes only, while the all-requests percentiles
// (metrics/all-requests.ts) count the target's and the network's failures as slower than any
// success, so a target that fails fast cannot look fast; a provider bills what it answered 2xx,
// whoever broke the stream afterwards. Measured-ness and billing are apart: the budget charges
// warmup too (money is money), the recorder's billed tokens are of measured requests.

/** isOutcome says whether a record is a failover route's user-level outcome (narrowing it to RouteOutcome). */
export function isOutcome(r: RequestResult): r is RouteOutcome {
  return r.kind === 'outcome';
}

/** isAttempt says whether a record is a request sent to a target (narrowing it to AttemptResult). */
export function isAttempt(r: RequestResult): r is AttemptResult {
  return r.kind === 'attempt';
}

/** groupScopeOf is the group a measured record is counted in: a route outcome in its route's, an attempt in its target's. */
export function groupScopeOf(r: RequestResult): 'target' | 'route' {
  return isOutcome(r) ? 'route' : 'target';
}

/** isMeasured says whether a record enters the metrics at all: warmup never does. */
export function isMeasured(r: RequestResult): boolean {
  return r.phase === 'measure';
}

/** inWarmupTally says whether a record counts as a warmup request sent: warmup attempts (a route's outcome repeats one). */
export function inWarmupTally(r: RequestResult): boolean {
  return r.phase === 'warmup' && isAttempt(r);
}

/** isUserRequest says whether a record is one request as its user made it: direct traffic, or a route's outcome (not its attempts). */
export function isUserRequest(r: RequestResult): boolean {
  return isOutcome(r) || r.route === '';
}

/** isGeneratorFailure says whether a measured record failed on the generator's own side: counted apart, never against a target. */
export function isGeneratorFailure(r: RequestResult): boolean {
  return isMeasured(r) && r.errorKind !== null && ERROR_OWNERS[r.errorKind] === 'generator';
}

/** isCounted says whether a record counts in its group's requests, errors and per-second series: measured, not the generator's failure. */
export function isCounted(r: RequestResult): boolean {
  return isMeasured(r) && (r.errorKind === null || ERROR_OWNERS[r.errorKind] !== 'generator');
}

/** inLatency says whether a record feeds its group's latency histograms (TTFT, E2E, TPOT, ITL): counted and successful. */
export function inLatency(r: RequestResult): boolean {
  return isMeasured(r) && r.errorKind === null;
}

/**
 * isTailFailure says whether a record counts in the all-requests percentiles as slower than any success: counted (not
 * the generator's failure, which says nothing of the target) and failed. These are the group's requests.failed.
 */
export function isTailFailure(r: RequestResult): boolean {
  return isCounted(r) && r.errorKind !== null;
}

/**
 * isBilled says whether a provider bills a record's tokens: an attempt it answered 2xx, whoever broke the request
 * afterwards. A route outcome repeats its serving attempt's tokens, so only the attempt is billed: each exactly once.
 */
export function isBilled(r: RequestResult): r is AttemptResult {
  return isAttempt(r) && r.status >= 200 && r.status < 300;
}

/** servedByOf is the hop that served a route outcome, for its route's served-by counts; '' for an attempt or an unserved outcome. */
export function servedByOf(r: RequestResult): string {
  return isOutcome(r) ? r.servedBy : '';
}

/** isRetry says whether a record is a retry: a route's attempt after its first (it re-sends the prompt, and bills on top). */
export function isRetry(r: RequestResult): r is AttemptResult {
  return isAttempt(r) && r.attempt > 1;
}

/** feedsTargetGate says whether a record tells its target's gate how the target is doing: every attempt, warmup too. */
export function feedsTargetGate(r: RequestResult): r is AttemptResult {
  return isAttempt(r);
}

/** LiveSeries is where live metrics count a record: a route's counter, the warmup counter, or its target's series. */
export type LiveSeries = 'route' | 'warmup' | 'target';

/** liveSeriesOf is where live metrics count a record; null: nowhere (a route outcome of warmup or of the generator's failure). */
export function liveSeriesOf(r: RequestResult): LiveSeries | null {
  if (isOutcome(r)) return isCounted(r) ? 'route' : null;
  return isMeasured(r) ? 'target' : 'warmup';
}

/** OUTCOME_ATTEMPT is the `attempt` requests.csv writes for a route outcome (docs/outputs.md): 0, beside attempts 1, 2, …. */
export const OUTCOME_ATTEMPT = 0;

/** attemptColumn is a record's `attempt` cell in requests.csv: its attempt number, or OUTCOME_ATTEMPT for a route outcome. */
export function attemptColumn(r: RequestResult): number {
  return isOutcome(r) ? OUTCOME_ATTEMPT : r.attempt;
}

/** kindOfAttemptColumn reads the kind of record back from requests.csv's `attempt` cell. */
export function kindOfAttemptColumn(attempt: number): RecordKind {
  return attempt === OUTCOME_ATTEMPT ? 'outcome' : 'attempt';
}
