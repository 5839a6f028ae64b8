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
  const startMs = o.startAtMs ?? o.clock.now();
  await reach(o.clock, startMs, o.stop);
  const schedule = new ClosedSchedule(o, startMs);
  const users: Promise<void>[] = [];
  if (!o.stages?.length) {
    for (let i = 0; i < schedule.desired; i++) users.push(runUser(o, schedule, i, startMs));
  } else {
    await rampUsers(o, schedule, users);
  }
  // Users may finish and new ones be pushed while we wait; wait until the list stops growing.
  for (let seen = 0; seen < users.length; ) {
    const n = users.length;
    await Promise.all(users.slice(seen, n));
    seen = n;
  }
  return schedule.close();
}

// rampUsers follows the stages: raising the desired count spawns the missing users (indexed),
// lowering it retires the highest (after their current request). Returns when the ramp ends.
async function rampUsers(o: ClosedLoopOptions, schedule: ClosedSchedule, users: Promise<void>[]): Promise<void> {
  const alive = new Set<number>();
  const spawn = (atMs: number) => {
    for (let i = 0; i < schedule.desired; i++) {
      if (alive.has(i)) continue;
      alive.add(i);
      users.push(runUser(o, schedule, i, atMs).finally(() => alive.delete(i)));
    }
  };
  spawn(schedule.startMs);
  while (!schedule.reason && !o.stop.aborted) {
    await sleep(RAMP_TICK_MS, undefined, { signal: o.stop }).catch(() => undefined);
    const t = o.clock.now() - schedule.startMs;
    if (t >= schedule.rampMs) break;
    schedule.desired = usersAt(o.concurrency, o.stages ?? [], t);
    spawn(schedule.startMs + t);
  }
  schedule.rampEnded();
}

// runUser is one virtual user: it sends, waits for the whole response, and sends again — held by
// the target's gate (Retry-After) and its own backoff after failures. Its first request is
// scheduled when the user came to be (the loop's start, or the ramp tick that added it), however
// long the generator took to reach it: that delay is dispatch lag.
async function runUser(o: ClosedLoopOptions, schedule: ClosedSchedule, index: number, bornAtMs: number): Promise<void> {
  const { clock } = o;
  const pacing = o.pacing ?? {};
  const rng = prng(deriveSeed(pacing.seed ?? 0, `user:${index}`));
  let failures = 0;
  let due: number | null = bornAtMs;
  for (;;) {
    if (index >= schedule.desired) return; // retired by a ramp-down
    // A target that asked for time (Retry-After) gets it from every user, before they send — each
    // a little after the window opens (up to 10% of the wait, at most 1 s), so the users do not
    // all come back in the same millisecond.
    for (let g = pacing.gate?.(clock.now()); g && !o.stop.aborted && clock.now() < schedule.endMs(); g = pacing.gate?.(clock.now())) {
      // A target stopped for the rest of the run (it refused everything) gets no user again: the loop is over.
      if (g.reason === 'target_stopped') return schedule.targetStopped();
      const ms = g.untilMs - clock.now();
      await schedule.wait(ms + Math.min(1000, ms * 0.1) * rng.next(), 'rate_limited', g.key);
      due = null;
    }
    const now = due ?? clock.now();
    due = null;
    const phase = schedule.nextPhase(now);
    if (phase === null) return;
    const out = await o.issue({ phase, scheduledAtMs: now, queuedMs: 0 });
    failures = out?.backOff ? failures + 1 : 0;
    // After a failure that says the target is down or overloaded, back off exponentially with
    // jitter, so a dead endpoint is not hammered in a tight loop (k6's errorBackoff idea).
    if (failures && pacing.errorBackoffMs) {
      const base = Math.min(MAX_ERROR_BACKOFF_MS, pacing.errorBackoffMs * 2 ** (failures - 1));
      await schedule.wait(base / 2 + (base / 2) * rng.next(), 'error', out?.key);
    }
  }
}

/**
 * ClosedSchedule is what a closed loop's users share: how many of them there should be, the phase
 * of the next request, and when (and why) the load ends.
 */
