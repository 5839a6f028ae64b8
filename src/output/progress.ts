import type { RequestResult } from '../metrics/request-result.js';
import { isGeneratorFailure, isMeasured, isUserRequest } from '../metrics/counting.js';

/**
 * Progress counts finished requests for the live progress line. It keeps counters only, so it
 * costs nothing per request beyond two increments.
 */
export class Progress {
  private done = 0;
  private failed = 0;
  private warmup = 0;
  private generator = 0;
  private lastDone = 0;
  private lastAt = performance.now();
  private readonly started = performance.now();

  onResult(r: RequestResult): void {
    // The user's view: a failover route's attempts are counted in its outcome, once.
    if (!isUserRequest(r)) return;
    if (!isMeasured(r)) this.warmup++;
    else {
      this.done++;
      if (isGeneratorFailure(r)) this.generator++;
      else if (r.errorKind !== null) this.failed++;
    }
  }

  /** line renders "12.0s  1,234 requests (5 failed)  102.3 req/s" with the rate since the last call. */
  line(): string {
    const now = performance.now();
    const rate = ((this.done - this.lastDone) * 1000) / Math.max(1, now - this.lastAt);
    this.lastDone = this.done;
    this.lastAt = now;
    const elapsed = ((now - this.started) / 1000).toFixed(1);
    const warm = this.warmup ? `  (+${this.warmup} warmup)` : '';
    const ours = this.generator ? `, ${this.generator} failed on the generator's side` : '';
    return `${elapsed}s  ${this.done.toLocaleString('en-US')} requests (${this.failed} failed${ours})  ${rate.toFixed(1)} req/s${warm}`;
  }
}
