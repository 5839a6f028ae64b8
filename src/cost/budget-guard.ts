import type { Budget } from '../scenario/schema.js';
import type { Catalog } from './catalog.js';
import { tokenCost, usdPrecise, type Pico } from './money.js';
import { costAt, pricesAt, worstCase } from './billing.js';
import { utcMinuteOfDay } from '../metrics/clock.js';
import { billedTokensOf, UNKNOWN_MINUTE } from '../metrics/recorder.js';
import type { RequestResult } from '../metrics/request-result.js';
import { isBilled } from '../metrics/counting.js';

/** Reservation is what one request may cost at most, held until its real cost is known. */
export interface Reservation {
  pico: Pico;
  tokens: number;
}

/**
 * BudgetGuard keeps a run within `budget`: before a request is sent it reserves that request's
 * worst case (its prompt plus its whole token limit, at the dearest price the model has at any time
 * of day, a prompt token as a cache write if that costs more); afterwards the reservation is
 * replaced by what was actually billed, at the price in effect at the request's wall-clock send
 * time. A request whose worst case would cross a cap is not sent — so the run stops *before*
 * spending past it, never after.
 */
export class BudgetGuard {
  spent: Pico = 0n;
  private reserved: Pico = 0n;
  tokens = 0;
  private reservedTokens = 0;
  requests = 0;
  stopReason = '';

  constructor(
    private readonly budget: Budget,
    private readonly catalog: Catalog | undefined,
    /** Wall-clock epoch ms at the run clock's origin (a result's send time is origin + sentAtMs); without it, list prices. */
    private readonly originEpochMs?: number,
  ) {}

  /** reserve asks to send one request; null means a cap would be crossed (and says which, in stopReason). */
  reserve(model: string, inputTokens: number, maxTokens: number): Reservation | null {
    const b = this.budget;
    const price = this.catalog?.lookup(model);
    const worst = price ? worstCase(price) : null;
    const pico = worst ? tokenCost(inputTokens, worst.promptMicros) + tokenCost(maxTokens, worst.outputMicros) : 0n;
    const tokens = inputTokens + maxTokens;
    if (b.maxRequests !== undefined && this.requests + 1 > b.maxRequests) return this.deny(`budget: maxRequests ${b.maxRequests} reached`);
    if (b.maxTokens !== undefined && this.tokens + this.reservedTokens + tokens > b.maxTokens)
      return this.deny(`budget: the next request could take tokens past maxTokens ${b.maxTokens} (${this.tokens} used)`);
    if (b.maxUsd !== undefined && usdPrecise(this.spent + this.reserved + pico) > b.maxUsd)
      return this.deny(`budget: the next request could take spend past maxUsd $${b.maxUsd} ($${usdPrecise(this.spent).toFixed(4)} spent)`);
    this.requests++;
    this.reserved += pico;
    this.reservedTokens += tokens;
    return { pico, tokens };
  }

  /** release gives back a reservation once its request has ended (what it billed is charged attempt by attempt). */
  release(r: Reservation): void {
    this.reserved -= r.pico;
    this.reservedTokens -= r.tokens;
  }

  /**
   * charge adds what one record billed (counting.ts isBilled: an attempt answered 2xx, warmup
   * included), so each attempt is charged exactly once and a route's outcome never.
   */
  charge(a: RequestResult): void {
    if (!isBilled(a)) return;
    const price = this.catalog?.lookup(a.model);
    const minute = this.originEpochMs === undefined ? UNKNOWN_MINUTE : utcMinuteOfDay(this.originEpochMs + a.sentAtMs);
    if (price) this.spent += costAt(billedTokensOf(a), pricesAt(price, minute));
    this.tokens += a.inputTokens + a.outputTokens;
  }

  private deny(reason: string): null {
    this.stopReason ||= reason;
    return null;
  }
}
