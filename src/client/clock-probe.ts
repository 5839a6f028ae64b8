import { roundTo } from '../scenario/decimals.js';

/**
 * ClockEstimate bounds how far this machine's wall clock is from a server's, read from the HTTP
 * `Date` header of its replies: offset = local − server, in ms (positive: this clock is ahead).
 */
export interface ClockEstimate {
  /** Midpoint of the bounds. */
  offsetMs: number;
  /** Half the width of the bounds: the true offset is within offsetMs ± this. */
  uncertaintyMs: number;
  /** Distinct Date values read (one per second of the server's clock that a reply named). */
  samples: number;
  /** The server the estimate is against (its origin). */
  reference: string;
}

/**
 * ClockProbe estimates the offset of the local clock against a server's from the `Date` header of
 * its replies, as NTP does from timestamps, without asking anything of the server. A Date header
 * names the server's second, D, when it wrote the reply: the server's time s was in [D, D + 1 s).
 * A reply sent at local time t₀ and received at t₁ was written between them, so the offset
 * o = local − server satisfies t₀ − (D + 1 s) < o ≤ t₁ − D. Each reply gives such bounds; their
 * intersection tightens as replies land near the server's second boundaries, to within a round
 * trip after a few seconds of traffic. Per Date value only the first reply (the tightest upper
 * bound) and the last (the tightest lower) matter, so a reply costs one string comparison.
 */
export class ClockProbe {
  private date = '';
  private dateMs = NaN;
  private lower = -Infinity;
  private upper = Infinity;
  private n = 0;

  constructor(readonly reference: string) {}

  /** observe takes one reply: when it was sent and when its headers came (local epoch ms), and its Date header. */
  observe(sentEpochMs: number, receivedEpochMs: number, dateHeader: string | undefined): void {
    if (!dateHeader) return;
    if (dateHeader !== this.date) {
      const d = Date.parse(dateHeader);
      if (!Number.isFinite(d)) return;
      this.date = dateHeader;
      this.dateMs = d;
      this.n++;
      if (receivedEpochMs - d < this.upper) this.upper = receivedEpochMs - d;
    }
    // Later replies with the same Date can only raise the lower bound.
    const lo = sentEpochMs - (this.dateMs + 1000);
    if (lo > this.lower) this.lower = lo;
  }

  /** estimate is the offset within its bounds; null before any reply, or if the bounds cross (the server's clock jumped). */
  estimate(): ClockEstimate | null {
    if (this.n === 0 || !(this.lower <= this.upper)) return null;
    return {
      offsetMs: roundTo((this.lower + this.upper) / 2, 1),
      uncertaintyMs: roundTo((this.upper - this.lower) / 2, 1),
      samples: this.n,
      reference: this.reference,
    };
  }
}

/** tightest is the estimate with the smallest uncertainty (null when there is none). */
export function tightest(estimates: readonly (ClockEstimate | null)[]): ClockEstimate | null {
  let best: ClockEstimate | null = null;
  for (const e of estimates) if (e && (best === null || e.uncertaintyMs < best.uncertaintyMs)) best = e;
  return best;
}