class ClosedSchedule {
  /** Users there should be now (a ramp changes it). */
  desired: number;
  /** Why the loop stopped issuing, once it has. */
  reason: LoopStopReason | null = null;
  readonly rampMs: number;
  private readonly warmupEndMs: number;
  private readonly warmupRequests: number;
  private warmupIssued = 0;
  private measureIssued = 0;
  private measureStartMs: number | null = null;
  private endTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly o: ClosedLoopOptions,
    readonly startMs: number,
  ) {
    const stages = o.stages ?? [];
    this.rampMs = stages.reduce((t, s) => t + s.durationMs, 0);
    // Without stages, warmup comes before the measured duration; with stages, it is the ramp's first part.
    this.warmupEndMs = o.warmup && 'durationMs' in o.warmup ? startMs + o.warmup.durationMs : startMs;
    this.warmupRequests = o.warmup && 'requests' in o.warmup ? o.warmup.requests : 0;
    this.desired = stages.length ? usersAt(o.concurrency, stages, 0) : o.concurrency;
    if (stages.length) this.endAt(startMs + this.rampMs, 'schedule');
  }

  /**
   * nextPhase decides the phase of the next request, or that the loop is done. Synchronous, so the
   * count of requests issued never overshoots however many users ask at once.
   */
  nextPhase(now: number): RequestPhase | null {
    const o = this.o;
    if (this.reason) return null;
    if (o.stop.aborted) {
      this.reason = 'interrupted';
      return null;
    }
    if (o.stages?.length && now - this.startMs >= this.rampMs) return this.timeUp('schedule');
    if (this.warmupIssued < this.warmupRequests || now < this.warmupEndMs) {
      this.warmupIssued++;
      return 'warmup';
    }
    if (this.measureStartMs === null) {
      this.measureStartMs = now;
      if (o.durationMs !== undefined && !o.stages?.length) this.endAt(now + o.durationMs, 'duration');
    }
    if (o.durationMs !== undefined && now - this.measureStartMs >= o.durationMs) return this.timeUp('duration');
    if (o.requests !== undefined && this.measureIssued >= o.requests) {
      this.reason = 'requests';
      return null;
    }
    this.measureIssued++;
    return 'measure';
  }

  /** endMs is when the load's time is up, if it is time-bound: a wait never runs past it. */
  endMs(): number {
    if (this.o.stages?.length) return this.startMs + this.rampMs;
    if (this.o.durationMs !== undefined) return (this.measureStartMs ?? Math.max(this.warmupEndMs, this.o.clock.now())) + this.o.durationMs;
    return Infinity;
  }

  /** wait pauses a user (never past the load's end), and accounts for the time it waited. */
  async wait(ms: number, why: BackoffReason, key?: number): Promise<void> {
    const { clock } = this.o;
    const t0 = clock.now();
    const until = Math.min(t0 + ms, this.endMs());
    if (until <= t0) return;
    await sleep(until - t0, undefined, { signal: this.o.stop }).catch(() => undefined);
    this.o.pacing?.onBackoff?.(why, clock.now() - t0, key);
  }

  /** targetStopped ends the loop because its target was stopped for the rest of the run (users still waiting see it). */
  targetStopped(): void {
    this.reason ??= 'target_stopped';
  }

  /** rampEnded marks the end of a ramp's schedule (or the stop that cut it short). */
  rampEnded(): void {
    if (!this.reason) this.reason = this.o.stop.aborted ? 'interrupted' : 'schedule';
  }

  /** close stops the end timer and says why the loop stopped. */
  close(): LoopStopReason {
    clearTimeout(this.endTimer);
    return this.reason ?? 'interrupted';
  }

  // The time is up when it is up, not when a user next asks: conversations in progress must learn
  // it then (no new turn starts after the load's end).
  private endAt(ms: number, r: LoopStopReason): void {
    this.endTimer = setTimeout(() => this.timeUp(r), Math.max(0, ms - this.o.clock.now()));
    this.endTimer.unref?.();
  }

  private timeUp(r: LoopStopReason): null {
    if (!this.reason) {
      this.reason = r;
      this.o.pacing?.onScheduleEnd?.();
    }
    return null;
  }
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
