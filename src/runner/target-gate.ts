import type { GateClosed } from '../load/arrival.js';
import type { RequestResult } from '../metrics/request-result.js';
import { BACKOFF_KINDS } from '../scenario/error-kinds.js';

/** GatePolicy is how much a target's pushback is honoured. */
export interface GatePolicy {
  /** The longest Retry-After honoured (a server asking for more waits this long); 0 ignores Retry-After. */
  maxRetryAfterMs: number;
  /** The first pause after the target starts failing (doubled on each further opening); 0: never close for errors. */
  errorBackoffMs: number;
  /** Consecutive failures that close the gate for errors. */
  openAfterFailures: number;
}

// Closing for errors stops doubling here.
const MAX_UNAVAILABLE_MS = 30_000;

/**
 * TargetGate keeps a run from sending faster than a target asks. It closes when the target
 * answers a failure with Retry-After (429, 503…: for that long, capped: `rate_limited`), and, after
 * consecutive failures that say it is down or overloaded (5xx, 429, refused or reset
 * connections), for a pause that doubles each time it closes again (`unavailable`: a breaker).
 * Closed-loop users wait for it before sending; an open loop keeps its schedule and drops what
 * falls while it is closed. Time is the run clock, passed in.
 */
export class TargetGate {
  private retryUntilMs = 0;
  private unavailableUntilMs = 0;
  private failures = 0;
  private openings = 0;

  constructor(private readonly policy: GatePolicy) {}

  /** honours says whether this gate holds senders for a result's Retry-After (so they need no backoff of their own). */
  honours(r: RequestResult): boolean {
    return r.retryAfterMs !== null && r.errorKind !== null && this.policy.maxRetryAfterMs > 0;
  }

  /** observe learns from one result on the target. */
  observe(r: RequestResult): void {
    // A Retry-After on any failed answer (429 and 503 usually; some servers send it with a 500 or 502) is honoured.
    if (this.honours(r))
      this.retryUntilMs = Math.max(this.retryUntilMs, r.endAtMs + Math.min(r.retryAfterMs!, this.policy.maxRetryAfterMs));
    if (r.errorKind === null) {
      this.failures = 0;
      this.openings = 0;
      return;
    }
    if (!BACKOFF_KINDS.has(r.errorKind)) return;
    this.failures++;
    if (this.policy.errorBackoffMs > 0 && this.failures >= this.policy.openAfterFailures) {
      this.openings++;
      const pause = Math.min(MAX_UNAVAILABLE_MS, this.policy.errorBackoffMs * 2 ** (this.openings - 1));
      this.unavailableUntilMs = Math.max(this.unavailableUntilMs, r.endAtMs + pause);
      // The next attempt after the pause is a trial: one more failure closes it again, for longer.
      this.failures = this.policy.openAfterFailures - 1;
    }
  }

  /** closedAt says whether the target may be sent to at `nowMs`, and if not until when and why. */
  closedAt(nowMs: number): GateClosed | null {
    if (nowMs < this.retryUntilMs) return { untilMs: this.retryUntilMs, reason: 'rate_limited' };
    if (nowMs < this.unavailableUntilMs) return { untilMs: this.unavailableUntilMs, reason: 'unavailable' };
    return null;
  }

  /** rateLimitedAt is closedAt for Retry-After only (closed-loop users back off from errors on their own). */
  rateLimitedAt(nowMs: number): GateClosed | null {
    return nowMs < this.retryUntilMs ? { untilMs: this.retryUntilMs, reason: 'rate_limited' } : null;
  }
}
