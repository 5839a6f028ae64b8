import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import type { Arrival } from '../load/arrival.js';
import type { Clock } from '../metrics/clock.js';
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
 * runConversation sends one arrival's turns in order. Turn 0 goes at the arrival's schedule;
 * turn k waits for the reply to turn k−1 and the think time, and is scheduled when it could first
 * go. A failed turn ends the conversation (a user does not continue a chat that errored), and so
 * does a send the budget declined.
 */
export async function runConversation(deps: ConversationDeps, send: Send, a: Arrival, conv: Conversation, step: string): Promise<void> {
  const { clock, stop } = deps;
  const replies: string[] = [];
  for (let k = 0; k < conv.turns; k++) {
    let scheduledAtMs = a.scheduledAtMs;
    let queuedMs = a.queuedMs;
    if (k > 0) {
      const think = conv.thinkTimeMs(k);
      const due = clock.now() + think;
      if (think > 0) await sleep(think, undefined, { signal: stop }).catch(() => undefined);
      // Timers can wake a fraction of a millisecond early; the next turn never goes before its time.
      while (!stop.aborted && clock.now() < due) await yieldToLoop();
      if (stop.aborted) return;
      scheduledAtMs = clock.now();
      queuedMs = 0;
    }
    let reply = '';
    const spec = conv.turn(k, replies);
    const r = await send({ id: deps.nextId(), step, phase: a.phase, scheduledAtMs, queuedMs, ...spec, onReply: (t) => (reply = t) });
    if (r === null || r.errorKind !== null) return;
    replies.push(reply);
  }
}
