import type { RequestResult } from '../metrics/request-result.js';
import type { Hit } from './chat-client.js';

/**
 * countedInFlight wraps a Hit so that `onInFlight` hears +1 when a call goes to the client and −1
 * when its result comes back: a live count of requests in flight, composed around the client
 * rather than a flag inside it. A Hit never throws, but the −1 sits in a `finally` all the same,
 * so a count can never drift upward.
 */
export function countedInFlight<R extends RequestResult>(hit: Hit<R>, onInFlight: (delta: 1 | -1) => void): Hit<R> {
  return async (call) => {
    onInFlight(1);
    try {
      return await hit(call);
    } finally {
      onInFlight(-1);
    }
  };
}
