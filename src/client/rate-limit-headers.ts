import type { ResultBase } from '../metrics/request-result.js';

type Headers = Record<string, string | string[] | undefined>;

// Anthropic's token quotas, each as [remaining, limit]: its tokens-* pair names the most restrictive limit in effect, and
// the input- and output-token pairs the two it may be; the tightest of those a response states is the one that bites.
const ANTHROPIC_TOKENS: readonly (readonly [string, string])[] = [
  ['anthropic-ratelimit-tokens-remaining', 'anthropic-ratelimit-tokens-limit'],
  ['anthropic-ratelimit-input-tokens-remaining', 'anthropic-ratelimit-input-tokens-limit'],
  ['anthropic-ratelimit-output-tokens-remaining', 'anthropic-ratelimit-output-tokens-limit'],
];

/**
 * readRateLimit notes the provider's rate-limit headroom from a response's headers on its record: OpenAI's and Azure's
 * `x-ratelimit-remaining-requests` / `-tokens` with `x-ratelimit-limit-requests` / `-tokens`, or Anthropic's
 * `anthropic-ratelimit-requests-remaining` / `-limit` and its tightest token quota (tokens, input tokens, output
 * tokens). It runs on every response: a response without them costs a few header lookups and allocates nothing.
 */
export function readRateLimit(r: ResultBase, h: Headers): void {
  const openaiRequests = h['x-ratelimit-remaining-requests'];
  const openaiTokens = h['x-ratelimit-remaining-tokens'];
  if (openaiRequests !== undefined || openaiTokens !== undefined) {
    r.rateLimitRequestsRemaining = count(openaiRequests);
    r.rateLimitRequestsLimit = count(h['x-ratelimit-limit-requests']);
    r.rateLimitTokensRemaining = count(openaiTokens);
    r.rateLimitTokensLimit = count(h['x-ratelimit-limit-tokens']);
    return;
  }
  const anthropicRequests = h['anthropic-ratelimit-requests-remaining'];
  if (anthropicRequests !== undefined) {
    r.rateLimitRequestsRemaining = count(anthropicRequests);
    r.rateLimitRequestsLimit = count(h['anthropic-ratelimit-requests-limit']);
  }
  for (const [remainingKey, limitKey] of ANTHROPIC_TOKENS) {
    const left = count(h[remainingKey]);
    if (left === null) continue;
    const limit = count(h[limitKey]);
    if (r.rateLimitTokensRemaining === null || tighter(left, limit, r.rateLimitTokensRemaining, r.rateLimitTokensLimit)) {
      r.rateLimitTokensRemaining = left;
      r.rateLimitTokensLimit = limit;
    }
  }
}

// Whether quota a (left of limit) is tighter than quota b: by the share left when both limits are known, else by what is left.
function tighter(aLeft: number, aLimit: number | null, bLeft: number, bLimit: number | null): boolean {
  if (aLimit !== null && aLimit > 0 && bLimit !== null && bLimit > 0) return aLeft / aLimit < bLeft / bLimit;
  return aLeft < bLeft;
}

// A header's count; null when absent or not a non-negative number.
function count(v: string | string[] | undefined): number | null {
  const text = Array.isArray(v) ? v[0] : v;
  if (!text) return null;
  const n = Number(text);
  return Number.isFinite(n) && n >= 0 ? n : null;
}
