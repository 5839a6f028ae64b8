import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import pLimit from 'p-limit';
import type { Clock } from '../metrics/clock.js';
import type { DropReason, RequestPhase } from '../metrics/request-result.js';
import type { Pacer } from './arrivals.js';
import type { Issue, LoopStopReason, Pacing } from './arrival.js';

/** Overflow says what happens to an arrival when `maxInFlight` requests are already in flight. */
export type Overflow = 'drop' | 'queue';

/** OpenLoopOptions drive one target's open loop. */
export interface OpenLoopOptions {
  /** Arrival times from the start of the loop (warmup included). */
  pacer: Pacer;
  clock: Clock;
  /**
   * The loop's start on the run clock, which the pacer's offsets count from: every loop of a run
   * (each target, each worker thread) is given the same instant, so together they follow one
   * schedule. The loop waits for it if it lies ahead; absent: now.
   */
  startAtMs?: number;
  stop: AbortSignal;
  /** Cap on concurrent requests; unlimited when absent. */
  maxInFlight?: number;
  /**
   * The generator's own cap on requests outstanding (in flight or queued): each in-flight request
   * holds a connection, and a process has only so many file descriptors. An arrival beyond it is
   * dropped by the generator (`connection_cap`), instead of failing with EMFILE and being blamed
   * on the target.
   */
  connectionCap?: number;
  /**
   * The latest an arrival may leave after its schedule: one the generator could only send later is
   * dropped by it (`generator_lag`) instead of joining a burst that measures the generator's
   * backlog, not the target. Absent: no limit.
   */
  maxDispatchLagMs?: number;
  /**
   * drop (k6's dropped_iterations): the arrival is counted and never sent; queue: it waits for a slot, its latency
   * still counted from its schedule.
   */
  overflow: Overflow;
  /** Arrivals before this offset (ms from loop start) are warmup. */
  warmupMs?: number;
  /** The first N arrivals are warmup. */
  warmupRequests?: number;
  /** Stop after this many measured arrivals. */
  requests?: number;
  issue: Issue;
  /** The target's gate: arrivals while it is closed are dropped (rate_limited, unavailable), the schedule kept. */
  pacing?: Pacing;
  /** Called for each arrival that was dropped, never sent, with why. */
  onDropped: (phase: RequestPhase, scheduledAtMs: number, reason: DropReason) => void;
}

// The loop sleeps whole milliseconds toward an arrival (Node's timers have millisecond
// granularity). The sub-millisecond rest is covered by yielding with setImmediate only when
// arrivals are at least SPIN_GAP_MS apart, so that yielding is a small share of the loop's time;
// at higher rates (where yielding for every arrival kept the event loop 100% busy and starved the
// responses being measured) the loop sleeps one more millisecond instead, and an arrival leaves up
// to ~1 ms late — measured as dispatch lag, inside every response time. Never early.
const SPIN_GAP_MS = 5;

/**
 * runOpenLoop sends requests at the times the pacer schedules, whether or not earlier ones have
 * finished (the open-loop model: arrivals do not wait for the server). Each request's latency is
 * measured from its *scheduled* time, so a server stall or a late generator shows in the numbers
 * instead of silently thinning the load (coordinated omission). Arrivals that cannot be sent are
 * dropped and counted, or queued, as `overflow` says — never skipped silently.
 */
export async function runOpenLoop(o: OpenLoopOptions): Promise<LoopStopReason> {
  const { clock } = o;
  const startMs = o.startAtMs ?? clock.now();
  const warmupEnd = startMs + (o.warmupMs ?? 0);
  const warmupRequests = o.warmupRequests ?? 0;
  // maxInFlight is a concurrency limit with a queue behind it: p-limit's job. Without a cap,
  // requests go straight out.
  const limit = o.maxInFlight !== undefined ? pLimit(o.maxInFlight) : null;
  let arrivals = 0;
  let measured = 0;
  let outstanding = 0;
  let idle: (() => void) | null = null;
  let reason: LoopStopReason = 'schedule';

  const settled = () => {
    if (--outstanding === 0 && idle) idle();
  };
  const send = (phase: RequestPhase, scheduledAtMs: number) => {
    outstanding++;
    if (!limit) {
      void o.issue({ phase, scheduledAtMs, queuedMs: 0 }).finally(settled);
      return;
    }
    const queued = limit.activeCount >= limit.concurrency;
    void limit(() => {
      // Stopped while it waited for a slot: dropped, never sent.
      if (queued && o.stop.aborted) {
        o.onDropped(phase, scheduledAtMs, 'max_in_flight');
        return undefined;
      }
      // A queued request's wait counts as queue time; its latency still counts from its schedule.
      return o.issue({ phase, scheduledAtMs, queuedMs: queued ? clock.now() - scheduledAtMs : 0 });
    }).finally(settled);
  };

  const arrive = (scheduledAtMs: number): boolean => {
    const phase: RequestPhase = arrivals < warmupRequests || scheduledAtMs < warmupEnd ? 'warmup' : 'measure';
    arrivals++;
    if (phase === 'measure') {
      if (o.requests !== undefined && measured >= o.requests) {
        reason = 'requests';
        return false;
      }
      measured++;
    }
    const closed = o.pacing?.gate?.(scheduledAtMs);
    if (closed) o.onDropped(phase, scheduledAtMs, closed.reason);
    else if (o.maxDispatchLagMs !== undefined && clock.now() - scheduledAtMs > o.maxDispatchLagMs)
      o.onDropped(phase, scheduledAtMs, 'generator_lag');
    else if (o.connectionCap !== undefined && outstanding >= o.connectionCap) o.onDropped(phase, scheduledAtMs, 'connection_cap');
    else if (!limit || limit.activeCount < limit.concurrency || o.overflow === 'queue') send(phase, scheduledAtMs);
    else o.onDropped(phase, scheduledAtMs, 'max_in_flight');
    return true;
  };

  let offset = o.pacer.next();
  let previous = -Infinity;
  outer: while (offset !== null) {
    const wait = startMs + offset - clock.now();
    if (wait >= 1) await sleep(Math.floor(wait), undefined, { signal: o.stop }).catch(() => undefined);
    else if (wait > 0) {
      if (offset - previous >= SPIN_GAP_MS) await yieldToLoop();
      else await sleep(1, undefined, { signal: o.stop }).catch(() => undefined);
    }
    if (o.stop.aborted) {
      reason = 'interrupted';
      break;
    }
    // Issue everything now due (at high rates several arrivals share one wake-up).
    const now = clock.now();
    while (offset !== null && startMs + offset <= now) {
      if (!arrive(startMs + offset)) break outer;
      previous = offset;
      offset = o.pacer.next();
    }
  }
  if (reason === 'schedule' && o.requests !== undefined && measured >= o.requests) reason = 'requests';
  if (reason === 'schedule') o.pacing?.onScheduleEnd?.();

  // Queued arrivals never sent because the run stopped are dropped, and counted as such: lifting
  // the cap lets each one start at once, see the stop, and count itself dropped.
  if (reason === 'interrupted' && limit && limit.pendingCount > 0) limit.concurrency = Infinity;
  if (outstanding > 0) await new Promise<void>((resolve) => (idle = resolve));
  if (o.stop.aborted && reason === 'schedule') reason = 'interrupted';
  return reason;
}
