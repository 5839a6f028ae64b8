import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../metrics/clock.js';
import type { BackoffReason, RequestPhase } from '../metrics/request-result.js';
import { deriveSeed, prng } from '../random/prng.js';
import type { Issue, LoopStopReason, Pacing } from './arrival.js';

/** Warmup is a warmup period: by time, or by request count (per target). */
export type Warmup = { durationMs: number } | { requests: number };

/** ConcurrencyStage ramps the number of virtual users linearly to `concurrency` over `durationMs`. */
export interface ConcurrencyStage {
  durationMs: number;
  concurrency: number;
}

/** ClosedLoopOptions drive one target's closed loop. */
export interface ClosedLoopOptions {
  /** Virtual users (fixed), or the starting count when `stages` ramp it. */
  concurrency: number;
  /** k6 ramping-vus: the user count follows these stages; their total is the loop's duration. */
  stages?: readonly ConcurrencyStage[];
  /** Measurement duration after warmup; the loop stops issuing when it ends. */
  durationMs?: number;
  /** Measured request count; the loop stops issuing when it is reached. */
  requests?: number;
  warmup?: Warmup;
  clock: Clock;
  /**
   * The loop's start on the run clock: every user present at the start sends its first request
   * scheduled on it, so the users of every target and worker thread of a run start together. The
   * loop waits for it if it lies ahead; absent: now.
   */
  startAtMs?: number;
  /** Graceful stop: no new requests; in-flight ones finish (or time out). */
  stop: AbortSignal;
  issue: Issue;
  /** How users meet a target that pushes back: its gate, and backoff after failures. */
  pacing?: Pacing;
}

// A user's backoff stops doubling here: long enough to spare a down provider, short enough to
// notice it is back.
const MAX_ERROR_BACKOFF_MS = 30_000;

// How often a ramp re-reads its target user count.
const RAMP_TICK_MS = 50;

/**
 * runClosedLoop keeps N requests in flight: each virtual user sends, waits for the whole response,
 * and sends again at once. In a closed loop the schedule *is* the send time (scheduledAtMs is the
 * moment a user frees up), so response and service time coincide: the load adapts to the server,
 * which is what the closed-loop model means. With stages, users are added and retired (after their
 * current request) as the ramp goes.
 */
