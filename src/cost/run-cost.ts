import type { Catalog } from './catalog.js';
import { divPico, tokenCost, usdFine, usdPrecise, type Pico } from './money.js';

/** GroupCost is what a group's traffic cost at list prices, from the tokens providers bill. */
export interface GroupCost {
  model: string;
  /** false when the model is not in the catalog (every amount is then null). */
  priced: boolean;
  /** $ per 1M input / output tokens used. */
  pricePer1M: { input: number; output: number } | null;
  totalUsd: number | null;
  /** At full precision (a request can cost less than a micro-dollar): targets are ranked on it. Null without a successful request. */
  perSuccessfulRequestUsd: number | null;
  /** Null without a request. */
  per1kRequestsUsd: number | null;
  /** Null without an output token. */
  per1MOutputTokensUsd: number | null;
  /** Cost of tokens billed for requests that then failed (mid-stream failures, retries that did not serve). */
  failedUsd: number | null;
}

/** BilledTokens are a group's billable token counts (answered 2xx), and the part from failed requests. */
export interface BilledTokens {
  /** All prompt tokens, cached included. */
  input: number;
  output: number;
  /** Prompt tokens served from the provider's cache (priced at the cached-input price when the catalog has one). */
  cachedInput?: number;
  failedInput: number;
  failedOutput: number;
}

/**
 * groupCost prices a group's billed tokens: a request the provider answered with 2xx is billed for
 * its input and its output (even if the stream then broke); an error response or a connection
 * failure is not. Exact to the pico-dollar; amounts in dollars with 6 decimals.
 */
export function groupCost(model: string, billed: BilledTokens, requests: number, okRequests: number, outputTokensOk: number, catalog: Catalog): GroupCost {
  const p = catalog.lookup(model);
  if (!p) return { model, priced: false, pricePer1M: null, totalUsd: null, perSuccessfulRequestUsd: null, per1kRequestsUsd: null, per1MOutputTokensUsd: null, failedUsd: null };
  const cached = Math.min(billed.cachedInput ?? 0, billed.input);
  const total: Pico = tokenCost(billed.input - cached, p.inputMicros) + tokenCost(cached, p.cachedInputMicros ?? p.inputMicros) + tokenCost(billed.output, p.outputMicros);
  const failed: Pico = tokenCost(billed.failedInput, p.inputMicros) + tokenCost(billed.failedOutput, p.outputMicros);
  return {
    model,
    priced: true,
    pricePer1M: { input: p.perMillion.input, output: p.perMillion.output },
    totalUsd: usdPrecise(total),
    perSuccessfulRequestUsd: okRequests ? usdFine(divPico(total, okRequests)) : null,
    per1kRequestsUsd: requests ? usdPrecise(divPico(total * 1000n, requests)) : null,
    per1MOutputTokensUsd: outputTokensOk ? usdPrecise(divPico(total * 1_000_000n, outputTokensOk)) : null,
    failedUsd: usdPrecise(failed),
  };
}
