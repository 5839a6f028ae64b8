import type { Catalog } from './catalog.js';
import type { BilledSlot } from '../metrics/recorder.js';
import { costAt, pricesAt } from './billing.js';
import { divPico, usdFine, usdPrecise, type Pico } from './money.js';

/** GroupCost is what a group's traffic cost at the catalog's prices (off-peak windows included), from the tokens providers bill. */
export interface GroupCost {
  model: string;
  /** false when the model is not in the catalog (amounts are then 0). */
  priced: boolean;
  /** $ per 1M input / output tokens at list price (off-peak windows and cache prices aside). */
  pricePer1M: { input: number; output: number } | null;
  totalUsd: number;
  /** At full precision (a request can cost less than a micro-dollar): targets are ranked on it. */
  perSuccessfulRequestUsd: number;
  per1kRequestsUsd: number;
  per1MOutputTokensUsd: number;
  /** Cost of tokens billed for requests that then failed (mid-stream failures, retries that did not serve). */
  failedUsd: number;
}

/**
 * groupCost prices a group's billed tokens: a request the provider answered with 2xx is billed for
 * its input and its output (even if the stream then broke); an error response or a connection
 * failure is not. Each minute of the day the recorder kept is priced at the price in effect then
 * (an off-peak window, or the list price). Exact to the pico-dollar; amounts in dollars with 6 decimals.
 */
export function groupCost(model: string, billed: ReadonlyMap<number, BilledSlot>, requests: number, okRequests: number, outputTokensOk: number, catalog: Catalog): GroupCost {
  const p = catalog.lookup(model);
  if (!p) return { model, priced: false, pricePer1M: null, totalUsd: 0, perSuccessfulRequestUsd: 0, per1kRequestsUsd: 0, per1MOutputTokensUsd: 0, failedUsd: 0 };
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
    perSuccessfulRequestUsd: usdFine(divPico(total, okRequests)),
    per1kRequestsUsd: usdPrecise(divPico(total * 1000n, requests)),
    per1MOutputTokensUsd: usdPrecise(divPico(total * 1_000_000n, outputTokensOk)),
    failedUsd: usdPrecise(failed),
  };
}
