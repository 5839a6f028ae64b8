import type { Clock } from '../metrics/clock.js';
import type { RequestPhase } from '../metrics/request-result.js';

/** Warmup is a warmup period: by time, or by request count (per target). */
export type Warmup = { durationMs: number } | { requests: number };

/** ClosedLoopOptions drive one target's closed loop. */
export interface ClosedLoopOptions {
  concurrency: number;
  /** Measurement duration after warmup; the loop stops issuing when it ends. */
  durationMs?: number;
  /** Measured request count; the loop stops issuing when it is reached. */
  requests?: number;
  warmup?: Warmup;
  clock: Clock;
  /** Graceful stop: no new requests; in-flight ones finish (or time out). */
  stop: AbortSignal;
  /** Sends one request and records it; must not throw. */
  issue: (phase: RequestPhase, scheduledAtMs: number) => Promise<void>;
}

export type LoopStopReason = 'duration' | 'requests' | 'interrupted';

/**
 * runClosedLoop keeps `concurrency` requests in flight: each virtual user sends, waits for the
 * whole response, and sends again at once. In a closed loop the schedule *is* the send time,
 * so scheduledAtMs equals the moment a worker frees up (no coordinated-omission correction applies:
 * the load adapts to the server, which is what the closed-loop model means).
 */
export async function runClosedLoop(o: ClosedLoopOptions): Promise<LoopStopReason> {
  const { clock } = o;
  const startMs = clock.now();
  const warmupEndMs = o.warmup && 'durationMs' in o.warmup ? startMs + o.warmup.durationMs : startMs;
  const warmupRequests = o.warmup && 'requests' in o.warmup ? o.warmup.requests : 0;
  let warmupIssued = 0;
  let measureIssued = 0;
  let measureStartMs: number | null = null;
  let reason: LoopStopReason | null = null;

  // Decide the phase of the next request, or that the loop is done. Synchronous, so the count of
  // requests issued never overshoots however many workers ask at once.
  const nextPhase = (now: number): RequestPhase | null => {
    if (reason) return null;
    if (o.stop.aborted) {
      reason = 'interrupted';
      return null;
    }
    if (warmupIssued < warmupRequests || now < warmupEndMs) {
      warmupIssued++;
      return 'warmup';
    }
    measureStartMs ??= now;
    if (o.durationMs !== undefined && now - measureStartMs >= o.durationMs) {
      reason = 'duration';
      return null;
    }
    if (o.requests !== undefined && measureIssued >= o.requests) {
      reason = 'requests';
      return null;
    }
    measureIssued++;
    return 'measure';
  };

  const worker = async () => {
    for (;;) {
      const now = clock.now();
      const phase = nextPhase(now);
      if (phase === null) return;
      await o.issue(phase, now);
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  return reason ?? 'interrupted';
}
