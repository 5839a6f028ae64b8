import type { Endpoint } from '../client/chat-client.js';
import type { GateClosed } from '../load/arrival.js';
import type { TargetStop } from '../metrics/recorder.js';
import type { RequestResult } from '../metrics/request-result.js';
import { BACKOFF_KINDS, isRefusal } from '../scenario/error-kinds.js';

/** GatePolicy is how much a target's pushback is honoured. */
export interface GatePolicy {
  /** The longest Retry-After honoured (a server asking for more waits this long); 0 ignores Retry-After. */
  maxRetryAfterMs: number;
  /** The first pause after the target starts failing (doubled on each further opening); 0: never close for errors. */
  errorBackoffMs: number;
  /** Consecutive failures that close the gate for errors. */
  openAfterFailures: number;
  /** Refusals (400, 401, 403, 404, 3xx) with no success between them that stop the target for the rest of the run; 0: never. */
  stopAfterRefusals: number;
}

// Closing for errors stops doubling here.
const MAX_UNAVAILABLE_MS = 30_000;

// A stopped target's gate: closed for the rest of the run.
const STOPPED: GateClosed = { untilMs: Infinity, reason: 'target_stopped' };

/**
 * TargetGate keeps a run from sending faster than a target asks. It closes when the target
 * answers a failure with Retry-After (429, 503…: for that long, capped: `rate_limited`), and, after
 * consecutive failures that say it is down or overloaded (5xx, 429, refused or reset
 * connections), for a pause that doubles each time it closes again (`unavailable`: a breaker).
 * A target that answers only refusals (a bad key, a region block, a wrong model name: answers a
 * retry will not change) is stopped for good after `stopAfterRefusals` of them (`target_stopped`).
 * Closed-loop users wait for it before sending; an open loop keeps its schedule and drops what
 * falls while it is closed. Time is the run clock, passed in.
 */
export class TargetGate {
  private retryUntilMs = 0;
  private unavailableUntilMs = 0;
  private failures = 0;
  private openings = 0;
  private refusals = 0;
  /** Set when the target was stopped for the rest of the run; never cleared. */
  stopped: Omit<TargetStop, 'hint'> | null = null;

  constructor(private readonly policy: GatePolicy) {}

  /** honours says whether this gate holds senders for a result's Retry-After (so they need no backoff of their own). */
  honours(r: RequestResult): boolean {
    return r.retryAfterMs !== null && r.errorKind !== null && this.policy.maxRetryAfterMs > 0;
  }

  /** observe learns from one result on the target; it returns the stop when this result stopped the target. */
  observe(r: RequestResult): Omit<TargetStop, 'hint'> | null {
    // A Retry-After on any failed answer (429 and 503 usually; some servers send it with a 500 or 502) is honoured.
    if (this.honours(r))
      this.retryUntilMs = Math.max(this.retryUntilMs, r.endAtMs + Math.min(r.retryAfterMs!, this.policy.maxRetryAfterMs));
    if (r.errorKind === null) {
      this.failures = 0;
      this.openings = 0;
      this.refusals = 0;
      return null;
    }
    const stop = this.refused(r);
    // Refusals that will stop the target do not close it for a while first: an open loop would otherwise take half a
    // minute of doubling pauses to send the refusals that stop it, instead of stopping now.
    const stopping = this.policy.stopAfterRefusals > 0 && isRefusal(r.errorKind, r.status);
    if (BACKOFF_KINDS.has(r.errorKind) && !stopping) this.backOff(r);
    return stop;
  }

  // refused counts refusals since the last success, and stops the target at the policy's count (once).
  private refused(r: RequestResult): Omit<TargetStop, 'hint'> | null {
    if (this.stopped || !isRefusal(r.errorKind, r.status)) return null;
    this.refusals++;
    if (this.policy.stopAfterRefusals === 0 || this.refusals < this.policy.stopAfterRefusals) return null;
    this.stopped = {
      atMs: r.endAtMs,
      afterRefusals: this.refusals,
      kind: r.errorKind!,
      status: r.status,
      message: r.errorMessage,
    };
    return this.stopped;
  }

  // backOff closes the gate for a while after enough failures in a row that say the target is down or overloaded.
  private backOff(r: RequestResult): void {
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
    if (this.stopped) return STOPPED;
    if (nowMs < this.retryUntilMs) return { untilMs: this.retryUntilMs, reason: 'rate_limited' };
    if (nowMs < this.unavailableUntilMs) return { untilMs: this.unavailableUntilMs, reason: 'unavailable' };
    return null;
  }

  /**
   * rateLimitedAt is closedAt for Retry-After and a stop only (closed-loop users back off from errors on their own).
   */
  rateLimitedAt(nowMs: number): GateClosed | null {
    if (this.stopped) return STOPPED;
    return nowMs < this.retryUntilMs ? { untilMs: this.retryUntilMs, reason: 'rate_limited' } : null;
  }
}

// A 400 that says the prompt does not fit: OpenAI's context_length_exceeded, Anthropic's "prompt is too long", vLLM's
// "maximum context length", Bedrock's "Input is too long".
const TOO_LONG = /context_length|context length|too long|maximum context|too many tokens/i;

/**
 * refusalHint says what to fix about a target stopped for its refusals, from the last one: the key (401), its
 * permissions or a region block (403), the model or deployment name (404), the prompt's length or the request (400),
 * the baseUrl (3xx).
 */
export function refusalHint(stop: Omit<TargetStop, 'hint'>, endpoint: Endpoint): string {
  const key = endpoint.keySource ? `the key in ${endpoint.keySource}` : 'the key (this target sends none: set apiKeyEnv)';
  if (stop.kind === 'redirect') return 'check the baseUrl: the API answers elsewhere';
  switch (stop.status) {
    case 401:
      return `check ${key}`;
    case 403:
      return `check the permissions of ${key}, a region block, or the account's access to the model ${endpoint.model}`;
    case 404:
      return `check the model or deployment name (${endpoint.model}) and the baseUrl`;
    default:
      return TOO_LONG.test(stop.message)
        ? `the prompt is too long for the model ${endpoint.model}: shorten the workload's prompt (or its output tokens)`
        : 'the provider refuses the request itself: check the model name and the body parameters the target sends';
  }
}
