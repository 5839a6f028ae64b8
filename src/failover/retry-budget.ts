/**
 * RetryBudget caps retries as a share of first attempts, so a failing provider cannot multiply
 * the load (a retry storm): every first attempt earns `ratio` of a retry, every retry spends one;
 * `minPerSec` retries a second are always allowed, so a quiet route can still fail over. (The
 * Finagle / Envoy retry-budget model.) Time is passed in.
 */
export class RetryBudget {
  // Balance in millionths of a retry: integers, so five deposits of 0.2 make exactly one retry.
  private balance = 0;
  private readonly perDeposit: number;
  private readonly cap: number;
  private second = -1;
  private freeUsed = 0;
  retries = 0;
  denied = 0;

  constructor(
    ratio: number,
    private readonly minPerSec: number,
    maxBalance = 1000,
  ) {
    this.perDeposit = Math.round(ratio * 1_000_000);
    this.cap = maxBalance * 1_000_000;
  }

  /** deposit is called for every first attempt. */
  deposit(): void {
    this.balance = Math.min(this.cap, this.balance + this.perDeposit);
  }

  /** tryRetry spends a retry if the budget allows one now. */
  tryRetry(nowMs: number): boolean {
    const s = Math.floor(nowMs / 1000);
    if (s !== this.second) {
      this.second = s;
      this.freeUsed = 0;
    }
    if (this.balance >= 1_000_000) {
      this.balance -= 1_000_000;
      this.retries++;
      return true;
    }
    if (this.freeUsed < this.minPerSec) {
      this.freeUsed++;
      this.retries++;
      return true;
    }
    this.denied++;
    return false;
  }
}
