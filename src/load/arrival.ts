import type { BackoffReason, RequestPhase } from '../metrics/request-result.js';

/**
 * Arrival is one request a load model asks for: its phase, when it was scheduled, and how long it
 * waited for a free in-flight slot (open loop with `maxInFlight` and `overflow: queue`).
 */
export interface Arrival {
  phase: RequestPhase;
  scheduledAtMs: number;
  queuedMs: number;
}

/** IssueOutcome is what a closed-loop user learns from sending: whether the target asked it to back off (it is down or overloaded). */
export interface IssueOutcome {
  backOff: boolean;
  /** Which of the stream's targets answered (a routed stream has several): for accounting the backoff. */
  key?: number;
}

/** Issue sends one arrival and records it; it must never reject. */
export type Issue = (a: Arrival) => Promise<IssueOutcome | undefined>;

/** LoopStopReason says why a load loop stopped issuing (target_stopped: its target refused everything, and was stopped). */
export type LoopStopReason = 'duration' | 'requests' | 'schedule' | 'interrupted' | 'target_stopped';

/**
 * GateClosed says a target may not be sent to before `untilMs`: it is rate limited (its
 * Retry-After is pending), unavailable (failing; its breaker is open), or stopped for the rest
 * of the run (it refused every request; untilMs is Infinity).
 */
export interface GateClosed {
  untilMs: number;
  reason: 'rate_limited' | 'unavailable' | 'target_stopped';
  /** Which of the stream's targets is closed (a routed stream has several): for accounting the wait. */
  key?: number;
}

/** Gate tells a load loop whether its target may be sent to now. */
export type Gate = (nowMs: number) => GateClosed | null;

/** Pacing is how a load loop treats a target that pushes back, and what it reports of it. */
export interface Pacing {
  /** The target's gate (closed loop: users wait for it; open loop: arrivals meanwhile are dropped). */
  gate?: Gate;
  /** Closed loop: a user's first backoff after a failure that asks for one, doubled on each further one (0: never back off). */
  errorBackoffMs?: number;
  /** Seeds the backoff jitter (each user its own stream). */
  seed?: number;
  /** Told each wait a closed-loop user made, with the key of the target it waited for. */
  onBackoff?: (reason: BackoffReason, ms: number, key?: number) => void;
  /** Told once when the load stops scheduling because its time is up (not when a request count is reached). */
  onScheduleEnd?: () => void;
}
