import { performance } from 'node:perf_hooks';

// The baseline for dispatch lag: a bare timer in the same process, firing every `periodMs` at
// absolute times and recording how late each tick ran. It is as late as the event loop and the
// machine let a timer be, and no later. An open-loop arrival due at the same instant is delayed by
// the same stalls (a descheduled process, a GC pause, a busy neighbour, a long synchronous task),
// so what the arrival's lag has beyond the timer's is the generator's own (see lagExcess).

/** TimerTick is one tick of the bare timer: when it was due, when it ran and how late that was (performance.now() ms). */
export interface TimerTick {
  due: number;
  ran: number;
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
      for (let slot = due; slot <= ran; slot += periodMs) ticks.push({ due: slot, ran, late: ran - slot });
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
 * lagExcess says, for each dispatch (the instant it was due and how late it went, in ms), how much
 * later it went than the event loop let it. The loop demonstrably let it go at the first moment,
 * at or after the dispatch's instant, when the bare timer ran again within 2 periods of its
 * previous run: the loop was turning over promptly then. Until such a moment — a stall of the
 * process or the machine, or the backlog of callbacks after one — the dispatch had no chance, and
 * its excess (send − that moment) is ≤ 0; a delay that is the generator's own while the loop
 * turns over freely (an await before sending, 10 ms of client overhead) shows whole, less ≤ 1
 * period. Returns the excesses, sorted ascending (−∞ for a dispatch after the timer's last
 * prompt run).
 */
export function lagExcess(dispatches: readonly { due: number; lag: number }[], ticks: readonly TimerTick[], periodMs = 1): number[] {
  const runs = [...new Set(ticks.map((t) => t.ran))].sort((a, b) => a - b);
  const free: number[] = [];
  for (let j = 1; j < runs.length; j++) if (runs[j]! - runs[j - 1]! <= 2 * periodMs) free.push(runs[j]!);
  const out: number[] = [];
  for (const d of dispatches) {
    // Binary search for the first prompt run at or after d.due.
    let lo = 0;
    let hi = free.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (free[mid]! < d.due) lo = mid + 1;
      else hi = mid;
    }
    out.push(lo < free.length ? d.due + d.lag - free[lo]! : -Infinity);
  }
  return out.sort((a, b) => a - b);
}

/**
 * heldUpMs is how long the event loop was held up during [from, to] (performance.now() ms): the
 * time between consecutive runs of the bare timer beyond its period, summed. A chain of timers
 * running in that span (a breaker's cool-down, then a probe) can be late by at most this in all.
 */
export function heldUpMs(ticks: readonly TimerTick[], from: number, to: number, periodMs = 1): number {
  const runs = [...new Set(ticks.map((t) => t.ran))].sort((a, b) => a - b);
  let held = 0;
  for (let j = 1; j < runs.length; j++) {
    if (runs[j]! < from || runs[j - 1]! > to) continue;
    held += Math.max(0, runs[j]! - runs[j - 1]! - periodMs);
  }
  return held;
}

/** quantile is the value at rank ceil(q·n) of sorted values (q = 0.5: the lower median, as an HDR histogram's p50). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new Error('quantile of nothing');
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}
