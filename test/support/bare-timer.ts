import { performance } from 'node:perf_hooks';

// The baseline for dispatch lag: a bare timer in the same process, firing every `periodMs` at
// absolute times and recording how late each tick ran. It is as late as the event loop and the
// machine let a timer be, and no later. An open-loop arrival due at the same instant as a tick
// is delayed by the same stalls (a descheduled process, a GC pause, a busy neighbour), so the
// arrival's dispatch lag minus the tick's lateness is the generator's own lag.

/** TimerTick is one tick of the bare timer: when it was due and how late it ran (performance.now() ms). */
export interface TimerTick {
  due: number;
  late: number;
}

/**
 * startBareTimer ticks every `periodMs` until stopped. A tick that runs past later slots stands for
 * them too: a timer due in a skipped slot could not have run before this one did (the event loop
 * ran no timers in between), so each slot gets its own lateness and lateness never accumulates.
 */
export function startBareTimer(periodMs = 1): { stop(): TimerTick[] } {
  const ticks: TimerTick[] = [];
  const t0 = performance.now();
  let stopped = false;
  let handle: NodeJS.Timeout | undefined;
  const arm = () => {
    const now = performance.now();
    const due = t0 + (Math.floor((now - t0) / periodMs) + 1) * periodMs;
    handle = setTimeout(() => {
      if (stopped) return;
      const ran = performance.now();
      for (let slot = due; slot <= ran; slot += periodMs) ticks.push({ due: slot, late: ran - slot });
      arm();
    }, due - now);
  };
  arm();
  return {
    stop() {
      stopped = true;
      clearTimeout(handle);
      return ticks;
    },
  };
}

/**
 * lagExcess pairs each dispatch (due instant and its lag, in ms) with the tick due nearest to it
 * (within `withinMs`; with a 1 ms timer every dispatch has one) and returns the excesses (lag − the tick's lateness), sorted, with how many
 * dispatches found a tick.
 */
export function lagExcess(dispatches: readonly { due: number; lag: number }[], ticks: readonly TimerTick[], withinMs = 1): number[] {
  const sorted = [...ticks].sort((a, b) => a.due - b.due);
  const out: number[] = [];
  for (const d of dispatches) {
    // Binary search for the first tick due at or after d.due; the nearest is it or the one before.
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]!.due < d.due) lo = mid + 1;
      else hi = mid;
    }
    const near = [sorted[lo - 1], sorted[lo]].filter((t): t is TimerTick => t !== undefined && Math.abs(t.due - d.due) <= withinMs);
    if (near.length === 0) continue;
    const tick = near.reduce((a, b) => (Math.abs(a.due - d.due) <= Math.abs(b.due - d.due) ? a : b));
    out.push(d.lag - tick.late);
  }
  return out.sort((a, b) => a - b);
}

/** quantile is the value at rank ceil(q·n) of sorted values (q = 0.5: the lower median, as an HDR histogram's p50). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new Error('quantile of nothing');
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}
