/** BreakerState is a circuit breaker's state. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** BreakerPolicy configures when a breaker opens and how it tries to close again. */
export interface BreakerPolicy {
  /** Consecutive failures that open the breaker. */
  failures: number;
  /** Or: an error rate above `above` over the last `windowMs`, once `minRequests` were seen. */
  errorRate?: { above: number; windowMs: number; minRequests: number };
  /** How long it stays open before letting probes through. */
  openForMs: number;
  /** Trial requests allowed at once while half-open. */
  halfOpenProbes: number;
}

/** BreakerTransition is one change of state, for the timeline. */
export interface BreakerTransition {
  atMs: number;
  target: string;
  from: BreakerState;
  to: BreakerState;
  reason: string;
}

const BUCKET_MS = 1000;

/**
 * CircuitBreaker guards one target: closed (traffic flows) → open after N consecutive failures or
 * an error rate over a window (traffic skips it) → half-open after a cool-down (a few trial
 * requests) → closed on a trial success, open again on a trial failure. Time is passed in, so the
 * breaker is a pure state machine that tests drive without a clock.
 */
export class CircuitBreaker {
  state: BreakerState = 'closed';
  private consecutive = 0;
  private openedAt = 0;
  private trials = 0;
  // Error-rate window as per-second buckets: [second, total, failed].
  private readonly buckets: [number, number, number][] = [];

  constructor(
    readonly target: string,
    private readonly policy: BreakerPolicy,
    private readonly onTransition: (t: BreakerTransition) => void = () => undefined,
  ) {}

  /** allow says whether a request may go to the target now (and counts a half-open trial). */
  allow(nowMs: number): boolean {
    if (this.state === 'open' && nowMs - this.openedAt >= this.policy.openForMs)
      this.move(nowMs, 'half-open', `cool-down of ${this.policy.openForMs}ms over`);
    if (this.state === 'closed') return true;
    if (this.state === 'half-open' && this.trials < this.policy.halfOpenProbes) {
      this.trials++;
      return true;
    }
    return false;
  }

  /** available is allow() without counting a trial: would a request be let through? */
  available(nowMs: number): boolean {
    if (this.state === 'closed') return true;
    if (this.state === 'open') return nowMs - this.openedAt >= this.policy.openForMs;
    return this.trials < this.policy.halfOpenProbes;
  }

  /**
   * probe feeds an active health check: a failure counts like a failed request; a success after
   * the cool-down closes an open (or half-open) breaker at once — the target is known to be back
   * without waiting for a user request to risk a trial.
   */
  probe(nowMs: number, ok: boolean): void {
    if (!ok) return this.record(nowMs, false);
    if (this.state === 'half-open' || (this.state === 'open' && nowMs - this.openedAt >= this.policy.openForMs)) {
      this.move(nowMs, 'closed', 'health probe succeeded after the cool-down');
      return;
    }
    if (this.state === 'closed') this.consecutive = 0;
  }

  /** record feeds an outcome (a request's, or a health probe's). */
  record(nowMs: number, ok: boolean): void {
    this.count(nowMs, ok);
    if (ok) {
      this.consecutive = 0;
      if (this.state === 'half-open') this.move(nowMs, 'closed', 'trial request succeeded');
      if (this.state === 'half-open' || this.state === 'closed') this.trials = 0;
      return;
    }
    this.consecutive++;
    if (this.state === 'half-open') return this.move(nowMs, 'open', 'trial request failed');
    if (this.state !== 'closed') return;
    if (this.consecutive >= this.policy.failures) return this.move(nowMs, 'open', `${this.consecutive} consecutive failures`);
    const rate = this.errorRate();
    if (rate !== null && rate > this.policy.errorRate!.above)
      this.move(nowMs, 'open', `error rate ${(rate * 100).toFixed(1)}% over ${this.policy.errorRate!.windowMs}ms`);
  }

  private move(nowMs: number, to: BreakerState, reason: string): void {
    const from = this.state;
    if (from === to) return;
    this.state = to;
    if (to === 'open') this.openedAt = nowMs;
    this.trials = 0;
    if (to === 'closed') {
      // A fresh start: failures from before the breaker opened must not re-open it at once.
      this.consecutive = 0;
      this.buckets.length = 0;
    }
    this.onTransition({ atMs: nowMs, target: this.target, from, to, reason });
  }

  private count(nowMs: number, ok: boolean): void {
    if (!this.policy.errorRate) return;
    const s = Math.floor(nowMs / BUCKET_MS);
    let b = this.buckets[this.buckets.length - 1];
    if (!b || b[0] !== s) this.buckets.push((b = [s, 0, 0]));
    b[1]++;
    if (!ok) b[2]++;
    const oldest = s - Math.ceil(this.policy.errorRate.windowMs / BUCKET_MS);
    while (this.buckets.length && this.buckets[0]![0] <= oldest) this.buckets.shift();
  }

  // The error rate over the window (record() has just counted and pruned it).
  private errorRate(): number | null {
    const p = this.policy.errorRate;
    if (!p) return null;
    let total = 0;
    let failed = 0;
    for (const [, t, f] of this.buckets) {
      total += t;
      failed += f;
    }
    return total >= p.minRequests ? failed / total : null;
  }
}

/**
 * breakerStateAt replays transitions: the state of `target`'s breaker on `route` at time `atMs`
 * (closed before any). A merged run holds several agents' breakers, one per part: the state is
 * then the worst of theirs (open, then half-open), i.e. whether any agent's breaker was open.
 */
export function breakerStateAt(
  transitions: readonly (BreakerTransition & { route: string; part?: string })[],
  route: string,
  target: string,
  atMs: number,
): BreakerState {
  const byPart = new Map<string | undefined, BreakerState>();
  for (const t of transitions) if (t.route === route && t.target === target && t.atMs <= atMs) byPart.set(t.part, t.to);
  let state: BreakerState = 'closed';
  for (const s of byPart.values()) if (s === 'open' || (s === 'half-open' && state === 'closed')) state = s;
  return state;
}
