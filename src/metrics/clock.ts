import { performance } from 'node:perf_hooks';

/**
 * Clock is the run's single monotonic time source. Every timestamp in a run is an offset in
 * milliseconds from one origin, taken from `performance.now()` (monotonic, sub-microsecond);
 * wall-clock time appears only as a label (`startedAt`). Injected, so tests can drive time.
 */
export interface Clock {
  /** Milliseconds since the run origin (monotonic, fractional). */
  now(): number;
  /** Wall-clock epoch milliseconds at the origin; for labels only. */
  readonly originEpochMs: number;
  /** The origin as `performance.timeOrigin + performance.now()`: a time base every thread of the process shares (see sharedClock). */
  readonly absoluteOriginMs?: number;
}

/** monotonicClock makes a Clock whose origin is the moment of the call. */
export function monotonicClock(): Clock {
  const origin = performance.now();
  const originEpochMs = Date.now();
  return {
    now: () => performance.now() - origin,
    originEpochMs,
    absoluteOriginMs: performance.timeOrigin + origin,
  };
}

/**
 * sharedClock is another thread's view of a clock made by monotonicClock: the same origin, read
 * through this thread's own performance.now() (each thread has its own timeOrigin; their sum is
 * one time base). Worker threads of one run stamp their results on the parent's clock with it.
 */
export function sharedClock(absoluteOriginMs: number, originEpochMs: number): Clock {
  const origin = absoluteOriginMs - performance.timeOrigin;
  return {
    now: () => performance.now() - origin,
    originEpochMs,
    absoluteOriginMs,
  };
}

/** msToUs converts a millisecond duration to the integer microseconds histograms record. */
export function msToUs(ms: number): number {
  return Math.round(ms * 1000);
}

/** usToMs converts histogram microseconds back to milliseconds for reports. */
export function usToMs(us: number): number {
  return us / 1000;
}

/** utcMinuteOfDay is the UTC minute of the day (0–1439) an epoch-ms instant falls in: what time-of-day prices are looked up by. */
export function utcMinuteOfDay(epochMs: number): number {
  const day = 86_400_000;
  return Math.floor((((epochMs % day) + day) % day) / 60_000);
}
