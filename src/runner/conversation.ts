import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import type { Arrival } from '../load/arrival.js';
import type { Clock } from '../metrics/clock.js';
import type { RequestResult } from '../metrics/request-result.js';
import type { Conversation } from '../workload/request-source.js';
import type { Send } from './send.js';

/** ConversationDeps are what sending a conversation needs from the run. */
export interface ConversationDeps {
  clock: Clock;
  /** Ends think-time waits and keeps later turns from starting. */
  stop: AbortSignal;
  /** A fresh request id, unique across the run. */
  nextId: () => number;
}

/**
 * ConversationEnd says how a conversation ended: every turn sent (`done`), ended by a failed turn
 * (`failed`), by the budget (`declined`), or by the load's time running out before its last turn
 * (`cut_short`) — with its last result, if any.
 */
export interface ConversationEnd {
  how: 'done' | 'failed' | 'declined' | 'cut_short' | 'stopped';
  last: RequestResult | null;
}

/**
 * runConversation sends one arrival's turns in order. Turn 1 goes at the arrival's schedule;
 * turn k waits for the reply to turn k−1 and the think time, and is scheduled when it could first
 * go. A failed turn ends the conversation (a user does not continue a chat that errored), and so
 * does a send the budget declined. Once the load's time is up (`ending`), no new turn starts: a
 * duration-bound run ends on time, and the conversation is counted as cut short.
 */
export async function runConversation(
  deps: ConversationDeps,
  send: Send,
  a: Arrival,
  conv: Conversation,
  step: string,
  ending?: AbortSignal,
): Promise<ConversationEnd> {
  const { clock, stop } = deps;
  // Made only for a second turn: most conversations have one, and a composite signal a request
  // would be garbage on the hot path.
  let halt: AbortSignal | undefined;
  const replies: string[] = [];
  let last: RequestResult | null = null;
  for (let k = 0; k < conv.turns; k++) {
    let scheduledAtMs = a.scheduledAtMs;
    let queuedMs = a.queuedMs;
    if (k > 0) {
      halt ??= ending ? AbortSignal.any([stop, ending]) : stop;
      const think = conv.thinkTimeMs(k);
      const due = clock.now() + think;
      if (think > 0) await sleep(think, undefined, { signal: halt }).catch(() => undefined);
      // Timers can wake a fraction of a millisecond early; the next turn never goes before its time.
      while (!halt.aborted && clock.now() < due) await yieldToLoop();
      if (stop.aborted) return { how: 'stopped', last };
      if (halt.aborted) return { how: 'cut_short', last };
      scheduledAtMs = clock.now();
      queuedMs = 0;
    }
    let reply = '';
    const spec = conv.turn(k, replies);
    const r = await send({ id: deps.nextId(), step, phase: a.phase, scheduledAtMs, queuedMs, ...spec, onReply: (t) => (reply = t) });
    if (r === null) return { how: 'declined', last };
    last = r;
    if (r.errorKind !== null) return { how: 'failed', last };
    replies.push(reply);
  }
  return { how: 'done', last };
}
