import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../metrics/clock.js';

// How far ahead the parent of worker threads sets the start, once every worker is ready: enough
// for the message to reach each thread and its first pass to set up its loops.
const START_MARGIN_MS = 100;

/**
 * nextWholeMs is the first whole millisecond on the run clock from now: where a load starts. A
 * start on a whole millisecond keeps every scheduled time a whole-microsecond offset from it, so
 * two runs of one seed schedule the same times, to the microsecond, after their starts.
 */
export function nextWholeMs(clock: Clock): number {
  return Math.ceil(clock.now());
}

/**
 * agreedStart is the instant worker threads start their load on, picked by their parent once all
 * are ready: a whole millisecond a small margin ahead on the shared clock, or the agreed wall-clock
 * start (`--start-at`) if that is later — waited for here up to the margin, on the wall clock (a
 * long wait must follow it). A stop ends the wait.
 */
export async function agreedStart(clock: Clock, stop: AbortSignal, startAtEpochMs?: number): Promise<number> {
  if (startAtEpochMs !== undefined) await waitUntilEpoch(startAtEpochMs - START_MARGIN_MS, stop);
  const earliest = clock.now() + START_MARGIN_MS;
  return Math.ceil(startAtEpochMs === undefined ? earliest : Math.max(earliest, startAtEpochMs - clock.originEpochMs));
}

/**
 * waitUntilEpoch sleeps to a wall-clock instant: in steps of at most a second (a suspended laptop
 * or a stepped clock does not oversleep by much), the last one to the millisecond. A stop ends it.
 */
export async function waitUntilEpoch(epochMs: number, stop: AbortSignal): Promise<void> {
  for (let left = epochMs - Date.now(); left > 0 && !stop.aborted; left = epochMs - Date.now()) {
    await sleep(Math.min(left, 1000), undefined, { signal: stop }).catch(() => undefined);
  }
}

/** untilStopped is the promise's value, or null if `stop` comes first. */
export function untilStopped<T>(p: Promise<T>, stop: AbortSignal): Promise<T | null> {
  if (stop.aborted) return Promise.resolve(null);
  return new Promise<T | null>((resolve, reject) => {
    const onStop = () => resolve(null);
    stop.addEventListener('abort', onStop, { once: true });
    p.then(resolve, reject).finally(() => stop.removeEventListener('abort', onStop));
  });
}