export async function runClosedLoop(o: ClosedLoopOptions): Promise<LoopStopReason> {
  const { clock } = o;
  const startMs = o.startAtMs ?? clock.now();
  await reach(clock, startMs, o.stop);
  const stages = o.stages ?? [];
  const rampMs = stages.reduce((t, s) => t + s.durationMs, 0);
  // Without stages, warmup comes before the measured duration; with stages, it is the ramp's first part.
  const warmupEndMs = o.warmup && 'durationMs' in o.warmup ? startMs + o.warmup.durationMs : startMs;
  const warmupRequests = o.warmup && 'requests' in o.warmup ? o.warmup.requests : 0;
  let warmupIssued = 0;
  let measureIssued = 0;
  let measureStartMs: number | null = null;
  let reason: LoopStopReason | null = null;
  let desired = stages.length ? usersAt(o.concurrency, stages, 0) : o.concurrency;

  // Decide the phase of the next request, or that the loop is done. Synchronous, so the count of
  // requests issued never overshoots however many users ask at once.
  const pacing = o.pacing ?? {};
  const timeUp = (r: LoopStopReason) => {
    if (!reason) {
      reason = r;
      pacing.onScheduleEnd?.();
    }
    return null;
  };
  // The time is up when it is up, not when a user next asks: conversations in progress must learn
  // it then (no new turn starts after the load's end).
  let endTimer: NodeJS.Timeout | undefined;
  const endAt = (ms: number, r: LoopStopReason) => {
    endTimer = setTimeout(() => timeUp(r), Math.max(0, ms - clock.now()));
    endTimer.unref?.();
  };
  if (stages.length) endAt(startMs + rampMs, 'schedule');
  const nextPhase = (now: number): RequestPhase | null => {
    if (reason) return null;
    if (o.stop.aborted) {
      reason = 'interrupted';
      return null;
    }
    if (stages.length && now - startMs >= rampMs) return timeUp('schedule');
    if (warmupIssued < warmupRequests || now < warmupEndMs) {
      warmupIssued++;
      return 'warmup';
    }
    if (measureStartMs === null) {
      measureStartMs = now;
      if (o.durationMs !== undefined && !stages.length) endAt(now + o.durationMs, 'duration');
    }
    if (o.durationMs !== undefined && now - measureStartMs >= o.durationMs) return timeUp('duration');
    if (o.requests !== undefined && measureIssued >= o.requests) {
      reason = 'requests';
      return null;
    }
    measureIssued++;
    return 'measure';
  };

  // When the load's time is up, if it is time-bound: a wait never runs past it.
  const endMs = (): number => {
    if (stages.length) return startMs + rampMs;
    if (o.durationMs !== undefined) return (measureStartMs ?? Math.max(warmupEndMs, clock.now())) + o.durationMs;
    return Infinity;
  };
  // wait pauses a user (never past the load's end), and accounts for the time it waited.
  const wait = async (ms: number, why: BackoffReason, key?: number) => {
    const t0 = clock.now();
    const until = Math.min(t0 + ms, endMs());
    if (until <= t0) return;
    await sleep(until - t0, undefined, { signal: o.stop }).catch(() => undefined);
    pacing.onBackoff?.(why, clock.now() - t0, key);
  };

  const users: Promise<void>[] = [];
  // A user's first request is scheduled when the user came to be (the loop's start, or the ramp
  // tick that added it), however long the generator took to reach it: that delay is dispatch lag.
  const user = async (index: number, bornAtMs: number) => {
    const rng = prng(deriveSeed(pacing.seed ?? 0, `user:${index}`));
    let failures = 0;
    let due: number | null = bornAtMs;
    for (;;) {
      if (index >= desired) return; // retired by a ramp-down
      // A target that asked for time (Retry-After) gets it from every user, before they send — each
      // a little after the window opens (up to 10% of the wait, at most 1 s), so the users do not
      // all come back in the same millisecond.
      for (let g = pacing.gate?.(clock.now()); g && !o.stop.aborted && clock.now() < endMs(); g = pacing.gate?.(clock.now())) {
        const ms = g.untilMs - clock.now();
        await wait(ms + Math.min(1000, ms * 0.1) * rng.next(), 'rate_limited', g.key);
        due = null;
      }
      const now = due ?? clock.now();
      due = null;
      const phase = nextPhase(now);
      if (phase === null) return;
      const out = await o.issue({ phase, scheduledAtMs: now, queuedMs: 0 });
      failures = out?.backOff ? failures + 1 : 0;
      // After a failure that says the target is down or overloaded, back off exponentially with
      // jitter, so a dead endpoint is not hammered in a tight loop (k6's errorBackoff idea).
      if (failures && pacing.errorBackoffMs) {
        const base = Math.min(MAX_ERROR_BACKOFF_MS, pacing.errorBackoffMs * 2 ** (failures - 1));
        await wait(base / 2 + (base / 2) * rng.next(), 'error', out?.key);
      }
    }
  };
  const spawnUpTo = (n: number) => {
    for (let i = users.length; i < n; i++) users.push(user(i, startMs));
  };

  if (!stages.length) {
    spawnUpTo(desired);
  } else {
    // Users are indexed; raising `desired` spawns the missing ones, lowering it retires the highest.
    let alive = new Set<number>();
    const spawn = (atMs: number) => {
      for (let i = 0; i < desired; i++) {
        if (alive.has(i)) continue;
        alive.add(i);
        users.push(user(i, atMs).finally(() => alive.delete(i)));
      }
    };
    spawn(startMs);
    while (!reason && !o.stop.aborted) {
      await sleep(RAMP_TICK_MS, undefined, { signal: o.stop }).catch(() => undefined);
      const t = clock.now() - startMs;
      if (t >= rampMs) break;
      desired = usersAt(o.concurrency, stages, t);
      spawn(startMs + t);
    }
    if (!reason) reason = o.stop.aborted ? 'interrupted' : 'schedule';
    alive = new Set();
  }
  // Users may finish and new ones be pushed while we wait; wait until the list stops growing.
  for (let seen = 0; seen < users.length; ) {
    const n = users.length;
    await Promise.all(users.slice(seen, n));
    seen = n;
  }
  clearTimeout(endTimer);
  return reason ?? 'interrupted';
}

// reach waits until the clock reads `atMs` (or a stop): timers sleep whole milliseconds and may
// wake a little early, so the last stretch yields to the event loop until the instant is due.
async function reach(clock: Clock, atMs: number, stop: AbortSignal): Promise<void> {
  for (let left = atMs - clock.now(); left > 0 && !stop.aborted; left = atMs - clock.now()) {
    if (left >= 1) await sleep(Math.floor(left), undefined, { signal: stop }).catch(() => undefined);
    else await yieldToLoop();
  }
}

/** usersAt interpolates the ramp's user count at `t` ms (linear within a stage, rounded). */
export function usersAt(start: number, stages: readonly ConcurrencyStage[], t: number): number {
  let from = start;
  let at = 0;
  for (const s of stages) {
    if (t < at + s.durationMs) return Math.round(from + ((s.concurrency - from) * (t - at)) / s.durationMs);
    at += s.durationMs;
    from = s.concurrency;
  }
  return from;
}
