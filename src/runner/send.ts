import type { ChatCall, Hit } from '../client/chat-client.js';
import type { BudgetGuard } from '../cost/budget-guard.js';
import type { RequestResult } from '../metrics/request-result.js';

/**
 * Send is a Hit as the runner uses it: it may decline to send (null) when a budget cap would be
 * crossed. Recording and budget checks wrap it, the way failover wraps the client, instead of
 * being threaded by hand through every traffic strategy.
 */
export type Send = (call: ChatCall) => Promise<RequestResult | null>;

/**
 * budgeted reserves a call's worst-case cost (its prompt plus its whole token limit, at `model`'s
 * price) before sending it, and releases the reservation when it ends. A call that could cross a
 * cap is not sent: `onCapReached` stops the run cleanly, before the spend, never after it. What a
 * request actually billed is charged by the sink that records it (see `RunContext.sink`).
 */
export function budgeted(hit: Hit, guard: BudgetGuard | null, model: string, onCapReached: () => void): Send {
  if (!guard) return hit;
  return async (call) => {
    const reservation = guard.reserve(model, call.inputTokensCounted, call.maxTokens);
    if (!reservation) {
      onCapReached();
      return null;
    }
    try {
      return await hit(call);
    } finally {
      guard.release(reservation);
    }
  };
}

/** recorded hands every result a Send produces to the run's sink (recorder, budget, requests.csv). */
export function recorded(send: Send, sink: (r: RequestResult) => void): Send {
  return async (call) => {
    const r = await send(call);
    if (r) sink(r);
    return r;
  };
}
