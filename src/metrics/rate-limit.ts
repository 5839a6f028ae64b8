import type { ResultBase } from './request-result.js';

/**
 * RateLimitHeadroom is the least quota a target's responses said was left (summary.json's group `rateLimit`): the
 * lowest requests and tokens remaining any response stated, each with the limit that same response stated (null when
 * it stated none), and whether either came within NEAR_LIMIT_SHARE of its limit.
 */
export interface RateLimitHeadroom {
  requestsRemainingMin: number | null;
  requestsLimit: number | null;
  tokensRemainingMin: number | null;
  tokensLimit: number | null;
  /** A quota's lowest remaining was at most NEAR_LIMIT_SHARE of its limit (or 0 when no limit was stated). */
  nearLimit: boolean;
}

/** NEAR_LIMIT_SHARE is how little quota left counts as "at the limit": 10 % of it. */
export const NEAR_LIMIT_SHARE = 0.1;

/** RateLimitLow is a group's running lowest headroom, as the recorder keeps it. */
export interface RateLimitLow {
  requestsRemaining: number | null;
  requestsLimit: number | null;
  tokensRemaining: number | null;
  tokensLimit: number | null;
}

/** noRateLimit is a RateLimitLow before any response stated a quota. */
export function noRateLimit(): RateLimitLow {
  return { requestsRemaining: null, requestsLimit: null, tokensRemaining: null, tokensLimit: null };
}

/** StatedQuota is what one response stated of its quotas (a record's rate-limit fields). */
export type StatedQuota = Pick<
  ResultBase,
  'rateLimitRequestsRemaining' | 'rateLimitRequestsLimit' | 'rateLimitTokensRemaining' | 'rateLimitTokensLimit'
>;

/** foldRateLimit keeps the lowest requests and tokens remaining a record's response stated, each with its own limit. */
export function foldRateLimit(low: RateLimitLow, r: StatedQuota): void {
  const req = r.rateLimitRequestsRemaining;
  if (req !== null && (low.requestsRemaining === null || req < low.requestsRemaining)) {
    low.requestsRemaining = req;
    low.requestsLimit = r.rateLimitRequestsLimit;
  }
  const tok = r.rateLimitTokensRemaining;
  if (tok !== null && (low.tokensRemaining === null || tok < low.tokensRemaining)) {
    low.tokensRemaining = tok;
    low.tokensLimit = r.rateLimitTokensLimit;
  }
}

/** rateLimitHeadroom is a group's lowest headroom for summary.json; null when no response stated a quota. */
export function rateLimitHeadroom(low: RateLimitLow): RateLimitHeadroom | null {
  if (low.requestsRemaining === null && low.tokensRemaining === null) return null;
  return {
    requestsRemainingMin: low.requestsRemaining,
    requestsLimit: low.requestsLimit,
    tokensRemainingMin: low.tokensRemaining,
    tokensLimit: low.tokensLimit,
    nearLimit: near(low.requestsRemaining, low.requestsLimit) || near(low.tokensRemaining, low.tokensLimit),
  };
}

/** mergeRateLimit is the lowest headroom of several parts' (merged shards or workers): the least left of any part. */
export function mergeRateLimit(parts: readonly (RateLimitHeadroom | null | undefined)[]): RateLimitHeadroom | null {
  const low = noRateLimit();
  for (const p of parts) {
    if (!p) continue;
    foldRateLimit(low, {
      rateLimitRequestsRemaining: p.requestsRemainingMin,
      rateLimitRequestsLimit: p.requestsLimit,
      rateLimitTokensRemaining: p.tokensRemainingMin,
      rateLimitTokensLimit: p.tokensLimit,
    });
  }
  return rateLimitHeadroom(low);
}

/** rateLimitWarning is the warning a group near its rate limit carries, in words; null when it was not near one. */
export function rateLimitWarning(target: string, h: RateLimitHeadroom | null | undefined): string | null {
  if (!h?.nearLimit) return null;
  const quota = (what: string, left: number | null, limit: number | null) =>
    left === null ? [] : [`${what} ${left}${limit === null ? '' : ` of ${limit}`} left`];
  const lows = [...quota('requests', h.requestsRemainingMin, h.requestsLimit), ...quota('tokens', h.tokensRemainingMin, h.tokensLimit)];
  return (
    `${target}: came within ${NEAR_LIMIT_SHARE * 100} % of its provider's rate limit (at the lowest: ${lows.join(', ')}): ` +
    'the bake-off was measuring the limiter, not the model'
  );
}

// Whether what is left is within NEAR_LIMIT_SHARE of the limit; with no limit stated, only nothing left is.
function near(left: number | null, limit: number | null): boolean {
  if (left === null) return false;
  return limit !== null && limit > 0 ? left <= limit * NEAR_LIMIT_SHARE : left === 0;
}
