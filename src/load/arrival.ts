import type { RequestPhase } from '../metrics/request-result.js';

/**
 * Arrival is one request a load model asks for: its phase, when it was scheduled, and how long it
 * waited for a free in-flight slot (open loop with `maxInFlight` and `overflow: queue`).
 */
export interface Arrival {
  phase: RequestPhase;
  scheduledAtMs: number;
  queuedMs: number;
}

/** Issue sends one arrival and records it; it must never reject. */
export type Issue = (a: Arrival) => Promise<void>;

/** LoopStopReason says why a load loop stopped issuing. */
export type LoopStopReason = 'duration' | 'requests' | 'schedule' | 'interrupted';
