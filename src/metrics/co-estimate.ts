import { latencyStats, newHistogram, type Histogram, type LatencyStats } from './histogram.js';
import type { GroupAccumulator } from './recorder.js';

/**
 * CoEstimate is what an open loop at the same rate would likely have shown, estimated from a
 * closed loop's own histograms: HdrHistogram's expected-interval correction, with the expected
 * interval a user's own median service time (a closed-loop user sends again as soon as it is
 * answered). A stall holds every user, so the closed loop sends nothing while it lasts and its
 * percentiles barely move; the correction adds the requests an open loop would have sent during
 * it, each waiting out the rest of the stall. An estimate, labelled so: the raw histograms stay.
 */
export interface CoEstimate {
  /** The expected interval between one user's requests: its median end-to-end time, ms. */
  expectedIntervalMs: number;
  ttft: LatencyStats;
  e2e: LatencyStats;
  /** Requests that took at least STALL_INTERVALS expected intervals: each hid that many others (ordinary jitter does not). */
  stalls: number;
  /** Requests the correction added: the ones an open loop would have sent meanwhile. */
  hiddenRequests: number;
  /** Set when the estimate's p99 differs from the raw p99 by more than 10%: what it means, and what to do. */
  warning: string | null;
}

// Past this difference the raw closed-loop p99 is not a number to sign with.
const WARN_ABOVE = 0.1;
// A request this many expected intervals long is a stall, not jitter.
const STALL_INTERVALS = 10;

/** coEstimate corrects a closed-loop group's TTFT and E2E histograms for coordinated omission; null without a successful request. */
export function coEstimate(g: GroupAccumulator): CoEstimate | null {
  return coEstimateOf(g.histograms.e2e, g.histograms.ttft);
}

/** coEstimateOf is coEstimate from the two histograms it reads (a merged run's sums). */
export function coEstimateOf(e2e: Histogram | undefined, ttft: Histogram | undefined): CoEstimate | null {
  if (!e2e || e2e.totalCount === 0) return null;
  const intervalUs = Math.max(1, e2e.getValueAtPercentile(50));
  const corrected = (h: Histogram | undefined) => {
    const out = newHistogram();
    if (h) out.addWhileCorrectingForCoordinatedOmission(h, intervalUs);
    return out;
  };
  const e2eCo = corrected(e2e);
  const ttftCo = corrected(ttft);
  const stalls = e2e.totalCount - countBelow(e2e, STALL_INTERVALS * intervalUs);
  const raw = latencyStats(e2e);
  const est = latencyStats(e2eCo);
  const differs = raw.p99 !== null && est.p99 !== null && raw.p99 > 0 && Math.abs(est.p99 - raw.p99) / raw.p99 > WARN_ABOVE;
  return {
    expectedIntervalMs: intervalUs / 1000,
    ttft: latencyStats(ttftCo),
    e2e: est,
    stalls,
    hiddenRequests: e2eCo.totalCount - e2e.totalCount,
    warning: differs
      ? `closed loop hid ${stalls} stall${stalls === 1 ? '' : 's'}: its users stopped sending while the ` +
        `target stalled, so the raw E2E p99 ${roundMs(raw.p99!)}ms leaves them out; an open loop at the same ` +
        `rate would show E2E p99 ≈ ${roundMs(est.p99!)}ms (an estimate: HdrHistogram's expected-interval ` +
        `correction); rerun with rate: to measure it`
      : null,
  };
}

// countBelow counts recorded values below `us`, at the histogram's resolution: the percentile at
// which values first reach `us`, found by bisection (30 steps resolve well below one sample).
function countBelow(h: Histogram, us: number): number {
  if (h.maxValue < us) return h.totalCount;
  let lo = 0;
  let hi = 100;
  for (let i = 0; i < 30; i++) {
    const mid = (lo + hi) / 2;
    if (h.getValueAtPercentile(mid) < us) lo = mid;
    else hi = mid;
  }
  return Math.round((lo / 100) * h.totalCount);
}

// A figure quoted in a sentence: three significant digits are all a histogram holds.
function roundMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}
