import type { Catalog } from './catalog.js';
import type { BilledSlot } from '../metrics/recorder.js';
import { costAt, pricesAt } from './billing.js';
import { divPico, usdFine, usdPrecise, type Pico } from './money.js';

/** GroupCost is what a group's traffic cost at the catalog's prices (off-peak windows included), from the tokens providers bill. */
export interface GroupCost {
  model: string;
  /** false when the model is not in the catalog (every amount is then null). */
  priced: boolean;
  /** $ per 1M input / output tokens at list price (off-peak windows and cache prices aside). */
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

/**
 * groupCost prices a group's billed tokens: a request the provider answered with 2xx is billed for
 * its input and its output (even if the stream then broke); an error response or a connection
 * failure is not. Each minute of the day the recorder kept is priced at the price in effect then
 * (an off-peak window, or the list price). Exact to the pico-dollar; amounts in dollars with 6 decimals.
 */
export function groupCost(
  model: string,
  billed: ReadonlyMap<number, BilledSlot>,
  requests: number,
  okRequests: number,
  outputTokensOk: number,
  catalog: Catalog,
): GroupCost {
  const p = catalog.lookup(model);
  if (!p)
    return {
      model,
      priced: false,
      pricePer1M: null,
      totalUsd: null,
      perSuccessfulRequestUsd: null,
      per1kRequestsUsd: null,
      per1MOutputTokensUsd: null,
      failedUsd: null,
    };
  let total: Pico = 0n;
  let failed: Pico = 0n;
  for (const [minute, slot] of billed) {
    const prices = pricesAt(p, minute);
    total += costAt(slot.billed, prices);
    failed += costAt(slot.failed, prices);
  }
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
