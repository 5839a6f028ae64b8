/**
 * RetryBudget caps retries as a share of first attempts, so a failing provider cannot multiply
 * the load (a retry storm): every first attempt earns `ratio` of a retry, every retry spends one;
 * `minPerSec` retries a second are always allowed, so a quiet route can still fail over. (The
 * Finagle / Envoy retry-budget model.) Time is passed in.
 */
export class RetryBudget {
  private balance = 0;
  private second = -1;
  private freeUsed = 0;
  retries = 0;
  denied = 0;

  constructor(
    private readonly ratio: number,
    private readonly minPerSec: number,
    private readonly maxBalance = 1000,
  ) {}

  /** deposit is called for every first attempt. */
  deposit(): void {
    this.balance = Math.min(this.maxBalance, this.balance + this.ratio);
  }

  /** tryRetry spends a retry if the budget allows one now. */
  tryRetry(nowMs: number): boolean {
    const s = Math.floor(nowMs / 1000);
    if (s !== this.second) {
      this.second = s;
      this.freeUsed = 0;
    }
    if (this.balance >= 1) {
      this.balance -= 1;
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
